import numpy as np
import receipt_samples as samples
import zxingcpp

from core import fonts
from printer.blocks import Text
from printer.layout import layout
from printer.render import _font, png_bytes, render_image, render_png
from printer.selftest import selftest_document


def test_preview_is_as_wide_as_the_paper_and_its_qr_scans() -> None:
    image = render_image(layout(samples.PLAIN_EXCHANGE, 32), 32)
    assert image.width == 32 * 12 + 32
    results = zxingcpp.read_barcodes(np.asarray(image))
    assert [r.text for r in results] == ["X20240501-0008"]


def test_preview_on_80mm_paper_is_wider() -> None:
    assert render_image(layout(samples.BUSY_EXCHANGE, 48), 48).width == 48 * 12 + 32


def test_preview_draws_chinese_ink() -> None:
    image = np.asarray(render_image(selftest_document(32), 32))
    assert (image < 128).sum() > 5000


def test_preview_saves_as_png(tmp_path) -> None:
    path = render_png(layout(samples.CHECKIN, 32), tmp_path / "slip.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_bytes(layout(samples.CHECKIN, 32))[:4] == b"\x89PNG"


def test_preview_draws_with_the_shipped_font_not_a_system_one() -> None:
    assert _font(24).path == str(fonts.TRUETYPE)


def ink(text: str, bold: bool = False) -> np.ndarray:
    """Return the dark dots of one line drawn without margins or guides."""
    image = render_image([Text(text, bold=bold)], 32, margin=0, guides=False)
    return np.asarray(image) < 128


def test_two_chinese_characters_draw_as_two_different_glyphs() -> None:
    first, second = ink("兑"), ink("换")
    assert first.sum() > 50 and second.sum() > 50
    assert (first != second).sum() > 50


def test_bold_lines_draw_more_ink_than_plain_ones() -> None:
    assert ink("积分兑换", bold=True).sum() > ink("积分兑换").sum() * 1.2
