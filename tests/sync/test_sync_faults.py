"""Faults between kiosk and central: every entry still arrives exactly once and kiosks converge."""

from __future__ import annotations

import contextlib
import threading

import pytest
from sync_helpers import (
    alerts,
    applied_per_entry,
    assert_converged,
    assert_exactly_once,
    buy,
    central_balances,
    household_id,
    outbox_ids,
    outbox_statuses,
    pending_body,
    push,
    quiet_sync,
    wait_for,
)

import kiosk.sync.client
from core.db.uow import UnitOfWork
from kiosk.sync.client import SyncError
from sync.central.services import ingest

H1 = household_id(1)


@pytest.fixture(params=["/api/v1/sync", "/api/v1/push"])
def day(programme, proxy, request):
    """Return (programme, proxy, k1 behind the proxy, k2 direct) with some sales pending at K1.

    K1 syncs by whole rounds (its batches on /api/v1/sync), or with three requests as it does
    with an older central (its batches on /api/v1/push); the faults meet the batches' path.
    """
    k1 = programme.kiosk("K1", url=proxy.base)
    proxy.push_path = request.param
    if request.param == "/api/v1/push":
        k1.sync._no_combined_until = float("inf")  # as after an older central's 404
    k2 = programme.kiosk("K2")
    quiet_sync(k1, k2)
    for name, goods in [("王建国", {"OIL": 1}), ("李德福", {"SOAP": 3}), ("张伟", {"TISSUE": 1})]:
        buy(k1, programme.codes[name], goods, online=True)
    buy(k2, programme.codes["李秀英"], {"RICE": 1}, online=True)
    proxy.log.clear()
    return programme, proxy, k1, k2


def held_ids(programme) -> set[str]:
    return set(applied_per_entry(programme.central))


def finish(programme, proxy, k1, k2) -> None:
    """Let the proxy settle, sync quietly, and check exactly-once and convergence."""
    proxy.settle()
    quiet_sync(k1, k2)
    assert_exactly_once(programme.central, k1, k2)
    assert_converged(programme.central, k1, k2)
    assert [a.kind for a in alerts(programme.central)] == []
    assert central_balances(programme.central)[H1] == 300 - 60 - 40


def test_a_dropped_request_is_sent_again(day):
    programme, proxy, k1, k2 = day
    pending = set(outbox_ids(k1)) - held_ids(programme)
    proxy.on(proxy.push_path, "drop_request")
    with pytest.raises(SyncError):
        k1.sync.sync_once()
    assert held_ids(programme).isdisjoint(pending)  # central never saw it
    assert k1.sync.backlog() == len(pending)
    finish(programme, proxy, k1, k2)
    assert proxy.events()[0] == "drop_request"


def test_a_response_lost_after_central_committed_is_a_harmless_duplicate(day):
    programme, proxy, k1, k2 = day
    pending = set(outbox_ids(k1)) - held_ids(programme)
    proxy.on(proxy.push_path, "drop_response")
    with pytest.raises(SyncError):
        k1.sync.sync_once()
    assert pending <= held_ids(programme)  # central applied the batch...
    assert k1.sync.backlog() == len(pending)  # ...but the kiosk never heard
    balance = central_balances(programme.central)

    answer = push(programme.server.base, programme.token("K1"), pending_body(k1))
    assert {r["status"] for r in answer.json()["results"]} == {"duplicate"}
    k1.sync.sync_once()
    assert central_balances(programme.central) == balance
    finish(programme, proxy, k1, k2)


@pytest.mark.parametrize("fault", ["duplicate", "duplicate_parallel"])
def test_a_duplicated_request_is_applied_once(day, fault):
    programme, proxy, k1, k2 = day
    proxy.on(proxy.push_path, fault)
    k1.sync.sync_once()
    assert k1.sync.backlog() == 0
    if fault == "duplicate_parallel":
        assert proxy.events()[0] == "parallel 200 200"
    finish(programme, proxy, k1, k2)


def test_a_delayed_request_is_applied_once_whether_or_not_the_kiosk_waited(day):
    programme, proxy, k1, k2 = day
    proxy.delay = 0.3
    proxy.on(proxy.push_path, "delay")
    k1.sync.sync_once()  # waited it out
    buy(k1, programme.codes["王建国"], {"SOAP": 1}, online=True)
    proxy.delay = 1.0
    k1.sync.http.timeout = 0.4  # gave up: central applies the batch after the kiosk retried
    proxy.on(proxy.push_path, "delay")
    with pytest.raises(SyncError):
        k1.sync.sync_once()
    k1.sync.http.timeout = 15  # the retry is waited for (a loaded machine took over 0.4 s)
    k1.sync.sync_once()
    proxy.settle()
    assert central_balances(programme.central)[H1] == 300 - 60 - 8  # K2 has not pushed yet
    quiet_sync(k1, k2)
    assert_exactly_once(programme.central, k1, k2)
    assert_converged(programme.central, k1, k2)


