"""The programme's areas: imported from CSV; households placed in groups, stores in villages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.central.context import Central
from sync.central.models import Area, Household, Store
from sync.central.scope import WHOLE, Scope, join_path, split_path
from sync.central.services import notices, store_feed
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.states import LEVELS, AreaLevel


@dataclass(frozen=True)
class AreaRow:
    """One checked line of an areas file: the names from the county down (three or four)."""

    line: int
    names: tuple[str, ...]


def save_areas(c: Central, rows: list[AreaRow], actor: str = "cli") -> tuple[int, int]:
    """Add every area the rows name that is not there yet; return (added, already there)."""
    added = 0
    seen: set[str] = set()
    with c.uow() as uow:
        s = uow.session
        known = {a.path: a for a in s.scalars(select(Area))}
        for row in rows:
            parent = None
            for depth in range(1, len(row.names) + 1):
                path = join_path(list(row.names[:depth]))
                seen.add(path)
                area = known.get(path)
                if area is None:
                    area = Area(
                        parent_id=parent.id if parent else None,
                        level=LEVELS[depth - 1],
                        name=row.names[depth - 1],
                        path=path,
                    )
                    s.add(area)
                    s.flush()
                    known[path] = area
                    added += 1
                parent = area
        audit(s, c.clock.now(), actor, "areas_import", "", added=added)
        uow.commit()
    return added, len(seen) - added


def find_area(s: Session, path: str, level: AreaLevel | None = None, scope: Scope = WHOLE) -> Area:
    """Return the area a path names, of the level asked and inside the scope; else refuse."""
    wanted = join_path(split_path(path))
    area = s.scalar(select(Area).where(Area.path == wanted))
    if area is None:
        raise RegistryError(Refusal.NO_AREA, path=wanted)
    if level is not None and area.level != level:
        raise RegistryError(Refusal.AREA_LEVEL, path=wanted, level=level)
    if not scope.covers_path(area.path):
        raise RegistryError(Refusal.AREA_OUTSIDE, path=wanted)
    return area


def set_household_group(
    c: Central, household_id: str, path: str, actor: str, scope: Scope = WHOLE
) -> str | None:
    """Place a household in a villagers' group (an empty path: in none); return the path.

    Both the household and the group must lie inside the scope of who asks.
    """
    with c.uow() as uow:
        s = uow.session
        h = s.get(Household, household_id)
        if h is None or not scope.holds_household(s, household_id):
            raise RegistryError(Refusal.NO_HOUSEHOLD, household_id=household_id)
        if (path or "").strip():
            area = find_area(s, path, AreaLevel.GROUP, scope)
            h.area_id, placed = area.id, area.path
        else:
            if not scope.everything:  # out of every group is out of the user's area too
                raise RegistryError(Refusal.AREA_OUTSIDE, path="—")
            h.area_id, placed = None, None
        s.flush()
        store_feed.join_village(s, c.clock.now(), household_ids={household_id})
        audit(s, c.clock.now(), actor, "household_group", household_id, group=placed)
        uow.commit()
    return placed


def set_store_area(
    c: Central, store: str, path: str, actor: str = "cli", scope: Scope = WHOLE
) -> str:
    """Place a store in a village; return the village's path."""
    with c.uow() as uow:
        s = uow.session
        row = s.scalar(select(Store).where(Store.name == (store or "").strip()))
        if row is None or not scope.holds_store(s, row.id):
            raise RegistryError(Refusal.NO_STORE, store=store)
        area = find_area(s, path, AreaLevel.VILLAGE, scope)
        moved = row.area_id != area.id
        left = s.get(Area, row.area_id).path if moved and row.area_id is not None else None
        row.area_id, path = area.id, area.path
        s.flush()
        store_feed.join_village(s, c.clock.now(), store_ids={row.id})
        if moved:  # the village's announcements posted before, and the old village's withdrawn
            notices.send_village_announcements(s, row, area.path, c.clock.now(), left)
        audit(s, c.clock.now(), actor, "store_area", row.name, village=path)
        uow.commit()
    return path
