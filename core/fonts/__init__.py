"""The Chinese font the product ships, so every screen, sheet and receipt shows Chinese anywhere.

Kiosk Sans SC is a subset of Noto Sans CJK SC (SIL Open Font License 1.1, see OFL.txt beside
it) built by tools/build_font.py: GB 2312, the 8,105 characters of 通用规范汉字表 (names with
characters GB 2312 lacks, such as 王堃 or 李喆) and every character of the product's own text, with
TrueType outlines (reportlab embeds only those). The WOFF2 copy is the same font for browsers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

FAMILY = "Kiosk Sans SC"
FOLDER = Path(__file__).parent
TRUETYPE = FOLDER / "KioskSansSC-Regular.ttf"
WOFF2 = FOLDER / "KioskSansSC-Regular.woff2"
SERVED = {TRUETYPE.name: "font/ttf", WOFF2.name: "font/woff2", "OFL.txt": "text/plain"}
CACHE_SECONDS = 30 * 24 * 3600  # a font changes only with a release; its ETag tells a new one


def install(app: Flask) -> None:
    """Serve the shipped font at /fonts/<name> from the app itself: no request leaves."""
    from flask import Blueprint, abort, send_from_directory

    bp = Blueprint("fonts", __name__)

    @bp.get("/fonts/<name>")
    def font(name: str):
        if name not in SERVED:
            abort(404)
        return send_from_directory(FOLDER, name, mimetype=SERVED[name], max_age=CACHE_SECONDS)

    app.register_blueprint(bp)
