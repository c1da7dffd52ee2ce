"""The programme closes its whole feed once every kiosk reads its store's: no token reads every
household from then on, and central stops copying each kiosk's ledger entries into the feed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, update
from sync_helpers import (
    EAST,
    WireKiosk,
    central_balances,
    central_ledger_sums,
    feed,
    get,
    push,
    quiet_sync,
)

from kiosk.cli import main
from sync.central import models as cm
from sync.central.services import adjustments, kiosks, records, store_feed
from sync.central.services import ledger as ledger_service
from sync.central.services.errors import RegistryError

H1, H2 = "H000001", "H000002"
PG_ONLY = pytest.mark.parametrize("central_url", ["postgresql"], indirect=True)
WHOLE = "/api/v1/changes?after=0&limit=1000"


def ledger_changes(c) -> int:
    with c.uow(write=False) as uow:
        return uow.session.scalar(
            select(func.count()).select_from(cm.Change).where(cm.Change.kind == "ledger")
        )


def seen(c, *kiosk_ids: str) -> None:
    """Mark kiosks as having reached central (a push or a heartbeat)."""
    with c.uow() as uow:
        uow.session.execute(
            update(cm.Kiosk)
            .where(cm.Kiosk.id.in_(kiosk_ids))
            .values(last_seen=cm.Kiosk.enrolled_at)
        )
        uow.commit()


def test_closing_refuses_the_whole_feed_to_every_kiosk_even_one_that_never_synced(unassigned):
    # A token taken between enrolment and the kiosk's first sync read every household of the
    # programme: the whole feed closed to a kiosk only once it had read its store's.
    p = unassigned
    assert not kiosks.whole_feed(p.central).closed  # open: a kiosk of protocol 1 may read it
    state = kiosks.close_whole_feed(p.central)
    assert not state.closed and state.readers == []

    for kiosk in ("K1", "K2", "K3"):
        answer = get(p.server.base, p.token(kiosk), WHOLE)
        assert answer.status_code == 403, answer.text[:300]
        assert answer.json()["error"]["code"] == "forbidden"
        assert "scope=store" in answer.json()["error"]["message"]
    assert kiosks.whole_feed(p.central).closed
    # Closing again changes nothing; the stores' feeds go on.
    assert kiosks.close_whole_feed(p.central).closed
    k1 = p.kiosk("K1")
    quiet_sync(k1)
    assert feed(p.server.base, p.token("K1"))


def test_closing_is_refused_while_a_kiosk_of_an_earlier_release_reads_it(unassigned):
    p = unassigned
    quiet_sync(p.kiosk("K1"))  # this release: reads its store's feed
    # K2 only reads the whole feed (no push, no heartbeat yet): it is a reader all the same.
    assert get(p.server.base, p.token("K2"), WHOLE).status_code == 200
    assert kiosks.whole_feed(p.central).readers == ["K2"]
    try:
        kiosks.close_whole_feed(p.central)
        raise AssertionError("closed while K2 reads the whole feed")
    except RegistryError as exc:
        assert "K2" in str(exc) and "K1" not in str(exc)
    assert get(p.server.base, p.token("K2"), WHOLE).status_code == 200  # nothing changed
    assert not kiosks.whole_feed(p.central).closed

    state = kiosks.close_whole_feed(p.central, anyway=True)
    assert state.readers == ["K2"]  # the kiosks cut off, as the command prints them
    assert get(p.server.base, p.token("K2"), WHOLE).status_code == 403


def test_while_closed_no_entry_is_copied_to_the_feed_and_the_stores_still_hear_balances(
    unassigned,
):
    p = unassigned
    c = p.central
    east = WireKiosk("K1")
    answer = push(p.server.base, p.token("K1"), east.body(east.restock(1, "OIL", 10)))
    assert answer.status_code == 200
    answer = push(
        p.server.base, p.token("K1"), east.body(east.exchange(H1, "H000001-1", [("OIL", 1, 60)]))
    )
    assert [r["status"] for r in answer.json()["results"]] == ["applied"]
    assert ledger_changes(c) >= 1  # open: each entry is copied for the kiosks of protocol 1
    copied = ledger_changes(c)

    feed(p.server.base, p.token("K1"))  # a kiosk of this release reads its store's feed
    kiosks.close_whole_feed(c)
    answer = push(
        p.server.base, p.token("K1"), east.body(east.exchange(H1, "H000001-1", [("OIL", 2, 60)]))
    )
    assert [r["status"] for r in answer.json()["results"]] == ["applied"]
    adjustments.adjust_points(c, H2, 15, "补录", "office")  # central's own chain too
    assert ledger_changes(c) == copied

    # Every balance is its ledger's sum, and the store's feed tells it.
    assert central_balances(c) == central_ledger_sums(c)
    balances = {
        ch["data"]["household_id"]: ch["data"]["balance"]
        for ch in feed(p.server.base, p.token("K1"))
        if ch["kind"] == "balance"
    }
    assert balances[H1] == central_balances(c)[H1]


def test_while_closed_a_household_change_goes_only_to_the_stores_that_hold_it(unassigned):
    p = unassigned
    c = p.central
    east = WireKiosk("K1")
    push(p.server.base, p.token("K1"), east.body(east.restock(1, "OIL", 10)))
    answer = push(
        p.server.base, p.token("K1"), east.body(east.exchange(H1, "H000001-1", [("OIL", 1, 60)]))
    )
    assert [r["status"] for r in answer.json()["results"]] == ["applied"]  # H1 joins east's set
    feed(p.server.base, p.token("K1"))
    kiosks.close_whole_feed(c)

    def for_every_store() -> int:
        with c.uow(write=False) as uow:
            return uow.session.scalar(
                select(func.count())
                .select_from(cm.Change)
                .where(cm.Change.kind == "household", cm.Change.store_id.is_(None))
            )

    before = for_every_store()
    records.rename_household(c, H1, "王建国新家")
    assert for_every_store() == before  # none for the whole feed, which no one reads now
    names = [
        ch["data"]["name"]
        for ch in feed(p.server.base, p.token("K1"))
        if ch["kind"] == "household" and ch["data"]["id"] == H1
    ]
    assert names[-1] == "王建国新家"  # the store's own copy


def test_the_command_shows_the_feed_and_its_readers_and_closes_it(unassigned, capsys):
    p = unassigned
    url = ["--database-url", p.server.url]
    seen(p.central, "K3")
    kiosks.enroll(p.central, EAST, "K9", actor="test")  # enrolled, not yet started
    assert main(["central", "whole-feed", *url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "open" in out[0].split(";")[0] and "K3" in out[0] and "K9" not in out[0]
    assert "never in contact" in out[1] and out[1].endswith(": K1, K2, K9")  # not a refusal
    assert main(["central", "whole-feed", "close", *url]) == 2
    err = capsys.readouterr().err
    assert "K3" in err and "upgrade" in err and "K9" not in err
    assert not kiosks.whole_feed(p.central).closed

    assert main(["central", "whole-feed", "close", "--anyway", *url]) == 0
    out = capsys.readouterr().out
    assert "closed for good" in out and "K3" in out
    assert "never in contact" in out and "K9" in out
    assert main(["central", "whole-feed", *url]) == 0
    assert "is closed" in capsys.readouterr().out
    assert get(p.server.base, p.token("K3"), WHOLE).status_code == 403
    with p.central.uow(write=False) as uow:
        actions = uow.session.scalars(select(cm.AuditEntry.action)).all()
    assert "whole_feed_close" in actions


def store_balance(c, store: str, household: str) -> int | None:
    """The last balance a store's feed tells for a household."""
    with c.uow(write=False) as uow:
        s = uow.session
        store_id = s.scalar(select(cm.Store.id).where(cm.Store.name == store))
        rows = s.scalars(
            select(cm.Change.data)
            .where(cm.Change.store_id == store_id, cm.Change.kind == "balance")
            .order_by(cm.Change.id)
        ).all()
    told = [r["balance"] for r in rows if r["household_id"] == household]
    return told[-1] if told else None


