"""Queries the service tests use to look at the database behind the use cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from kiosk.services.context import Kiosk
from kiosk.storage import models as m

TABLES = (
    "households",
    "ledger_entries",
    "stock_batches",
    "stock_movements",
    "exchanges",
    "exchange_lines",
    "receipts",
    "outbox",
    "checkins",
    "cards",
)


def card(cards: list[dict[str, Any]], resident_id: str) -> str:
    """Return the demo card code of a resident."""
    return next(str(c["code"]) for c in cards if c["resident_id"] == resident_id)


def scalar(k: Kiosk, stmt) -> Any:
    """Return the first column of the first row of a select."""
    with k.uow(write=False) as uow:
        return uow.session.scalar(stmt)


def all_rows(k: Kiosk, stmt) -> list[Any]:
    """Return every object (or first column) a select yields."""
    with k.uow(write=False) as uow:
        return list(uow.session.scalars(stmt))


def count(k: Kiosk, model, *where) -> int:
    """Return how many rows of a model match."""
    return scalar(k, select(func.count()).select_from(model).where(*where)) or 0


def balance(k: Kiosk, household_id: str) -> int:
    """Return a household's cached balance."""
    return scalar(k, select(m.Household.balance).where(m.Household.id == household_id))


def ledger_sum(k: Kiosk, household_id: str) -> int:
    """Return the sum of a household's ledger entries."""
    stmt = select(func.coalesce(func.sum(m.LedgerEntry.points), 0)).where(
        m.LedgerEntry.household_id == household_id
    )
    return scalar(k, stmt)


def stock(k: Kiosk, code: str) -> int:
    """Return a product's cached stock."""
    return scalar(k, select(m.Product.stock).where(m.Product.code == code))


def batches(k: Kiosk, code: str) -> list[tuple[int, str, int]]:
    """Return (id, source, remaining) of a product's batches, oldest first."""
    with k.uow(write=False) as uow:
        rows = uow.session.execute(
            select(m.StockBatch.id, m.StockBatch.source, m.StockBatch.remaining)
            .where(m.StockBatch.product_code == code)
            .order_by(m.StockBatch.received_at, m.StockBatch.id)
        ).all()
    return [tuple(row) for row in rows]


def audit_actions(k: Kiosk) -> list[str]:
    """Return the audited actions in the order they happened."""
    return all_rows(k, select(m.AuditEntry.action).order_by(m.AuditEntry.id))


def snapshot(k: Kiosk) -> dict[str, Any]:
    """Return row counts, balances, stocks and batch levels: what a refusal must not change."""
    with k.uow(write=False) as uow:
        s = uow.session
        counts = {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        return {
            "counts": counts,
            "balances": dict(s.execute(select(m.Household.id, m.Household.balance)).all()),
            "stock": dict(s.execute(select(m.Product.code, m.Product.stock)).all()),
            "batches": dict(s.execute(select(m.StockBatch.id, m.StockBatch.remaining)).all()),
            "exchanges": dict(s.execute(select(m.Exchange.id, m.Exchange.status)).all()),
            "sessions": dict(
                s.execute(select(m.TerminalSession.id, m.TerminalSession.status)).all()
            ),
        }
