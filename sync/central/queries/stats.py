"""The programme's figures, overall and per store, from the summaries of the ledger and records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.domain.ledger import LedgerKind, wire_time
from sync.central.context import Central
from sync.central.models import (
    Activity,
    CheckIn,
    CheckinTotal,
    Exchange,
    ExchangeLine,
    ExchangeTotal,
    Household,
    LedgerEntry,
    LedgerTotal,
    Resident,
    Store,
    StoreHousehold,
)
from sync.central.queries import households
from sync.central.queries.areas import issued_points, redeemed_points, rollup
from sync.central.scope import WHOLE, Scope
from sync.central.states import ExchangeStatus


def stats(c: Central, scope: Scope = WHOLE) -> dict[str, Any]:
    """Return the programme's headline figures, the same per store, and per area below the
    scope's own (`areas`).

    For the whole programme the sums come from the summary tables (sync.central.queries.totals),
    which triggers keep equal to the ledger and the records in the same transaction: no view
    scans every entry. For an area they are the sums of its households' entries and records,
    and only its stores are listed.
    """
    with c.uow(write=False) as uow:
        s = uow.session
        if not scope.everything:
            figures = _area_figures(s, scope)
            figures["stores"] = _per_store(s, scope)
            figures["areas"] = rollup(s, scope)
            return figures
        issued, spent, returned = ledger_sums(s)
        exchanges, _, goods = exchange_sums(s)
        figures = {
            "registered_residents": s.scalar(select(func.count()).select_from(Resident)) or 0,
            "households": s.scalar(select(func.count()).select_from(Household)) or 0,
            "activities": s.scalar(select(func.count()).select_from(Activity)) or 0,
            "points_issued": issued,
            "participations": int(
                s.scalar(select(func.coalesce(func.sum(CheckinTotal.checkins), 0))) or 0
            ),
            "points_redeemed": spent - returned,
            "exchanges": exchanges,
            "goods_issued": goods,
            "points_expired": expired_sum(s),
        }
        figures["stores"] = _per_store(s, scope)
        figures["areas"] = rollup(s, scope)
        return figures


def _area_figures(s: Session, scope: Scope) -> dict[str, Any]:
    """Return the headline figures of an area's households, summed from their records."""
    issued, redeemed = s.execute(
        select(
            func.coalesce(func.sum(issued_points()), 0),
            func.coalesce(func.sum(redeemed_points()), 0),
        ).where(scope.of_household(LedgerEntry.household_id))
    ).one()
    live = (Exchange.status == ExchangeStatus.COMPLETED) & scope.of_household(Exchange.household_id)
    exchanges = s.scalar(select(func.count()).select_from(Exchange).where(live)) or 0
    goods = s.scalar(
        select(func.coalesce(func.sum(ExchangeLine.qty), 0))
        .join(Exchange, Exchange.id == ExchangeLine.exchange_id)
        .where(live)
    )
    return {
        "registered_residents": s.scalar(
            select(func.count())
            .select_from(Resident)
            .where(scope.of_household(Resident.household_id))
        )
        or 0,
        "households": s.scalar(
            select(func.count()).select_from(Household).where(scope.households())
        )
        or 0,
        "activities": s.scalar(select(func.count()).select_from(Activity)) or 0,
        "points_issued": int(issued),
        "participations": s.scalar(
            select(func.count())
            .select_from(CheckIn)
            .where(scope.of_household(CheckIn.household_id))
        )
        or 0,
        "points_redeemed": int(redeemed),
        "exchanges": int(exchanges),
        "goods_issued": int(goods or 0),
        "points_expired": -int(
            s.scalar(
                select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                    LedgerEntry.kind == LedgerKind.EXPIRE,
                    scope.of_household(LedgerEntry.household_id),
                )
            )
            or 0
        ),
    }


def _per_store(s: Session, scope: Scope) -> list[dict[str, Any]]:
    """Return each store's figures (of the stores inside the scope)."""
    by_store = {
        store_id: (int(count), int(points), int(goods))
        for store_id, count, points, goods in s.execute(
            select(
                ExchangeTotal.store_id,
                func.sum(ExchangeTotal.completed),
                func.sum(ExchangeTotal.points),
                func.sum(ExchangeTotal.goods),
            ).group_by(ExchangeTotal.store_id)
        )
    }
    served = dict(
        s.execute(
            select(StoreHousehold.store_id, func.count())
            .where(StoreHousehold.exchanges > 0)
            .group_by(StoreHousehold.store_id)
        ).all()
    )
    participations = dict(
        s.execute(
            select(CheckinTotal.store_id, func.sum(CheckinTotal.checkins)).group_by(
                CheckinTotal.store_id
            )
        ).all()
    )
    per_store = []
    for store in s.scalars(select(Store).where(scope.stores()).order_by(Store.name)):
        count, points, goods = by_store.get(store.id, (0, 0, 0))
        per_store.append(
            {
                "store": store.name,
                "exchanges": count,
                "points_redeemed": points,
                "households_served": served.get(store.id, 0),
                "goods_issued": goods,
                "participations": int(participations.get(store.id, 0)),
            }
        )
    return per_store


def ledger_sums(s: Session, *where) -> tuple[int, int, int]:
    """Return points issued (earned or added), spent, and given back by voids."""
    kind = LedgerTotal.kind
    issued = func.sum(case((kind.in_(["earn", "adjust"]), LedgerTotal.credit), else_=0))
    net = LedgerTotal.credit + LedgerTotal.debit
    spent = func.sum(case((kind == LedgerKind.SPEND, -net), else_=0))
    returned = func.sum(case((kind == LedgerKind.VOID, net), else_=0))
    row = s.execute(select(issued, spent, returned).where(*where)).one()
    return tuple(int(v or 0) for v in row)


def expired_sum(s: Session, *where) -> int:
    """Return the spendable points cleared under the programme's expiry policy."""
    debit = func.coalesce(func.sum(LedgerTotal.debit), 0)
    return -int(s.scalar(select(debit).where(LedgerTotal.kind == LedgerKind.EXPIRE, *where)) or 0)


def exchange_sums(s: Session, *where) -> tuple[int, int, int]:
    """Return completed exchanges, their points and the goods they handed out."""
    row = s.execute(
        select(
            func.sum(ExchangeTotal.completed),
            func.sum(ExchangeTotal.points),
            func.sum(ExchangeTotal.goods),
        ).where(*where)
    ).one()
    return tuple(int(v or 0) for v in row)


def household(c: Central, household_id: str, scope: Scope = WHOLE) -> dict[str, Any] | None:
    """Return a household with its balance and members, or None (also outside the scope)."""
    with c.uow(write=False) as uow:
        s = uow.session
        h = s.scalar(select(Household).where(Household.id == household_id, scope.households()))
        if h is None:
            return None
        members = s.scalars(
            select(Resident).where(Resident.household_id == h.id).order_by(Resident.id)
        ).all()
        return {
            "id": h.id,
            "name": h.name,
            "balance": h.balance,
            "honour": honour(s, h.id),
            "members": [{"id": m.id, "name": m.name} for m in members],
            "history": [
                {
                    "at": wire_time(e["at"]),
                    "kind": e["kind"],
                    "points": e["points"],
                    "kiosk": e["kiosk"],
                    "reason": e["reason"],
                    "by": e["by"],
                }
                for e in households.history(s, h.id, 20)
            ],
        }


def honour(s: Session, household_id: str) -> int:
    """Points ever earned by a household (check-ins and approved claims): they never expire."""
    total = s.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.household_id == household_id, LedgerEntry.kind == LedgerKind.EARN
        )
    )
    return int(total or 0)
