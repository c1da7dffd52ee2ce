"""Receipt layout: turn receipt data into a document of printable blocks, and back into text."""

from collections.abc import Iterable
from functools import singledispatch

from printer.blocks import QR, Align, Block, Cut, Document, Feed, Rule, Text, text_columns
from printer.receipt import (
    CheckinSlip,
    DailySummary,
    ExchangeReceipt,
    PointsHistorySlip,
    Receipt,
    ReceiptItem,
    RestockSlip,
    ShelfLabels,
    VoidReceipt,
)
from printer.textwidth import clean, display_width, wrap

__all__ = ["columns_for_paper", "display_width", "layout", "to_text", "wrap"]

_PAPER_COLUMNS = {58: 32, 80: 48}
_TIME = "%Y-%m-%d %H:%M:%S"
PRODUCT_QR = "EKP:"  # a shelf label's QR: the product code after this prefix
_SLOGAN = "有行动就有积分，有积分就有奖励"
_STAFF_ACTIONS = {  # the daily slip's names for what staff did
    "restock": "入库",
    "stocktake": "盘点",
    "write_off": "报损",
    "void": "撤销兑换",
    "product_add": "新增商品",
    "product_edit": "修改商品",
    "price_change": "改价",
    "checkin": "活动签到",
    "checkin_mode": "开启签到",
    "checkin_start": "开始签到",
    "checkin_end": "结束签到",
    "card_issue": "发卡",
    "card_revoke": "挂失注销卡",
    "household_register": "登记家庭",
    "reprint": "补打小票",
    "print_retry": "重打小票",
    "daily_summary": "打印日结",
    "labels": "打印标签",
    "settings": "修改设置",
    "staff_add": "添加店员",
    "staff_remove": "移除店员",
    "staff_call_answer": "应答呼叫",
    "exchange_window": "修改兑换时间",
    "pin_set": "修改密码",
}
_SOURCES = {
    "donation": ("捐赠", "捐赠方"),
    "purchase": ("采购", "供应商"),
    "transfer": ("调拨", "调出方"),
}


def columns_for_paper(mm: int) -> int:
    """Return the text columns of a paper roll ``mm`` millimetres wide."""
    try:
        return _PAPER_COLUMNS[mm]
    except KeyError:
        raise ValueError(f"unsupported paper width {mm} mm; use 58 or 80") from None


def layout(receipt: Receipt, width: int = 32) -> Document:
    """Lay out a receipt as blocks for paper ``width`` columns wide."""
    if width < 16:
        raise ValueError("width must be at least 16 columns")
    return (*_layout(receipt, width), Feed(2), Cut())


def to_text(doc: Document, width: int) -> str:
    """Render a document as plain text; QR codes appear as ``[QR: data]``."""
    lines: list[str] = []
    for block in doc:
        if isinstance(block, Text):
            for line in wrap(block.text, text_columns(block, width)):
                lines.append(_aligned(line, block.align, width).rstrip())
        elif isinstance(block, Rule):
            lines.append(_rule(block.char, width))
        elif isinstance(block, QR):
            label = wrap(f"[QR: {block.data}]", width)
            lines.extend(_aligned(line, "center", width).rstrip() for line in label)
        elif isinstance(block, Feed):
            lines.extend([""] * block.lines)
    return "\n".join(lines) + "\n"


