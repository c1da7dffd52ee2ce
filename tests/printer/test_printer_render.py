import numpy as np
import receipt_samples as samples
import zxingcpp

from printer.layout import layout
from printer.render import png_bytes, render_image, render_png
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
