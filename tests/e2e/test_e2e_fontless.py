"""On a machine without a single system font, the pages still draw Chinese: the shipped font."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import fonts
from sync.central.app import create_central_app
from sync.central.server import open_central
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, VIEWPORT

pytestmark = pytest.mark.browser

# Draw two characters in a family and compare their pixels: different, non-empty glyphs are
# real Chinese; a missing font draws nothing or the same box for both.
GLYPHS = """async ([family, first, second]) => {
  await document.fonts.ready;
  await document.fonts.load(`48px ${family}`, first + second);
  const draw = (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, 64, 64);
    ctx.fillStyle = "#000";
    ctx.font = `48px ${family}`;
    ctx.textBaseline = "top";
    ctx.fillText(text, 8, 8);
    const data = ctx.getImageData(0, 0, 64, 64).data;
    const dark = [];
    for (let i = 0; i < data.length; i += 4) dark.push(data[i] < 128 ? 1 : 0);
    return dark;
  };
  const a = draw(first), b = draw(second);
  return {
    first: a.reduce((s, v) => s + v, 0),
    second: b.reduce((s, v) => s + v, 0),
    differ: a.reduce((s, v, i) => s + (v !== b[i] ? 1 : 0), 0),
  };
}"""
# Chromium's renderer will not start without a single font, so the machine keeps one with
# ASCII only (cut from the shipped font and renamed): like a minimal image with no CJK font.
FONTLESS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def glyphs(tab: Any, family: str, first: str = "兑", second: str = "换") -> dict[str, int]:
    """Return the ink of two characters drawn in family, and how many pixels differ."""
    return tab.evaluate(GLYPHS, [family, first, second])


def draws_chinese(ink: dict[str, int]) -> bool:
    """Tell whether two characters drew as two different, visible glyphs."""
    return ink["first"] > 100 and ink["second"] > 100 and ink["differ"] > 100


def latin_only_font(path: Path) -> Path:
    """Write a font with ASCII glyphs only, named "Latin Only", to path."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(fonts.TRUETYPE)
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(unicodes=range(0x20, 0x7F))
    subsetter.subset(font)
    for name_id, text in ((1, "Latin Only"), (4, "Latin Only"), (6, "LatinOnly-Regular")):
        font["name"].setName(text, name_id, 3, 1, 0x409)
    font.save(str(path))
    return path


@pytest.fixture(scope="module")
def fontless_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a fontconfig file whose only font draws no Chinese."""
    folder = tmp_path_factory.mktemp("fontless")
    (folder / "fonts").mkdir()
    latin_only_font(folder / "fonts" / "LatinOnly.ttf")
    config = folder / "fonts.conf"
    config.write_text(FONTLESS.format(fonts=folder / "fonts", cache=folder / "cache"))
    return config


def test_the_fontless_machine_has_no_font_for_chinese(fontless_config):
    if shutil.which("fc-list") is None:
        pytest.skip("needs fc-list")
    env = {"FONTCONFIG_FILE": str(fontless_config), "HOME": str(fontless_config.parent)}
    listed = subprocess.run(["fc-list", ":", "family"], env=env, capture_output=True, text=True)
    assert listed.stdout.split() == ["Latin", "Only"]
    chinese = subprocess.run(["fc-list", ":lang=zh-cn"], env=env, capture_output=True, text=True)
    assert chinese.stdout.strip() == ""


@pytest.fixture(scope="module")
def fontless_browser(browser: Any, fontless_config: Path) -> Iterator[Any]:
    """Return a chromium that sees no system font with Chinese in it."""
    folder = fontless_config.parent
    chromium = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        env={"FONTCONFIG_FILE": str(fontless_config), "HOME": str(folder), "PATH": "/usr/bin:/bin"},
    )
    yield chromium
    chromium.close()


@pytest.fixture
def fontless_page(fontless_browser: Any) -> Iterator[Any]:
    """Return a fresh 1280×800 page in the fontless chromium."""
    context = fontless_browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def central_url(tmp_path: Path) -> Iterator[str]:
    """Serve central's office web with waitress on a free local port; return its URL."""
    from waitress import create_server, wasyncore

    central = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    sockets: dict = {}
    server = create_server(
        create_central_app(central), map=sockets, host="127.0.0.1", port=0, threads=2
    )
    thread = threading.Thread(target=server.run, name="waitress-central", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.task_dispatcher.shutdown(timeout=2)
    server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
    thread.join(timeout=2)
    central.engine.dispose()


def page_family(tab: Any) -> str:
    """Return the font-family list the page's body uses."""
    return tab.evaluate("getComputedStyle(document.body).fontFamily")


def test_the_check_fails_where_no_font_draws_chinese(fontless_page, base_url):
    fontless_page.goto(base_url + "/")
    assert not draws_chinese(glyphs(fontless_page, '"Made Up Sans", sans-serif'))


def save_screenshot(tab: Any, folder: Path, name: str) -> Path:
    """Save what the page shows under folder, and a copy with the other browser tests' pictures."""
    path = folder / f"{name}.png"
    tab.screenshot(path=str(path))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / path.name)
    return path


def test_the_idle_screen_draws_chinese_without_system_fonts(fontless_page, base_url, tmp_path):
    asked: list[str] = []
    fontless_page.on("request", lambda request: asked.append(request.url))
    fontless_page.goto(base_url + "/")
    family = page_family(fontless_page)
    assert family.startswith(f'"{fonts.FAMILY}"')
    ink = glyphs(fontless_page, family)
    assert draws_chinese(ink), ink
    assert draws_chinese(glyphs(fontless_page, family, "积", "分"))
    # Names with characters beyond GB 2312 (in 通用规范汉字表): 王堃, 李喆.
    assert draws_chinese(glyphs(fontless_page, family, "堃", "喆"))
    assert fontless_page.evaluate(f"document.fonts.check('24px \"{fonts.FAMILY}\"', '积分')")
    assert f"{base_url}/fonts/{fonts.WOFF2.name}" in asked
    assert all(url.startswith((base_url, "data:")) for url in asked), asked
    assert save_screenshot(fontless_page, tmp_path, "idle-fontless").stat().st_size > 10_000


def test_the_office_sign_in_draws_chinese_without_system_fonts(
    fontless_page, central_url, tmp_path
):
    fontless_page.goto(central_url + "/login")
    family = page_family(fontless_page)
    assert family.startswith(f'"{fonts.FAMILY}"')
    assert draws_chinese(glyphs(fontless_page, family, "登", "录"))
    assert not draws_chinese(glyphs(fontless_page, '"Made Up Sans"', "登", "录"))
    assert save_screenshot(fontless_page, tmp_path, "office-login-fontless").stat().st_size


def test_the_admin_sign_in_draws_chinese_without_system_fonts(fontless_page, base_url, tmp_path):
    fontless_page.goto(base_url + "/admin/login")
    family = page_family(fontless_page)
    assert family.startswith(f'"{fonts.FAMILY}"')
    assert draws_chinese(glyphs(fontless_page, family, "店", "员"))
    save_screenshot(fontless_page, tmp_path, "admin-login-fontless")
