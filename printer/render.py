"""Preview images of receipts, drawn roughly as a 203 dpi thermal printer would print them."""

import io
import logging
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from printer.blocks import QR, Cut, Document, Feed, Rule, Text, text_columns
from printer.qrimage import qr_matrix
from printer.textwidth import char_width, clean, display_width, wrap

log = logging.getLogger(__name__)

CELL = 12  # dots per column: 384 dots on 58 mm paper, 576 on 80 mm
LINE = 30
MARGIN = 16
BOLD_STROKE = 1  # the shipped font has one weight: bold is drawn with a dot-wide outline

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def render_image(
    doc: Document, width: int = 32, *, margin: int = MARGIN, guides: bool = True
) -> Image.Image:
    """Draw a document as a grayscale image of the paper.

    ``guides`` draws what is not ink (the cut line, a missing-font note); without them and
    with no margin the image is exactly the printable width, ready to send as a raster.
    """
    canvas = Canvas(width, margin, guides)
    if _font_path() is None:
        canvas.note("(the shipped Chinese font is missing: reinstall the package)")
    for block in doc:
        if isinstance(block, Text):
            for line in wrap(block.text, text_columns(block, width)):
                canvas.text(line, block.align, block.bold, block.double)
        elif isinstance(block, Rule):
            char = clean(block.char)[:1] or "-"
            canvas.text(char * (width // max(display_width(char), 1)), "left", False, False)
        elif isinstance(block, QR):
            canvas.qr(block.data)
        elif isinstance(block, Feed):
            canvas.feed(block.lines)
        elif isinstance(block, Cut):
            canvas.cut()
    return canvas.finish()


def render_png(doc: Document, path: str | Path, width: int = 32) -> Path:
    """Write a preview of a document to a PNG file and return its path."""
    path = Path(path)
    render_image(doc, width).save(path, format="PNG")
    return path


def png_bytes(doc: Document, width: int = 32) -> bytes:
    """Return a preview of a document as PNG bytes."""
    buf = io.BytesIO()
    render_image(doc, width).save(buf, format="PNG")
    return buf.getvalue()


class Canvas:
    """A tall sheet that grows downwards as lines are drawn, cropped when finished."""

    def __init__(self, width: int, margin: int = MARGIN, guides: bool = True) -> None:
        self.width = width
        self.margin = margin
        self.guides = guides
        self.image = Image.new("L", (width * CELL + 2 * margin, 4000), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.y = margin

    def _grow(self, height: int) -> None:
        if self.y + height + self.margin <= self.image.height:
            return
        bigger = Image.new("L", (self.image.width, self.image.height * 2 + height), 255)
        bigger.paste(self.image, (0, 0))
        self.image, self.draw = bigger, ImageDraw.Draw(bigger)

    def note(self, message: str) -> None:
        log.warning("receipt preview: %s", message)
        if not self.guides:
            return
        self.draw.text((self.margin, self.y), message, fill=128, font=ImageFont.load_default())
        self.y += LINE

    def text(self, line: str, align: str, bold: bool, double: bool) -> None:
        scale = 2 if double else 1
        self._grow(LINE * scale)
        font = _font(CELL * 2 * scale)
        stroke = BOLD_STROKE * scale if bold else 0
        free = self.width - display_width(line) * scale
        start = {"left": 0, "center": free // 2, "right": free}.get(align, 0)
        x = self.margin + start * CELL
        for c in line:
            cell = char_width(c) * CELL * scale
            # Each character sits centred in its columns, as a printer's own font draws it.
            inset = max((cell - font.getlength(c)) // 2, 0) if c.isascii() else 0
            self.draw.text((x + inset, self.y), c, fill=0, font=font, stroke_width=stroke)
            x += cell
        self.y += LINE * scale

    def qr(self, data: str, box: int | None = None) -> None:
        modules = qr_matrix(data)
        box = box or max(2, min(8, self.width * CELL * 6 // 10 // len(modules)))
        size = len(modules) * box
        self._grow(size)
        left = (self.image.width - size) // 2
        for r, row in enumerate(modules):
            for c, dark in enumerate(row):
                if dark:
                    x, y = left + c * box, self.y + r * box
                    self.draw.rectangle((x, y, x + box - 1, y + box - 1), fill=0)
        self.y += size

    def bitmap(self, image: Image.Image, align: str = "left") -> None:
        """Paste a printed raster (black on white) at the current line."""
        self._grow(image.height)
        free = self.image.width - 2 * self.margin - image.width
        start = {"center": free // 2, "right": free}.get(align, 0)
        self.image.paste(image.convert("L"), (self.margin + max(start, 0), self.y))
        self.y += image.height

    def feed(self, lines: int) -> None:
        self._grow(LINE * lines)
        self.y += LINE * lines

    def cut(self) -> None:
        self._grow(LINE)
        if self.guides:
            mid = self.y + LINE // 2
            for x in range(0, self.image.width, 12):
                self.draw.line((x, mid, x + 6, mid), fill=160)
        self.y += LINE

    def finish(self) -> Image.Image:
        return self.image.crop((0, 0, self.image.width, self.y + self.margin))


def _font_path() -> Path | None:
    """Return the shipped Chinese font (core.fonts), the same on every machine."""
    from core import fonts

    return fonts.TRUETYPE if fonts.TRUETYPE.exists() else None


@lru_cache(maxsize=8)
def _font(size: int) -> Font:
    path = _font_path()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)
