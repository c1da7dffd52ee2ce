"""Activities: define one, and award its points from the office."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from core.domain import limits
from core.domain.ledger import LedgerKind
from sync.central.context import Central, emit
from sync.central.models import Activity, CheckIn, Household, Resident
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.ledger import credit

MAX_CAP = limits.ACTIVITY_CAP.high  # participants of one activity
MAX_POINTS = limits.ACTIVITY_POINTS.high  # what one activity may be worth


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
) -> str:
    """Define an activity kiosks can check residents in to; return its id."""
    code = (code or "").strip().upper()
    if not limits.is_code(code):
        raise RegistryError(Refusal.ACTIVITY_CODE)
    name, kind = _checked(name, kind, day, points, cap)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
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
        )
        s.add(activity)
        s.flush()
        emit(s, "activity", activity_change(activity), now)
        audit(s, now, actor, "activity_define", activity.id, points=points)
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


def award(c: Central, activity_id: str, resident_ids: list[str], actor: str) -> dict[str, Any]:
    """Credit residents for an activity, once each; return who was credited or skipped."""
    credited, skipped = [], []
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
            for p in s.scalars(select(Resident).where(Resident.id.in_(part)))
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
                continue
            if activity.cap is not None and len(done) >= activity.cap:
                skipped.append(rid)
                continue
            household = households[person.household_id]
            checkin_id = str(uuid.uuid4())
            credit(s, now, household, activity.points, LedgerKind.EARN, checkin_id)
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
        audit(s, now, actor, "award", activity_id, credited=len(credited), skipped=len(skipped))
        uow.commit()
    return {"credited": credited, "skipped": skipped}


def _chunks(items: list[str], size: int = 5000) -> list[list[str]]:
    """Split a long list of ids so that each IN (...) stays within the drivers' limits."""
    return [items[i : i + size] for i in range(0, len(items), size)]
