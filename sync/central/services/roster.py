"""The roster: households and their residents, added from an import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.ledger import LedgerKind
from sync.central.context import Central, emit
from sync.central.models import Area, Household, Resident
from sync.central.scope import WHOLE, Scope
from sync.central.services import store_feed
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.ledger import credit
from sync.central.states import AreaLevel


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


def next_resident_id(s: Session, household_id: str, taken: set[str] | None = None) -> str:
    """Return a free resident id in a household: its id, a dash and the next free number.

    Counted from the household's members, skipping ids taken by residents since moved away.
    """
    n = (s.scalar(select(func.count()).where(Resident.household_id == household_id)) or 0) + 1
    while True:
        candidate = f"{household_id}-{n}"
        if candidate not in (taken or ()) and s.get(Resident, candidate) is None:
            return candidate
        n += 1


@dataclass(frozen=True)
class RosterRow:
    line: int
    household: str
    resident: str
    phone: str
    opening_points: int
    group: str = ""  # the path of its villagers' group, county/town/village/group


def add_roster(
    c: Central, rows: list[RosterRow], actor: str = "cli", progress=None, *, scope: Scope = WHOLE
) -> tuple[int, int]:
    """Register households and residents; return (households added, residents added).

    A row naming a group places its household there; a group not among the areas refuses the
    whole import (nothing is added), as does, for a user with an area, a row whose household
    already exists outside it.
    """
    added_h = added_r = 0
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        groups = _groups(s, rows)
        if not scope.everything:
            mine = set(s.scalars(scope.household_ids()))
            named = dict(s.execute(select(Household.name, Household.id)).all())
            for row in rows:
                known = named.get(row.household)
                if known is not None and known not in mine:
                    raise RegistryError(
                        Refusal.ROSTER_OUTSIDE, line=row.line, household=row.household
                    )
        by_name = {h.name: h for h in s.scalars(select(Household))}
        members: dict[str, set[str]] = {}
        taken: set[str] = set()
        for r in s.scalars(select(Resident)):
            members.setdefault(r.household_id, set()).add(r.name)
            taken.add(r.id)
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
            if row.group:
                household.area_id = groups[row.group]
            names = members.setdefault(household.id, set())
            if row.resident not in names:
                counts[household.id] = counts.get(household.id, 0) + 1
                resident_id = f"{household.id}-{counts[household.id]}"
                while resident_id in taken:  # a resident since moved to another household
                    counts[household.id] += 1
                    resident_id = f"{household.id}-{counts[household.id]}"
                taken.add(resident_id)
                person = Resident(
                    id=resident_id,
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
        placed = {by_name[row.household].id for row in rows if row.group}
        if placed:  # a village's households are known at its stores from the start
            s.flush()
            store_feed.join_village(s, now, household_ids=placed)
        audit(s, now, actor, "roster_import", "", households=added_h, residents=added_r)
        uow.commit()
    return added_h, added_r


def _groups(s: Session, rows: list[RosterRow]) -> dict[str, int]:
    """Return the id of each group the rows name; refuse a row naming no known group."""
    wanted = {row.group for row in rows if row.group}
    found = {
        path: area_id
        for path, area_id, level in s.execute(
            select(Area.path, Area.id, Area.level).where(Area.path.in_(wanted))
        )
        if level == AreaLevel.GROUP
    }
    for row in rows:
        if row.group and row.group not in found:
            raise RegistryError(Refusal.ROSTER_GROUP, line=row.line, path=row.group)
    return found
