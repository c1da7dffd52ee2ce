"""Guessing PINs at the admin screen: each lock lasts longer than the one before until someone
signs in, and "someone else has this PIN" is no faster a way to find a shopkeeper's PIN."""

from __future__ import annotations

import contextlib

from kiosk.services import staff
from tests.admin.conftest import PIN, post

VOLUNTEER_PIN = "864213"


def _lock(client) -> None:
    for _ in range(staff.MAX_FAILURES):
        answer = post(client, "/admin/login", {"pin": "000000"})
    assert answer.status_code == 401


def test_each_lock_lasts_twice_as_long_as_the_one_before_until_someone_signs_in(app, rt, clock):
    client = app.test_client()
    _lock(client)
    assert staff.lock_seconds_left(rt.kiosk) == 300
    clock.advance(seconds=301)
    _lock(client)
    assert staff.lock_seconds_left(rt.kiosk) == 600
    clock.advance(seconds=601)
    _lock(client)
    assert staff.lock_seconds_left(rt.kiosk) == 1200
    clock.advance(seconds=1201)
    assert post(client, "/admin/login", {"pin": PIN}).status_code == 302
    _lock(app.test_client())
    assert staff.lock_seconds_left(rt.kiosk) == 300  # a sign-in starts the count again


def test_locks_stop_growing_at_a_day(app, rt, clock):
    for _ in range(12):
        for _ in range(staff.MAX_FAILURES):
            with contextlib.suppress(staff.PinRefused):
                staff.check_pin(rt.kiosk, "000000")
        left = staff.lock_seconds_left(rt.kiosk)
        clock.advance(seconds=left + 1)
    assert left == int(staff.LONGEST_LOCK.total_seconds())


def test_a_pin_refused_as_taken_counts_as_a_wrong_guess(admin, app, rt):
    # A shopkeeper who tries another person's PIN as their own new PIN learns it is someone's
    # (and could then act in that person's name): each such try counts like a wrong PIN at the
    # sign-in, so it is no faster than guessing there.
    post(
        admin,
        "/admin/staff",
        {"name": "志愿者", "role": "volunteer", "pin": VOLUNTEER_PIN, "pin_again": VOLUNTEER_PIN},
    )
    answers = []
    for _ in range(staff.MAX_FAILURES):
        answer = post(
            admin,
            "/admin/pin",
            {"current_pin": PIN, "new_pin": VOLUNTEER_PIN, "new_pin_again": VOLUNTEER_PIN},
        )
        answers.append("已有人用这个密码" in answer.get_data(as_text=True))
    assert answers == [True] * (staff.MAX_FAILURES - 1) + [False]  # the fifth try locks
    assert staff.lock_seconds_left(rt.kiosk) == 300
    assert post(app.test_client(), "/admin/login", {"pin": VOLUNTEER_PIN}).status_code == 401


def test_a_taken_pin_is_audited(admin, rt, audit_actions):
    post(admin, "/admin/staff", {"name": "x", "role": "volunteer", "pin": PIN, "pin_again": PIN})
    assert "pin_taken" in audit_actions()
