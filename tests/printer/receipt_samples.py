"""Sample receipts shared by the printer tests."""

from datetime import date, datetime

from printer.receipt import (
    CheckinSlip,
    DailySummary,
    ExchangeReceipt,
    ReceiptItem,
    RestockSlip,
    VoidReceipt,
)

AT = datetime(2024, 5, 1, 10, 23, 5)
STORE = "湘妹子能量家园·石门村爱心超市"

BUSY_EXCHANGE = ExchangeReceipt(
    store=STORE,
    kiosk_id="K01",
    number="X20240501-0007",
    created_at=AT,
    resident="王*英",
    household="王家",
    items=(
        ReceiptItem("金龙鱼食用油5L", 1, 300),
        ReceiptItem("蓝月亮深层洁净护理洗衣液（薰衣草香）3kg", 2, 240),
        ReceiptItem("Tissue", 10, 50),
        ReceiptItem("维达抽纸", 3, 45),
        ReceiptItem("陶瓷杯", 1, 20),
        ReceiptItem("老年人防滑拖鞋（加厚保暖款，尺码四十二）", 1, 80),
        ReceiptItem("食盐", 2, 10),
        ReceiptItem("牙刷", 4, 16),
    ),
    total=761,
    balance_before=1200,
    balance_after=439,
    pending_sync=True,
    reprint=True,
    beneficiary="王*奶",
)

PLAIN_EXCHANGE = ExchangeReceipt(
    store="湘妹子能量家园",
    kiosk_id="K01",
    number="X20240501-0008",
    created_at=AT,
    resident="李*华",
    household="李家",
    items=(ReceiptItem("金龙鱼食用油5L", 1, 300),),
    total=300,
    balance_before=500,
    balance_after=200,
)

VOID = VoidReceipt(
    store="湘妹子能量家园",
    kiosk_id="K01",
    number="V20240501-0001",
    original_number="X20240501-0007",
    created_at=AT,
    household="王家",
    items=(ReceiptItem("金龙鱼食用油5L", 1, 300),),
    total=300,
    balance_after=739,
    reason="误选商品",
)

CHECKIN = CheckinSlip(
    store="湘妹子能量家园",
    kiosk_id="K01",
    number="C20240501-0003",
    created_at=AT,
    activity="垃圾分类志愿服务",
    resident="王*英",
    household="王家",
    points=20,
    balance_after=459,
)

RESTOCK = RestockSlip(
    store="湘妹子能量家园",
    kiosk_id="K01",
    number="R20240501-0002",
    created_at=AT,
    product="金龙鱼食用油5L",
    qty=20,
    source="donation",
    donor="石门县农商银行",
    unit_value=6950,
)

SUMMARY = DailySummary(
    store="湘妹子能量家园",
    kiosk_id="K01",
    day=date(2024, 5, 1),
    exchanges=42,
    points_spent=8650,
    goods_out=(("金龙鱼食用油5L", 12), ("维达抽纸", 30)),
    restocks=2,
    checkins=55,
    points_earned=1100,
    voids=1,
)
