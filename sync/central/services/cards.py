"""Residents' cards: issue, re-issue, revoke, confirm a kiosk's card, undo a kiosk's cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.codes import card_code, new_card_token, token_hash
from sync.central.context import Central, emit
from sync.central.models import Card, Household, Resident
from sync.central.scope import WHOLE, Scope
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.ingest import card_change
from sync.central.states import CardStatus


def undo_cards_of(s: Session, kiosk_id: str, now: datetime) -> int:
    """Revoke every card a kiosk issued and give back the cards they replaced; say how many.

    A replaced card is followed back past every card this kiosk issued to the first one it did
    not (the office's, or another kiosk's), which is given back if its resident then has no
    working card. The changes go to every kiosk (a restored card still bound to a store only to
    that store's), so within one sync round no store honours the kiosk's cards.
    """
    issued = {
        card.id: card
        for card in s.scalars(select(Card).where(Card.issued_by == kiosk_id).order_by(Card.id))
    }
    undone = 0
    for card in issued.values():
        if card.status == CardStatus.ACTIVE:
            card.status, card.revoked_at = CardStatus.REVOKED, now
            emit(s, "card", card_change(card), now)  # everywhere, bound or not: revoking is safe
            undone += 1
        card.bound_store_id = None
    s.flush()
    restored: set[int] = set()
    for card in issued.values():
        previous = s.get(Card, card.replaced_id) if card.replaced_id else None
        while previous is not None and previous.id in issued:
            previous = s.get(Card, previous.replaced_id) if previous.replaced_id else None
        if previous is None or previous.id in restored or previous.status != CardStatus.REVOKED:
            continue
        still_active = s.scalar(
            select(Card.id).where(
                Card.resident_id == previous.resident_id, Card.status == CardStatus.ACTIVE
            )
        )
        if still_active is None:
            previous.status, previous.revoked_at = CardStatus.ACTIVE, None
            emit(s, "card", card_change(previous), now, store_id=previous.bound_store_id)
            restored.add(previous.id)
    return undone


def confirm_card(c: Central, card_id: int, actor: str, *, scope: Scope = WHOLE) -> None:
    """Let a card issued at a kiosk work at every store (the office has checked it)."""
    with c.uow() as uow:
        s = uow.session
        card = s.get(Card, card_id)
        if (
            card is None
            or card.status != CardStatus.ACTIVE
            or not scope.holds_resident(s, card.resident_id)
        ):
            raise RegistryError(Refusal.NO_CARD, card_id=card_id)
        if card.bound_store_id is None:
            return
        card.bound_store_id = None
        now = c.clock.now()
        emit(s, "card", card_change(card), now)
        audit(s, now, actor, "card_confirm", card.resident_id, card=card.id)
        uow.commit()


@dataclass(frozen=True)
class IssuedCard:
    resident_id: str
    resident: str
    household: str
    code: str


def issue_cards(
    c: Central,
    resident_ids: list[str] | None = None,
    *,
    reissue: bool = False,
    actor: str = "cli",
    token_for=None,
    scope: Scope = WHOLE,
) -> list[IssuedCard]:
    """Issue cards to residents without one (or re-issue the given ones); return the codes."""
    issued: list[IssuedCard] = []
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        stmt = (
            select(Resident, Household)
            .join(Household, Household.id == Resident.household_id)
            .where(scope.households())
        )
        if resident_ids is not None:
            stmt = stmt.where(Resident.id.in_(resident_ids))
        holders = set(s.scalars(select(Card.resident_id).where(Card.status == CardStatus.ACTIVE)))
        for person, household in s.execute(stmt.order_by(Resident.id)).all():
            if person.id in holders:
                if not reissue:
                    continue
                for old in s.scalars(
                    select(Card).where(
                        Card.resident_id == person.id, Card.status == CardStatus.ACTIVE
                    )
                ):
                    old.status, old.revoked_at = CardStatus.REVOKED, now
                    emit(s, "card", card_change(old), now)
            token = token_for(person.id) if token_for else new_card_token()
            card = Card(
                resident_id=person.id,
                token_hash=token_hash(token),
                status=CardStatus.ACTIVE,
                issued_at=now,
            )
            s.add(card)
            emit(s, "card", card_change(card), now)
            issued.append(IssuedCard(person.id, person.name, household.name, card_code(token)))
        audit(s, now, actor, "cards_issue", "", count=len(issued), reissue=reissue)
        uow.commit()
    return issued


def revoke_card(c: Central, resident_id: str, actor: str, *, scope: Scope = WHOLE) -> int:
    """Revoke a resident's active cards; return how many."""
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        if not scope.holds_resident(s, resident_id):
            return 0
        cards = s.scalars(
            select(Card).where(Card.resident_id == resident_id, Card.status == CardStatus.ACTIVE)
        ).all()
        for card in cards:
            card.status, card.revoked_at = CardStatus.REVOKED, now
            emit(s, "card", card_change(card), now)
        audit(s, now, actor, "card_revoke", resident_id, count=len(cards))
        uow.commit()
    return len(cards)
