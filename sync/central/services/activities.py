"""Activities: define one, and award its points from the office."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from core.domain import limits
from core.domain.codes import CARD_PREFIX, bare_card_token, token_hash
from core.domain.ledger import LedgerKind
from sync.central.context import Central, emit
from sync.central.ledger_notes import Note
from sync.central.models import Activity, Card, CheckIn, Household, Resident, Rule
from sync.central.scope import WHOLE, Scope
from sync.central.services import board
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.ledger import credit
from sync.central.states import CardStatus

MAX_CAP = limits.ACTIVITY_CAP.high  # participants of one activity
MAX_POINTS = limits.ACTIVITY_POINTS.high  # what one activity may be worth

# Why a resident was not credited (English message ids, in the office's catalogues).
NO_SUCH_RESIDENT = "no such resident"
ALREADY_CREDITED = "already credited for this activity"
OVER_CAP = "over the activity's cap"


def activity_change(a: Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "code": a.code,
        "name": a.name,
        "type": a.type,
        "day": a.day.isoformat(),
        "points": a.points,
        "cap": a.cap,
        "active": a.active,
    }


def _checked(name: str, kind: str, day: object, points: object, cap: object) -> tuple:
    """Return an activity's name and type tidied, or refuse what the rules do not allow."""
    if points not in limits.ACTIVITY_POINTS:
        raise RegistryError(Refusal.ACTIVITY_POINTS, most=MAX_POINTS)
    name, kind = " ".join((name or "").split()), " ".join((kind or "").split())
    if not name or len(name) > limits.MAX_NAME or not name.isprintable():
        raise RegistryError(Refusal.ACTIVITY_NAME)
    if len(kind) > limits.MAX_ACTIVITY_TYPE or not kind.isprintable():
        raise RegistryError(Refusal.ACTIVITY_TYPE)
    if not isinstance(day, date):
        raise RegistryError(Refusal.ACTIVITY_DAY)
    if cap is not None and cap not in limits.ACTIVITY_CAP:
        raise RegistryError(Refusal.ACTIVITY_CAP, most=MAX_CAP)
    return name, kind


def define_activity(
    c: Central,
    code: str,
    name: str,
    kind: str,
    day: date,
    points: int,
    cap: int | None = None,
    actor: str = "office",
    rule_code: str | None = None,
) -> str:
    """Define an activity kiosks can check residents in to; return its id.

    An activity is a dated event; it may name the rule of the rule book it applies.
    """
    code = (code or "").strip().upper()
    if not limits.is_code(code):
        raise RegistryError(Refusal.ACTIVITY_CODE)
    name, kind = _checked(name, kind, day, points, cap)
    rule_code = (rule_code or "").strip().upper() or None
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        if rule_code is not None and (
            not limits.is_code(rule_code) or s.get(Rule, rule_code) is None
        ):
            raise RegistryError(Refusal.NO_RULE, code=rule_code[:32])
        if s.scalar(select(Activity).where(Activity.code == code)) is not None:
            raise RegistryError(Refusal.ACTIVITY_EXISTS, code=code)
        activity = Activity(
            id=f"ACT-{code}",
            code=code,
            name=name,
            type=kind,
            day=day,
            points=points,
            cap=cap,
            active=True,
            rule_code=rule_code,
        )
        s.add(activity)
        s.flush()
        emit(s, "activity", activity_change(activity), now)
        audit(s, now, actor, "activity_define", activity.id, points=points, rule=rule_code)
        uow.commit()
    return activity.id


