"""Build the Chinese font the product ships (core/fonts) from Noto Sans CJK SC.

    python tools/build_font.py [--source PATH]

The source is Debian's fonts-noto-cjk collection (SIL Open Font License 1.1). The font keeps
what the screens, receipts and sheets can show: the whole of GB 2312 (its 6,763 hanzi, its
punctuation, full-width forms and symbols), the 8,105 characters of 通用规范汉字表 (the 2013
standard's table, which holds the rarer characters of people's and places' names that GB 2312
lacks, such as 堃, 喆, 玥; tools/data/general-standard-chinese-characters.txt), ASCII and
Latin-1, the general and CJK punctuation blocks, the half- and full-width forms, and every
character in the product's own text (catalogues, templates, scripts, demo data). Outlines are
converted from CFF to quadratic TrueType curves, because reportlab embeds only TrueType outlines
in a PDF. The result is renamed (a modified OFL font must not carry the original's names) and
written twice: TrueType for PDFs and receipts, WOFF2 for browsers.

tests/fonts/test_fonts_shipped.py fails when the product's text gains a character the font
lacks: run this script again and commit its output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERAL_STANDARD = (
    Path(__file__).resolve().parent / "data" / "general-standard-chinese-characters.txt"
)
OUT = ROOT / "core" / "fonts"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_FACE = "Noto Sans CJK SC"
FAMILY = "Kiosk Sans SC"
POSTSCRIPT = "KioskSansSC-Regular"
STEM = "KioskSansSC-Regular"
PACKAGES = ("core", "kiosk", "terminal_ui", "printer", "sync")
TEXT_FILES = {".py", ".html", ".js", ".css", ".po", ".json", ".yaml", ".yml", ".csv", ".toml"}
RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: ×, ·, °, accented names
    (0x2000, 0x206F),  # general punctuation: dashes, quotes, ellipsis
    (0x2100, 0x214F),  # letterlike symbols: ℃, №
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # circled numbers
    (0x25A0, 0x25FF),  # geometric shapes: ●, ○, ■
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # half- and full-width forms
)
MAX_ERROR = 1.0  # font units (of 1,000): how far a quadratic curve may stray from the cubic
NAMES = {
    1: FAMILY,
    2: "Regular",
    3: f"{POSTSCRIPT};exchange-kiosk",
    4: FAMILY,
    6: POSTSCRIPT,
    10: (
        "Kiosk Sans SC: a subset of Noto Sans CJK SC 2.004 (GB 2312, the General Standard "
        "Chinese Characters and the product's own characters) with TrueType outlines, made for "
        "the exchange kiosk."
    ),
}
KEEP_NAMES = {0, 8, 9, 11, 12, 13, 14}  # copyright, authors and the licence stay as they were


def gb2312() -> set[str]:
    """Return every character of GB 2312 (hanzi, punctuation, full-width forms, symbols)."""
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def general_standard() -> set[str]:
    """Return the 8,105 characters of 通用规范汉字表 (2013)."""
    lines = GENERAL_STANDARD.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def project_characters(root: Path = ROOT) -> set[str]:
    """Return every printable character in the product's text files (not its tests)."""
    found: set[str] = set()
    for package in PACKAGES:
        for path in (root / package).rglob("*"):
            if path.suffix not in TEXT_FILES or not path.is_file():
                continue
            found.update(c for c in path.read_text(encoding="utf-8") if c.isprintable())
    return found


def wanted() -> set[str]:
    """Return the characters the shipped font must draw."""
    chars = gb2312() | general_standard() | project_characters()
    for first, last in RANGES:
        chars.update(chr(code) for code in range(first, last + 1))
    return chars


def build(source: Path = SOURCE, out: Path = OUT) -> tuple[Path, Path, list[str]]:
    """Write the TrueType and WOFF2 fonts; return their paths and the characters not drawn."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    face = _face(TTCollection(str(source)), SOURCE_FACE)
    face.recalcTimestamp = False  # the same source gives the same bytes
    cmap = face.getBestCmap()
    chars = wanted()
    # The filler ranges have gaps in any font; only the standard's and the product's count.
    standards = gb2312() | general_standard() | project_characters()
    missing = sorted(c for c in standards if ord(c) not in cmap)
    options = subset.Options()
    options.layout_features = ["kern"]  # locl, vert and the like pull in thousands of glyphs
    options.drop_tables += ["BASE", "VORG", "vhea", "vmtx", "DSIG"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars if ord(c) in cmap])
    subsetter.subset(face)
    _to_truetype(face)
    _rename(face)
    out.mkdir(parents=True, exist_ok=True)
    ttf, woff2 = out / f"{STEM}.ttf", out / f"{STEM}.woff2"
    face.flavor = None
    face.save(str(ttf), reorderTables=True)
    face.flavor = "woff2"
    face.save(str(woff2))
    return ttf, woff2, missing


def _face(collection, family: str):
    for font in collection.fonts:
        if font["name"].getDebugName(4) == family:
            return font
    raise SystemExit(f"{family} is not in the collection")


def _to_truetype(font) -> None:
    """Replace CFF outlines by quadratic TrueType ones (after fontTools' otf2ttf snippet)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    quadratic = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        # CFF contours run counter-clockwise, TrueType's clockwise.
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        quadratic[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = quadratic
    del font["CFF "]
    glyf.compile(font)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0  # no glyph names: nothing reads them, and they cost bytes
    font.sfntVersion = "\0\1\0\0"
    font["head"].glyphDataFormat = 0


def _rename(font) -> None:
    """Give the subset its own name, keeping the copyright, authors and licence."""
    table = font["name"]
    table.names = [r for r in table.names if r.nameID in KEEP_NAMES]
    for name_id, text in NAMES.items():
        table.setName(text, name_id, 3, 1, 0x409)
        table.setName(text, name_id, 1, 0, 0)


def main(argv: Iterable[str] | None = None) -> int:
    """Build the fonts and say what they hold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the Noto Sans CJK collection")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(list(argv) if argv is not None else None)
    ttf, woff2, missing = build(args.source, args.out)
    for path in (ttf, woff2):
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
            f"{path.stat().st_size:,} bytes"
        )
    if missing:
        print("not in the source font:", " ".join(f"U+{ord(c):04X}" for c in missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
