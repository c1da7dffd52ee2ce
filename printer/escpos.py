"""ESC/POS encoding: turn a document into the bytes a thermal printer understands."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from printer.blocks import QR, Align, Block, Cut, Document, Feed, Rule, Text, text_columns
from printer.qrimage import qr_matrix
from printer.textwidth import clean, display_width, wrap

if TYPE_CHECKING:
    from PIL.Image import Image

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
_ALIGN = {"left": 0, "center": 1, "right": 2}
_DOTS_PER_COLUMN = 12  # 384 dots on 58 mm paper, 576 on 80 mm
_QR_MODULE_SIZE = 6
_QR_LEVEL_M = 49
_CUT_FEED = 3
_NO_CUT_FEED = 6
_BAND_ROWS = 256  # raster rows per GS v 0 command: small enough for any printer's buffer


@dataclass(frozen=True)
class PrintOptions:
    """How documents become bytes for one printer: paper columns and what the printer can do."""

    width: int = 32  # text columns: 32 on 58 mm paper, 48 on 80 mm
    chinese_mode: bool = True  # send FS & (Chinese character mode) after ESC @
    native_qr: bool = True  # GS ( k; otherwise the QR code is sent as a raster image
    cut: bool = True  # GS V; otherwise the paper is fed out to the tear bar
    full_cut: bool = False  # GS V 0 where the cutter cannot cut partially
    raster_text: bool = False  # the printer has no Chinese font: send everything as images


def encode(doc: Document, options: PrintOptions = PrintOptions()) -> bytes:
    """Encode a document for the printer ``options`` describe."""
    if options.raster_text:
        return to_raster(doc, width=options.width, cut=options.cut, full_cut=options.full_cut)
    return to_escpos(
        doc,
        width=options.width,
        native_qr=options.native_qr,
        chinese_mode=options.chinese_mode,
        cut=options.cut,
        full_cut=options.full_cut,
    )


def to_escpos(
    doc: Document,
    *,
    width: int = 32,
    native_qr: bool = True,
    chinese_mode: bool = True,
    cut: bool = True,
    full_cut: bool = False,
) -> bytes:
    """Encode a document as ESC/POS bytes, with text in GB18030."""
    out = _Writer()
    out.raw(INIT)
    if chinese_mode:
        out.raw(CHINESE_ON)
    for block in doc:
        if isinstance(block, Text):
            for line in wrap(block.text, text_columns(block, width)):
                out.line(encode_text(line), block.align, block.bold, block.double)
        elif isinstance(block, Rule):
            char = clean(block.char)[:1] or "-"
            out.line(encode_text(char * (width // max(display_width(char), 1))))
        elif isinstance(block, QR):
            out.style("center", False, False)
            out.raw(qr_native(block.data) if native_qr else qr_raster(block.data, width) + LF)
        elif isinstance(block, Feed):
            out.raw(feed(block.lines))
        elif isinstance(block, Cut):
            out.raw(cut_paper(cut, full_cut))
    return out.getvalue()


def to_raster(doc: Document, *, width: int = 32, cut: bool = True, full_cut: bool = False) -> bytes:
    """Encode a document as raster images drawn with a CJK font, for printers without one."""
    from printer.render import render_image

    out = bytearray(INIT)
    segment: list[Block] = []
    for block in [*doc, None]:
        if block is not None and not isinstance(block, Cut):
            segment.append(block)
            continue
        if any(not isinstance(b, Feed) for b in segment):
            image = render_image(tuple(segment), width, margin=0, guides=False)
            out += ESC + b"a\x00" + raster_image(image)
        elif segment:
            out += feed(sum(b.lines for b in segment))
        if block is not None:
            out += cut_paper(cut, full_cut)
        segment = []
    return bytes(out)


def raster_image(image: "Image") -> bytes:
    """Return a grayscale PIL image as GS v 0 bands: dark pixels print, light ones do not."""
    mono = image.convert("L").point(lambda v: 255 if v < 160 else 0, mode="1")
    row_bytes = (mono.width + 7) // 8
    packed = mono.tobytes()  # mode "1": rows padded to whole bytes, set bit = print a dot
    out = bytearray()
    for top in range(0, mono.height, _BAND_ROWS):
        rows = min(_BAND_ROWS, mono.height - top)
        out += _raster_header(row_bytes, rows)
        out += packed[top * row_bytes : (top + rows) * row_bytes]
    return bytes(out)


def cut_paper(cut: bool = True, full: bool = False) -> bytes:
    """Return the end of a slip: feed past the cutter and cut, or feed to the tear bar."""
    if not cut:
        return feed(_NO_CUT_FEED)
    return feed(_CUT_FEED) + GS + (b"V\x00" if full else b"V\x01")


def encode_text(text: str) -> bytes:
    """Encode printable text as GB18030, dropping control characters that could act as commands."""
    return clean(text).encode("gb18030", errors="replace")


def feed(lines: int) -> bytes:
    """Return ESC d: print and feed ``lines`` lines."""
    out = b""
    while lines > 0:
        out += ESC + b"d" + bytes([min(lines, 255)])
        lines -= 255
    return out


def qr_native(data: str) -> bytes:
    """Return GS ( k commands that store and print a model 2, level M QR code."""
    payload = data.encode("utf-8")
    if len(payload) > 7089:
        raise ValueError("QR payload too long")
    size = len(payload) + 3
    return b"".join(
        [
            _qr_fn(b"\x31\x41\x32\x00"),  # fn 165: model 2
            _qr_fn(b"\x31\x43" + bytes([_QR_MODULE_SIZE])),  # fn 167: module size
            _qr_fn(b"\x31\x45" + bytes([_QR_LEVEL_M])),  # fn 169: error level M
            GS + b"(k" + bytes([size & 0xFF, size >> 8]) + b"\x31\x50\x30" + payload,  # store
            _qr_fn(b"\x31\x51\x30"),  # fn 181: print
            LF,
        ]
    )


def qr_raster(data: str, width: int) -> bytes:
    """Return the QR code as a GS v 0 raster image sized to the paper."""
    modules = qr_matrix(data)
    scale = max(2, min(8, width * _DOTS_PER_COLUMN * 6 // 10 // len(modules)))
    dots = len(modules) * scale
    row_bytes = (dots + 7) // 8
    body = bytearray()
    for row in modules:
        bits = 0
        for dark in row:
            for _ in range(scale):
                bits = (bits << 1) | dark
        line = (bits << (row_bytes * 8 - dots)).to_bytes(row_bytes, "big")
        body += line * scale
    return _raster_header(row_bytes, dots) + bytes(body)


def _raster_header(row_bytes: int, rows: int) -> bytes:
    return GS + b"v0\x00" + row_bytes.to_bytes(2, "little") + rows.to_bytes(2, "little")


def _qr_fn(params: bytes) -> bytes:
    return GS + b"(k" + len(params).to_bytes(2, "little") + params


class _Writer:
    """Collect bytes, sending style commands only when the style changes."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._style: tuple[Align, bool, bool] = ("left", False, False)  # the state after ESC @

    def raw(self, data: bytes) -> None:
        self._buf += data

    def style(self, align: Align, bold: bool, double: bool) -> None:
        if (align, bold, double) == self._style:
            return
        self._buf += ESC + b"a" + bytes([_ALIGN[align]])
        self._buf += ESC + b"E" + bytes([int(bold)])
        self._buf += GS + b"!" + (b"\x11" if double else b"\x00")
        self._style = (align, bold, double)

    def line(
        self, text: bytes, align: Align = "left", bold: bool = False, double: bool = False
    ) -> None:
        self.style(align, bold, double)
        self._buf += text + LF

    def getvalue(self) -> bytes:
        return bytes(self._buf)
