"""Synthetic frames: deterministic, the right shape, and codes that really decode."""

import numpy as np
import pytest

from kiosk.scan import decode
from kiosk.scan.synth import render_qr, scene, varied_scene

CARD = "EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_render_qr_draws_black_modules_on_white_at_the_given_scale():
    code = render_qr("EKP:OIL-5L", scale=3, border=4)
    assert code.dtype == np.uint8
    assert code.shape == ((21 + 8) * 3, (21 + 8) * 3)  # version 1 plus a 4-module quiet zone
    assert set(np.unique(code)) == {0, 255}
    assert (code[:12, :12] == 255).all()  # the quiet zone is white


def test_render_qr_keeps_card_codes_small():
    assert render_qr(CARD, scale=1, border=0).shape == (25, 25)  # version 2


def test_render_qr_refuses_a_zero_scale():
    with pytest.raises(ValueError):
        render_qr(CARD, scale=0)


def test_render_qr_output_decodes_back_to_the_text():
    assert decode(render_qr(CARD)) == [CARD]


def test_scene_is_a_bgr_frame_of_the_requested_width_and_height():
    frame = scene(CARD, seed=1, size=(640, 480))
    assert frame.shape == (480, 640, 3)
    assert frame.dtype == np.uint8


def test_scene_is_the_same_for_the_same_seed_and_differs_between_seeds():
    options = {"perspective": 0.5, "blur": 1.0, "noise": 8.0, "jpeg": 70}
    first = scene(CARD, seed=3, **options)
    assert np.array_equal(first, scene(CARD, seed=3, **options))
    assert not np.array_equal(first, scene(CARD, seed=4, **options))


def test_varied_scene_is_deterministic():
    assert np.array_equal(varied_scene(CARD, 5), varied_scene(CARD, 5))


def test_scene_without_text_has_no_code():
    assert decode(scene(None, seed=2)) == []


def test_scene_is_harder_than_a_printed_code():
    frame = scene(CARD, seed=6, perspective=0.5, noise=10.0, contrast=0.6)
    assert frame.std() > 20  # clutter, not a flat page


def test_new_options_are_deterministic_and_leave_older_scenes_unchanged():
    options = {"tilt": 40.0, "motion": 8.0, "glare": 0.5, "brightness": 0.6, "phone": True}
    assert np.array_equal(scene(CARD, seed=7, **options), scene(CARD, seed=7, **options))
    # Turning none of them on draws nothing extra from the scene's generator.
    plain = scene(CARD, seed=7, perspective=0.4)
    assert np.array_equal(plain, scene(CARD, seed=7, perspective=0.4, motion=0.0, glare=0.0))


def test_a_phone_in_dark_mode_shows_a_light_on_dark_code_that_decodes():
    frame = scene(CARD, seed=8, phone=True, invert=True, code_size=220, rotation=10)
    assert decode(frame) == [CARD]


def test_motion_smears_along_its_angle_only():
    frame = np.zeros((101, 101, 3), np.uint8)
    frame[50, 50] = 255
    from kiosk.scan.synth import _motion_blur

    smear = _motion_blur(frame, 11, 0)[..., 0]
    assert smear[50].astype(bool).sum() >= 9  # along the row
    assert smear[:, 50].astype(bool).sum() <= 3  # hardly across it


def test_dim_and_glare_change_the_light_not_the_layout():
    dim = scene(CARD, seed=9, brightness=0.2, code_size=200).astype(float)
    bright = scene(CARD, seed=9, code_size=200).astype(float)
    assert dim.mean() < 0.3 * bright.mean()
    glare = scene(CARD, seed=9, glare=1.0, code_size=200).astype(float)
    assert (glare - bright).max() > 150 and glare.mean() > bright.mean()