def edit_activity(
    c: Central,
    activity_id: str,
    name: str,
    kind: str,
    day: date,
    points: int,
    cap: int | None = None,
    actor: str = "office",
) -> None:
    """Change an activity's name, type, day, points or cap; kiosks receive it.

    Points already credited stay as they were (the ledger is not edited); later check-ins
    earn the new points.
    """
    name, kind = _checked(name, kind, day, points, cap)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        a = s.get(Activity, activity_id, with_for_update=True) if activity_id else None
        if a is None:
            raise RegistryError(Refusal.NO_ACTIVITY, activity_id=activity_id)
        old = (a.name, a.type, a.day, a.points, a.cap)
        if old == (name, kind, day, points, cap):
            return
        a.name, a.type, a.day, a.points, a.cap = name, kind, day, points, cap
        emit(s, "activity", activity_change(a), now)
        audit(
            s,
            now,
            actor,
            "activity_edit",
            a.id,
            old={
                "name": old[0],
                "type": old[1],
                "day": old[2].isoformat(),
                "points": old[3],
                "cap": old[4],
            },
            new={"name": name, "type": kind, "day": day.isoformat(), "points": points, "cap": cap},
        )
        uow.commit()


def close_activity(c: Central, activity_id: str, actor: str = "office") -> None:
    """Close an activity: no more check-ins or awards; its participants and points stay."""
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        a = s.get(Activity, activity_id, with_for_update=True) if activity_id else None
        if a is None:
            raise RegistryError(Refusal.NO_ACTIVITY, activity_id=activity_id)
        if not a.active:
            return
        a.active = False
        emit(s, "activity", activity_change(a), now)
        audit(s, now, actor, "activity_close", a.id)
        uow.commit()


def award(
    c: Central, activity_id: str, resident_ids: list[str], actor: str, *, scope: Scope = WHOLE
) -> dict[str, Any]:
    """Credit residents for an activity, once each; return who was credited or skipped, and
    why each was skipped (`reasons`: resident id to an English message). Residents outside
    the scope of who awards count as unknown."""
    credited, skipped = [], []
    moved: set[str] = set()  # whose points moved: their villages' boards are posted
    reasons: dict[str, str] = {}
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        # The activity first, as a kiosk's push takes it: its cap and residents are counted once.
        activity = s.get(Activity, activity_id, with_for_update=True)
        if activity is None:
            raise RegistryError(Refusal.NO_ACTIVITY, activity_id=activity_id)
        if not activity.active:
            raise RegistryError(Refusal.ACTIVITY_CLOSED, activity_id=activity_id)
        done = set(s.scalars(select(CheckIn.resident_id).where(CheckIn.activity_id == activity_id)))
        wanted = list(dict.fromkeys(resident_ids))
        people = {
            p.id: p
            for part in _chunks(wanted)
            for p in s.scalars(
                select(Resident).where(
                    Resident.id.in_(part), scope.of_household(Resident.household_id)
                )
            )
        }
        # Lock the households first and in id order, as a kiosk's push does: locking one after
        # the feed lock (taken by the first credit) could deadlock with a push.
        households = {
            h.id: h
            for part in _chunks(sorted({p.household_id for p in people.values()}))
            for h in s.scalars(
                select(Household)
                .where(Household.id.in_(part))
                .order_by(Household.id)
                .with_for_update()
            )
        }
        for rid in wanted:
            person = people.get(rid)
            if person is None or rid in done:
                skipped.append(rid)
                reasons[rid] = NO_SUCH_RESIDENT if person is None else ALREADY_CREDITED
                continue
            if activity.cap is not None and len(done) >= activity.cap:
                skipped.append(rid)
                reasons[rid] = OVER_CAP
                continue
            household = households[person.household_id]
            checkin_id = str(uuid.uuid4())
            credit(
                s,
                now,
                household,
                activity.points,
                LedgerKind.EARN,
                checkin_id,
                note=Note.checkin(activity.name),
            )
            s.add(
                CheckIn(
                    id=checkin_id,
                    activity_id=activity_id,
                    resident_id=rid,
                    household_id=household.id,
                    kiosk_id=None,
                    store_id=None,
                    points=activity.points,
                    created_at=now,
                )
            )
            done.add(rid)
            credited.append(rid)
            moved.add(household.id)
        audit(s, now, actor, "award", activity_id, credited=len(credited), skipped=len(skipped))
        uow.commit()
    board.post_soon(c, moved)
    return {"credited": credited, "skipped": skipped, "reasons": reasons}


