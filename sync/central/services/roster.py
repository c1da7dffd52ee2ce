"""The roster: households and their residents, added from an import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.ledger import LedgerKind
from sync.central.context import Central, emit
from sync.central.models import Household, Resident
from sync.central.services.audit import audit
from sync.central.services.ledger import credit


def household_change(h: Household) -> dict[str, Any]:
    return {"id": h.id, "name": h.name}


def resident_change(r: Resident) -> dict[str, Any]:
    return {"id": r.id, "household_id": r.household_id, "name": r.name}


def next_household_id(s: Session) -> int:
    """Return the number the next household id will carry."""
    last = s.scalar(select(func.max(Household.id)).where(Household.id.like("H%")))
    try:
        return int(last[1:]) + 1 if last else 1
    except ValueError:
        return (s.scalar(select(func.count()).select_from(Household)) or 0) + 1


@dataclass(frozen=True)
class RosterRow:
    line: int
    household: str
    resident: str
    phone: str
    opening_points: int


def add_roster(
    c: Central, rows: list[RosterRow], actor: str = "cli", progress=None
) -> tuple[int, int]:
    """Register households and residents; return (households added, residents added)."""
    added_h = added_r = 0
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        by_name = {h.name: h for h in s.scalars(select(Household))}
        members: dict[str, set[str]] = {}
        for r in s.scalars(select(Resident)):
            members.setdefault(r.household_id, set()).add(r.name)
        counts = dict(
            s.execute(
                select(Resident.household_id, func.count()).group_by(Resident.household_id)
            ).all()
        )
        n = next_household_id(s)
        fresh: set[str] = set()  # households made by this import: in no store's set yet
        for i, row in enumerate(rows, start=1):
            household = by_name.get(row.household)
            if household is None:
                household = Household(id=f"H{n:06d}", name=row.household, balance=0, created_at=now)
                n += 1
                s.add(household)
                s.flush()
                by_name[row.household] = household
                emit(s, "household", household_change(household), now, copies=False)
                fresh.add(household.id)
                if row.opening_points:
                    credit(
                        s,
                        now,
                        household,
                        row.opening_points,
                        LedgerKind.ADJUST,
                        "opening",
                        new=True,
                    )
                added_h += 1
            names = members.setdefault(household.id, set())
            if row.resident not in names:
                counts[household.id] = counts.get(household.id, 0) + 1
                person = Resident(
                    id=f"{household.id}-{counts[household.id]}",
                    household_id=household.id,
                    name=row.resident,
                    phone=row.phone or None,
                    created_at=now,
                )
                s.add(person)
                names.add(row.resident)
                emit(
                    s,
                    "resident",
                    resident_change(person),
                    now,
                    copies=household.id not in fresh,
                )
                added_r += 1
            if progress and i % 1000 == 0:
                progress(i)
        audit(s, now, actor, "roster_import", "", households=added_h, residents=added_r)
        uow.commit()
    return added_h, added_r
