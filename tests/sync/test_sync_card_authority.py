"""Cards outlive no stolen kiosk: a card issued at a kiosk works only at its store until the
office confirms it, revoking the kiosk undoes its cards, and a kiosk revokes only the cards of
households its store has served."""

from __future__ import annotations

from sqlalchemy import select
from sync_helpers import WireKiosk, alerts, buy, push, quiet_sync

from core.domain import errors
from core.domain.codes import card_code, new_card_token, token_hash
from kiosk.services import admin, terminal
from kiosk.storage import models as km
from sync.central import models as cm
from sync.central.services import cards as cards_service
from sync.central.services import kiosks


def works(runtime, code: str) -> bool:
    """Say whether a card starts a session at this kiosk."""
    try:
        terminal.scan(runtime.kiosk, code)
    except (errors.UnknownCard, errors.RevokedCard):
        return False
    terminal.cancel(runtime.kiosk)
    return True


def central_card(programme, token: str) -> cm.Card:
    digest = token_hash(token)
    with programme.central.uow(write=False) as uow:
        card = uow.session.scalar(select(cm.Card).where(cm.Card.token_hash == digest))
        uow.session.expunge(card)
        return card


def test_a_card_issued_at_a_kiosk_works_only_at_its_store_until_the_office_confirms(programme):
    k1, k2, k3 = (
        programme.kiosk("K1"),
        programme.kiosk("K2"),
        programme.kiosk("K3"),
    )  # K3: K1's store
    token = admin.issue_card(k1.kiosk, programme.residents["张伟"], actor="admin")
    quiet_sync(k1, k2, k3)
    assert works(k1, card_code(token)) and works(k3, card_code(token))
    assert not works(k2, card_code(token))
    cards_service.confirm_card(programme.central, central_card(programme, token).id, actor="office")
    quiet_sync(k2)
    assert works(k2, card_code(token))


def test_revoking_a_stolen_kiosk_undoes_its_cards_and_gives_back_the_replaced_ones(programme):
    k1, k2, k3 = programme.kiosk("K1"), programme.kiosk("K2"), programme.kiosk("K3")
    old = programme.codes["王建国"]
    buy(k1, old, {"SOAP": 1}, online=True)  # the store has served this household
    forged = admin.issue_card(k1.kiosk, programme.residents["王建国"], actor="admin")
    quiet_sync(k1, k2, k3)
    assert not works(k2, old) and not works(k3, old)  # replaced: the lost card stops everywhere
    assert works(k3, card_code(forged))

    kiosks.revoke_kiosk(programme.central, "K1", actor="office")
    for runtime in (k2, k3):
        runtime.sync.sync_once()  # one sync round
    assert not works(k3, card_code(forged)) and not works(k2, card_code(forged))
    assert works(k2, old) and works(k3, old)


def test_a_stolen_token_cannot_take_away_the_card_of_a_household_its_store_never_served(
    programme,
):
    c, wire = programme.central, WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    victim = programme.residents["李德福"]
    with c.uow(write=False) as uow:
        real = uow.session.scalar(select(cm.Card).where(cm.Card.resident_id == victim))
        real_hash = real.token_hash
    revoke = wire.entry("card_revoke", {"token_hash": real_hash, "reason": "lost"})
    [result] = push(base, token, wire.body(revoke)).json()["results"]
    assert result["status"] == "rejected" and "only by the office" in result["reason"]
    issue = wire.entry(
        "card_issue",
        {
            "token_hash": token_hash(new_card_token()),
            "resident_id": victim,
        },
    )
    [result] = push(base, token, wire.body(issue)).json()["results"]
    assert result["status"] == "applied"  # a card for that store only; the real one stays
    with c.uow(write=False) as uow:
        cards = {
            x.token_hash: (x.status, x.bound_store_id)
            for x in uow.session.scalars(select(cm.Card).where(cm.Card.resident_id == victim))
        }
    assert cards[real_hash] == ("active", None)
    assert sorted(status for status, _ in cards.values()) == ["active", "active"]
    assert [a.kiosk_id for a in alerts(c, "refused")] == ["K1"]


def test_a_kiosk_still_revokes_a_card_of_a_household_it_serves(programme):
    who = "王建国"
    k1 = programme.kiosk("K1")
    buy(k1, programme.codes[who], {"SOAP": 1}, online=True)
    with k1.kiosk.uow(write=False) as uow:
        card_id = uow.session.scalar(
            select(km.Card.id).where(km.Card.resident_id == programme.residents[who])
        )
    admin.revoke_card(k1.kiosk, card_id, "lost")
    k1.sync.sync_once()
    with programme.central.uow(write=False) as uow:
        statuses = uow.session.scalars(
            select(cm.Card.status).where(cm.Card.resident_id == programme.residents[who])
        ).all()
    assert statuses == ["revoked"]


def test_revoking_a_kiosk_that_replaced_a_card_twice_gives_back_the_offices_card(programme):
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")
    office_card = programme.codes["王建国"]
    buy(k1, office_card, {"SOAP": 1}, online=True)
    first = admin.issue_card(k1.kiosk, programme.residents["王建国"], actor="admin")
    k1.sync.sync_once()
    second = admin.issue_card(k1.kiosk, programme.residents["王建国"], actor="admin")
    k1.sync.sync_once()
    kiosks.revoke_kiosk(programme.central, "K1", actor="office")
    k2.sync.sync_once()
    assert works(k2, office_card)
    assert not works(k2, card_code(first)) and not works(k2, card_code(second))
    assert central_card(programme, first).status == "revoked"


def test_an_exchange_that_took_no_points_does_not_vouch_for_revoking_a_card(programme):
    # A made-up exchange for no points, pushed with the revocation, does not make the store
    # one that has served the household.
    c, wire = programme.central, WireKiosk("K2")
    victim = programme.residents["王建国"]
    with c.uow(write=False) as uow:
        real_hash = uow.session.scalar(
            select(cm.Card.token_hash).where(cm.Card.resident_id == victim)
        )
    cover = wire.exchange("H000001", victim, [("SOAP", 1, 0)])
    revoke = wire.entry("card_revoke", {"token_hash": real_hash, "reason": "lost"})
    results = push(programme.server.base, programme.token("K2"), wire.body(cover, revoke))
    assert [r["status"] for r in results.json()["results"]] == ["applied", "rejected"]
    with c.uow(write=False) as uow:
        status = uow.session.scalar(select(cm.Card.status).where(cm.Card.token_hash == real_hash))
    assert status == "active"
