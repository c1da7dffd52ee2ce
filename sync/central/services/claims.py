"""Claims under the rule book: recorded by a group leader, approved or rejected by an approver.

Approval books the claim's points on central's own chain (as office corrections and awards
are), so they reach every kiosk through the feed. A deduction never takes a household below
zero: what could not be deducted is kept on the claim as its shortfall.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain import limits
from core.domain.ledger import LedgerKind
from sync.central import localtime
from sync.central.context import Central, emit
from sync.central.ledger_notes import Note
from sync.central.models import (
    Claim,
    ClaimPhoto,
    ClaimResident,
    Household,
    Kiosk,
    OfficeToken,
    OfficeUser,
    Resident,
    Rule,
)
from sync.central.photos import PhotoRefused, check_photo
from sync.central.queries import totals
from sync.central.scope import WHOLE, Scope
from sync.central.services import board
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.ledger import credit
from sync.central.states import (
    ApproverLevel,
    CapPeriod,
    CapScope,
    ClaimStatus,
    Evidence,
    TokenOwner,
)

MAX_PHOTOS = limits.MAX_CLAIM_PHOTOS
MAX_RESIDENTS = 20  # residents one claim may name (a household is smaller)


@dataclass(frozen=True)
class Decided:
    """A claim as its decision left it."""

    id: str
    status: str
    household_id: str
    points: int
    booked: int | None
    shortfall: int
    balance: int
    reason: str | None


def _note(value: object) -> str:
    if value is None:
        return ""
    note = " ".join(value.split()) if isinstance(value, str) else None
    if note is None or len(note) > limits.MAX_REASON or not note.isprintable():
        raise RegistryError(Refusal.CLAIM_NOTE)
    return note


def _photos(photos: object) -> list[tuple[bytes, str]]:
    if photos is None:
        return []
    if not isinstance(photos, list | tuple):
        raise RegistryError(Refusal.PHOTO_TYPE)
    if len(photos) > MAX_PHOTOS:
        raise RegistryError(Refusal.CLAIM_PHOTOS, most=MAX_PHOTOS)
    checked = []
    for data in photos:
        try:
            checked.append((bytes(data), check_photo(data)))
        except PhotoRefused as exc:
            if exc.too_large:
                mb = limits.MAX_PHOTO_BYTES // 2**20
                raise RegistryError(Refusal.PHOTO_SIZE, mb=mb) from None
            raise RegistryError(Refusal.PHOTO_TYPE) from None
    return checked


def _resident_ids(residents: object) -> list[str]:
    if residents is None:
        return []
    if not isinstance(residents, list | tuple) or len(residents) > MAX_RESIDENTS:
        raise RegistryError(Refusal.CLAIM_RESIDENT, resident_id="?", household_id="?")
    ids = []
    for rid in residents:
        if not limits.is_record_id(rid):
            shown = rid[:40] if isinstance(rid, str) else "?"
            raise RegistryError(Refusal.CLAIM_RESIDENT, resident_id=shown, household_id="?")
        ids.append(rid)
    return list(dict.fromkeys(ids))


def add_parts(
    s: Session, claim_id: str, resident_ids: list[str], photos: list[tuple[bytes, str]], now
) -> None:
    """Add a claim's residents and its checked photos (data, media type), in their order."""
    for rid in resident_ids:
        s.add(ClaimResident(claim_id=claim_id, resident_id=rid))
    for position, (data, media_type) in enumerate(photos, start=1):
        s.add(
            ClaimPhoto(
                id=str(uuid.uuid4()),
                claim_id=claim_id,
                position=position,
                media_type=media_type,
                size=len(data),
                data=data,
                created_at=now,
            )
        )