def test_a_batch_that_arrives_after_its_retry_is_a_duplicate(day, monkeypatch):
    programme, proxy, k1, k2 = day
    monkeypatch.setattr(kiosk.sync.client, "MAX_BATCH", 2)
    k1.sync.http.timeout = 0.5
    proxy.on(proxy.push_path, "hold")
    with pytest.raises(SyncError):
        k1.sync.sync_once()  # the first batch is held; the kiosk gives up on it
    k1.sync.http.timeout = 15
    k1.sync.sync_once()  # its retry overtakes it; the held batch follows as a duplicate
    proxy.settle()
    assert proxy.events()[:2] == ["held", "forwarded"]
    finish(programme, proxy, k1, k2)


def test_two_batches_applied_out_of_order_close_the_gap_without_alerts(day):
    programme, proxy, k1, k2 = day
    body = pending_body(k1)
    first, second = dict(body, entries=body["entries"][:2]), dict(body, entries=body["entries"][2:])
    assert first["entries"] and second["entries"]
    held: list = []
    proxy.push_path = "/api/v1/push"  # the batches go straight to /push, not through the client
    proxy.on(proxy.push_path, "hold")
    late = threading.Thread(
        target=lambda: held.append(push(proxy.base, programme.token("K1"), first))
    )
    late.start()
    assert wait_for(lambda: "held" in proxy.events())
    early = push(proxy.base, programme.token("K1"), second)
    late.join(30)
    proxy.settle()

    assert early.json()["contiguous_seq"] < body["entries"][0]["seq"]
    assert {r["status"] for r in early.json()["results"]} == {"applied"}
    assert held[0].json()["contiguous_seq"] == body["entries"][-1]["seq"]
    assert alerts(programme.central) == []  # the gap closed; the chain is whole
    finish(programme, proxy, k1, k2)


def test_central_restarted_between_batches_loses_nothing(day, monkeypatch):
    programme, proxy, k1, k2 = day
    monkeypatch.setattr(kiosk.sync.client, "MAX_BATCH", 2)
    before = programme.server.central
    proxy.on(proxy.push_path, "pass", "restart")
    k1.sync.sync_once()
    assert programme.server.restarts == 1 and programme.server.central is not before
    finish(programme, proxy, k1, k2)


def test_central_down_in_the_middle_of_a_sync_loses_nothing(day, monkeypatch):
    programme, proxy, k1, k2 = day
    monkeypatch.setattr(kiosk.sync.client, "MAX_BATCH", 2)
    backlog = k1.sync.backlog()
    proxy.on(proxy.push_path, "pass", "down")
    with pytest.raises(SyncError) as failed:
        k1.sync.sync_once()
    assert "502" in str(failed.value)
    assert k1.sync.backlog() == backlog - 2  # the first batch was confirmed, the rest waits
    finish(programme, proxy, k1, k2)


def test_central_dying_inside_a_batch_commits_none_of_it(day, monkeypatch):
    programme, proxy, k1, k2 = day
    pending = set(outbox_ids(k1)) - held_ids(programme)
    real = ingest._contiguous

    def crash(*args, **kwargs):
        monkeypatch.setattr(ingest, "_contiguous", real)
        raise RuntimeError("central lost power")

    monkeypatch.setattr(ingest, "_contiguous", crash)  # after applying, before committing
    with pytest.raises(SyncError):
        k1.sync.sync_once()
    assert held_ids(programme).isdisjoint(pending)
    assert central_balances(programme.central)[H1] == 300
    finish(programme, proxy, k1, k2)


class Killed(Exception):
    """The kiosk's process died."""


def test_a_kiosk_killed_after_central_applied_but_before_it_marked_rows_sent(day):
    programme, proxy, k1, k2 = day
    pending = set(outbox_ids(k1)) - held_ids(programme)
    k1.sync.pull_once()

    class DiesOnCommit(UnitOfWork):
        def commit(self) -> None:
            raise Killed

    real_uow = k1.kiosk.uow
    k1.kiosk.uow = lambda *, write=True: (
        DiesOnCommit(k1.kiosk.engine) if write else real_uow(write=False)
    )
    with pytest.raises(Killed):
        k1.sync.sync_once()
    assert pending <= held_ids(programme)
    k1.kiosk.uow = real_uow
    balance = central_balances(programme.central)

    k1 = programme.reopen(k1)  # the kiosk starts again on the same data
    assert outbox_statuses(k1).get("pending") == len(pending)
    assert k1.sync.push_once() == len(pending)  # all answered "duplicate"
    assert central_balances(programme.central) == balance
    finish(programme, proxy, k1, k2)


def test_a_run_of_faults_still_ends_in_exactly_once(day, monkeypatch):
    programme, proxy, k1, k2 = day
    monkeypatch.setattr(kiosk.sync.client, "MAX_BATCH", 2)
    proxy.on(proxy.push_path, "drop_response", "duplicate", "drop_request", "pass", "restart")
    proxy.on("/api/v1/changes", "drop_response")
    codes = programme.codes
    for round_ in range(6):
        buy(k1, codes["王建国" if round_ % 2 else "李德福"], {"SOAP": 1}, online=None)
        with contextlib.suppress(SyncError):
            k1.sync.sync_once()
    proxy.settle()
    quiet_sync(k1, k2)
    assert_exactly_once(programme.central, k1, k2)
    assert_converged(programme.central, k1, k2)
    assert alerts(programme.central) == []