@PG_ONLY
@pytest.mark.parametrize("how", ["card_lookup", "office_assign"])
def test_a_store_joining_during_an_office_credit_hears_the_credited_balance(
    unassigned, how, monkeypatch
):
    # The ledger change an office credit wrote took the feed lock before the stores' sets were
    # read; with the whole feed closed nothing did, and a store joining the household meanwhile
    # announced its balance without the credit, which went only to the stores it had seen.
    p = unassigned
    c = p.central
    with c.uow(write=False) as uow:
        card_hash = uow.session.scalar(
            select(cm.Card.token_hash)
            .join(cm.Resident, cm.Resident.id == cm.Card.resident_id)
            .where(cm.Resident.household_id == H2)
            .limit(1)
        )
    kiosks.close_whole_feed(c, anyway=True)

    real = ledger_service.balance_rows
    sets_read, joined = threading.Event(), threading.Event()

    def balance_rows(s, balances, at, **kw):
        rows = real(s, balances, at, **kw)  # which stores hold the household, read
        sets_read.set()
        joined.wait(timeout=2)  # the store joins here, unless the feed lock holds it back
        return rows

    monkeypatch.setattr(ledger_service, "balance_rows", balance_rows)
    errors: list[BaseException] = []

    def office():
        try:
            adjustments.adjust_points(c, H2, 15, "补录", "office")
        except BaseException as exc:
            errors.append(exc)

    def join():
        try:
            sets_read.wait(timeout=10)
            if how == "office_assign":
                store_feed.assign(c, EAST, [H2], actor="office")
            else:  # H2's card shown at the east store: its kiosk asks central
                answer = get(p.server.base, p.token("K1"), f"/api/v1/cards/{card_hash}")
                assert answer.status_code == 200, answer.text[:300]
        except BaseException as exc:
            errors.append(exc)
        finally:
            joined.set()

    threads = [threading.Thread(target=office), threading.Thread(target=join)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors

    balance = central_balances(c)[H2]
    assert store_balance(c, EAST, H2) == balance, "the store's feed tells a stale balance"
    told = [
        ch["data"]["balance"]
        for ch in feed(p.server.base, p.token("K1"))
        if ch["kind"] == "balance" and ch["data"]["household_id"] == H2
    ]
    assert told and told[-1] == balance


@PG_ONLY
def test_two_closings_at_once_both_answer(unassigned, monkeypatch):
    c = unassigned.central
    real = kiosks._readers
    both = threading.Barrier(2, timeout=5)

    def readers(s, *, seen=True):
        out = real(s, seen=seen)
        if seen:
            both.wait()  # both have read the setting (open) and the readers
        return out

    monkeypatch.setattr(kiosks, "_readers", readers)
    errors: list[BaseException] = []

    def close():
        try:
            kiosks.close_whole_feed(c)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert errors == [], [repr(e)[:300] for e in errors]
    monkeypatch.setattr(kiosks, "_readers", real)
    assert kiosks.whole_feed(c).closed
