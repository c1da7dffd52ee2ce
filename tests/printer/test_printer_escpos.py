import numpy as np
import pytest
import receipt_samples as samples
import zxingcpp
from escpos_decoder import decode, raster_to_image

from printer.blocks import QR, Cut, Text
from printer.escpos import to_escpos
from printer.layout import display_width, layout, to_text
from printer.selftest import selftest_document

SAMPLE = "湘妹子能量家园 ¥12 ：１２３"


def test_chinese_yen_colon_and_fullwidth_digits_are_sent_as_gb18030() -> None:
    data = to_escpos((Text(SAMPLE),))
    assert "湘妹子能量家园".encode("gb18030") == bytes.fromhex("cfe6c3c3d7d3c4dcc1bfbcd2d4b0")
    assert SAMPLE.encode("gb18030") + b"\n" in data
    assert bytes.fromhex("81308436") in data  # ¥ U+00A5
    assert bytes.fromhex("a3ba") in data  # ： U+FF1A
    assert bytes.fromhex("a3b1a3b2a3b3") in data  # １２３


def test_stream_starts_with_init_then_chinese_mode() -> None:
    assert to_escpos(()).startswith(b"\x1b@\x1c&")
    assert not to_escpos((), chinese_mode=False).startswith(b"\x1b@\x1c&")
    assert decode(to_escpos((), chinese_mode=False)).chinese_mode is False


def test_decoded_receipt_has_the_same_lines_as_the_text_rendering() -> None:
    doc = layout(samples.BUSY_EXCHANGE, 32)
    decoded = decode(to_escpos(doc, width=32))
    assert decoded.unknown == []
    expected = [line.strip() for line in to_text(doc, 32).splitlines() if line.strip()]
    expected = [line for line in expected if not line.startswith("[QR:")]
    assert [t.strip() for t in decoded.texts if t.strip()] == expected


def test_styles_are_sent_for_bold_centred_and_double_lines() -> None:
    decoded = decode(to_escpos(layout(samples.BUSY_EXCHANGE, 32)))
    title = next(line for line in decoded.lines if line.text == "积分兑换凭条")
    assert (title.align, title.bold, title.size) == (1, True, 0x11)
    total = next(line for line in decoded.lines if line.text.startswith("合计"))
    assert (total.align, total.bold, total.size) == (0, True, 0)
    plain = next(line for line in decoded.lines if line.text.startswith("时间"))
    assert (plain.align, plain.bold, plain.size) == (0, False, 0)


def test_double_size_text_is_wrapped_to_half_the_columns() -> None:
    decoded = decode(to_escpos((Text("湘妹子能量家园石门村爱心超市", double=True),), width=32))
    doubles = [line.text for line in decoded.lines if line.size == 0x11]
    assert doubles == ["湘妹子能量家园石", "门村爱心超市"]
    assert all(display_width(text) <= 16 for text in doubles)


def test_native_qr_payload_is_the_transaction_number() -> None:
    decoded = decode(to_escpos(layout(samples.PLAIN_EXCHANGE, 32)))
    assert decoded.qr_payloads == [b"X20240501-0008"]
    assert decoded.qr_prints == 1
    assert (65, b"\x32\x00") in decoded.qr_settings  # model 2
    assert (69, b"\x31") in decoded.qr_settings  # error correction M


@pytest.mark.parametrize("width", [32, 48])
def test_raster_qr_decodes_to_the_transaction_number(width: int) -> None:
    decoded = decode(to_escpos(layout(samples.PLAIN_EXCHANGE, width), width=width, native_qr=False))
    assert decoded.qr_payloads == []
    (raster,) = decoded.rasters
    assert raster.shape[1] <= width * 12
    results = zxingcpp.read_barcodes(raster_to_image(raster))
    assert [r.text for r in results] == ["X20240501-0008"]


def test_receipt_ends_with_a_partial_cut() -> None:
    decoded = decode(to_escpos(layout(samples.PLAIN_EXCHANGE, 32)))
    assert decoded.cuts == [b"\x1dV\x01"]
    assert decoded.commands[-1] == "GS V"


def test_without_cutter_the_paper_is_fed_instead() -> None:
    decoded = decode(to_escpos((Text("x"), Cut()), cut=False))
    assert decoded.cuts == []
    assert sum(decoded.feeds) >= 4


def test_control_characters_in_text_cannot_inject_commands() -> None:
    decoded = decode(to_escpos((Text("王\x1dV\x00\x1b@英"), QR("a"))))
    assert decoded.cuts == []
    assert decoded.inits == 1
    assert decoded.unknown == []
    assert decoded.texts[0] == "王 V  @英"


def test_selftest_page_carries_chinese_fullwidth_forms_qr_and_cut() -> None:
    decoded = decode(to_escpos(selftest_document(32)))
    text = "\n".join(decoded.texts)
    for sample in ("湘妹子能量家园", "¥", "：", "１２３"):
        assert sample in text
    assert decoded.qr_payloads
    assert decoded.cuts
    assert decoded.unknown == []


def test_every_slip_encodes_without_unknown_commands() -> None:
    for receipt in (samples.VOID, samples.CHECKIN, samples.RESTOCK, samples.SUMMARY):
        for native in (True, False):
            decoded = decode(to_escpos(layout(receipt, 48), width=48, native_qr=native))
            assert decoded.unknown == []
            assert decoded.cuts


def test_raster_rows_are_whole_bytes() -> None:
    decoded = decode(to_escpos((QR("X1"),), native_qr=False))
    (raster,) = decoded.rasters
    assert raster.shape[1] % 8 == 0
    assert np.any(raster)
