"""A finger (or a child) on "呼叫店员": one call waits for the shopkeeper, however often pressed."""

from __future__ import annotations

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
