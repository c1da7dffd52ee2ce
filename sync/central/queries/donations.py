"""Donors' goods in a period: given, their value, handed out, households and villages reached.

Read from the batches and the stock moves themselves (the summaries donor_totals, donor_goods
and donor_households keep no dates); `reports.donors` reads the summaries for all time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select

from sync.central import localtime
from sync.central.context import Central
from sync.central.models import Area, Batch, Household, Product, StockMove, Store
from sync.central.queries import totals

DONATION = "donation"
HANDED_OUT = ("issue", "void")  # a void's move puts goods back: counted against its issue


def donors_between(c: Central, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per donor, for [start, end) (midnights of the programme's calendar): goods given, their
    value, kinds, goods handed out, households reached; the largest value first."""
    return [donation(c, donor, start, end) for donor in _donors(c, start, end)]


def _donors(c: Central, start: datetime, end: datetime) -> list[str]:
    with c.uow(write=False) as uow:
        s = uow.session
        a, b = _utc(s, start, end)
        given = select(Batch.donor).where(
            Batch.source == DONATION, Batch.received_at >= a, Batch.received_at < b
        )
        handed = (
            select(Batch.donor)
            .join(
                StockMove,
                and_(StockMove.kiosk_id == Batch.kiosk_id, StockMove.batch_id == Batch.batch_id),
            )
            .where(
                Batch.source == DONATION,
                StockMove.kind.in_(HANDED_OUT),
                StockMove.created_at >= a,
                StockMove.created_at < b,
            )
        )
        return sorted(set(s.scalars(given)) | set(s.scalars(handed)))


def _utc(s, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    zone = totals.programme_zone(s.connection())
    return localtime.utc_start(start, zone), localtime.utc_start(end, zone)


def donation(c: Central, donor: str, start: datetime, end: datetime) -> dict[str, Any]:
    """One donor's goods for [start, end): each product given (quantity, value in fen), goods
    handed out, the households they reached and those households' villages (the stores that
    handed them out are named too, but a store serves several villages and a village may have
    several stores: the villages reached are the households' own)."""
    with c.uow(write=False) as uow:
        s = uow.session
        a, b = _utc(s, start, end)
        given = s.execute(
            select(
                Batch.product_code,
                func.sum(Batch.qty),
                func.sum(Batch.qty * func.coalesce(Batch.unit_value_cents, 0)),
            )
            .where(
                Batch.donor == donor,
                Batch.source == DONATION,
                Batch.received_at >= a,
                Batch.received_at < b,
            )
            .group_by(Batch.product_code)
            .order_by(Batch.product_code)
        ).all()
        moves = (
            select(StockMove.household_id, StockMove.store_id, StockMove.qty)
            .join(
                Batch,
                and_(StockMove.kiosk_id == Batch.kiosk_id, StockMove.batch_id == Batch.batch_id),
            )
            .where(
                Batch.donor == donor,
                Batch.source == DONATION,
                StockMove.kind.in_(HANDED_OUT),
                StockMove.created_at >= a,
                StockMove.created_at < b,
            )
        )
        per_household: dict[str, int] = {}
        per_store: dict[int, int] = {}
        handed = 0
        for household_id, store_id, qty in s.execute(moves):
            handed -= qty
            if household_id:
                per_household[household_id] = per_household.get(household_id, 0) - qty
            per_store[store_id] = per_store.get(store_id, 0) - qty
        store_ids = [sid for sid, n in per_store.items() if n > 0]
        stores = sorted(
            s.scalars(select(Store.name).where(Store.id.in_(store_ids))).all() if store_ids else []
        )
        reached = sorted(h for h, n in per_household.items() if n > 0)
        villages = _villages(s, reached)
        names = dict(
            s.execute(
                select(Product.code, Product.name).where(
                    Product.code.in_([code for code, _, _ in given])
                )
            ).all()
        )
        goods = [
            {
                "code": code,
                "name": names.get(code, code),
                "qty": int(qty or 0),
                "value_fen": int(value or 0),
            }
            for code, qty, value in given
        ]
        value_fen = sum(g["value_fen"] for g in goods)
        return {
            "donor": donor,
            "goods": goods,
            "goods_given": sum(g["qty"] for g in goods),
            "value_fen": value_fen,
            "value_yuan": round(value_fen / 100, 2),
            "kinds_of_goods": len(goods),
            "goods_handed_out": handed,
            "households_reached": len(reached),
            "villages_reached": len(villages),
            "villages": villages,
            "stores": stores,
        }


def _villages(s, household_ids: list[str]) -> list[str]:
    """Return the paths of the villages the households live in (their groups' villages)."""
    if not household_ids:
        return []
    group = Area.__table__.alias("grp")
    village = Area.__table__.alias("village")
    rows = s.execute(
        select(village.c.path)
        .select_from(Household)
        .join(group, group.c.id == Household.area_id)
        .join(village, village.c.id == group.c.parent_id)
        .where(Household.id.in_(household_ids), village.c.level == "village")
        .distinct()
    )
    return sorted(rows.scalars())
