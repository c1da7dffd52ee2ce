"""What each entry of central's own chain was for, as a kiosk's 查积分 tells the resident.

An office credit reaches a store's kiosks as a confirmed balance; a `history` change beside it
says what the entry was for: the activity or the rule's name, and the office's reason. The
office's services give the note when they book the entry (`sync.central.services.ledger`);
a household joining a store's set later brings its latest notes with its records, read back
from the rows those services wrote (`notes_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core.domain.ledger import wire_time
from sync.central.bulk import among
from sync.central.context import CENTRAL_CHAIN
from sync.central.models import (
    Activity,
    Adjustment,
    CheckIn,
    Claim,
    Expiry,
    LedgerEntry,
    Rule,
)

SENT_WITH_RECORDS = 30  # the latest notes a household brings when it joins a store's set
MAX_LABEL, MAX_REASON = 80, 200


class What(StrEnum):
    """What a central entry was, in the words the kiosk's history uses."""

    OPENING = "opening"
    CHECKIN = "checkin"  # an activity the office credited
    AWARD = "award"  # an approved claim under a rule that adds points
    DEDUCT = "deduct"  # an approved claim under a rule that deducts
    OFFICE_ADD = "office_add"  # an office correction adding points
    OFFICE_DEDUCT = "office_deduct"  # an office correction taking points
    EXPIRED = "expired"  # cleared by the points policy
    OFFICE = "office"  # anything else on central's chain


@dataclass(frozen=True)
class Note:
    """What an entry was for: its kind in words, a name (activity or rule) and a reason."""

    what: What
    label: str = ""
    reason: str = ""

    @classmethod
    def opening(cls) -> Note:
        return cls(What.OPENING)

    @classmethod
    def checkin(cls, activity: str) -> Note:
        return cls(What.CHECKIN, activity)

    @classmethod
    def claim(cls, points: int, rule: str, note: str) -> Note:
        return cls(What.AWARD if points >= 0 else What.DEDUCT, rule, note)

    @classmethod
    def adjustment(cls, points: int, reason: str) -> Note:
        return cls(What.OFFICE_ADD if points >= 0 else What.OFFICE_DEDUCT, "", reason)

    @classmethod
    def expiry(cls, boundary: str) -> Note:
        return cls(What.EXPIRED, "", boundary)


def history_data(entry: LedgerEntry, note: Note) -> dict[str, Any]:
    """Return a `history` change's data: the entry, and what it was for."""
    return {
        "id": entry.id,
        "household_id": entry.household_id,
        "kind": str(entry.kind),
        "points": entry.points,
        "created_at": wire_time(entry.created_at),
        "what": str(note.what),
        "label": (note.label or "")[:MAX_LABEL],
        "reason": (note.reason or "")[:MAX_REASON],
    }


def notes_of(s: Session, entries: list[LedgerEntry]) -> dict[str, Note]:
    """Return the note of each of these central entries (by entry id), from the rows the
    office's services wrote beside them."""
    refs = [e.ref for e in entries]
    by_ref: dict[str, Note] = {}
    if refs:
        for ref, rule, note, booked in s.execute(
            select(Claim.id, Rule.name, Claim.note, Claim.booked)
            .join(Rule, Rule.code == Claim.rule_code)
            .where(among(s, Claim.id, refs))
        ):
            by_ref[ref] = Note.claim(booked or 0, rule, note)
        for ref, points, reason in s.execute(
            select(Adjustment.id, Adjustment.points, Adjustment.reason).where(
                among(s, Adjustment.id, refs)
            )
        ):
            by_ref[ref] = Note.adjustment(points, reason)
        for ref, name in s.execute(
            select(CheckIn.id, Activity.name)
            .join(Activity, Activity.id == CheckIn.activity_id)
            .where(among(s, CheckIn.id, refs))
        ):
            by_ref[ref] = Note.checkin(name)
        for ref, boundary in s.execute(
            select(Expiry.id, Expiry.boundary).where(among(s, Expiry.id, refs))
        ):
            by_ref[ref] = Note.expiry(boundary.isoformat())
    out = {}
    for e in entries:
        if e.ref == "opening":
            out[e.id] = Note.opening()
        else:
            out[e.id] = by_ref.get(e.ref, Note(What.OFFICE))
    return out


def household_notes(s: Session, household_ids: list[str]) -> list[dict[str, Any]]:
    """Return the latest central entries of each household, described, oldest first.

    One statement for all the households (a batch joining hundreds of households to a store's
    set sent one query each, holding the feed lock).
    """
    ids = sorted(set(household_ids))
    if not ids:
        return []
    newest_first = func.row_number().over(
        partition_by=LedgerEntry.household_id,
        order_by=(LedgerEntry.created_at.desc(), LedgerEntry.seq.desc()),
    )
    ranked = (
        select(LedgerEntry, newest_first.label("rank"))
        .where(LedgerEntry.kiosk_id == CENTRAL_CHAIN, among(s, LedgerEntry.household_id, ids))
        .subquery()
    )
    latest = aliased(LedgerEntry, ranked)
    by_household: dict[str, list[LedgerEntry]] = {}
    for entry in s.scalars(select(latest).where(ranked.c.rank <= SENT_WITH_RECORDS)):
        by_household.setdefault(entry.household_id, []).append(entry)
    entries: list[LedgerEntry] = []
    for household_id in ids:
        entries += sorted(by_household.get(household_id, []), key=lambda e: (e.created_at, e.seq))
    notes = notes_of(s, entries)
    return [history_data(e, notes[e.id]) for e in entries]
