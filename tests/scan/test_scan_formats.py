"""Only our QR codes count: micro QR codes help find soft codes but are never returned."""

from __future__ import annotations

import numpy as np
import zxingcpp

from kiosk.scan import decode
from kiosk.scan.synth import render_qr, varied_scene

CARD = "EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def micro_qr(text: str, scale: int = 8) -> np.ndarray:
    """Render a micro QR code (which the kiosk never prints) as a gray image."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.MicroQRCode)
    return np.ascontiguousarray(np.array(code.to_image(scale=scale, add_quiet_zones=True)))


def test_a_micro_qr_code_is_not_returned():
    image = micro_qr("EKP:SOAP")
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.MicroQRCode)
    assert [b.text for b in found] == ["EKP:SOAP"]  # it is a readable micro QR code
    assert decode(image) == []


def test_a_qr_code_beside_a_micro_qr_code_is_returned_alone():
    micro = micro_qr("EKP:SOAP", scale=6)
    qr = render_qr(CARD, scale=6)
    frame = np.full((max(micro.shape[0], qr.shape[0]), micro.shape[1] + qr.shape[1]), 255, np.uint8)
    frame[: micro.shape[0], : micro.shape[1]] = micro
    frame[: qr.shape[0], micro.shape[1] :] = qr
    assert decode(frame) == [CARD]


def test_noisy_small_codes_glimpsed_by_the_micro_detector_are_read():
    # Seeds where only the micro QR detector locates the code; the retries then read it.
    for seed in (5, 134, 140, 165):
        assert decode(varied_scene(CARD, seed)) == [CARD]
