"""What part of the programme an office user or token sees: an area, or everything.

One value, computed from the user, filters every query that reads or changes households,
residents, cards, stores and the figures: households by their group's path, stores by their
village's path. A record outside the scope is treated as not there (pages and the API answer
404), so an area's user cannot even confirm another area's ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import Session

from sync.central.models import Area, Household, Resident, Store
from sync.central.states import LEVELS, AreaLevel

SEPARATOR = "/"


def split_path(path: str) -> list[str]:
    """Return the names of a path such as 县/镇/村/组 (spaces around each name ignored)."""
    return [" ".join(part.split()) for part in (path or "").split(SEPARATOR)]


def join_path(names: list[str]) -> str:
    """Return the path of a list of names, from the county down."""
    return SEPARATOR.join(names)


@dataclass(frozen=True)
class Scope:
    """An area's path, or None for the whole programme."""

    area: str | None = None

    @property
    def everything(self) -> bool:
        """Say whether this scope is the whole programme."""
        return self.area is None

    def covers_path(self, path: str | None) -> bool:
        """Say whether an area's path lies inside this scope (a record without one: only the
        whole programme's users see it)."""
        if self.area is None:
            return True
        if path is None:
            return False
        return path == self.area or path.startswith(self.area + SEPARATOR)

    def _area_clause(self) -> ColumnElement[bool]:
        return or_(
            Area.path == self.area, Area.path.startswith(self.area + SEPARATOR, autoescape=True)
        )

    def area_ids(self) -> Select:
        """Select the ids of the areas inside this scope (only meaningful when scoped)."""
        return select(Area.id).where(self._area_clause())

    def areas(self) -> ColumnElement[bool]:
        """A condition on Area: inside this scope."""
        return true() if self.area is None else self._area_clause()

    def households(self) -> ColumnElement[bool]:
        """A condition on Household: inside this scope."""
        return true() if self.area is None else Household.area_id.in_(self.area_ids())

    def household_ids(self) -> Select:
        """Select the ids of the households inside this scope."""
        return select(Household.id).where(self.households())

    def of_household(self, column) -> ColumnElement[bool]:
        """A condition on a household id column (a resident's, an entry's, …): in scope."""
        return true() if self.area is None else column.in_(self.household_ids())

    def stores(self) -> ColumnElement[bool]:
        """A condition on Store: inside this scope."""
        return true() if self.area is None else Store.area_id.in_(self.area_ids())

    def store_ids(self) -> Select:
        """Select the ids of the stores inside this scope."""
        return select(Store.id).where(self.stores())

    def of_store(self, column) -> ColumnElement[bool]:
        """A condition on a store id column: in scope."""
        return true() if self.area is None else column.in_(self.store_ids())

    def approves_for(self, level: str) -> bool:
        """Say whether an approver of this scope may decide claims of a rule approved at this
        level (village or town): a town's or the county's users approve both, a village's or a
        group's only the village's."""
        if self.area is None or level != AreaLevel.TOWN:
            return True
        return len(split_path(self.area)) <= LEVELS.index(AreaLevel.TOWN) + 1

    def holds_household(self, s: Session, household_id: str) -> bool:
        """Say whether a household exists inside this scope."""
        found = s.scalar(
            select(Household.id).where(Household.id == household_id, self.households())
        )
        return found is not None

    def holds_resident(self, s: Session, resident_id: str) -> bool:
        """Say whether a resident exists inside this scope."""
        found = s.scalar(
            select(Resident.id).where(
                Resident.id == resident_id, self.of_household(Resident.household_id)
            )
        )
        return found is not None

    def holds_store(self, s: Session, store_id: int) -> bool:
        """Say whether a store exists inside this scope."""
        return s.scalar(select(Store.id).where(Store.id == store_id, self.stores())) is not None


WHOLE = Scope()
