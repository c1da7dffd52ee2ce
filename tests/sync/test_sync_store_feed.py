"""A kiosk reads its store's feed: the households of its store's set and their confirmed balances,
never another store's entries; a card from elsewhere is looked up at central on first scan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sync_helpers import (
    EAST,
    WEST,
    assert_converged,
    buy,
    central_balances,
    feed,
    get,
    household_id,
    households_in,
    kiosk_balances,
    pending_body,
    push,
    quiet_sync,
    store_set,
)

from core.domain import errors
from core.domain.codes import card_code, derived_card_token, token_hash
from kiosk.services import doctor, terminal
from kiosk.storage import models as km
from sync.central import models as cm
from sync.central.services import activities, store_feed
from sync.protocol import CHANGE_KINDS

H1, H2, H3 = (household_id(n) for n in range(1, 4))
ZH = Path(__file__).resolve().parents[2] / "terminal_ui" / "translations" / "zh_CN.json"


def test_a_kiosk_of_one_store_never_receives_another_stores_households(unassigned):
    p = unassigned
    k1, k2 = p.kiosk("K1"), p.kiosk("K2")
    # WEST serves H1 (王建国, 李秀英) and H3 (张伟); EAST serves H2 (李德福) only.
    for who in ("王建国", "李秀英", "张伟"):
        buy(k2, p.codes[who], {"SOAP": 1}, online=True)
    buy(k1, p.codes["李德福"], {"SOAP": 1}, online=True)
    quiet_sync(k1, k2)

    east = feed(p.server.base, p.token("K1"))
    west = feed(p.server.base, p.token("K3"))  # the other kiosk of WEST hears WEST's work
    assert households_in(east) == {H2}
    assert households_in(west) == {H1, H3}
    assert not [c for c in east + west if c["kind"] == "ledger"]  # balances, never entries
    assert {c["kind"] for c in east} <= {
        "household",
        "resident",
        "card",
        "balance",
        "history",
        "product",
        "activity",
        "settings",
    }
    with k1.kiosk.uow(write=False) as uow:
        held = set(uow.session.scalars(select(km.Household.id)))
        others = uow.session.scalars(
            select(km.LedgerEntry.id).where(km.LedgerEntry.kiosk_id != "K1")
        ).all()
    assert held == {H2} and others == []
    assert kiosk_balances(k1) == {H2: central_balances(p.central)[H2]}
    assert_converged(p.central, k1, k2)


def test_the_feed_follows_the_stores_own_work_not_the_programmes(unassigned):
    p = unassigned
    k1, k2 = p.kiosk("K1"), p.kiosk("K2")
    buy(k1, p.codes["李德福"], {"SOAP": 1}, online=True)
    quiet_sync(k1, k2)
    start = max(c["cursor"] for c in feed(p.server.base, p.token("K1")))
    for _ in range(5):  # WEST is busy with its own households
        buy(k2, p.codes["王建国"], {"SOAP": 1}, online=True)
        k2.sync.sync_once()
    assert feed(p.server.base, p.token("K1"), after=start) == []
    assert len(feed(p.server.base, p.token("K3"), after=start)) >= 5  # one balance per push


def test_a_household_from_elsewhere_is_looked_up_on_first_scan_and_joins_the_store(unassigned):
    p = unassigned
    k1, k2 = p.kiosk("K1"), p.kiosk("K2")
    buy(k2, p.codes["王建国"], {"OIL": 1}, online=True)
    k2.sync.sync_once()
    assert H1 not in store_set(p.central, EAST)

    result = buy(k1, p.codes["李秀英"], {"SOAP": 1}, online=True)  # H1 shops at EAST now

    assert H1 in store_set(p.central, EAST)
    assert result.balance_after == central_balances(p.central)[H1] - 8
    k1.sync.sync_once()
    # Later work for H1 elsewhere reaches EAST's kiosks as a confirmed balance.
    buy(k2, p.codes["王建国"], {"SOAP": 2}, online=True)
    k2.sync.sync_once()
    activities.award(p.central, p.activity_id, [p.residents["李秀英"]], actor="test")
    assert k1.sync.refresh()
    assert kiosk_balances(k1)[H1] == central_balances(p.central)[H1]
    quiet_sync(k1, k2)
    assert_converged(p.central, k1, k2)


def test_offline_an_unknown_card_is_refused_with_a_clear_message(unassigned):
    p = unassigned
    k1 = p.kiosk("K1", line=True)
    p.proxies["K1"].offline = True
    assert not k1.sync.refresh()
    with pytest.raises(errors.UnknownCardOffline) as refused:
        terminal.scan(k1.kiosk, p.codes["王建国"])
    assert json.loads(ZH.read_text())[refused.value.message].startswith("本店尚未登记此卡")
    with k1.kiosk.uow(write=False) as uow:
        assert uow.session.scalars(select(km.Household.id)).all() == []
    p.proxies["K1"].offline = False
    assert terminal.scan(k1.kiosk, p.codes["王建国"]).kind == "card"  # online: looked up


def test_a_card_central_does_not_know_stays_unknown(unassigned):
    p = unassigned
    k1 = p.kiosk("K1")
    with pytest.raises(errors.UnknownCard):
        terminal.scan(k1.kiosk, card_code(derived_card_token(b"elsewhere", "H999999-1")))
    assert store_set(p.central, EAST) == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/cards/" + "0" * 64, 404),
        ("/api/v1/cards/" + "A" * 64, 400),
        ("/api/v1/cards/" + "0" * 63, 400),
        ("/api/v1/cards/%00" + "0" * 63, 400),
        ("/api/v1/cards/" + "0" * 64 + "0", 400),
    ],
)
def test_the_card_lookup_refuses_hostile_input(unassigned, path, status):
    p = unassigned
    answer = get(p.server.base, p.token("K1"), path)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] in ("not_found", "invalid")
    assert store_set(p.central, EAST) == []


def test_the_card_lookup_needs_a_kiosk_token_and_keeps_bound_cards_to_their_store(unassigned):
    p = unassigned
    rid = p.residents["王建国"]
    digest = token_hash(derived_card_token(b"k", rid))
    with p.central.uow() as uow:  # a card a WEST kiosk issued, not yet confirmed
        uow.session.add(
            cm.Card(
                resident_id=rid,
                token_hash=digest,
                status="active",
                issued_at=p.clock.now(),
                issued_by="K2",
                bound_store_id=uow.session.scalar(select(cm.Store.id).where(cm.Store.name == WEST)),
            )
        )
        uow.commit()
    assert get(p.server.base, None, f"/api/v1/cards/{digest}").status_code == 401
    assert get(p.server.base, p.token("K1"), f"/api/v1/cards/{digest}").status_code == 404
    assert store_set(p.central, EAST) == []
    found = get(p.server.base, p.token("K2"), f"/api/v1/cards/{digest}")
    assert found.status_code == 200
    body = found.json()
    assert body["household_id"] == H1
    assert {c["kind"] for c in body["changes"]} == {"household", "resident", "card", "balance"}
    assert H1 in store_set(p.central, WEST)


def test_an_answer_lost_after_central_took_the_entry_is_not_counted_twice(unassigned):
    p = unassigned
    k1 = p.kiosk("K1")
    buy(k1, p.codes["王建国"], {"SOAP": 1}, online=True)
    k1.sync.sync_once()
    buy(k1, p.codes["王建国"], {"OIL": 1}, online=True)
    shown = kiosk_balances(k1)[H1]
    # Central takes the push, but the kiosk never hears the answer: its row stays pending.
    assert push(p.server.base, p.token("K1"), pending_body(k1)).status_code == 200
    assert k1.sync.refresh()
    assert kiosk_balances(k1)[H1] == shown == central_balances(p.central)[H1]
    assert doctor.check(k1.kiosk) == []
    k1.sync.sync_once()  # the retry is a duplicate
    assert kiosk_balances(k1)[H1] == central_balances(p.central)[H1]


def test_a_kiosk_of_the_earlier_protocol_still_reads_the_whole_feed(unassigned):
    p = unassigned
    k2 = p.kiosk("K2")
    buy(k2, p.codes["王建国"], {"SOAP": 1}, online=True)
    k2.sync.sync_once()
    # K1's token, as a kiosk of protocol 1 holds it: it has never read its store's feed (a
    # kiosk of this release has, and is refused the whole feed).
    whole = feed(p.server.base, p.token("K1"), scope=None)
    ledger = [c for c in whole if c["kind"] == "ledger" and c["data"]["kiosk_id"] == "K2"]
    assert len(ledger) == 1 and ledger[0]["data"]["points"] == -8
    assert {c["kind"] for c in whole} <= set(CHANGE_KINDS) - {"balance"}
    assert {c["data"]["id"] for c in whole if c["kind"] == "household"} >= {H1, H2, H3}
    bad = get(p.server.base, p.token("K1"), "/api/v1/changes?after=0&scope=all")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_households_that_shopped_before_the_store_feed_are_announced_on_first_read(unassigned):
    p = unassigned
    with p.central.uow() as uow:  # as c0014 leaves them: in the set, not yet announced
        east = uow.session.scalar(select(cm.Store.id).where(cm.Store.name == EAST))
        uow.session.add(
            cm.StoreMember(store_id=east, household_id=H2, joined_at=p.clock.now(), announced=False)
        )
        uow.commit()
    first = feed(p.server.base, p.token("K1"))
    assert households_in(first) == {H2}
    assert feed(p.server.base, p.token("K1")) == first  # announced once
    assert store_feed.announce(p.central, east) == 0
