"""Claims recorded at the kiosk: a deed under a rule of the rule book, for a household, with a
note and up to four camera stills; it travels to central in the outbox and waits there for the
office, whose decision comes back through the feed.

A claim moves no points here: central derives them from the rule it holds, and books them on
its own chain when the office approves (they arrive as the household's confirmed balance).
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from sqlalchemy import or_, select

from core.domain import errors, limits
from core.domain.codes import classify, token_hash
from core.domain.ledger import EntryKind
from kiosk.services.common import audit, look_up_card, outbox
from kiosk.services.context import Kiosk
from kiosk.services.staff import ACTOR_PREFIX
from kiosk.storage.models import Card, Claim, Household, Resident, Rule, StaffMember
from kiosk.storage.states import CardStatus, ClaimStatus

MAX_PHOTOS = limits.MAX_CLAIM_PHOTOS
JPEG = b"\xff\xd8\xff"
SEARCH_LIMIT = 20


class NoRule(errors.DomainError):
    """The rule is not in the rule book the kiosk holds, or no longer in use."""

    code = "no_rule"
    message = "This rule is not in the rule book. Please choose another."


class NoHousehold(errors.DomainError):
    """The household is not one the kiosk knows."""

    code = "no_household"
    message = "This household is not known here. Scan its card or choose it from the list."


class NotAMember(errors.DomainError):
    """A resident named is not of the household."""

    code = "not_a_member"
    message = "A person chosen does not belong to this household."


class ResidentNeeded(errors.DomainError):
    """The rule counts per resident: someone must be named."""

    code = "resident_needed"
    message = "This rule counts each person: choose who took part."


class PhotoNeeded(errors.DomainError):
    """The rule asks for a photo."""

    code = "photo_needed"
    message = "This rule needs a photo: take one with the camera."


class TooManyPhotos(errors.DomainError):
    """More photos than a claim carries."""

    code = "too_many_photos"
    message = "A claim has at most {most} photos."


class BadPhoto(errors.DomainError):
    """A photo that is not a small JPEG still."""

    code = "bad_photo"
    message = "A photo must be a JPEG still of at most {kb} KB."


class BadNote(errors.DomainError):
    """A note too long or with characters that cannot be printed."""

    code = "bad_note"
    message = "The note has at most 200 characters."


def rule_book(k: Kiosk) -> list[dict[str, Any]]:
    """Return the rules in use, by category then code."""
    with k.uow(write=False) as uow:
        rules = uow.session.scalars(
            select(Rule).where(Rule.active.is_(True)).order_by(Rule.category, Rule.code)
        )
        return [_rule_dict(r) for r in rules]


def _rule_dict(r: Rule) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "category": r.category,
        "points": r.points,
        "evidence": r.evidence,
        "approver": r.approver,
        "cap_scope": r.cap_scope,
    }


def find_households(k: Kiosk, text: str) -> list[dict[str, Any]]:
    """Return the households a scanned card or a typed name (of the household or a member) names."""
    text = " ".join((text or "").split())[:80]
    if not text:
        return []
    try:
        scanned = classify(text)
    except errors.DomainError:  # not a code at all: a name
        scanned = None
    if scanned is not None and scanned.kind == "card":
        household_id = _household_of_card(k, scanned.value)
        return [household(k, household_id)] if household_id else []
    with k.uow(write=False) as uow:
        s = uow.session
        like = f"%{text}%"
        ids = s.scalars(
            select(Household.id)
            .outerjoin(Resident, Resident.household_id == Household.id)
            .where(or_(Household.name.like(like), Resident.name.like(like), Household.id == text))
            .distinct()
            .order_by(Household.id)
            .limit(SEARCH_LIMIT)
        ).all()
    return [household(k, h) for h in ids]


def _household_of_card(k: Kiosk, token: str) -> str | None:
    with k.uow(write=False) as uow:
        known = uow.session.scalar(select(Card.id).where(Card.token_hash == token_hash(token)))
    if known is None:
        look_up_card(k, token)  # a card from elsewhere: central may know it
    with k.uow(write=False) as uow:
        s = uow.session
        card = s.scalar(select(Card).where(Card.token_hash == token_hash(token)))
        if card is None:
            raise errors.UnknownCard()
        if card.status != CardStatus.ACTIVE:
            raise errors.RevokedCard()
        return s.scalar(select(Resident.household_id).where(Resident.id == card.resident_id))


def household(k: Kiosk, household_id: str) -> dict[str, Any] | None:
    """Return a household with its members, or None."""
    with k.uow(write=False) as uow:
        s = uow.session
        h = s.get(Household, household_id) if household_id else None
        if h is None:
            return None
        members = s.scalars(
            select(Resident).where(Resident.household_id == h.id).order_by(Resident.id)
        )
        return {
            "id": h.id,
            "name": h.name,
            "members": [{"id": m.id, "name": m.name} for m in members],
        }


def _note(note: object) -> str:
    text = " ".join(note.split()) if isinstance(note, str) else ""
    if len(text) > limits.MAX_REASON or not text.isprintable():
        raise BadNote()
    return text


def _photos(photos: list[bytes]) -> list[bytes]:
    if len(photos) > MAX_PHOTOS:
        raise TooManyPhotos(most=MAX_PHOTOS)
    kb = limits.MAX_KIOSK_PHOTO_BYTES // 1024
    for data in photos:
        if not isinstance(data, bytes) or not data.startswith(JPEG):
            raise BadPhoto(kb=kb)
        if len(data) > limits.MAX_KIOSK_PHOTO_BYTES:
            raise BadPhoto(kb=kb)
    return photos


def _staff_name(s, actor: str) -> str:
    name = None
    if actor.startswith(ACTOR_PREFIX) and actor[len(ACTOR_PREFIX) :].isdigit():
        name = s.scalar(
            select(StaffMember.name).where(StaffMember.id == int(actor[len(ACTOR_PREFIX) :]))
        )
    return f"{name} ({actor})"[:40] if name else actor[:40]


def record_claim(
    k: Kiosk,
    rule_code: str,
    household_id: str,
    resident_ids: list[str],
    note: str,
    photos: list[bytes],
    actor: str,
) -> str:
    """Record a claim and queue it for central in one transaction; return its id."""
    text = _note(note)
    stills = _photos(list(photos))
    wanted = list(dict.fromkeys(r for r in resident_ids if r))
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        rule = s.get(Rule, (rule_code or "").strip().upper()[:32])
        if rule is None or not rule.active:
            raise NoRule()
        h = s.get(Household, (household_id or "")[:40])
        if h is None:
            raise NoHousehold()
        members = set(s.scalars(select(Resident.id).where(Resident.household_id == h.id)))
        if any(r not in members for r in wanted):
            raise NotAMember()
        if rule.cap_scope == "resident" and not wanted:
            raise ResidentNeeded()
        if rule.evidence == "photo" and not stills:
            raise PhotoNeeded()
        claim_id = str(uuid.uuid4())
        staff = _staff_name(s, actor)
        s.add(
            Claim(
                id=claim_id,
                rule_code=rule.code,
                household_id=h.id,
                residents=wanted,
                note=text,
                photos=len(stills),
                recorded_by=staff,
                recorded_at=now,
                status=ClaimStatus.PENDING,
            )
        )
        outbox(
            s,
            now,
            EntryKind.CLAIM,
            {
                "claim_id": claim_id,
                "rule_code": rule.code,
                "household_id": h.id,
                "resident_ids": wanted,
                "note": text,
                "photos": [base64.b64encode(p).decode("ascii") for p in stills],
                "staff": staff,
            },
        )
        audit(
            s,
            now,
            actor,
            "claim_record",
            claim_id,
            rule=rule.code,
            household=h.id,
            residents=wanted,
            photos=len(stills),
        )
        uow.commit()
    return claim_id


def refused_claim(s, claim_id: object, reason: str | None) -> None:
    """Mark a claim central refused on arrival (in the caller's transaction): it will not be
    decided, and the screen says why."""
    claim = s.get(Claim, claim_id) if isinstance(claim_id, str) else None
    if claim is not None:
        claim.status, claim.reason = ClaimStatus.REFUSED, (reason or "")[:200]


def recent_claims(k: Kiosk, limit: int = 50) -> list[dict[str, Any]]:
    """Return the claims recorded here, newest first, with their rule and household names."""
    with k.uow(write=False) as uow:
        s = uow.session
        rows = s.execute(
            select(Claim, Rule.name, Household.name)
            .outerjoin(Rule, Rule.code == Claim.rule_code)
            .outerjoin(Household, Household.id == Claim.household_id)
            .order_by(Claim.recorded_at.desc(), Claim.id)
            .limit(limit)
        ).all()
        return [
            {
                "id": c.id,
                "rule_code": c.rule_code,
                "rule": rule_name or c.rule_code,
                "household": household_name or c.household_id,
                "note": c.note,
                "photos": c.photos,
                "recorded_by": c.recorded_by,
                "recorded_at": c.recorded_at,
                "status": c.status,
                "booked": c.booked,
                "reason": c.reason,
            }
            for c, rule_name, household_name in rows
        ]
