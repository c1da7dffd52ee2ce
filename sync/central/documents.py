"""Documents the office prints and signs: a partner store's settlement, a donor's certificate.

PDF on A4 with the shipped font embedded (core.sheets), so the Chinese shows in any viewer
and on any printer; the settlement also as XLSX. The texts are Chinese: these papers are
signed and kept by the programme and its partners.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import IO, Any

from core.domain.board import DIGEST_VERSION
from core.sheets import GREY, INK, MM, PAGE, PROGRAMME, _register_font, _text, _wrap

LEFT, RIGHT = 20 * MM, PAGE[0] - 20 * MM
WIDTH = RIGHT - LEFT
ROW = 7 * MM
BOTTOM = 40 * MM  # below this a table continues on the next page


def yuan(amount: Decimal | None) -> str:
    """Write an amount of money as the documents show it: 1234.50."""
    return "—" if amount is None else f"{amount:,.2f}"


def _canvas(out: IO[bytes], title: str):
    from reportlab.pdfgen.canvas import Canvas

    _register_font()
    c = Canvas(out, pagesize=PAGE, pageCompression=1)
    c.setTitle(title)
    c.setCreator("exchange-kiosk")
    return c


def _heading(c, title: str, subtitle: str) -> float:
    c.setFillColorRGB(*INK)
    _text(c, PROGRAMME, PAGE[0] / 2, PAGE[1] - 22 * MM, 12, WIDTH, align="centre")
    _text(c, title, PAGE[0] / 2, PAGE[1] - 34 * MM, 20, WIDTH, smallest=12, align="centre")
    c.setFillColorRGB(*GREY)
    _text(c, subtitle, PAGE[0] / 2, PAGE[1] - 42 * MM, 10, WIDTH, smallest=7, align="centre")
    c.setFillColorRGB(*INK)
    return PAGE[1] - 56 * MM


def _pairs(c, y: float, pairs: list[tuple[str, str]]) -> float:
    for label, value in pairs:
        _text(c, label, LEFT, y, 11, 45 * MM, smallest=8)
        _text(c, value, LEFT + 48 * MM, y, 11, WIDTH - 48 * MM, smallest=7)
        y -= ROW
    return y


def _table(c, y: float, header: list[str], rows: list[list[str]], widths: list[float]) -> float:
    """Draw a table from y down (numbers right-aligned), carrying on over pages."""

    def head(y: float) -> float:
        c.setLineWidth(0.6)
        c.line(LEFT, y + ROW - 2 * MM, RIGHT, y + ROW - 2 * MM)
        _row(c, y, header, widths, bold=True)
        c.line(LEFT, y - 2 * MM, RIGHT, y - 2 * MM)
        return y - ROW

    y = head(y)
    for row in rows:
        if y < BOTTOM:
            c.showPage()
            y = head(PAGE[1] - 25 * MM)
        _row(c, y, row, widths)
        y -= ROW
    c.setLineWidth(0.6)
    c.line(LEFT, y + ROW - 2 * MM, RIGHT, y + ROW - 2 * MM)
    return y - 2 * MM


def _row(c, y: float, cells: list[str], widths: list[float], bold: bool = False) -> None:
    x = LEFT
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        room = width * WIDTH - 2 * MM
        if i >= 2:  # quantities and amounts
            _text(c, cell, x + width * WIDTH - 1 * MM, y, 10, room, smallest=7, align="right")
        else:
            _text(c, cell, x + 1 * MM, y, 10, room, smallest=7)
        x += width * WIDTH


def _signatures(c, y: float, sides: list[str]) -> None:
    if y < BOTTOM + 10 * MM:
        c.showPage()
        y = PAGE[1] - 40 * MM
    y -= 12 * MM
    half = WIDTH / len(sides)
    for i, side in enumerate(sides):
        x = LEFT + i * half
        _text(c, side, x, y, 11, half - 6 * MM, smallest=8)
        _text(c, "签字（盖章）：", x, y - 14 * MM, 10, 30 * MM)
        c.line(x + 28 * MM, y - 15 * MM, x + half - 8 * MM, y - 15 * MM)
        _text(c, "日期：", x, y - 26 * MM, 10, 20 * MM)
        c.line(x + 28 * MM, y - 27 * MM, x + half - 8 * MM, y - 27 * MM)


def _footer(c, made: date) -> None:
    c.setFillColorRGB(*GREY)
    _text(c, f"制表日期 {made.isoformat()}", LEFT, 15 * MM, 8, WIDTH / 2)


def settlement_pdf(s: dict[str, Any], out: IO[bytes], made: date) -> None:
    """Write a partner store's settlement statement, with lines for both sides to sign."""
    c = _canvas(out, f"积分结算单 {s['store']} {s['label']}")
    y = _heading(c, "商家联盟积分结算单", f"{s['store']}　结算期 {s['from']} 至 {s['to']}")
    y = _pairs(
        c,
        y,
        [
            ("商家", s["store"]),
            ("结算期", f"{s['from']} 至 {s['to']}"),
            ("结算标准", "未设定" if s["rate"] is None else f"{s['rate']} 元/分"),
            ("兑换笔数", str(s["exchanges"])),
            ("服务户数", str(s["households_served"])),
            ("兑换积分", f"{s['points_redeemed']} 分"),
            ("发放商品", f"{s['goods_issued']} 件"),
            ("应付金额", f"{yuan(s['amount_due'])} 元"),
        ],
    )
    y -= 4 * MM
    rows = [[g["code"], g["name"], str(g["qty"]), str(g["points"])] for g in s["goods"]]
    rows.append(["", "合计", str(s["goods_issued"]), str(s["points_redeemed"])])
    y = _table(c, y, ["商品编码", "商品", "数量", "积分"], rows, [0.22, 0.42, 0.16, 0.20])
    _signatures(c, y, ["项目办（甲方）", f"商家（乙方）：{s['store']}"])
    _footer(c, made)
    c.showPage()
    c.save()


