"""Encoding options: raster text for printers without a Chinese font, cuts, profiles, previews."""

from dataclasses import replace

import numpy as np
import pytest
import receipt_samples as samples
import zxingcpp
from escpos_decoder import decode, raster_page

from kiosk.config import ConfigError, load
from kiosk.scan import decode as scan_decode
from kiosk.services.print_config import print_options, queue_rules, selftest_job
from printer.blocks import Cut, Text
from printer.escpos import PrintOptions, encode, to_escpos
from printer.layout import layout
from printer.preview import preview_image
from printer.profile import print_options as profile_options
from printer.simulator import SimulatedPrinter


@pytest.mark.parametrize("width", [32, 48])
def test_raster_text_sends_no_text_bytes_and_its_qr_scans(width: int) -> None:
    data = encode(layout(samples.BUSY_EXCHANGE, width), PrintOptions(width=width, raster_text=True))

    decoded = decode(data)

    assert decoded.unknown == []
    assert decoded.texts == [] and decoded.qr_payloads == []
    assert "湘妹子".encode("gb18030") not in data
    assert all(r.shape[1] == width * 12 and r.shape[0] <= 256 for r in decoded.rasters)
    assert scan_decode(raster_page(decoded)) == ["X20240501-0007"]
    assert decoded.cuts == [b"\x1dV\x01"]


def test_raster_text_is_drawn_in_ink_not_left_blank() -> None:
    decoded = decode(encode(layout(samples.CHECKIN, 32), PrintOptions(raster_text=True)))
    page = raster_page(decoded, quiet=0)
    ink_rows = np.flatnonzero((page < 128).any(axis=1))
    assert len(ink_rows) > 300  # a dozen lines of glyphs, not just the QR code
    assert (page[: ink_rows[0] + 60] < 128).sum() > 1000  # the title, in Chinese


def test_a_cutter_that_only_cuts_fully_gets_gs_v_0() -> None:
    decoded = decode(encode((Text("x"), Cut()), PrintOptions(full_cut=True)))
    assert decoded.cuts == [b"\x1dV\x00"]


def test_without_chinese_mode_text_is_still_gb18030() -> None:
    data = encode((Text("湘妹子：¥"),), PrintOptions(chinese_mode=False))
    assert b"\x1c&" not in data
    assert "湘妹子：¥".encode("gb18030") in data


def test_profiles_decide_native_qr_and_cut_when_set_to_auto() -> None:
    epson = profile_options(80, "TM-T88V")
    assert (epson.width, epson.native_qr, epson.cut, epson.full_cut) == (48, True, True, False)
    cheap = profile_options(58, "POS-5890")
    assert (cheap.width, cheap.native_qr, cheap.cut) == (32, False, False)
    forced = profile_options(58, "POS-5890", native_qr="yes", cut="no")
    assert (forced.native_qr, forced.cut) == (True, False)


def test_a_58mm_printer_without_qr_support_prints_a_raster_qr_that_scans() -> None:
    options = profile_options(58, "POS-5890")
    decoded = decode(encode(layout(samples.PLAIN_EXCHANGE, options.width), options))
    assert decoded.qr_payloads == []
    (raster,) = decoded.rasters
    assert scan_decode(raster_page(decoded)) == ["X20240501-0008"]
    assert raster.shape[1] <= 384
    assert decoded.cuts == [] and sum(decoded.feeds) >= 6


def test_printer_settings_come_from_the_environment_too() -> None:
    settings = load(
        None,
        env={
            "KIOSK_PRINTER_PAPER_WIDTH": "80",
            "KIOSK_PRINTER_RASTER_TEXT": "true",
            "KIOSK_PRINTER_NATIVE_QR": "no",
            "KIOSK_PRINTER_CUT": "yes",
            "KIOSK_PRINTER_ATTEMPTS": "5",
            "KIOSK_PRINTER_STALE_MINUTES": "3",
        },
    )
    options = print_options(settings.printer)
    assert options == PrintOptions(width=48, native_qr=False, cut=True, raster_text=True)
    rules = queue_rules(settings.printer)
    assert (rules.attempts, rules.stale_after.total_seconds()) == (5, 180)


def test_bad_printer_settings_are_refused_with_the_key() -> None:
    with pytest.raises(ConfigError, match="native_qr"):
        print_options(load(None, env={"KIOSK_PRINTER_NATIVE_QR": "maybe"}).printer)
    with pytest.raises(ConfigError, match="profile"):
        print_options(load(None, env={"KIOSK_PRINTER_PROFILE": "no-such-printer"}).printer)
    with pytest.raises(ConfigError, match="attempts"):
        queue_rules(load(None, env={"KIOSK_PRINTER_ATTEMPTS": "0"}).printer)


@pytest.mark.parametrize("native_qr", [True, False])
def test_preview_from_bytes_shows_the_qr_the_printer_got(native_qr: bool) -> None:
    data = to_escpos(layout(samples.VOID, 32), native_qr=native_qr)
    image = np.asarray(preview_image(data, 32))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["V20240501-0001"]
    assert (image < 128).sum() > 5000


def test_preview_of_a_raster_job_is_the_raster() -> None:
    data = encode(layout(samples.RESTOCK, 48), PrintOptions(width=48, raster_text=True))
    image = np.asarray(preview_image(data, 48))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["R20240501-0002"]


def test_simulator_previews_its_last_job_and_knows_when_it_has_none() -> None:
    printer = SimulatedPrinter()
    assert printer.preview_png() is None
    printer.send(to_escpos(layout(replace(samples.CHECKIN, reprint=True), 32)))
    png = printer.preview_png()
    assert png is not None and png[:4] == b"\x89PNG"


def test_status_requests_in_a_stream_are_read_by_the_decoder() -> None:
    decoded = decode(b"\x10\x04\x01\x10\x04\x04" + to_escpos((Text("好"),)))
    assert decoded.status_requests == [1, 4]
    assert decoded.texts == ["好"]
    assert decoded.unknown == []


@pytest.mark.parametrize("raster", [False, True])
def test_the_self_test_page_follows_the_printer_settings(raster: bool) -> None:
    env = {"KIOSK_PRINTER_PAPER_WIDTH": "80", "KIOSK_PRINTER_RASTER_TEXT": str(raster)}
    text, data = selftest_job(load(None, env=env).printer)
    decoded = decode(data)
    assert "湘妹子能量家园" in text and "1234567890" * 4 in text
    assert decoded.cuts and decoded.unknown == []
    if raster:
        assert decoded.texts == []
        assert scan_decode(raster_page(decoded)) == ["KIOSK-SELFTEST-123"]
    else:
        assert decoded.qr_payloads == [b"KIOSK-SELFTEST-123"]
        assert "全角数字：１２３" in decoded.texts
