"""Kiosks learn the programme from central's feed; a day's work reaches central exactly once."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import func, select
from sync_helpers import (
    EAST,
    PRICE,
    ROSTER,
    SECRET,
    SQLITE_ONLY,
    WEST,
    alerts,
    assert_converged,
    assert_exactly_once,
    buy,
    central_balances,
    central_count,
    central_ledger_sums,
    get,
    household_id,
    kiosk_balances,
    quiet_sync,
)

from core.domain import errors
from core.domain.codes import card_code, derived_card_token, token_hash
from kiosk.services import admin, checkin, doctor, inventory, terminal
from kiosk.storage import models as km
from kiosk.sync.apply import CURSOR, get_state, set_state
from sync.central import models as cm
from sync.central.queries import stats
from sync.central.queries.feed import changes_json
from sync.central.services import activities, kiosks, tokens
from sync.central.services import cards as cards_service
from sync.central.services import goods as goods_service

H1, H2, H3, H4 = (household_id(n) for n in range(1, 5))


def kiosk_count(runtime, model, *where) -> int:
    with runtime.kiosk.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_kiosk_on_an_empty_database_learns_the_programme_and_can_sell(programme):
    kiosks.set_allowance(programme.central, EAST, 150, actor="test")
    k1 = programme.kiosk("K1", sync=False, stock=False)
    assert kiosk_count(k1, km.Household) == 0
    with pytest.raises(errors.UnknownCard):  # central does not know it either
        terminal.scan(k1.kiosk, card_code(derived_card_token(b"other", "H999999-1")))

    k1.sync.sync_once()

    assert kiosk_balances(k1) == {H1: 300, H2: 100, H3: 40, H4: 0}
    with k1.kiosk.uow(write=False) as uow:
        s = uow.session
        names = dict(s.execute(select(km.Household.id, km.Household.name)).all())
        assert sorted(names.values()) == sorted(name for name, _m, _p in ROSTER)
        people = dict(s.execute(select(km.Resident.id, km.Resident.household_id)).all())
        assert people == {rid: rid.split("-")[0] for rid in programme.residents.values()}
        hashes = set(s.scalars(select(km.Card.token_hash).where(km.Card.status == "active")))
        goods = dict(s.execute(select(km.Product.code, km.Product.points)).all())
        activity = s.get(km.Activity, programme.activity_id)
        activity = (activity.code, activity.points)
    assert hashes == {token_hash(derived_card_token(SECRET, rid)) for rid in people}
    assert goods == PRICE
    assert activity == ("SORT", 10)
    assert k1.kiosk.offline_allowance == 150  # the store's allowance, not the other store's

    for code, qty, source, donor, value in [("OIL", 5, "donation", "县妇联", "69.9")]:
        inventory.restock(k1.kiosk, code, qty, source, donor, value, actor="test")
    result = buy(k1, programme.codes["李秀英"], {"OIL": 2}, online=True)
    assert result.balance_after == 180
    k1.sync.sync_once()
    assert central_balances(programme.central)[H1] == 180
    assert_exactly_once(programme.central, k1)


def test_a_kiosk_learns_credits_revocations_prices_and_allowances_later(programme):
    k1 = programme.kiosk("K1")
    c = programme.central
    activities.award(c, programme.activity_id, [programme.residents["张伟"]], actor="test")
    cards_service.revoke_card(c, programme.residents["李德福"], actor="test")
    goods_service.save_products(
        c, [goods_service.ProductRow(2, "OIL", "食用油 5升", "粮油", 55, "桶")]
    )
    kiosks.set_allowance(c, EAST, 80, actor="test")
    kiosks.set_allowance(c, WEST, 999, actor="test")

    assert k1.sync.refresh()

    assert kiosk_balances(k1)[H3] == 50
    with pytest.raises(errors.RevokedCard):
        terminal.scan(k1.kiosk, programme.codes["李德福"])
    assert buy(k1, programme.codes["王建国"], {"OIL": 1}, online=True).total == 55
    assert k1.kiosk.offline_allowance == 80
    again = programme.reopen(k1)  # the allowance survives a restart
    assert again.kiosk.offline_allowance == 80


def test_the_feed_leaves_out_a_kiosks_own_entries_and_other_stores_settings(programme):
    k1 = programme.kiosk("K1")
    buy(k1, programme.codes["王建国"], {"SOAP": 1}, online=True)
    k1.sync.sync_once()
    kiosks.set_allowance(programme.central, WEST, 70, actor="test")

    def feed(kiosk_id: str) -> list[dict]:
        # The whole feed, as a kiosk of protocol 1 reads it (these kiosks read their store's,
        # so their own tokens are refused it).
        return orjson.loads(changes_json(programme.central, kiosk_id, 0, 1000))["changes"]

    own = [c for c in feed("K1") if c["kind"] == "ledger" and c["data"]["kiosk_id"] == "K1"]
    assert own == []
    theirs = [c for c in feed("K2") if c["kind"] == "ledger" and c["data"]["kiosk_id"] == "K1"]
    assert len(theirs) == 1 and theirs[0]["data"]["points"] == -8
    assert {c["data"]["offline_allowance"] for c in feed("K1") if c["kind"] == "settings"} == {200}
    assert {c["data"]["offline_allowance"] for c in feed("K2") if c["kind"] == "settings"} == {
        200,
        70,
    }
    cursors = [c["cursor"] for c in feed("K2")]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)


@SQLITE_ONLY
def test_pulling_the_feed_again_from_the_start_changes_nothing(programme):
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")
    buy(k2, programme.codes["王建国"], {"OIL": 1}, online=True)
    k2.sync.sync_once()
    k1.sync.pull_once(limit=2)  # small pages: the client keeps asking until the feed is drained
    before = kiosk_balances(k1), kiosk_count(k1, km.LedgerEntry), kiosk_count(k1, km.Card)
    assert before[0][H1] == 240
    with k1.kiosk.uow() as uow:
        set_state(uow.session, CURSOR, "0")
        uow.commit()
    assert k1.sync.pull_once(limit=3) > 0
    after = kiosk_balances(k1), kiosk_count(k1, km.LedgerEntry), kiosk_count(k1, km.Card)
    assert after == before
    assert doctor.check(k1.kiosk) == []
    with k1.kiosk.uow(write=False) as uow:
        assert int(get_state(uow.session, CURSOR)) > 0


def test_a_day_at_two_stores_reaches_central_once_and_every_kiosk_converges(programme):
    c = programme.central
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")
    codes = programme.codes
    quiet_sync(k1, k2)

    kept = buy(k1, codes["王建国"], {"OIL": 1, "SOAP": 2}, online=True)  # 76
    mistaken = buy(k1, codes["李德福"], {"RICE": 1}, online=True)  # 40, voided below
    admin.void_exchange(k1.kiosk, mistaken.number, "选错了", actor="店长")
    checkin.check_in(k1.kiosk, programme.activity_id, card_code=codes["陈志明"])
    checkin.check_in(k1.kiosk, programme.activity_id, card_code=codes["黄丽华"])
    k1.sync.sync_once()
    buy(k2, codes["李秀英"], {"TISSUE": 3}, online=True)  # 45, same household at the other store
    checkin.check_in(k2.kiosk, programme.activity_id, card_code=codes["张伟"])
    k2.sync.sync_once()  # a credit is spendable once central has confirmed it
    buy(k2, codes["张伟"], {"SOAP": 6}, online=True)  # 48 of 50
    inventory.stocktake(k2.kiosk, "SOAP", 40, "盘点", actor="店长")
    k2.sync.sync_once()
    quiet_sync(k1, k2)

    assert_exactly_once(c, k1, k2)
    assert_converged(c, k1, k2)
    expected = {H1: 300 - 76 - 45, H2: 100, H3: 40 + 10 - 48, H4: 20}
    assert central_balances(c) == expected == central_ledger_sums(c)
    for runtime in (k1, k2):
        assert doctor.check(runtime.kiosk) == []

    with c.uow(write=False) as uow:
        s = uow.session
        exchange = s.get(cm.Exchange, kept.exchange_id)
        assert (exchange.kiosk_id, exchange.household_id, exchange.total) == ("K1", H1, 76)
        lines = s.execute(
            select(cm.ExchangeLine.product_code, cm.ExchangeLine.qty, cm.ExchangeLine.points)
            .where(cm.ExchangeLine.exchange_id == kept.exchange_id)
            .order_by(cm.ExchangeLine.product_code)
        ).all()
        assert [tuple(r) for r in lines] == [("OIL", 1, 60), ("SOAP", 2, 16)]
        assert s.get(cm.Exchange, mistaken.exchange_id).status == "voided"
        donors = s.execute(
            select(cm.Batch.kiosk_id, cm.Batch.product_code, cm.Batch.donor, cm.Batch.qty)
            .where(cm.Batch.source == "donation")
            .order_by(cm.Batch.kiosk_id, cm.Batch.product_code)
        ).all()
        assert [tuple(r) for r in donors] == [
            (k, code, donor, qty)
            for k in ("K1", "K2")
            for code, donor, qty in [
                ("OIL", "县妇联", 20),
                ("SOAP", "爱心企业", 50),
                ("TISSUE", "县妇联", 40),
            ]
        ]
        moves = dict(
            s.execute(
                select(cm.StockMove.kind, func.sum(cm.StockMove.qty)).group_by(cm.StockMove.kind)
            ).all()
        )
        assert moves == {"issue": -(1 + 2 + 1 + 3 + 6), "void": 1, "adjust": 40 - (50 - 6)}
        issued_to = s.scalar(
            select(cm.StockMove.household_id).where(cm.StockMove.exchange_id == kept.exchange_id)
        )
        assert issued_to == H1

    figures = stats.stats(c)
    assert figures["exchanges"] == 3
    assert figures["goods_issued"] == 1 + 2 + 3 + 6
    assert figures["points_redeemed"] == 76 + 45 + 48
    assert figures["participations"] == 3
    assert figures["points_issued"] == 440 + 30
    per_store = {row["store"]: row for row in figures["stores"]}
    assert per_store[EAST]["exchanges"] == 1 and per_store[EAST]["points_redeemed"] == 76
    assert per_store[WEST]["goods_issued"] == 9 and per_store[WEST]["participations"] == 1
    assert alerts(c) == []
    assert central_count(c, cm.Alert) == 0

    viewer = tokens.office_token(c, "viewer", actor="test")
    household = get(programme.server.base, viewer, f"/api/v1/households/{H1}").json()
    assert household["balance"] == expected[H1]
    assert get(programme.server.base, viewer, "/api/v1/stats").json()["exchanges"] == 3


def test_a_card_issued_at_one_kiosk_works_at_another_once_the_office_confirms_it(programme):
    k1 = programme.kiosk("K1")
    k2 = programme.kiosk("K2", stock=False)
    resident = programme.residents["王建国"]
    old_code = programme.codes["王建国"]
    buy(k1, old_code, {"SOAP": 1}, online=True)  # K1's store serves this household
    token = admin.issue_card(k1.kiosk, resident, actor="test")
    new_code = "EKC:" + token
    k1.sync.sync_once()
    with programme.central.uow(write=False) as uow:
        cards = {
            card.token_hash: card
            for card in uow.session.scalars(select(cm.Card).where(cm.Card.resident_id == resident))
        }
        uow.session.expunge_all()
    assert cards[token_hash(token)].status == "active"
    assert cards[token_hash(old_code[4:])].status == "revoked"  # the lost card, everywhere
    k2.sync.sync_once()
    with pytest.raises(errors.UnknownCard):  # bound to K1's store until the office confirms
        terminal.scan(k2.kiosk, new_code)
    cards_service.confirm_card(programme.central, cards[token_hash(token)].id, actor="office")
    k2.sync.sync_once()
    assert terminal.scan(k2.kiosk, new_code).kind == "card"
    terminal.cancel(k2.kiosk)
    with pytest.raises(errors.RevokedCard):
        terminal.scan(k2.kiosk, old_code)
    assert_exactly_once(programme.central, k1)
