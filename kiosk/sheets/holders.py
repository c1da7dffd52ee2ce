"""Who should get a card: the read-only query behind `kiosk cards`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from kiosk.services.context import Kiosk
from kiosk.storage.models import Card, Household, Resident
from kiosk.storage.states import CardStatus


@dataclass(frozen=True)
class Holder:
    """A resident to print a card for."""

    resident_id: str
    name: str
    household: str
    has_card: bool


def card_holders(k: Kiosk, resident_ids: list[str] | None = None) -> tuple[list[Holder], list[str]]:
    """Return the residents named (or, if none are, those without an active card) and the
    ids that name nobody."""
    active = exists().where(Card.resident_id == Resident.id, Card.status == CardStatus.ACTIVE)
    stmt = select(Resident, Household, active).join(
        Household, Household.id == Resident.household_id
    )
    chosen = Resident.id.in_(resident_ids) if resident_ids else ~active
    stmt = stmt.where(chosen)
    with k.uow(write=False) as uow:
        rows = uow.session.execute(stmt.order_by(Resident.household_id, Resident.id)).all()
        found = [Holder(r.id, r.name, h.name, bool(card)) for r, h, card in rows]
    if resident_ids:
        order = {rid: i for i, rid in enumerate(dict.fromkeys(resident_ids))}
        found.sort(key=lambda holder: order[holder.resident_id])
    known = {holder.resident_id for holder in found}
    return found, [rid for rid in dict.fromkeys(resident_ids or []) if rid not in known]