def record_claim(
    c: Central,
    rule_code: object,
    household_id: object,
    residents: object = None,
    note: object = None,
    photos: object = None,
    actor: str = "office",
    scope: Scope = WHOLE,
) -> str:
    """Record a claim under a rule for a household (and residents of it); return its id.

    Photos are bytes, each checked to be a JPEG, PNG or WebP image of at most 2 MB. The claim
    waits (pending) until an approver decides it; nothing is booked yet.
    """
    code = rule_code.strip().upper() if isinstance(rule_code, str) else ""
    if not limits.is_code(code):
        raise RegistryError(Refusal.NO_RULE, code=code[:32] or "?")
    if not limits.is_record_id(household_id):
        raise RegistryError(Refusal.NO_HOUSEHOLD, household_id=str(household_id)[:40])
    resident_ids = _resident_ids(residents)
    text = _note(note)
    checked = _photos(photos)  # decoded before the transaction: no lock waits on Pillow
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        rule = s.get(Rule, code)
        if rule is None:
            raise RegistryError(Refusal.NO_RULE, code=code)
        if not rule.active:
            raise RegistryError(Refusal.RULE_INACTIVE, code=code)
        if s.get(Household, household_id) is None or not scope.holds_household(s, household_id):
            raise RegistryError(Refusal.NO_HOUSEHOLD, household_id=household_id)
        members = set(s.scalars(select(Resident.id).where(Resident.household_id == household_id)))
        for rid in resident_ids:
            if rid not in members:
                raise RegistryError(
                    Refusal.CLAIM_RESIDENT, resident_id=rid, household_id=household_id
                )
        if rule.cap_scope == CapScope.RESIDENT and not resident_ids:
            raise RegistryError(Refusal.CLAIM_RESIDENTS_NEEDED, code=code)
        if rule.evidence == Evidence.PHOTO and not checked:
            raise RegistryError(Refusal.PHOTO_NEEDED, code=code)
        claim_id = str(uuid.uuid4())
        s.add(
            Claim(
                id=claim_id,
                rule_code=code,
                household_id=household_id,
                note=text,
                status=ClaimStatus.PENDING,
                points=rule.points,
                booked=None,
                shortfall=0,
                recorded_by=actor[:80],
                recorded_at=now,
            )
        )
        add_parts(s, claim_id, resident_ids, checked, now)
        audit(
            s,
            now,
            actor,
            "claim_record",
            claim_id,
            rule=code,
            household=household_id,
            residents=resident_ids,
            photos=len(checked),
        )
        uow.commit()
    return claim_id


def period_bounds(at: datetime, period: str, zone: str) -> tuple[datetime, datetime] | None:
    """Return the stored (naive UTC) start and end of the period holding a time, counted in
    the programme's zone; None for a rule without a period."""
    day = localtime.today(zone, at)
    if period == CapPeriod.DAY:
        first, last = day, day + timedelta(days=1)
    elif period == CapPeriod.WEEK:
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    elif period == CapPeriod.MONTH:
        first = day.replace(day=1)
        last = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    elif period == CapPeriod.YEAR:
        first, last = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    else:
        return None
    return localtime.utc_start(first, zone), localtime.utc_start(last, zone)


def _check_cap(s, claim: Claim, rule: Rule) -> None:
    zone = totals.programme_zone(s.connection())
    bounds = period_bounds(claim.recorded_at, rule.cap_period, zone)
    if bounds is None or rule.cap_count is None:
        return
    counted = (
        select(func.count())
        .select_from(Claim)
        .where(
            Claim.rule_code == rule.code,
            Claim.status == ClaimStatus.APPROVED,
            Claim.recorded_at >= bounds[0],
            Claim.recorded_at < bounds[1],
        )
    )
    if rule.cap_scope == CapScope.HOUSEHOLD:
        counts = [s.scalar(counted.where(Claim.household_id == claim.household_id))]
    else:
        named = s.scalars(
            select(ClaimResident.resident_id).where(ClaimResident.claim_id == claim.id)
        ).all()
        counts = [
            s.scalar(
                counted.join(ClaimResident, ClaimResident.claim_id == Claim.id).where(
                    ClaimResident.resident_id == rid
                )
            )
            for rid in named
        ]
    if any(count >= rule.cap_count for count in counts):
        raise RegistryError(Refusal.CLAIM_CAP, code=rule.code, count=rule.cap_count)


def _pending(s, claim_id: object, scope: Scope = WHOLE) -> Claim:
    """Return a pending claim this scope's approver may decide, locked; raise RegistryError."""
    if not isinstance(claim_id, str) or len(claim_id) > 36:
        raise RegistryError(Refusal.NO_CLAIM, claim_id=str(claim_id)[:36])
    claim = s.get(Claim, claim_id, with_for_update=True)
    if claim is None or not scope.holds_household(s, claim.household_id):
        raise RegistryError(Refusal.NO_CLAIM, claim_id=claim_id)
    if claim.status != ClaimStatus.PENDING:
        raise RegistryError(Refusal.CLAIM_DECIDED, claim_id=claim_id, status=claim.status)
    # A rule's approver level binds both decisions: a village may neither approve nor reject
    # what the town decides.
    level = s.scalar(select(Rule.approver).where(Rule.code == claim.rule_code))
    if not scope.approves_for(level or ApproverLevel.VILLAGE):
        raise RegistryError(Refusal.APPROVER_LEVEL, code=claim.rule_code, claim_id=claim_id)
    return claim


