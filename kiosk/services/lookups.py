"""Past exchanges and receipts as the shopkeeper looks them up."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from kiosk.services.context import Kiosk
from kiosk.services.times import day_bounds, shown_time
from kiosk.storage.models import Exchange, ExchangeLine, Household, Receipt, Resident
from kiosk.storage.states import NEEDS_ATTENTION


def exchange_history(
    k: Kiosk, query: str = "", day: date | None = None, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Return exchanges newest first, searched by number, household or resident; and the count."""
    with k.uow(write=False) as uow:
        s = uow.session
        stmt = (
            select(Exchange, Household.name, Resident.name)
            .join(Household, Household.id == Exchange.household_id)
            .join(Resident, Resident.id == Exchange.resident_id)
        )
        text = (query or "").strip()[:60]
        if text:
            like = f"%{text.replace('%', '').replace('_', '')}%"
            stmt = stmt.where(
                or_(
                    Exchange.number.like(like),
                    Household.name.like(like),
                    Resident.name.like(like),
                    Exchange.household_id == text,
                )
            )
        if day is not None:
            start, end = day_bounds(k, day)
            stmt = stmt.where(Exchange.created_at >= start, Exchange.created_at < end)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.execute(
            stmt.order_by(Exchange.created_at.desc(), Exchange.number.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        ids = [e.id for e, _, _ in rows]
        lines: dict[str, list[str]] = {}
        for line in s.scalars(select(ExchangeLine).where(ExchangeLine.exchange_id.in_(ids))):
            lines.setdefault(line.exchange_id, []).append(f"{line.name} ×{line.qty}")
        return [
            {
                "id": e.id,
                "number": e.number,
                "at": shown_time(k, e.created_at),
                "household": household,
                "resident": person,
                "total": e.total,
                "status": e.status,
                "goods": "、".join(lines.get(e.id, [])),
            }
            for e, household, person in rows
        ], total


def exchange_detail(k: Kiosk, ref: str) -> dict[str, Any] | None:
    """Return one exchange with its lines and receipts."""
    with k.uow(write=False) as uow:
        s = uow.session
        e = s.get(Exchange, ref) or s.scalar(select(Exchange).where(Exchange.number == ref))
        if e is None:
            return None
        household = s.get(Household, e.household_id)
        person = s.get(Resident, e.resident_id)
        other = s.get(Resident, e.beneficiary_id) if e.beneficiary_id else None
        lines = s.scalars(
            select(ExchangeLine).where(ExchangeLine.exchange_id == e.id).order_by(ExchangeLine.id)
        ).all()
        receipts = s.scalars(select(Receipt).where(Receipt.ref == e.id).order_by(Receipt.id)).all()
        return {
            "id": e.id,
            "number": e.number,
            "at": shown_time(k, e.created_at),
            "household": household.name,
            "household_id": household.id,
            "balance": household.balance,
            "resident": person.name,
            "beneficiary": other.name if other else None,
            "total": e.total,
            "balance_before": e.balance_before,
            "balance_after": e.balance_after,
            "status": e.status,
            "voided_at": shown_time(k, e.voided_at),
            "void_reason": e.void_reason,
            "lines": [
                {"name": ln.name, "qty": ln.qty, "points_each": ln.points_each, "points": ln.points}
                for ln in lines
            ],
            "receipts": [_receipt_row(k, r) for r in receipts],
        }


def _receipt_row(k: Kiosk, r: Receipt) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "number": r.number,
        "at": shown_time(k, r.created_at),
        "status": r.status,
        "error": r.error,
        "attention": r.status in NEEDS_ATTENTION,
    }


def receipts(k: Kiosk, *, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Return the latest receipts, newest first; status "attention" means failed or held."""
    with k.uow(write=False) as uow:
        stmt = select(Receipt).order_by(Receipt.id.desc()).limit(limit)
        if status == "attention":
            stmt = stmt.where(Receipt.status.in_(NEEDS_ATTENTION))
        elif status:
            stmt = stmt.where(Receipt.status == status)
        return [_receipt_row(k, r) for r in uow.session.scalars(stmt)]


def receipt_text(k: Kiosk, receipt_id: int) -> dict[str, Any] | None:
    """Return one receipt with its printed text."""
    with k.uow(write=False) as uow:
        r = uow.session.get(Receipt, receipt_id)
        if r is None:
            return None
        return {**_receipt_row(k, r), "text": r.text}