def settlement_xlsx(s: dict[str, Any], out: IO[bytes]) -> None:
    """Write a partner store's settlement as a workbook: the figures, then the goods."""
    from sync.central.spreadsheet import write_xlsx_sheet

    lines: list[list[Any]] = [
        ["商家联盟积分结算单"],
        ["商家", s["store"]],
        ["结算期", f"{s['from']} 至 {s['to']}"],
        ["结算标准（元/分）", s["rate"]],
        ["兑换笔数", s["exchanges"]],
        ["服务户数", s["households_served"]],
        ["兑换积分", s["points_redeemed"]],
        ["发放商品（件）", s["goods_issued"]],
        ["应付金额（元）", s["amount_due"]],
        [],
        ["商品编码", "商品", "数量", "积分"],
        *[[g["code"], g["name"], g["qty"], g["points"]] for g in s["goods"]],
        ["", "合计", s["goods_issued"], s["points_redeemed"]],
        [],
        ["项目办（甲方）签字", "", "商家（乙方）签字"],
        ["日期", "", "日期"],
    ]
    write_xlsx_sheet(
        out, "结算单", lines, bold_rows=(1, 11), widths=(22, 30, 18, 14), money=("B9",)
    )


def _village_names(paths: list[str]) -> str:
    return "、".join(path.rsplit("/", 1)[-1] for path in paths) or "—"


