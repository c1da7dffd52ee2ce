"""The programme's figures, overall and per store, from the summaries of the ledger and records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.domain.ledger import LedgerKind, wire_time
from sync.central.context import Central
from sync.central.models import (
    Activity,
    CheckinTotal,
    ExchangeTotal,
    Household,
    LedgerEntry,
    LedgerTotal,
    Resident,
    Store,
    StoreHousehold,
)
from sync.central.queries import households


def stats(c: Central) -> dict[str, Any]:
    """Return the programme's headline figures and the same per store.

    The sums come from the summary tables (sync.central.queries.totals), which triggers keep
    equal to the ledger and the records in the same transaction: no view scans every entry.
    """
    with c.uow(write=False) as uow:
        s = uow.session
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
        for store in s.scalars(select(Store).order_by(Store.name)):
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
        figures["stores"] = per_store
        return figures


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


def household(c: Central, household_id: str) -> dict[str, Any] | None:
    """Return a household with its balance and members, or None."""
    with c.uow(write=False) as uow:
        s = uow.session
        h = s.get(Household, household_id)
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
    """Points ever earned by a household (its check-ins' credits): they never expire."""
    total = s.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.household_id == household_id, LedgerEntry.kind == LedgerKind.EARN
        )
    )
    return int(total or 0)
