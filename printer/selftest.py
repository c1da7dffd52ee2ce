"""The printer self-test page: Chinese text, full-width forms, columns and a QR code."""

from printer.blocks import QR, Cut, Document, Feed, Rule, Text


def selftest_document(width: int = 32) -> Document:
    """Return a test page that shows whether Chinese, ¥, full-width digits and QR codes print."""
    ruler = "".join(str(i % 10) for i in range(1, width + 1))
    return (
        Text("湘妹子能量家园", "center", bold=True, double=True),
        Text("打印机自检 Printer self-test", "center"),
        Rule(),
        Text("中文：有行动就有积分"),
        Text("金额：¥12.50 ￥12.50"),
        Text("全角数字：１２３"),
        Text("半角数字：123"),
        Text("粗体 Bold", bold=True),
        Text("右对齐", "right"),
        Rule("="),
        Text(ruler),
        Text(f"上一行应正好 {width} 列"),
        Rule(),
        QR("KIOSK-SELFTEST-123"),
        Text("扫码应读出 KIOSK-SELFTEST-123", "center"),
        Feed(2),
        Cut(),
    )
