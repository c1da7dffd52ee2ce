"""The office's household pages: a searchable list, one household's members, cards and entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from sync.central.context import CENTRAL_CHAIN, Central
from sync.central.models import (
    Adjustment,
    Area,
    Card,
    Claim,
    Household,
    LedgerEntry,
    Resident,
    Rule,
    UncountedEntry,
)
from sync.central.scope import WHOLE, Scope
from sync.central.states import CardStatus, UncountedRole


def search(
    c: Central, q: str, page: int, per_page: int, scope: Scope = WHOLE
) -> tuple[list[dict[str, Any]], int]:
    """Return a page of households inside the scope matching a name, member or id (all if q is
    empty), and how many match in all."""
    with c.uow(write=False) as uow:
        s = uow.session
        stmt = select(Household).where(scope.households())
        if q:
            like = f"%{q}%"
            members = select(Resident.household_id).where(Resident.name.like(like))
            stmt = stmt.where(
                or_(Household.name.like(like), Household.id == q, Household.id.in_(members))
            )
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(
            stmt.order_by(Household.id).offset((page - 1) * per_page).limit(per_page)
        ).all()
        groups = dict(
            s.execute(
                select(Area.id, Area.path).where(Area.id.in_({h.area_id for h in rows} - {None}))
            ).all()
        )
        found = [
            {"id": h.id, "name": h.name, "balance": h.balance, "group": groups.get(h.area_id)}
            for h in rows
        ]
        return found, total


def detail(c: Central, household_id: str, scope: Scope = WHOLE) -> dict[str, Any] | None:
    """Return a household with its group, members and their cards, its last 50 entries and its
    last 20 refused entries; None if there is no such household inside the scope."""
    with c.uow(write=False) as uow:
        s = uow.session
        h = s.scalar(select(Household).where(Household.id == household_id, scope.households()))
        if h is None:
            return None
        members = s.scalars(
            select(Resident).where(Resident.household_id == h.id).order_by(Resident.id)
        ).all()
        cards = {}
        for card in s.scalars(select(Card).where(Card.resident_id.in_([m.id for m in members]))):
            cards.setdefault(card.resident_id, []).append(
                {
                    "id": card.id,
                    "status": card.status,
                    "issued_at": card.issued_at,
                    "issued_by": card.issued_by,
                    "provisional": card.status == CardStatus.ACTIVE
                    and card.bound_store_id is not None,
                }
            )
        entries = history(s, h.id, 50)
        claims = s.execute(
            select(Claim, Rule.name)
            .join(Rule, Rule.code == Claim.rule_code)
            .where(Claim.household_id == h.id)
            .order_by(Claim.recorded_at.desc())
            .limit(20)
        ).all()
        refused = s.scalars(
            select(UncountedEntry)
            .where(
                UncountedEntry.household_id == h.id, UncountedEntry.role == UncountedRole.REFUSED
            )
            .order_by(UncountedEntry.received_at.desc())
            .limit(20)
        ).all()
        return {
            "id": h.id,
            "name": h.name,
            "balance": h.balance,
            "group": s.scalar(select(Area.path).where(Area.id == h.area_id)) if h.area_id else None,
            "members": [
                {"id": m.id, "name": m.name, "phone": m.phone, "cards": cards.get(m.id, [])}
                for m in members
            ],
            "entries": entries,
            "claims": [
                {
                    "id": claim.id,
                    "rule": claim.rule_code,
                    "rule_name": rule_name,
                    "status": claim.status,
                    "points": claim.points,
                    "booked": claim.booked,
                    "shortfall": claim.shortfall,
                    "recorded_at": claim.recorded_at,
                    "recorded_by": claim.recorded_by,
                    "decided_by": claim.decided_by,
                    "reason": claim.reason,
                }
                for claim, rule_name in claims
            ],
            "refused": [
                {
                    "at": u.created_at,
                    "kind": u.kind,
                    "points": u.points,
                    "kiosk": u.kiosk_id,
                    "reason": u.reason,
                    "reversed": u.reversed_by is not None,
                }
                for u in refused
            ],
        }


def history(s, household_id: str, limit: int) -> list[dict[str, Any]]:
    """Return a household's latest ledger entries, each with why and by whom where the office
    made it: a correction's reason and user, a claim's rule, note and approver."""
    entries = s.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.household_id == household_id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.seq.desc())
        .limit(limit)
    ).all()
    refs = [e.ref for e in entries if e.kiosk_id == CENTRAL_CHAIN]
    why: dict[str, tuple[str, str]] = {}
    for ref, reason, who in s.execute(
        select(Adjustment.id, Adjustment.reason, Adjustment.actor).where(Adjustment.id.in_(refs))
    ):
        why[ref] = (reason, who)
    for ref, name, note, who in s.execute(
        select(Claim.id, Rule.name, Claim.note, Claim.decided_by)
        .join(Rule, Rule.code == Claim.rule_code)
        .where(Claim.id.in_(refs))
    ):
        text = f"{name}: {note}" if note else name
        why[ref] = (text, who or "")
    return [
        {
            "at": e.created_at,
            "kind": e.kind,
            "points": e.points,
            "kiosk": e.kiosk_id,
            "ref": e.ref,
            "reason": why.get(e.ref, ("", ""))[0],
            "by": why.get(e.ref, ("", ""))[1],
        }
        for e in entries
    ]


def resident_household(c: Central, resident_id: str, scope: Scope = WHOLE) -> str | None:
    """Return the household a resident belongs to, or None if there is no such resident inside
    the scope."""
    with c.uow(write=False) as uow:
        return uow.session.scalar(
            select(Resident.household_id).where(
                Resident.id == resident_id, scope.of_household(Resident.household_id)
            )
        )


def card_household(c: Central, card_id: int, scope: Scope = WHOLE) -> str | None:
    """Return the household whose resident holds a card, or None if there is no such card
    inside the scope."""
    with c.uow(write=False) as uow:
        return uow.session.scalar(
            select(Resident.household_id)
            .join(Card, Card.resident_id == Resident.id)
            .where(Card.id == card_id, scope.of_household(Resident.household_id))
        )
