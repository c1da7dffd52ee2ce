"""A finger (or a child) on "呼叫店员": one call waits for the shopkeeper, however often pressed."""

from __future__ import annotations

import threading
import time

from kiosk_helpers import audit_count

from kiosk.services import staff_call


def test_pressing_the_call_again_while_it_waits_is_the_same_call(kiosk_client, kiosk_rt, clock):
    first = kiosk_client.post("/api/staff-call").get_json()["called_at"]
    version = kiosk_rt.changes.version
    for _ in range(50):
        clock.advance(seconds=1)
        answer = kiosk_client.post("/api/staff-call")
        assert answer.status_code == 200
        assert answer.get_json()["called_at"] == first  # the shopkeeper sees how long it waits

    assert audit_count(kiosk_rt, "staff_call") == 1  # no flood of the audit log (nor of central)
    assert kiosk_rt.changes.version == version  # no screen is woken again and again


def test_a_call_after_the_shopkeeper_answered_is_a_new_call(kiosk_client, kiosk_rt, clock):
    first = kiosk_client.post("/api/staff-call").get_json()["called_at"]
    staff_call.answer(kiosk_rt.kiosk, "admin")
    clock.advance(minutes=2)

    again = kiosk_client.post("/api/staff-call").get_json()["called_at"]

    assert again != first
    assert audit_count(kiosk_rt, "staff_call") == 2
    assert staff_call.waiting(kiosk_rt.kiosk) is not None


def test_a_double_tap_arriving_at_once_is_one_call(kiosk_rt, monkeypatch):
    # Two taps reach two of the server's threads together; writing the audit entry takes a
    # moment (a slow SD card), long enough for the second to look before the first is done.
    slow_audit = staff_call.audit

    def audit(*args, **kw):
        time.sleep(0.2)
        return slow_audit(*args, **kw)

    monkeypatch.setattr(staff_call, "audit", audit)
    start = threading.Barrier(4)
    called = []

    def press() -> None:
        start.wait()
        called.append(staff_call.call(kiosk_rt.kiosk))

    taps = [threading.Thread(target=press) for _ in range(4)]
    for tap in taps:
        tap.start()
    for tap in taps:
        tap.join()

    assert audit_count(kiosk_rt, "staff_call") == 1
    assert len(set(called)) == 1
