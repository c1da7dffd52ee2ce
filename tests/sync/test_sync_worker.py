"""The background sync worker: it delivers soon after a wake, rides out outages and stops."""

from __future__ import annotations

import time

from sync_helpers import (
    SQLITE_ONLY,
    applied_per_entry,
    buy,
    central_balances,
    household_id,
    wait_for,
)

pytestmark = SQLITE_ONLY

H1 = household_id(1)


def test_the_worker_delivers_a_checkout_soon_after_a_wake_and_stops_when_told(programme):
    k1 = programme.kiosk("K1")
    k1.sync.sync_once()
    k1.sync.start(interval=30)  # the regular round is far away: only wake() can be quick
    time.sleep(0.2)
    result = buy(k1, programme.codes["王建国"], {"OIL": 1}, online=True)
    k1.sync.wake()
    assert wait_for(lambda: central_balances(programme.central)[H1] == result.balance_after)
    assert wait_for(lambda: k1.sync.backlog() == 0)
    thread = k1.sync._thread
    k1.sync.stop(timeout=5)
    assert not thread.is_alive()
    assert k1.sync.http.is_closed


def test_the_worker_keeps_trying_through_an_outage_and_shows_its_state(programme):
    k1 = programme.kiosk("K1")
    k1.sync.start(interval=0.2)
    assert wait_for(lambda: k1.sync.status.online)
    programme.server.stop()
    buy(k1, programme.codes["王建国"], {"SOAP": 2})
    k1.sync.wake()
    # The worker may have failed once already before the sale; wait for a round after it.
    assert wait_for(lambda: not k1.sync.status.online and k1.sync.status.backlog >= 1)
    state = k1.sync.status.as_dict()
    assert state["backlog"] >= 1 and state["last_error"]

    programme.server.start()
    k1.sync.wake()
    assert wait_for(lambda: k1.sync.backlog() == 0, timeout=8)
    assert wait_for(lambda: k1.sync.status.online)
    state = k1.sync.status.as_dict()
    assert state["backlog"] == 0 and state["last_success"]
    assert central_balances(programme.central)[H1] == 300 - 16
    assert set(applied_per_entry(programme.central).values()) == {1}
    k1.sync.stop(timeout=5)


def test_a_backlog_bigger_than_one_request_may_be_goes_in_several_and_all_arrives(
    programme, monkeypatch
):
    import json

    import kiosk.sync.client

    k1 = programme.kiosk("K1")
    for _ in range(6):
        buy(k1, programme.codes["王建国"], {"SOAP": 1})
    with k1.kiosk.uow(write=False) as uow:
        from sqlalchemy import select

        from kiosk.storage.models import OutboxRow

        pending = select(OutboxRow.payload).where(OutboxRow.status == "pending")
        sizes = [len(json.dumps(p)) for p in uow.session.scalars(pending)]
    assert len(sizes) >= 6
    # Room for about a third of the backlog per request (beyond the fixed envelope).
    monkeypatch.setattr(kiosk.sync.client, "MAX_PUSH_BYTES", 4096 + sum(sizes) // 3)
    bodies: list[int] = []
    send = k1.sync.http.request

    def measured(method, path, **kw):
        if path.endswith(("/push", "/sync")) and kw["json"]["entries"]:
            bodies.append(len(json.dumps(kw["json"])))
        return send(method, path, **kw)

    monkeypatch.setattr(k1.sync.http, "request", measured)
    k1.sync.sync_once()
    assert k1.sync.backlog() == 0
    assert len(bodies) >= 3
    assert all(size <= kiosk.sync.client.MAX_PUSH_BYTES for size in bodies)
    held = applied_per_entry(programme.central)
    assert set(held.values()) == {1} and len(held) >= len(sizes)


def test_checkouts_during_an_outage_do_not_delay_delivery_once_central_returns(programme):
    k1 = programme.kiosk("K1")
    k1.sync.start(interval=30)  # the regular round is far away: only the back-off can be quick
    assert wait_for(lambda: k1.sync.status.online)
    programme.server.stop()
    for _ in range(12):  # every checkout wakes the worker, which fails once more
        buy(k1, programme.codes["王建国"], {"SOAP": 1})
        k1.sync.wake()
        time.sleep(0.05)
    assert wait_for(lambda: not k1.sync.status.online and k1.sync.status.failures >= 6)

    programme.server.start()  # no wake and no further checkout from here on
    assert wait_for(lambda: k1.sync.backlog() == 0, timeout=6)
    assert central_balances(programme.central)[H1] == 300 - 12 * 8
    k1.sync.stop(timeout=5)


def test_a_kiosk_offline_for_hours_tries_again_within_a_minute(programme, monkeypatch):
    import kiosk.sync.client as client

    k1 = programme.kiosk("K1")
    now = [1000.0]
    waits: list[float] = []
    monkeypatch.setattr(client.time, "monotonic", lambda: now[0])
    programme.server.stop()
    for _ in range(200):  # three hours of rounds, some woken by checkouts
        wait, _not_before = k1.sync._round(interval=5)
        waits.append(wait)
        now[0] += min(wait, 60)
    assert max(waits) <= 60
    assert waits[-1] >= 20  # it does back off
    programme.server.start()
    now[0] += waits[-1]
    wait, _ = k1.sync._round(interval=5)
    assert k1.sync.status.online and wait == 5
