"""Lay out card and label sheets on A4 with reportlab: vector QR codes, Chinese text, cut marks.

Cards are ID-1 size (85.6 × 54 mm), ten to a page; shelf labels 90 × 45 mm, twelve to a page.
Both sit edge to edge in a grid so one straight cut separates two neighbours, with cut marks
in the margins on every cut line. QR codes are drawn as filled vector squares at level M with
the full four-module quiet zone, so they stay sharp on any printer; a card's code has 1.2 mm
modules, readable at arm's length by the kiosk camera.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.domain.linebreak import held_back

PROGRAMME = "湘妹子能量家园"
FONT = "KioskSansSC"  # the shipped font (core.fonts), embedded: any viewer or printer shows it
MM = 72 / 25.4  # points per millimetre
PAGE = (210 * MM, 297 * MM)  # A4
INK = (0.1, 0.1, 0.1)
GREY = (0.45, 0.45, 0.45)
BAND = (0.72, 0.11, 0.20)  # the card's header band: a deep red


@dataclass(frozen=True)
class CardSpec:
    """One resident's card: who it is for and the code its QR carries."""

    resident: str
    household: str
    code: str  # the full QR text, "EKC:" and the token
    hint: str = ""  # a short line to tell cards apart (resident id, last code characters)


@dataclass(frozen=True)
class LabelSpec:
    """One shelf label: the product, its point price and unit."""

    code: str  # the product code; the QR carries "EKP:" + code
    name: str
    points: int
    unit: str = "件"


@dataclass(frozen=True)
class _Grid:
    columns: int
    rows: int
    width: float  # of a cell, points
    height: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self) -> tuple[float, float]:
        """Return the bottom-left corner of the grid, centred on the page."""
        return (
            (PAGE[0] - self.columns * self.width) / 2,
            (PAGE[1] - self.rows * self.height) / 2,
        )

    def cell(self, index: int) -> tuple[float, float]:
        """Return the bottom-left corner of cell index (row by row, top to bottom)."""
        left, bottom = self.origin()
        row, column = divmod(index % self.per_page, self.columns)
        return left + column * self.width, bottom + (self.rows - 1 - row) * self.height


CARD_GRID = _Grid(columns=2, rows=5, width=85.6 * MM, height=54 * MM)
LABEL_GRID = _Grid(columns=2, rows=6, width=90 * MM, height=45 * MM)


def card_sheet(
    cards: Sequence[CardSpec],
    path: str | Path | BinaryIO,
    *,
    programme: str = PROGRAMME,
    store: str = "",
) -> int:
    """Write an A4 PDF of resident cards (ten a page, with cut marks); return the page count."""
    title = f"{programme}　积分卡"
    note = "此卡即积分凭证，请妥善保管；遗失请到服务站挂失补办。"
    return _sheet(
        cards,
        path,
        CARD_GRID,
        title,
        note,
        lambda c, x, y, card: _card(c, x, y, card, programme, store),
    )


def label_sheet(
    labels: Sequence[LabelSpec], path: str | Path | BinaryIO, *, store: str = ""
) -> int:
    """Write an A4 PDF of shelf labels (twelve a page, with cut marks); return the page count."""
    title = f"{store or PROGRAMME}　货架标签"
    note = "扫描标签上的二维码即可把商品加入兑换单。"
    return _sheet(labels, path, LABEL_GRID, title, note, _label)


