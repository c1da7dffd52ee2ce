"""The programme's figures, overall and per store, straight from the ledger and the records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, distinct, func, select

from sync.central.context import Central
from sync.central.models import (
    Activity,
    CheckIn,
    Exchange,
    ExchangeLine,
    Household,
    LedgerEntry,
    Resident,
    Store,
)


def stats(c: Central) -> dict[str, Any]:
    """Return the programme's headline figures and the same per store."""
    with c.uow(write=False) as uow:
        s = uow.session
        issued = func.coalesce(
            func.sum(
                case(
                    (
                        LedgerEntry.kind.in_(["earn", "adjust"]) & (LedgerEntry.points > 0),
                        LedgerEntry.points,
                    ),
                    else_=0,
                )
            ),
            0,
        )
        spent = func.coalesce(
            func.sum(case((LedgerEntry.kind == "spend", -LedgerEntry.points), else_=0)), 0
        )
        returned = func.coalesce(
            func.sum(case((LedgerEntry.kind == "void", LedgerEntry.points), else_=0)), 0
        )
        points_issued, points_spent, points_returned = s.execute(
            select(issued, spent, returned)
        ).one()
        live = Exchange.status == "completed"
        figures = {
            "registered_residents": s.scalar(select(func.count()).select_from(Resident)) or 0,
            "households": s.scalar(select(func.count()).select_from(Household)) or 0,
            "activities": s.scalar(select(func.count()).select_from(Activity)) or 0,
            "points_issued": int(points_issued),
            "participations": s.scalar(select(func.count()).select_from(CheckIn)) or 0,
            "points_redeemed": int(points_spent) - int(points_returned),
            "exchanges": s.scalar(select(func.count()).where(live)) or 0,
            "goods_issued": int(
                s.scalar(
                    select(func.coalesce(func.sum(ExchangeLine.qty), 0))
                    .join(Exchange, Exchange.id == ExchangeLine.exchange_id)
                    .where(live)
                )
                or 0
            ),
        }
        per_store = []
        for store in s.scalars(select(Store).order_by(Store.name)):
            ex = s.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(Exchange.total), 0),
                    func.count(distinct(Exchange.household_id)),
                ).where(Exchange.store_id == store.id, live)
            ).one()
            goods = s.scalar(
                select(func.coalesce(func.sum(ExchangeLine.qty), 0))
                .join(Exchange, Exchange.id == ExchangeLine.exchange_id)
                .where(Exchange.store_id == store.id, live)
            )
            per_store.append(
                {
                    "store": store.name,
                    "exchanges": ex[0],
                    "points_redeemed": int(ex[1]),
                    "households_served": ex[2],
                    "goods_issued": int(goods or 0),
                    "participations": s.scalar(
                        select(func.count()).where(CheckIn.store_id == store.id)
                    )
                    or 0,
                }
            )
        figures["stores"] = per_store
        return figures


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
            "members": [{"id": m.id, "name": m.name} for m in members],
        }
