"""The office's activity pages: a list with participation, and one activity's participants."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from sync.central.context import Central
from sync.central.models import Activity, CheckIn, CheckinTotal, Household, Resident
from sync.central.scope import WHOLE, Scope


def listing(c: Central, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """Return a page of activities, newest first, with their participants, and how many
    activities there are."""
    with c.uow(write=False) as uow:
        s = uow.session
        total = s.scalar(select(func.count()).select_from(Activity)) or 0
        shown = s.scalars(
            select(Activity)
            .order_by(Activity.day.desc(), Activity.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        counts = dict(
            s.execute(
                select(CheckinTotal.activity_id, func.sum(CheckinTotal.checkins))
                .where(CheckinTotal.activity_id.in_([a.id for a in shown]))
                .group_by(CheckinTotal.activity_id)
            ).all()
        )
        rows = [
            {
                "id": a.id,
                "code": a.code,
                "name": a.name,
                "type": a.type,
                "day": a.day,
                "points": a.points,
                "cap": a.cap,
                "rule": a.rule_code,
                "active": a.active,
                "participants": int(counts.get(a.id, 0)),
            }
            for a in shown
        ]
    return rows, total


def detail(
    c: Central, activity_id: str, q: str = "", scope: Scope = WHOLE
) -> dict[str, Any] | None:
    """Return an activity with who took part (kiosk None: credited by the office) and, if q is
    given, up to 100 residents whose name, household name or id matches it; None if there is
    no such activity."""
    with c.uow(write=False) as uow:
        s = uow.session
        a = s.get(Activity, activity_id)
        if a is None:
            return None
        done = s.execute(
            select(CheckIn, Resident)
            .join(Resident, Resident.id == CheckIn.resident_id)
            .where(CheckIn.activity_id == a.id, scope.of_household(CheckIn.household_id))
            .order_by(CheckIn.created_at)
        ).all()
        candidates = []
        if q:
            candidates = s.execute(
                select(Resident, Household)
                .join(Household, Household.id == Resident.household_id)
                .where(
                    or_(
                        Resident.name.like(f"%{q}%"),
                        Household.name.like(f"%{q}%"),
                        Resident.id == q,
                    ),
                    scope.households(),
                )
                .limit(100)
            ).all()
        return {
            "id": a.id,
            "name": a.name,
            "code": a.code,
            "points": a.points,
            "cap": a.cap,
            "day": a.day,
            "type": a.type,
            "active": a.active,
            "participants": [
                {"resident": r.name, "id": r.id, "at": ci.created_at, "kiosk": ci.kiosk_id}
                for ci, r in done
            ],
            "candidates": [
                {"id": r.id, "name": r.name, "household": h.name} for r, h in candidates
            ],
        }