def _sheet(items, path, grid: _Grid, title: str, note: str, draw) -> int:
    from reportlab.pdfgen.canvas import Canvas

    _register_font()
    target = str(path) if isinstance(path, Path) else path
    canvas = Canvas(target, pagesize=PAGE, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("exchange-kiosk")
    pages = max((len(items) + grid.per_page - 1) // grid.per_page, 1)
    for page in range(pages):
        chunk = items[page * grid.per_page : (page + 1) * grid.per_page]
        for index, item in enumerate(chunk):
            x, y = grid.cell(index)
            canvas.saveState()
            draw(canvas, x, y, item)
            canvas.restoreState()
        _cut_marks(canvas, grid)
        _margin_text(canvas, grid, f"{title}　第 {page + 1} / {pages} 页", note)
        canvas.showPage()
    canvas.save()
    return pages


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from core import fonts

    if FONT not in pdfmetrics.getRegisteredFontNames():
        # reportlab embeds a subset of the glyphs each PDF uses.
        pdfmetrics.registerFont(TTFont(FONT, str(fonts.TRUETYPE)))


def _card(c, x: float, y: float, card: CardSpec, programme: str, store: str) -> None:
    """Draw one card with its bottom-left corner at (x, y)."""
    w, h = CARD_GRID.width, CARD_GRID.height
    band = 10 * MM
    c.setStrokeColorRGB(0.8, 0.8, 0.8)
    c.setLineWidth(0.3)
    c.rect(x, y, w, h, stroke=1, fill=0)  # a faint outline for scissors
    c.setFillColorRGB(*BAND)
    c.rect(x, y + h - band, w, band, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    _text(c, programme, x + 3 * MM, y + h - band + 3.2 * MM, 13, w * 0.62)
    _text(c, "积分卡", x + w - 3 * MM, y + h - band + 3.2 * MM, 11, w * 0.3, align="right")
    side = h - band - 3 * MM  # the QR with its quiet zone: 41 mm
    _qr(c, card.code, x + 1.5 * MM, y + 1.5 * MM, side)
    left = x + side + 2.5 * MM
    room = x + w - 3 * MM - left
    c.setFillColorRGB(*INK)
    _text(c, card.resident, left, y + h - band - 11 * MM, 20, room, smallest=12)
    _text(c, card.household, left, y + h - band - 18.5 * MM, 12, room, smallest=8)
    if store:
        _text(c, store, left, y + h - band - 25 * MM, 9, room, smallest=6)
    c.setFillColorRGB(*GREY)
    _text(c, "请将二维码对准摄像头", left, y + 9 * MM, 8, room, smallest=6)
    if card.hint:
        _text(c, card.hint, left, y + 4 * MM, 7, room, smallest=5, font="Helvetica")


def _label(c, x: float, y: float, label: LabelSpec) -> None:
    """Draw one shelf label with its bottom-left corner at (x, y)."""
    w, h = LABEL_GRID.width, LABEL_GRID.height
    c.setStrokeColorRGB(0.8, 0.8, 0.8)
    c.setLineWidth(0.3)
    c.rect(x, y, w, h, stroke=1, fill=0)
    side = h - 7 * MM  # 38 mm with the quiet zone
    _qr(c, "EKP:" + label.code, x + 1.5 * MM, y + 5.5 * MM, side)
    c.setFillColorRGB(*GREY)
    _text(
        c,
        label.code,
        x + 1.5 * MM + side / 2,
        y + 2.5 * MM,
        8,
        side,
        align="centre",
        font="Helvetica",
    )
    left = x + side + 3 * MM
    room = x + w - 3 * MM - left
    c.setFillColorRGB(*INK)
    lines = _wrap(label.name, 15, room, 2)
    for i, line in enumerate(lines):
        _text(c, line, left, y + h - (8 + i * 6.5) * MM, 15, room, smallest=9)
    price = str(label.points)
    size = 40
    width = _width(price, size, "Helvetica-Bold")
    unit_size = 16
    while width + _width(" 积分", unit_size) > room and size > 20:
        size -= 2
        width = _width(price, size, "Helvetica-Bold")
    baseline = y + 13 * MM
    c.setFont("Helvetica-Bold", size)
    c.drawString(left, baseline, price)
    c.setFont(FONT, unit_size)
    c.drawString(left + width, baseline, " 积分")
    c.setFillColorRGB(*GREY)
    _text(c, f"每{label.unit}", left, y + 5 * MM, 11, room, smallest=7)


def _qr(c, text: str, x: float, y: float, side: float) -> None:
    """Draw text's QR code (level M, 4-module quiet zone) as a side × side square at (x, y)."""
    import qrcode
    import qrcode.constants

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    module = side / len(matrix)
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, side, side, stroke=0, fill=1)
    path = c.beginPath()
    for row, cells in enumerate(matrix):
        top = y + side - (row + 1) * module
        start = None
        for column, dark in enumerate([*cells, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                path.rect(x + start * module, top, (column - start) * module, module)
                start = None
    c.setFillColorRGB(0, 0, 0)
    c.drawPath(path, stroke=0, fill=1)  # one path: no hairline seams between modules


def _width(text: str, size: float, font: str = FONT) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


def _text(
    c,
    text: str,
    x: float,
    y: float,
    size: float,
    room: float,
    *,
    smallest: float | None = None,
    align: str = "left",
    font: str = FONT,
) -> None:
    """Draw one line, shrinking it (down to smallest) and then shortening it to fit room."""
    smallest = smallest or size
    while size > smallest and _width(text, size, font) > room:
        size -= 0.5
    if _width(text, size, font) > room:
        while text and _width(text + "…", size, font) > room:
            text = text[:-1]
        text += "…"
    c.setFont(font, size)
    if align == "right":
        c.drawRightString(x, y, text)
    elif align == "centre":
        c.drawCentredString(x, y, text)
    else:
        c.drawString(x, y, text)


def _in_word(text: str, cut: int) -> bool:
    """Tell whether a break before text[cut] would split a Latin word or number."""

    def wordy(ch: str) -> bool:
        return ch == "\u00a0" or (ch.isascii() and not ch.isspace())

    return 0 < cut < len(text) and wordy(text[cut - 1]) and wordy(text[cut])


def _wrap(text: str, size: float, room: float, lines: int) -> list[str]:
    """Break text into at most lines lines that fit room (characters, or words if spaced),
    never starting a line with a closing mark nor ending one with an opening mark."""
    out: list[str] = []
    rest = text.strip()
    while rest and len(out) < lines - 1:
        if _width(rest, size) <= room:
            break
        cut = len(rest)
        while cut > 1 and _width(rest[:cut], size) > room:
            cut -= 1
        space = rest.rfind(" ", 0, cut)
        if space > 0 and (_width(rest[:space], size) > room / 2 or _in_word(rest, cut)):
            # At a space (名称 5升: the parts a space sets apart stay whole), unless that
            # would leave the line half empty; a Latin word or a code held by no-break
            # spaces goes down whole either way.
            cut = space
        else:
            cut = held_back(rest[:cut], rest[cut])  # no 。 starts a line, no （ ends one
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(rest)
    return out


def _cut_marks(c, grid: _Grid) -> None:
    """Draw short marks in the margins on every cut line of the grid."""
    left, bottom = grid.origin()
    right, top = left + grid.columns * grid.width, bottom + grid.rows * grid.height
    gap, length = 2 * MM, 5 * MM
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(0.4)
    for i in range(grid.columns + 1):
        x = left + i * grid.width
        c.line(x, top + gap, x, top + gap + length)
        c.line(x, bottom - gap, x, bottom - gap - length)
    for j in range(grid.rows + 1):
        y = bottom + j * grid.height
        c.line(left - gap, y, left - gap - length, y)
        c.line(right + gap, y, right + gap + length, y)


def _margin_text(c, grid: _Grid, header: str, footer: str) -> None:
    """Write the sheet's title above the grid and a note below it, clear of the cut marks."""
    left, bottom = grid.origin()
    top = bottom + grid.rows * grid.height
    c.setFillColorRGB(*GREY)
    room = grid.width - 6 * MM
    _text(c, header, left + 3 * MM, top + 3 * MM, 8, room, smallest=6)
    _text(c, footer, left + 3 * MM, bottom - 5.5 * MM, 7, room, smallest=5)
