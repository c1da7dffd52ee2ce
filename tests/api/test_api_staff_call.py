"""A resident calls the shopkeeper from the screen; the call waits until a shopkeeper answers."""

from __future__ import annotations

from kiosk.services import staff_call


def test_a_call_from_the_screen_waits_for_the_shopkeeper(client, runtime):
    answer = client.post("/api/staff-call")

    assert answer.status_code == 200
    assert answer.get_json()["called_at"]
    assert staff_call.waiting(runtime.kiosk) is not None


def test_an_answered_call_no_longer_waits(client, runtime):
    client.post("/api/staff-call")

    staff_call.answer(runtime.kiosk, "admin")

    assert staff_call.waiting(runtime.kiosk) is None