def certificate_pdf(d: dict[str, Any], out: IO[bytes], made: date) -> None:
    """Write a donor's certificate: the goods given and their value, who they reached."""
    c = _canvas(out, f"捐赠证明 {d['donor']} {d['from']}—{d['to']}")
    y = _heading(c, "捐 赠 证 明", f"{d['from']} 至 {d['to']}")
    body = (
        f"兹证明 {d['donor']} 于 {d['from']} 至 {d['to']} 期间向{PROGRAMME}积分兑换超市"
        f"捐赠物资 {d['goods_given']} 件，价值人民币 {yuan(Decimal(d['value_fen']) / 100)} 元；"
        f"同期经积分兑换发放到 {d['households_reached']} 户村民家中，"
        f"共 {d['goods_handed_out']} 件，惠及 {d['villages_reached']} 个村。特此证明，谨致谢忱。"
    )
    for line in _wrap(body, 12, WIDTH, 8):
        _text(c, line, LEFT, y, 12, WIDTH)
        y -= 8 * MM
    y -= 4 * MM
    rows = [
        [g["code"], g["name"], str(g["qty"]), yuan(Decimal(g["value_fen"]) / 100)]
        for g in d["goods"]
    ]
    rows.append(["", "合计", str(d["goods_given"]), yuan(Decimal(d["value_fen"]) / 100)])
    y = _table(c, y, ["商品编码", "物资", "数量", "价值（元）"], rows, [0.22, 0.42, 0.14, 0.22])
    y = _pairs(
        c,
        y - 4 * MM,
        [
            ("发放物资", f"{d['goods_handed_out']} 件"),
            ("惠及户数", f"{d['households_reached']} 户"),
            ("惠及村数", f"{d['villages_reached']} 个村：{_village_names(d['villages'])}"),
            ("兑换点", "、".join(d["stores"]) or "—"),
        ],
    )
    _signatures(c, y, [f"{PROGRAMME}项目办（盖章）"])
    _footer(c, made)
    c.showPage()
    c.save()


def board_pdf(b: dict[str, Any], out: IO[bytes], made: date) -> None:
    """Write a village's monthly 公示 sheet: awards, deductions by group, ranking, digest."""
    year, month = b["month"].split("-")
    c = _canvas(out, f"积分公示 {b['village']} {b['month']}")
    y = _heading(
        c,
        f"{b['village_name']}{int(year)}年{int(month)}月积分公示",
        f"{b['village']}　{b['month']}",
    )
    y = _pairs(
        c,
        y,
        [
            ("村", b["village"]),
            ("月份", b["month"]),
            ("本月记账笔数", str(b["entries"])),
            ("账目校验码", f"{b['digest']}（{DIGEST_VERSION}）"),
        ],
    )
    sections = [
        (
            "一、本月表彰加分",
            ["事项", "农户", "积分"],
            [[a["label"], a["household"], f"+{a['points']}"] for a in b["awards"]],
            [0.50, 0.30, 0.20],
        ),
        (
            "二、本月扣分（按村民小组）",
            ["村民小组", "笔数", "扣分"],
            [[d["group"], str(d["count"]), f"-{d['points']}"] for d in b["deductions"]],
            [0.50, 0.25, 0.25],
        ),
        (
            "三、本月荣誉积分排行",
            ["名次", "农户", "荣誉积分"],
            [[str(r["rank"]), r["household"], str(r["points"])] for r in b["ranking"]],
            [0.20, 0.50, 0.30],
        ),
    ]
    for title, header, rows, widths in sections:
        if y < BOTTOM + 2 * ROW:
            c.showPage()
            y = PAGE[1] - 25 * MM
        y -= 4 * MM
        _text(c, title, LEFT, y, 13, WIDTH)
        y -= ROW + 2 * MM
        y = _table(c, y, header, rows or [["本月无", "", ""]], widths)
    y -= 6 * MM
    if y < BOTTOM:
        c.showPage()
        y = PAGE[1] - 30 * MM
    # The check code's groups are held together (no-break spaces): one code, one line.
    for line in _wrap(CHECK_NOTE.format(digest=b["digest"].replace(" ", "\u00a0")), 10, WIDTH, 7):
        _text(c, line, LEFT, y, 10, WIDTH)
        y -= 6 * MM
    _footer(c, made)
    c.showPage()
    c.save()


CHECK_NOTE = (
    "说明：农户姓名按公示规定只显示姓和末字；扣分只按村民小组公布，不公布到户。"
    "账目校验码 {digest} 由本村本月全部积分记账算出，兑换点屏幕上显示的校验码应与此相同；"
    "如有疑问，请向村委会或项目办反映。"
)
