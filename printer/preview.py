"""Preview what ESC/POS bytes will print: the exact bytes of a job, drawn as paper.

Reads the commands this package sends (text, styles, feeds, QR codes, rasters, cuts) and skips
the rest, so a preview shows what the printer received rather than what the layout meant.
"""

import io

import numpy as np
from PIL import Image

from printer.render import Canvas

_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
_PARAM_ESC = frozenset(b"aEd!-GJMtRV{")  # ESC x n: one parameter byte


def preview_image(data: bytes, width: int = 32) -> Image.Image:
    """Draw ESC/POS bytes as a grayscale image of the paper ``width`` columns wide."""
    return _Reader(data, Canvas(width)).run()


def preview_png(data: bytes, width: int = 32) -> bytes:
    """Return a preview of ESC/POS bytes as PNG bytes."""
    buf = io.BytesIO()
    preview_image(data, width).save(buf, format="PNG")
    return buf.getvalue()


class _Reader:
    def __init__(self, data: bytes, canvas: Canvas) -> None:
        self.data = data
        self.canvas = canvas
        self.i = 0
        self.text = bytearray()
        self.align, self.bold, self.double = "left", False, False
        self.qr_data = b""
        self.qr_box: int | None = None

    def run(self) -> Image.Image:
        data = self.data
        while self.i < len(data):
            b = data[self.i]
            if b == 0x0A:
                self.flush()
                self.i += 1
            elif b == 0x1B:
                self.esc()
            elif b == 0x1D:
                self.gs()
            elif b == 0x1C or b == 0x10:
                self.i += 3 if b == 0x10 else 2  # FS & / FS ., DLE EOT n: nothing to draw
            elif b >= 0x20:
                self.text.append(b)
                self.i += 1
            else:
                self.i += 1
        self.flush(force=False)
        return self.canvas.finish()

    def flush(self, force: bool = True) -> None:
        if self.text or force:
            line = self.text.decode("gb18030", errors="replace")
            self.canvas.text(line, self.align, self.bold, self.double)
        self.text.clear()

    def arg(self, offset: int) -> int:
        at = self.i + offset
        return self.data[at] if at < len(self.data) else 0

    def esc(self) -> None:
        cmd = self.arg(1)
        if cmd == ord("@"):
            self.align, self.bold, self.double = "left", False, False
            self.i += 2
        elif cmd == ord("a"):
            self.align = _ALIGN.get(self.arg(2), "left")
            self.i += 3
        elif cmd == ord("E"):
            self.bold = bool(self.arg(2) & 1)
            self.i += 3
        elif cmd == ord("d"):
            self.flush(force=False)
            self.canvas.feed(self.arg(2))
            self.i += 3
        else:
            self.i += 3 if cmd in _PARAM_ESC else 2

    def gs(self) -> None:
        cmd = self.arg(1)
        if cmd == ord("!"):
            self.double = self.arg(2) & 0x11 == 0x11
            self.i += 3
        elif cmd == ord("V"):
            self.flush(force=False)
            self.canvas.cut()
            self.i += 4 if self.arg(2) in (65, 66, 97, 98, 103, 104) else 3
        elif cmd == ord("(") and self.arg(2) == ord("k"):
            size = self.arg(3) | self.arg(4) << 8
            body = self.data[self.i + 5 : self.i + 5 + size]
            self.qr(body)
            self.i += 5 + size
        elif cmd == ord("v") and self.arg(2) == ord("0"):
            row_bytes = self.arg(4) | self.arg(5) << 8
            rows = self.arg(6) | self.arg(7) << 8
            start = self.i + 8
            bitmap = self.data[start : start + row_bytes * rows]
            self.raster(bitmap, row_bytes, rows)
            self.i = start + row_bytes * rows
        else:
            self.i += 3

    def qr(self, body: bytes) -> None:
        if len(body) < 2 or body[0] != 49:
            return
        fn = body[1]
        if fn == 67 and len(body) > 2:  # module size
            self.qr_box = body[2]
        elif fn == 80:  # store
            self.qr_data = bytes(body[3:])
        elif fn == 81 and self.qr_data:  # print
            self.flush(force=False)
            self.canvas.qr(self.qr_data.decode("utf-8", errors="replace"), self.qr_box)

    def raster(self, bitmap: bytes, row_bytes: int, rows: int) -> None:
        if not rows or len(bitmap) < row_bytes * rows:
            return
        self.flush(force=False)
        bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8)).reshape(rows, row_bytes * 8)
        image = Image.fromarray(np.where(bits, 0, 255).astype(np.uint8))
        self.canvas.bitmap(image, self.align)
