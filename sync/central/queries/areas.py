"""The programme's areas: pickers, and the figures of each area side by side."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.domain.ledger import LedgerKind
from sync.central.context import Central
from sync.central.models import Area, CheckIn, Exchange, Household, LedgerEntry
from sync.central.scope import SEPARATOR, WHOLE, Scope
from sync.central.states import ExchangeStatus


def area_paths(c: Central, scope: Scope = WHOLE, level: str | None = None) -> list[str]:
    """Return the paths of the areas inside a scope (of one level if given), in order."""
    with c.uow(write=False) as uow:
        stmt = select(Area.path).where(scope.areas()).order_by(Area.path)
        if level is not None:
            stmt = stmt.where(Area.level == level)
        return list(uow.session.scalars(stmt))


def has_areas(s: Session) -> bool:
    """Say whether any area was imported."""
    return s.scalar(select(Area.id).limit(1)) is not None


def issued_points():
    """Points issued by an entry: what it added by earning or by an adjustment."""
    kind, points = LedgerEntry.kind, LedgerEntry.points
    return case((kind.in_([LedgerKind.EARN, LedgerKind.ADJUST]) & (points > 0), points), else_=0)


def redeemed_points():
    """Points redeemed by an entry: spent, less what voids gave back."""
    kind, points = LedgerEntry.kind, LedgerEntry.points
    return case((kind.in_([LedgerKind.SPEND, LedgerKind.VOID]), -points), else_=0)


def rollup(s: Session, scope: Scope = WHOLE) -> list[dict[str, Any]]:
    """Per area one level below the scope's own (below the county for the whole programme):
    households, those with at least one participation, the participation rate, points issued
    and redeemed (sums of the ledger's entries), exchanges.

    Households in no group appear, for the whole programme only, as a row without a path.
    """
    if not has_areas(s):
        return []
    areas = {a.id: a for a in s.scalars(select(Area).where(scope.areas()))}
    if scope.everything:
        tops = [a for a in areas.values() if a.parent_id is None]
        parent = tops[0].path if len(tops) == 1 else None
    else:
        parent = scope.area
    depth = 1 if parent is None else parent.count(SEPARATOR) + 2
    children = sorted(
        (a for a in areas.values() if a.path.count(SEPARATOR) + 1 == depth), key=lambda a: a.path
    )
    if parent is not None:
        children = [a for a in children if a.path.startswith(parent + SEPARATOR)]
        if not children:  # a group's user: the group itself
            children, depth = [a for a in areas.values() if a.path == parent], depth - 1
    rows = {
        a.path: {
            "area": a.name,
            "path": a.path,
            "level": a.level,
            "households": 0,
            "participating": 0,
            "points_issued": 0,
            "points_redeemed": 0,
            "exchanges": 0,
        }
        for a in children
    }
    unplaced = _blank_row() if scope.everything else None

    def row_of(area_id: int | None) -> dict[str, Any] | None:
        area = areas.get(area_id) if area_id is not None else None
        if area is None:
            return unplaced
        key = SEPARATOR.join(area.path.split(SEPARATOR)[:depth])
        return rows.get(key)

    in_scope = scope.households()
    for area_id, count in s.execute(
        select(Household.area_id, func.count()).where(in_scope).group_by(Household.area_id)
    ):
        _add(row_of(area_id), "households", count)
    for area_id, count in s.execute(
        select(Household.area_id, func.count(func.distinct(CheckIn.household_id)))
        .select_from(CheckIn)
        .join(Household, Household.id == CheckIn.household_id)
        .where(in_scope)
        .group_by(Household.area_id)
    ):
        _add(row_of(area_id), "participating", count)
    for area_id, issued, redeemed in s.execute(
        select(Household.area_id, func.sum(issued_points()), func.sum(redeemed_points()))
        .select_from(LedgerEntry)
        .join(Household, Household.id == LedgerEntry.household_id)
        .where(in_scope)
        .group_by(Household.area_id)
    ):
        _add(row_of(area_id), "points_issued", issued)
        _add(row_of(area_id), "points_redeemed", redeemed)
    for area_id, count in s.execute(
        select(Household.area_id, func.count())
        .select_from(Exchange)
        .join(Household, Household.id == Exchange.household_id)
        .where(in_scope, Exchange.status == ExchangeStatus.COMPLETED)
        .group_by(Household.area_id)
    ):
        _add(row_of(area_id), "exchanges", count)
    out = list(rows.values())
    if unplaced is not None and unplaced["households"]:
        out.append(unplaced)
    for row in out:
        row["rate"] = row["participating"] / row["households"] if row["households"] else 0.0
    return out


def _blank_row() -> dict[str, Any]:
    return {
        "area": "",
        "path": None,
        "level": None,
        "households": 0,
        "participating": 0,
        "points_issued": 0,
        "points_redeemed": 0,
        "exchanges": 0,
    }


def _add(row: dict[str, Any] | None, key: str, value) -> None:
    if row is not None:
        row[key] += int(value or 0)


def area_rollup(c: Central, scope: Scope = WHOLE) -> list[dict[str, Any]]:
    """Return the figures of each area side by side (see `rollup`)."""
    with c.uow(write=False) as uow:
        return rollup(uow.session, scope)
