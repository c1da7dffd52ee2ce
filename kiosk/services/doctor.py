"""Verify a kiosk database: integrity, caches against their sums, and the ledger chain."""

from __future__ import annotations

from sqlalchemy import func, select, text

from kiosk.domain.ledger import GENESIS_HASH, verify_chain
from kiosk.services.common import entry_facts
from kiosk.services.context import Kiosk
from kiosk.storage.models import (
    Household,
    KioskState,
    LedgerEntry,
    Product,
    StockBatch,
    StockMovement,
)


def check(k: Kiosk) -> list[str]:
    """Return every problem found; an empty list means the database is sound."""
    problems: list[str] = []
    with k.uow(write=False) as uow:
        s = uow.session
        if s.bind.dialect.name == "sqlite":
            result = s.execute(text("PRAGMA integrity_check")).scalars().all()
            if result != ["ok"]:
                problems += [f"sqlite integrity: {line}" for line in result]
        sums = dict(
            s.execute(
                select(LedgerEntry.household_id, func.sum(LedgerEntry.points)).group_by(
                    LedgerEntry.household_id
                )
            ).all()
        )
        for household in s.scalars(select(Household).order_by(Household.id)):
            total = sums.get(household.id) or 0
            if household.balance != total:
                problems.append(
                    f"household {household.id}: balance {household.balance} != ledger sum {total}"
                )
        moved = dict(
            s.execute(
                select(StockMovement.product_code, func.sum(StockMovement.qty)).group_by(
                    StockMovement.product_code
                )
            ).all()
        )
        left = dict(
            s.execute(
                select(StockBatch.product_code, func.sum(StockBatch.remaining)).group_by(
                    StockBatch.product_code
                )
            ).all()
        )
        for product in s.scalars(select(Product).order_by(Product.code)):
            total = moved.get(product.code) or 0
            if product.stock != total:
                problems.append(
                    f"product {product.code}: stock {product.stock} != movement sum {total}"
                )
            if product.stock < 0:
                problems.append(f"product {product.code}: negative stock {product.stock}")
            if (left.get(product.code) or 0) != product.stock:
                problems.append(
                    f"product {product.code}: batches hold {left.get(product.code) or 0}"
                    f" but stock is {product.stock}"
                )
        negative = s.scalar(select(func.count()).where(StockBatch.remaining < 0)) or 0
        if negative:
            problems.append(f"{negative} stock batches below zero")
        for state in s.scalars(select(KioskState)):
            problems += _chain_problems(s, state)
    return problems


def _chain_problems(s, state: KioskState) -> list[str]:
    entries = s.scalars(
        select(LedgerEntry).where(LedgerEntry.kiosk_id == state.kiosk_id).order_by(LedgerEntry.seq)
    ).all()
    found = [
        f"kiosk {state.kiosk_id} seq {p.seq}: {p.problem}"
        for p in verify_chain(
            [entry_facts(e) for e in entries], [(e.prev_hash, e.hash) for e in entries]
        )
    ]
    last_seq = entries[-1].seq if entries else 0
    last_hash = entries[-1].hash if entries else GENESIS_HASH
    if (state.last_seq, state.last_hash) != (last_seq, last_hash):
        found.append(f"kiosk {state.kiosk_id}: chain head does not match the last entry")
    return found
