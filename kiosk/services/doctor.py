"""Verify a kiosk database: integrity, caches against their sums, and the ledger chain."""

from __future__ import annotations

from sqlalchemy import func, select, text

from core.domain.ledger import GENESIS_HASH, EntryFacts, EntryKind, LedgerKind, verify_chain
from kiosk.services.common import expected_balance
from kiosk.services.context import Kiosk
from kiosk.storage.models import (
    Household,
    KioskState,
    LedgerEntry,
    OutboxRow,
    Product,
    StockBatch,
    StockMovement,
)
from kiosk.storage.states import OutboxStatus


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
            confirmed = expected_balance(s, k.kiosk_id, household)
            if confirmed is not None:
                if household.balance != confirmed:
                    problems.append(
                        f"household {household.id}: balance {household.balance} != confirmed "
                        f"{household.confirmed_balance} + own entries since "
                        f"{household.confirmed_seq} = {confirmed}"
                    )
                continue
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
        problems += [note for unreversed, note in _refusals(s) if unreversed]
    return problems


def sync_notes(k: Kiosk) -> list[str]:
    """Return what central has refused or not yet confirmed of this kiosk's entries."""
    with k.uow(write=False) as uow:
        s = uow.session
        notes = [note for unreversed, note in _refusals(s) if not unreversed]
        pending, oldest = s.execute(
            select(func.count(), func.min(OutboxRow.created_at)).where(
                OutboxRow.status == OutboxStatus.PENDING
            )
        ).one()
        if pending:
            notes.append(
                f"{pending} entries not yet confirmed by central"
                f" (oldest from {oldest:%Y-%m-%d %H:%M} UTC)"
            )
    return notes


def _refusals(s) -> list[tuple[bool, str]]:
    """Return (still to reverse, description) for each outbox entry central refused."""
    out = []
    for row in s.scalars(
        select(OutboxRow).where(OutboxRow.status == OutboxStatus.REJECTED).order_by(OutboxRow.id)
    ):
        ledger = (row.payload or {}).get("ledger") or {}
        what = f"outbox #{row.id} ({row.kind}) refused by central: {row.reason or ''}"
        if not ledger.get("points") or row.kind == EntryKind.REVERSAL:
            out.append((False, what))
            continue
        reversed_by = s.scalar(
            select(LedgerEntry.seq).where(
                LedgerEntry.kind == LedgerKind.ADJUST, LedgerEntry.ref == ledger.get("id")
            )
        )
        if reversed_by is None:
            out.append((True, f"{what}; its {ledger['points']:+d} points are not yet reversed"))
        else:
            out.append((False, f"{what}; reversed by ledger seq {reversed_by}"))
    return out


def _chain_problems(s, state: KioskState) -> list[str]:
    entries = s.scalars(
        select(LedgerEntry).where(LedgerEntry.kiosk_id == state.kiosk_id).order_by(LedgerEntry.seq)
    ).all()
    found = [
        f"kiosk {state.kiosk_id} seq {p.seq}: {p.problem}"
        for p in verify_chain(
            [EntryFacts.of(e) for e in entries], [(e.prev_hash, e.hash) for e in entries]
        )
    ]
    last_seq = entries[-1].seq if entries else 0
    last_hash = entries[-1].hash if entries else GENESIS_HASH
    if (state.last_seq, state.last_hash) != (last_seq, last_hash):
        found.append(f"kiosk {state.kiosk_id}: chain head does not match the last entry")
    return found
