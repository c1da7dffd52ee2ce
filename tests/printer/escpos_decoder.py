"""An independent ESC/POS reader for tests: text lines, QR payloads, rasters, cuts, status
requests (DLE EOT) and anything it does not understand."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Line:
    text: str
    align: int
    bold: bool
    size: int


@dataclass
class Decoded:
    lines: list[Line] = field(default_factory=list)
    qr_payloads: list[bytes] = field(default_factory=list)
    qr_settings: list[tuple[int, bytes]] = field(default_factory=list)
    qr_prints: int = 0
    rasters: list[np.ndarray] = field(default_factory=list)
    cuts: list[bytes] = field(default_factory=list)
    feeds: list[int] = field(default_factory=list)
    unknown: list[bytes] = field(default_factory=list)
    status_requests: list[int] = field(default_factory=list)
    inits: int = 0
    chinese_mode: bool = False
    commands: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]


def decode(data: bytes) -> Decoded:
    """Parse an ESC/POS byte stream; anything not understood lands in ``unknown``."""
    out = Decoded()
    align, bold, size = 0, False, 0
    pending = bytearray()
    i = 0

    def need(n: int) -> bytes:
        if i + n > len(data):
            raise ValueError(f"truncated command at byte {i}")
        return data[i : i + n]

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            out.lines.append(Line(pending.decode("gb18030"), align, bold, size))
            pending.clear()
            i += 1
        elif b >= 0x20:
            pending.append(b)
            i += 1
        elif b == 0x1B:
            cmd = need(2)[1:2]
            out.commands.append("ESC " + cmd.decode("latin-1"))
            if cmd == b"@":
                out.inits += 1
                align, bold, size = 0, False, 0
                i += 2
            elif cmd in (b"a", b"E", b"d"):
                n = need(3)[2]
                if cmd == b"a":
                    align = n
                elif cmd == b"E":
                    bold = bool(n & 1)
                else:
                    out.feeds.append(n)
                i += 3
            else:
                out.unknown.append(need(2))
                i += 2
        elif b == 0x10:
            head = need(3)
            if head[1] == 0x04 and head[2] in (1, 2, 3, 4):
                out.commands.append("DLE EOT")
                out.status_requests.append(head[2])
            else:
                out.unknown.append(head)
            i += 3
        elif b == 0x1C:
            cmd = need(2)[1:2]
            out.commands.append("FS " + cmd.decode("latin-1"))
            if cmd == b"&":
                out.chinese_mode = True
            elif cmd == b".":
                out.chinese_mode = False
            else:
                out.unknown.append(need(2))
            i += 2
        elif b == 0x1D:
            cmd = need(2)[1:2]
            out.commands.append("GS " + cmd.decode("latin-1"))
            if cmd == b"!":
                size = need(3)[2]
                i += 3
            elif cmd == b"V":
                m = need(3)[2]
                length = 4 if m in (65, 66, 97, 98, 103, 104) else 3
                out.cuts.append(need(length))
                i += length
            elif cmd == b"(":
                head = need(5)
                if head[2:3] != b"k":
                    out.unknown.append(head)
                n = head[3] | head[4] << 8
                body = need(5 + n)[5:]
                cn, fn = body[0], body[1]
                if cn == 49 and fn == 80:
                    out.qr_payloads.append(bytes(body[3:]))
                elif cn == 49 and fn == 81:
                    out.qr_prints += 1
                elif cn == 49 and fn in (65, 67, 69):
                    out.qr_settings.append((fn, bytes(body[2:])))
                else:
                    out.unknown.append(bytes(head + body))
                i += 5 + n
            elif cmd == b"v":
                head = need(8)
                row_bytes = head[4] | head[5] << 8
                rows = head[6] | head[7] << 8
                i += 8
                bitmap = need(row_bytes * rows)
                bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8))
                out.rasters.append(bits.reshape(rows, row_bytes * 8).astype(bool))
                i += row_bytes * rows
            else:
                out.unknown.append(need(2))
                i += 2
        else:
            out.unknown.append(bytes([b]))
            i += 1
    if pending:
        out.lines.append(Line(pending.decode("gb18030"), align, bold, size))
    return out


def raster_to_image(bits: np.ndarray, quiet: int = 16) -> np.ndarray:
    """Return a printed raster as an 8-bit grayscale image (black dots on white paper)."""
    image = np.where(bits, 0, 255).astype(np.uint8)
    return np.pad(image, quiet, constant_values=255)


def raster_page(decoded: Decoded, quiet: int = 16) -> np.ndarray:
    """Return all raster images stacked top to bottom as one grayscale page."""
    width = max(r.shape[1] for r in decoded.rasters)
    padded = [np.pad(r, ((0, 0), (0, width - r.shape[1]))) for r in decoded.rasters]
    return raster_to_image(np.vstack(padded), quiet)
