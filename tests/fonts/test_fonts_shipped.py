"""The shipped Chinese font: what it covers, that it is TrueType, that both web apps serve it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from core import fonts
from sync.central.app import create_central_app
from sync.central.server import open_central
from terminal_ui import create_app
from tools.build_font import gb2312, general_standard, project_characters

ROOT = Path(__file__).resolve().parents[2]
# Symbols the product shows that the shipped font has no glyph for: none (the screens use √, ← and
# ⚠, which GB 2312 holds, rather than dingbats or emoji a machine without fonts shows as boxes).
NOT_IN_SOURCE: set[str] = set()
STYLESHEETS = {
    "kiosk": ["terminal_ui/static/terminal.css", "terminal_ui/static/admin.css"],
    "central": ["sync/central/web/office/static/office.css"],
}


@pytest.fixture(scope="module")
def font() -> TTFont:
    return TTFont(fonts.TRUETYPE)


@pytest.fixture(scope="module")
def drawn(font: TTFont) -> set[str]:
    return {chr(code) for code in font.getBestCmap()}


def test_the_font_draws_every_character_of_gb2312(drawn):
    standard = gb2312()
    hanzi = {c for c in standard if "\u4e00" <= c <= "\u9fff"}
    assert len(hanzi) == 6763
    assert standard <= drawn


def test_the_font_draws_every_character_of_the_general_standard_table(drawn):
    # 通用规范汉字表 holds the rarer characters of names that GB 2312 lacks.
    table = general_standard()
    assert len(table) == 8105
    assert {"堃", "喆", "玥", "珺", "昇", "犇"} <= table - gb2312()
    assert table <= drawn, "".join(sorted(table - drawn))


def test_the_font_draws_every_character_the_product_shows(drawn):
    missing = project_characters() - drawn - NOT_IN_SOURCE
    assert not missing, (
        f"the product's text has characters the shipped font lacks: {''.join(sorted(missing))}; "
        "run python tools/build_font.py and commit core/fonts"
    )


def test_the_font_draws_ascii_and_full_width_forms(drawn):
    assert {chr(c) for c in range(0x21, 0x7F)} <= drawn
    assert {chr(c) for c in range(0xFF01, 0xFF5F)} <= drawn


def test_the_font_has_truetype_outlines_for_reportlab_under_its_own_name(font):
    assert "glyf" in font and "CFF " not in font
    assert font["name"].getDebugName(1) == fonts.FAMILY
    assert "Noto" not in font["name"].getDebugName(4)  # a modified OFL font takes a new name
    assert "Open Font License" in font["name"].getDebugName(13)


def test_the_fonts_and_their_licence_stay_small_and_ship_together():
    assert fonts.TRUETYPE.stat().st_size < 3_000_000
    assert fonts.WOFF2.stat().st_size < 1_500_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in (fonts.FOLDER / "OFL.txt").read_text()
    assert '"*.ttf"' in (ROOT / "pyproject.toml").read_text()


@pytest.fixture
def kiosk_client(kiosk):
    return create_app(kiosk).test_client()


@pytest.fixture
def central_client(tmp_path):
    central = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    yield create_central_app(central).test_client()
    central.engine.dispose()


@pytest.mark.parametrize("app", ["kiosk_client", "central_client"])
def test_both_apps_serve_the_font_themselves_with_a_long_cache(app, request):
    client = request.getfixturevalue(app)
    answer = client.get(f"/fonts/{fonts.WOFF2.name}")
    assert answer.status_code == 200
    assert answer.mimetype == "font/woff2"
    assert answer.data == fonts.WOFF2.read_bytes()
    assert answer.cache_control.max_age >= 7 * 24 * 3600
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'self'")
    answer.close()
    truetype = client.get(f"/fonts/{fonts.TRUETYPE.name}")
    assert truetype.status_code == 200 and truetype.mimetype == "font/ttf"
    truetype.close()


@pytest.mark.parametrize("app", ["kiosk_client", "central_client"])
@pytest.mark.parametrize("name", ["__init__.py", "..%2f..%2fpyproject.toml", "nothing.woff2"])
def test_nothing_else_is_served_from_the_font_folder(app, name, request):
    client = request.getfixturevalue(app)
    assert client.get(f"/fonts/{name}").status_code == 404


@pytest.mark.parametrize("program", ["kiosk", "central"])
def test_every_stylesheet_puts_the_shipped_font_first_and_finds_it_beside_itself(program):
    for sheet in STYLESHEETS[program]:
        css = (ROOT / sheet).read_text()
        face = re.search(r"@font-face \{[^}]*\}", css).group(0)
        assert f'font-family: "{fonts.FAMILY}"' in face
        # ../fonts/ from /static/ or /office-static/: the app's own /fonts/, behind any prefix
        urls = re.findall(r'url\("([^"]+)"\)', face)
        assert urls == [f"../fonts/{fonts.WOFF2.name}", f"../fonts/{fonts.TRUETYPE.name}"]
        assert re.search(rf'\nbody \{{[^}}]*font: \S+ "{fonts.FAMILY}", ', css), sheet