def _chunks(items: list[str], size: int = 5000) -> list[list[str]]:
    """Split a long list of ids so that each IN (...) stays within the drivers' limits."""
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True)
class AwardRow:
    """A row of an award sheet, numbered as the spreadsheet numbers it, and who it names."""

    row: int
    card: str = ""
    resident_id: str = ""
    household: str = ""
    resident: str = ""


@dataclass(frozen=True)
class SkippedRow:
    """A row of an award sheet that was not credited, and why (an English message id)."""

    row: int
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SheetAward:
    credited: list[tuple[int, str]]  # (row, resident id)
    skipped: list[SkippedRow]


def looks_like_card(text: str) -> bool:
    """Tell whether a cell holds a card code (EKC:… or the bare token some scanners give)."""
    return text.strip().upper().startswith(CARD_PREFIX) or bare_card_token(text) is not None


def _card_token(text: str) -> str | None:
    code = text.strip().upper()
    if code.startswith(CARD_PREFIX):
        code = code[len(CARD_PREFIX) :]
    return bare_card_token(code)


def award_sheet(
    c: Central,
    activity_id: str,
    rows: list[AwardRow],
    actor: str,
    skipped: list[SkippedRow],
    scope: Scope = WHOLE,
) -> SheetAward:
    """Credit the residents an award sheet names; report every row not credited with why.

    skipped holds the rows the sheet's reader could not use; they are reported with the rest.
    """
    skipped = list(skipped)
    found: list[tuple[int, str]] = []
    with c.uow(write=False) as uow:
        s = uow.session
        for row in rows:
            resident_id, why = _resolve(s, row)
            if resident_id is None:
                skipped.append(why)
            else:
                found.append((row.row, resident_id))
    first_row: dict[str, int] = {}
    wanted: list[tuple[int, str]] = []
    for number, rid in found:
        if rid in first_row:
            skipped.append(
                SkippedRow(
                    number,
                    "the same resident as row {first}",
                    {"first": first_row[rid], "resident_id": rid},
                )
            )
        else:
            first_row[rid] = number
            wanted.append((number, rid))
    result = (
        award(c, activity_id, [rid for _, rid in wanted], actor, scope=scope) if wanted else None
    )
    credited = []
    for number, rid in wanted:
        if rid in result["credited"]:
            credited.append((number, rid))
        else:
            skipped.append(SkippedRow(number, result["reasons"][rid], {"resident_id": rid}))
    return SheetAward(credited, sorted(skipped, key=lambda r: r.row))


def _resolve(s, row: AwardRow) -> tuple[str | None, SkippedRow | None]:
    """Find the resident a row names, or say why none is found."""
    if row.card:
        token = _card_token(row.card)
        card = s.scalar(select(Card).where(Card.token_hash == token_hash(token))) if token else None
        if card is None:
            return None, SkippedRow(row.row, "no card with this code")
        if card.status != CardStatus.ACTIVE:
            return None, SkippedRow(row.row, "this card is revoked")
        return card.resident_id, None
    if row.resident_id:
        if not limits.is_record_id(row.resident_id) or s.get(Resident, row.resident_id) is None:
            return None, SkippedRow(
                row.row, "no resident {resident_id}", {"resident_id": row.resident_id}
            )
        return row.resident_id, None
    households = s.scalars(
        select(Household.id).where(
            (Household.name == row.household) | (Household.id == row.household[: limits.MAX_ID])
        )
    ).all()
    if not households:
        return None, SkippedRow(row.row, "no household {household}", {"household": row.household})
    people = s.scalars(
        select(Resident.id).where(
            Resident.household_id.in_(households), Resident.name == row.resident
        )
    ).all()
    if len(people) != 1:
        reason = (
            "no resident {resident} in household {household}"
            if not people
            else "more than one resident {resident} in household {household}"
        )
        return None, SkippedRow(
            row.row, reason, {"resident": row.resident, "household": row.household}
        )
    return people[0], None