def _rule(char: str, width: int) -> str:
    char = clean(char)[:1] or "-"
    return char * (width // max(display_width(char), 1))


def _aligned(line: str, align: Align, width: int) -> str:
    gap = max(width - display_width(line), 0)
    if align == "right":
        return " " * gap + line
    if align == "center":
        return " " * (gap // 2) + line
    return line


# Building blocks shared by the slips.


def _lines(text: str, width: int, align: Align = "left", bold: bool = False) -> list[Text]:
    return [Text(line, align, bold) for line in wrap(text, width)]


def _title(store: str, title: str, width: int, reprint: bool = False) -> list[Block]:
    blocks: list[Block] = []
    if reprint:
        blocks += [Text(line, "center", True, True) for line in wrap("【重打】", width // 2)]
    blocks += _lines(store, width, "center", True)
    blocks += [Text(line, "center", True, True) for line in wrap(title, width // 2)]
    return blocks


def _field(label: str, value: object, width: int, bold: bool = False) -> list[Text]:
    return _lines(f"{label}：{value}", width, bold=bold)


def _pair(label: str, value: object, width: int, bold: bool = False) -> list[Text]:
    """Label on the left, value flush right; stacked when they do not fit on one line."""
    label, right = clean(label), clean(str(value))
    gap = width - display_width(label) - display_width(right)
    if gap >= 1:
        return [Text(label + " " * gap + right, bold=bold)]
    return _lines(label, width, bold=bold) + _lines(right, width, "right", bold)


def _items(items: Iterable[tuple[str, int, int | None]], width: int) -> list[Text]:
    """A goods table: the name wraps in its column, quantity and points stay right-aligned."""
    rows = [(clean(name), str(qty), "" if pts is None else str(pts)) for name, qty, pts in items]
    has_points = any(pts for _, _, pts in rows)
    qty_w = max([4, *(len(q) + 1 for _, q, _ in rows)])
    pts_w = max([6, *(len(p) + 1 for _, _, p in rows)]) if has_points else 0
    name_w = width - qty_w - pts_w - 1
    if name_w < 8:
        return _stacked_items(rows, width)
    out = [Text(_row("商品", "数量", "积分" if has_points else "", name_w, qty_w, pts_w))]
    for name, qty, pts in rows:
        first, *rest = wrap(name, name_w)
        out.append(Text(_row(first, qty, pts, name_w, qty_w, pts_w)))
        out += [Text(line) for line in rest]
    return out


def _row(name: str, qty: str, pts: str, name_w: int, qty_w: int, pts_w: int) -> str:
    pad = " " * (name_w + 1 - display_width(name))
    return name + pad + _rjust(qty, qty_w) + (_rjust(pts, pts_w) if pts_w else "")


def _rjust(s: str, width: int) -> str:
    return " " * (width - display_width(s)) + s


def _stacked_items(rows: list[tuple[str, str, str]], width: int) -> list[Text]:
    out: list[Text] = []
    for name, qty, pts in rows:
        out += _lines(name, width)
        out += _lines(f"x{qty}  {pts}".rstrip(), width, "right")
    return out


@singledispatch
def _layout(receipt: object, width: int) -> list[Block]:
    raise TypeError(f"no receipt layout for {type(receipt).__name__}")


@_layout.register
def _(r: ExchangeReceipt, width: int) -> list[Block]:
    blocks: list[Block] = _title(r.store, "积分兑换凭条", width, r.reprint)
    if r.pending_sync:
        blocks += _lines("※ 待同步：联网后自动上传", width, "center", True)
    blocks += [Rule()]
    blocks += _field("交易号", r.number, width)
    blocks += _field("时间", r.created_at.strftime(_TIME), width)
    blocks += _field("终端", r.kiosk_id, width)
    blocks += _field("住户", r.household, width)
    blocks += _field("兑换人", r.resident, width)
    if r.beneficiary:
        blocks += _field("代领对象", r.beneficiary, width)
    blocks += [Rule(), *_items(_item_rows(r.items), width), Rule()]
    blocks += _pair("合计", f"{r.total} 积分", width, bold=True)
    blocks += _pair("兑换前余额", r.balance_before, width)
    blocks += _pair("兑换后余额", r.balance_after, width, bold=True)
    if r.next_exchange_day:
        blocks += [Rule(), *_lines("下次集中兑换：", width, bold=True)]
        blocks += _lines(r.next_exchange_day, width, bold=True)
    blocks += [Rule(), QR(r.number), *_lines(r.number, width, "center")]
    return [*blocks, *_lines(_SLOGAN, width, "center")]


@_layout.register
def _(r: VoidReceipt, width: int) -> list[Block]:
    blocks: list[Block] = _title(r.store, "撤销凭条", width, r.reprint)
    blocks += [Rule()]
    blocks += _field("撤销单号", r.number, width)
    blocks += _field("原交易号", r.original_number, width)
    blocks += _field("时间", r.created_at.strftime(_TIME), width)
    blocks += _field("终端", r.kiosk_id, width)
    blocks += _field("住户", r.household, width)
    blocks += _field("原因", r.reason, width)
    blocks += [Rule(), *_items(_item_rows(r.items), width), Rule()]
    blocks += _pair("退回积分", r.total, width, bold=True)
    blocks += _pair("撤销后余额", r.balance_after, width, bold=True)
    return [*blocks, Rule(), QR(r.number), *_lines(r.number, width, "center")]


@_layout.register
def _(r: CheckinSlip, width: int) -> list[Block]:
    blocks: list[Block] = _title(r.store, "签到凭条", width, r.reprint)
    blocks += [Rule()]
    blocks += _field("编号", r.number, width)
    blocks += _field("时间", r.created_at.strftime(_TIME), width)
    blocks += _field("活动", r.activity, width)
    blocks += _field("住户", r.household, width)
    blocks += _field("参与人", r.resident, width)
    blocks += [Rule()]
    blocks += _pair("获得积分", f"+{r.points}", width, bold=True)
    blocks += _pair("当前余额", r.balance_after, width)
    blocks += [Rule(), QR(r.number), *_lines(r.number, width, "center")]
    return [*blocks, *_lines(_SLOGAN, width, "center")]


@_layout.register
def _(r: RestockSlip, width: int) -> list[Block]:
    source, party = _SOURCES.get(r.source, (r.source, "来源方"))
    blocks: list[Block] = _title(r.store, "入库单", width, r.reprint)
    blocks += [Rule()]
    blocks += _field("单号", r.number, width)
    blocks += _field("时间", r.created_at.strftime(_TIME), width)
    blocks += _field("终端", r.kiosk_id, width)
    blocks += _field("来源", source, width)
    if r.donor:
        blocks += _field(party, r.donor, width)
    blocks += [Rule(), *_items([(r.product, r.qty, None)], width), Rule()]
    if r.unit_value is not None:
        blocks += _pair("单价", _yuan(r.unit_value), width)
        blocks += _pair("总价值", _yuan(r.unit_value * r.qty), width, bold=True)
    blocks += [Feed(), *_lines("经手人签字：", width), Feed(), Rule()]
    return [*blocks, QR(r.number), *_lines(r.number, width, "center")]


@_layout.register
def _(r: DailySummary, width: int) -> list[Block]:
    blocks: list[Block] = _title(r.store, "日结汇总", width, r.reprint)
    blocks += [Rule()]
    blocks += _field("日期", r.day.isoformat(), width)
    blocks += _field("终端", r.kiosk_id, width)
    blocks += [Rule()]
    blocks += _pair("兑换笔数", r.exchanges, width)
    blocks += _pair("兑出积分", r.points_spent, width, bold=True)
    blocks += _pair("撤销笔数", r.voids, width)
    blocks += _pair("签到人次", r.checkins, width)
    blocks += _pair("发放积分", r.points_earned, width, bold=True)
    blocks += _pair("入库批次", r.restocks, width)
    if r.goods_out:
        blocks += [Rule(), *_lines("出库商品", width, bold=True)]
        blocks += _items([(name, qty, None) for name, qty in r.goods_out], width)
    if r.staff_work:
        blocks += [Rule(), *_lines("店员操作", width, bold=True)]
        for name, action, n in r.staff_work:
            blocks += _pair(f"{name} {_STAFF_ACTIONS.get(action, action)}", n, width)
    return [*blocks, Rule(), Feed(), *_lines("店员签字：", width), Feed()]


@_layout.register
def _(r: PointsHistorySlip, width: int) -> list[Block]:
    blocks: list[Block] = _title(r.store, "积分明细", width, r.reprint)
    blocks += [Rule()]
    blocks += _field("户名", r.household, width)
    blocks += _field("时间", r.created_at.strftime(_TIME), width)
    blocks += _pair("积分余额", r.balance, width, bold=True)
    blocks += [Rule()]
    for line in r.lines:
        mark = "" if line.confirmed else "（待确认）"
        blocks += _lines(f"{line.day} {line.what}{mark}", width)
        blocks += _lines(f"{line.points:+d}", width, "right", bold=True)
    if not r.lines:
        blocks += _lines("暂无积分记录", width)
    return [*blocks, Rule(), *_lines("“待确认”：中心尚未确认的记录", width)]


@_layout.register
def _(r: ShelfLabels, width: int) -> list[Block]:
    blocks: list[Block] = []
    for n, label in enumerate(r.labels):
        if n:
            blocks += [Feed(), Rule("-"), Feed()]  # where to cut one label from the next
        blocks += _lines(label.name, width, "center", True)
        blocks += _lines(f"{label.points} 积分/{label.unit}", width, "center", True)
        blocks += [QR(PRODUCT_QR + label.code), *_lines(label.code, width, "center")]
        blocks += _lines(r.store, width, "center")
    return blocks


def _item_rows(items: tuple[ReceiptItem, ...]) -> list[tuple[str, int, int | None]]:
    return [(item.name, item.qty, item.points) for item in items]


def _yuan(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    # The full-width sign: two bytes in GBK as in GB18030 (the half-width ¥ is not in GBK).
    return f"{sign}￥{abs(cents) // 100}.{abs(cents) % 100:02d}"