def _person(s, actor: str) -> str:
    """Name the person behind an actor: an office token of a user acts as that user."""
    owner, _, token_row = actor.partition(":")
    if owner != TokenOwner.OFFICE or not token_row.isdigit():
        return actor
    username = s.scalar(
        select(OfficeUser.username)
        .join(OfficeToken, OfficeToken.user_id == OfficeUser.id)
        .where(OfficeToken.id == int(token_row))
    )
    return username or actor


def _valid_uuid(text: object) -> bool:
    try:
        return isinstance(text, str) and str(uuid.UUID(text)) == text
    except ValueError:
        return False


def approve_claim(c: Central, claim_id: object, actor: str, scope: Scope = WHOLE) -> Decided:
    """Approve a pending claim: book its points (a deduction down to zero at most), audited."""
    if not _valid_uuid(claim_id):
        raise RegistryError(Refusal.NO_CLAIM, claim_id=str(claim_id)[:36])
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        claim = _pending(s, claim_id, scope)
        if _person(s, claim.recorded_by) == _person(s, actor):
            raise RegistryError(Refusal.CLAIM_OWN)
        # The rule is locked so that two approvals under one cap are counted one after the other.
        rule = s.get(Rule, claim.rule_code, with_for_update=True)
        _check_cap(s, claim, rule)
        household = s.scalar(
            select(Household).where(Household.id == claim.household_id).with_for_update()
        )
        if claim.points > 0:
            booked, kind = claim.points, LedgerKind.EARN
        else:
            booked, kind = -min(-claim.points, max(household.balance, 0)), LedgerKind.ADJUST
        shortfall = booked - claim.points
        note = Note.claim(booked, rule.name, claim.note)
        entry = credit(s, now, household, booked, kind, claim.id, note=note) if booked else None
        claim.status = ClaimStatus.APPROVED
        claim.booked, claim.shortfall = booked, shortfall
        claim.decided_by, claim.decided_at = actor[:80], now
        claim.ledger_entry_id = entry.id if entry is not None else None
        audit(
            s,
            now,
            actor,
            "claim_approve",
            claim.id,
            rule=claim.rule_code,
            household=household.id,
            points=claim.points,
            booked=booked,
            shortfall=shortfall,
            entry=claim.ledger_entry_id,
        )
        _tell_kiosk(s, claim, now)
        done = _decided(claim, household.balance)
        uow.commit()
    if booked:
        board.post_soon(c, [done.household_id])
    return done


def reject_claim(
    c: Central, claim_id: object, reason: object, actor: str, scope: Scope = WHOLE
) -> Decided:
    """Reject a pending claim with a reason; nothing is booked. Audited."""
    why = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not why or len(why) > limits.MAX_REASON or not why.isprintable():
        raise RegistryError(Refusal.REASON)
    if not _valid_uuid(claim_id):
        raise RegistryError(Refusal.NO_CLAIM, claim_id=str(claim_id)[:36])
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        claim = _pending(s, claim_id, scope)
        claim.status = ClaimStatus.REJECTED
        claim.reason = why
        claim.decided_by, claim.decided_at = actor[:80], now
        audit(s, now, actor, "claim_reject", claim.id, rule=claim.rule_code, reason=why)
        balance = s.get(Household, claim.household_id).balance
        _tell_kiosk(s, claim, now)
        done = _decided(claim, balance)
        uow.commit()
    return done


def _tell_kiosk(s, claim: Claim, now: datetime) -> None:
    """Send a decision on a claim recorded at a kiosk to that kiosk's store (its points, if
    any, travel as the household's balance like every credit)."""
    if claim.kiosk_id is None:
        return
    store_id = s.scalar(select(Kiosk.store_id).where(Kiosk.id == claim.kiosk_id))
    if store_id is None:
        return
    data = {"id": claim.id, "status": claim.status, "booked": claim.booked, "reason": claim.reason}
    emit(s, "claim", data, now, store_id=store_id)


def _decided(claim: Claim, balance: int) -> Decided:
    return Decided(
        claim.id,
        claim.status,
        claim.household_id,
        claim.points,
        claim.booked,
        claim.shortfall,
        balance,
        claim.reason,
    )


def decided_dict(d: Decided) -> dict[str, Any]:
    """Return a decision as the API answers it."""
    return {
        "id": d.id,
        "status": d.status,
        "household_id": d.household_id,
        "points": d.points,
        "booked": d.booked,
        "shortfall": d.shortfall,
        "balance": d.balance,
        "reason": d.reason,
    }
