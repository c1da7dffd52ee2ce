"""A partner store's settlement for a period: points redeemed, goods issued, amount due."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Store
from sync.central.queries.reports import store_statement
from sync.central.states import SettlementPeriod

FEN = Decimal("0.01")


def store_by_name(c: Central, name: str) -> dict[str, Any] | None:
    """Return a store's id, name, rate and period; None if there is no such store."""
    with c.uow(write=False) as uow:
        st = uow.session.scalar(select(Store).where(Store.name == name))
        return None if st is None else _store(st)


def settled_stores(c: Central) -> list[dict[str, Any]]:
    """Return every store with its rate and period, by name."""
    with c.uow(write=False) as uow:
        return [_store(st) for st in uow.session.scalars(select(Store).order_by(Store.name))]


def _store(st: Store) -> dict[str, Any]:
    return {
        "id": st.id,
        "name": st.name,
        "rate": st.settlement_rate,
        "period": SettlementPeriod(st.settlement_period or SettlementPeriod.MONTHLY),
    }


def period_of(first_month: date, period: SettlementPeriod) -> tuple[datetime, datetime]:
    """Return [start, end) of a settlement period beginning with a month, as local midnights."""
    start = datetime(first_month.year, first_month.month, 1)
    months = first_month.year * 12 + first_month.month - 1 + period.months
    return start, datetime(months // 12, months % 12 + 1, 1)


def settlement(c: Central, store_id: int, first_month: date) -> dict[str, Any]:
    """Return a store's settlement for the period starting with first_month: its statement
    (points redeemed, goods issued, households served), the rate and the amount due in yuan,
    rounded half up to the fen. Raise LookupError for a store that does not exist."""
    stores = {st["id"]: st for st in settled_stores(c)}
    if store_id not in stores:
        raise LookupError("no such store")
    store = stores[store_id]
    start, end = period_of(first_month, store["period"])
    statement = store_statement(c, store_id, start, end)
    rate = store["rate"]
    due = (
        None if rate is None else (rate * statement["points_redeemed"]).quantize(FEN, ROUND_HALF_UP)
    )
    return {
        **statement,
        "store_id": store_id,
        "period": str(store["period"]),
        "label": _label(start, store["period"]),
        "rate": rate,
        "amount_due": due,
        "goods_issued": sum(g["qty"] for g in statement["goods"]),
    }


def _label(start: datetime, period: SettlementPeriod) -> str:
    """Name a period as its file and heading do: 2026-11, or 2026-10..12 for a quarter."""
    if period.months == 1:
        return f"{start.year:04d}-{start.month:02d}"
    last = start.month + period.months - 1
    if last > 12:
        return f"{start.year:04d}-{start.month:02d}-{start.year + 1:04d}-{last - 12:02d}"
    return f"{start.year:04d}-{start.month:02d}-{last:02d}"
