"""Issuing and revoking cards: only the newest card of a resident is accepted."""

from __future__ import annotations

import pytest
from service_helpers import card, count
from sqlalchemy import select

from core.domain import codes, errors
from kiosk.services import admin, terminal
from kiosk.storage import models as m


@pytest.fixture
def k(seeded):
    return seeded[0].kiosk


@pytest.fixture
def cards(seeded):
    return seeded[1]


def card_ids(k, resident_id: str, status: str = "active") -> list[int]:
    with k.uow(write=False) as uow:
        return list(
            uow.session.scalars(
                select(m.Card.id).where(m.Card.resident_id == resident_id, m.Card.status == status)
            )
        )


def test_issuing_a_card_stores_only_the_hash_of_its_token(k):
    token = admin.issue_card(k, "H0004-2")
    with k.uow(write=False) as uow:
        stored = uow.session.scalar(select(m.Card).where(m.Card.id == card_ids(k, "H0004-2")[0]))
        assert stored.token_hash == codes.token_hash(token)
        assert token not in stored.token_hash
    assert codes.classify(codes.card_code(token)).kind == "card"


def test_reissuing_a_card_revokes_the_old_one(k, cards):
    old_code = card(cards, "H0004-2")
    token = admin.issue_card(k, "H0004-2", actor="office")
    with pytest.raises(errors.RevokedCard):
        terminal.scan(k, old_code)
    assert terminal.scan(k, codes.card_code(token)).detail == {"resident_id": "H0004-2"}
    assert len(card_ids(k, "H0004-2")) == 1
    assert len(card_ids(k, "H0004-2", "revoked")) == 1
    with k.uow(write=False) as uow:
        old = uow.session.get(m.Card, card_ids(k, "H0004-2", "revoked")[0])
        assert old.revoke_reason == "reissued"


def test_issuing_a_card_to_an_unknown_resident_is_refused(k):
    with pytest.raises(errors.UnknownResident):
        admin.issue_card(k, "H9999-1")
    with pytest.raises(errors.UnknownResident):
        admin.issue_card(k, None)


def test_a_revoked_card_is_refused_on_scan(k, cards):
    card_id = card_ids(k, "H0005-4")[0]
    admin.revoke_card(k, card_id, "遗失", actor="office")
    with pytest.raises(errors.RevokedCard):
        terminal.scan(k, card(cards, "H0005-4"))
    with k.uow(write=False) as uow:
        row = uow.session.get(m.Card, card_id)
        assert (row.status, row.revoke_reason) == ("revoked", "遗失")
        out = uow.session.scalars(select(m.OutboxRow).where(m.OutboxRow.kind == "card_revoke"))
        assert [o.payload["token_hash"] for o in out] == [row.token_hash]
    terminal.scan(k, card(cards, "H0005-1"))  # the household's other cards still work


def test_a_second_revoke_is_refused(k):
    card_id = card_ids(k, "H0005-4")[0]
    admin.revoke_card(k, card_id, "遗失")
    with pytest.raises(errors.CardAlreadyRevoked):
        admin.revoke_card(k, card_id, "遗失")
    assert count(k, m.OutboxRow, m.OutboxRow.kind == "card_revoke") == 1


def test_revoking_needs_a_known_card_and_a_reason(k):
    card_id = card_ids(k, "H0005-4")[0]
    with pytest.raises(errors.ReasonRequired):
        admin.revoke_card(k, card_id, " ")
    with pytest.raises(errors.UnknownCard):
        admin.revoke_card(k, 999_999, "遗失")
    with pytest.raises(errors.UnknownCard):
        admin.revoke_card(k, str(card_id), "遗失")
    assert card_ids(k, "H0005-4") == [card_id]
