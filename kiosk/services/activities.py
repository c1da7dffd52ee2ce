"""The activities as the shopkeeper sees them: how many came, and who."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kiosk.services.context import Kiosk
from kiosk.services.times import shown_time
from kiosk.storage.models import Activity, CheckIn, Household, Resident


def listing(k: Kiosk) -> list[dict[str, Any]]:
    """Return the activities with how many have checked in."""
    with k.uow(write=False) as uow:
        s = uow.session
        counts = dict(
            s.execute(select(CheckIn.activity_id, func.count()).group_by(CheckIn.activity_id)).all()
        )
        return [
            {
                "id": a.id,
                "code": a.code,
                "name": a.name,
                "type": a.type,
                "day": a.day.isoformat(),
                "points": a.points,
                "cap": a.cap,
                "active": a.active,
                "checked_in": counts.get(a.id, 0),
            }
            for a in s.scalars(select(Activity).order_by(Activity.day, Activity.id))
        ]


def checkins(k: Kiosk, activity_id: str) -> dict[str, Any] | None:
    """Return an activity and its check-ins, newest first."""
    with k.uow(write=False) as uow:
        s = uow.session
        a = s.get(Activity, activity_id)
        if a is None:
            return None
        rows = s.execute(
            select(CheckIn, Resident.name, Household.name)
            .join(Resident, Resident.id == CheckIn.resident_id)
            .join(Household, Household.id == CheckIn.household_id)
            .where(CheckIn.activity_id == a.id)
            .order_by(CheckIn.created_at.desc(), CheckIn.id)
        ).all()
        return {
            "id": a.id,
            "code": a.code,
            "name": a.name,
            "points": a.points,
            "cap": a.cap,
            "active": a.active,
            "checkins": [
                {"at": shown_time(k, c.created_at), "resident": person, "household": household}
                for c, person, household in rows
            ],
        }
