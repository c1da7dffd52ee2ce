"""The office's household pages: a searchable list, one household's members, cards and entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from sync.central.context import CENTRAL_CHAIN, Central
from sync.central.models import (
    Adjustment,
    Card,
    Claim,
    Household,
    LedgerEntry,
    Resident,
    Rule,
    UncountedEntry,
)
from sync.central.states import CardStatus, UncountedRole


def search(c: Central, q: str, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """Return a page of households matching a name, member or id (all if q is empty), and how
    many match in all."""
    with c.uow(write=False) as uow:
        s = uow.session
        stmt = select(Household)
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
        return [{"id": h.id, "name": h.name, "balance": h.balance} for h in rows], total


def detail(c: Central, household_id: str) -> dict[str, Any] | None:
    """Return a household with its members and their cards, its last 50 entries and its last 20
    refused entries; None if there is no such household."""
    with c.uow(write=False) as uow:
        s = uow.session
        h = s.get(Household, household_id)
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


def resident_household(c: Central, resident_id: str) -> str | None:
    """Return the household a resident belongs to, or None if there is no such resident."""
    with c.uow(write=False) as uow:
        person = uow.session.get(Resident, resident_id)
        return person.household_id if person is not None else None


def card_household(c: Central, card_id: int) -> str | None:
    """Return the household whose resident holds a card, or None if there is no such card."""
    with c.uow(write=False) as uow:
        card = uow.session.get(Card, card_id)
        if card is None:
            return None
        return uow.session.scalar(
            select(Resident.household_id).where(Resident.id == card.resident_id)
        )
