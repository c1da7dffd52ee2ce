"""A day's figures: on the admin screen, and as the summary slip this kiosk prints."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from sqlalchemy import func, select

from core.domain.ledger import LedgerKind
from kiosk.services.common import audit
from kiosk.services.context import Kiosk
from kiosk.services.print_queue import wake
from kiosk.services.receipts import store_receipt
from kiosk.services.staff import ACTOR_PREFIX
from kiosk.services.times import day_bounds
from kiosk.storage.models import (
    AuditEntry,
    CheckIn,
    Exchange,
    ExchangeLine,
    LedgerEntry,
    Product,
    StaffMember,
    StockBatch,
    StockMovement,
)
from kiosk.storage.states import ExchangeStatus
from printer.receipt import DailySummary

# What is not work done for the shop: signing in and out, and PINs mistyped.
NOT_WORK = ("login", "logout", "login_failed", "login_refused_locked", "pin_locked")


def staff_work(s, start, end) -> list[tuple[str, str, int]]:
    """Return who did what between two instants: (person's name, action, how many), by person
    in the order they joined the staff list, then by action."""
    rows = s.execute(
        select(AuditEntry.actor, AuditEntry.action, func.count())
        .where(
            AuditEntry.at >= start,
            AuditEntry.at < end,
            AuditEntry.actor.startswith(ACTOR_PREFIX),
            AuditEntry.action.not_in(NOT_WORK),
        )
        .group_by(AuditEntry.actor, AuditEntry.action)
    ).all()
    people = {f"{ACTOR_PREFIX}{m.id}": (m.id, m.name) for m in s.scalars(select(StaffMember))}
    found = [(people.get(actor, (1 << 30, actor)), action, int(n)) for actor, action, n in rows]
    found.sort(key=lambda row: (row[0][0], row[1]))
    return [(who[1], action, n) for who, action, n in found]


def day_figures(k: Kiosk, day: date) -> dict[str, Any]:
    """Return one local day's figures: exchanges, points, goods out, voids, check-ins, restocks."""
    start, end = day_bounds(k, day)
    with k.uow(write=False) as uow:
        s = uow.session
        done = (Exchange.created_at >= start) & (Exchange.created_at < end)
        exchanges = (
            s.scalar(select(func.count()).where(done, Exchange.status == ExchangeStatus.COMPLETED))
            or 0
        )
        spent = (
            s.scalar(
                select(func.coalesce(func.sum(Exchange.total), 0)).where(
                    done, Exchange.status == ExchangeStatus.COMPLETED
                )
            )
            or 0
        )
        voids = (
            s.scalar(
                select(func.count()).where(Exchange.voided_at >= start, Exchange.voided_at < end)
            )
            or 0
        )
        goods = s.execute(
            select(ExchangeLine.name, func.sum(ExchangeLine.qty))
            .join(Exchange, Exchange.id == ExchangeLine.exchange_id)
            .where(done, Exchange.status == ExchangeStatus.COMPLETED)
            .group_by(ExchangeLine.name)
            .order_by(func.sum(ExchangeLine.qty).desc(), ExchangeLine.name)
        ).all()
        checkins = (
            s.scalar(
                select(func.count()).where(CheckIn.created_at >= start, CheckIn.created_at < end)
            )
            or 0
        )
        earned = (
            s.scalar(
                select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                    LedgerEntry.kind == LedgerKind.EARN,
                    LedgerEntry.created_at >= start,
                    LedgerEntry.created_at < end,
                )
            )
            or 0
        )
        restocks = (
            s.scalar(
                select(func.count()).where(
                    StockBatch.received_at >= start,
                    StockBatch.received_at < end,
                    StockBatch.source != "stocktake",
                )
            )
            or 0
        )
        work = staff_work(s, start, end)
    return {
        "staff_work": work,
        "day": day.isoformat(),
        "exchanges": exchanges,
        "points_spent": spent,
        "voids": voids,
        "checkins": checkins,
        "points_earned": earned,
        "restocks": restocks,
        "goods_out": [(name, int(qty)) for name, qty in goods],
    }


def summary_figures(k: Kiosk, day: date) -> DailySummary:
    """Return this kiosk's figures for one local day."""
    start, end = day_bounds(k, day)
    with k.uow(write=False) as uow:
        s = uow.session
        mine = Exchange.kiosk_id == k.kiosk_id
        made = (Exchange.created_at >= start) & (Exchange.created_at < end)
        # Exchanges voided since are not counted, like the goods they returned.
        kept = Exchange.status == ExchangeStatus.COMPLETED
        exchanges, spent = s.execute(
            select(func.count(), func.coalesce(func.sum(Exchange.total), 0)).where(mine, made, kept)
        ).one()
        voids = s.scalar(
            select(func.count()).where(mine, Exchange.voided_at >= start, Exchange.voided_at < end)
        )
        moved = (StockMovement.created_at >= start) & (StockMovement.created_at < end)
        goods = s.execute(
            select(Product.name, -func.sum(StockMovement.qty))
            .join(Product, Product.code == StockMovement.product_code)
            .where(moved, StockMovement.kind.in_(("issue", "void")))
            .group_by(Product.code, Product.name)
            .order_by(Product.code)
        ).all()
        restocks = s.scalar(select(func.count()).where(moved, StockMovement.kind == "restock"))
        checkins, earned = s.execute(
            select(func.count(), func.coalesce(func.sum(LedgerEntry.points), 0))
            .select_from(CheckIn)
            .join(LedgerEntry, LedgerEntry.id == CheckIn.ledger_entry_id)
            .where(CheckIn.created_at >= start, CheckIn.created_at < end)
        ).one()
        work = staff_work(s, start, end)
    return DailySummary(
        store=k.store,
        kiosk_id=k.kiosk_id,
        day=day,
        exchanges=exchanges,
        points_spent=spent,
        goods_out=tuple((name, qty) for name, qty in goods if qty),
        restocks=restocks or 0,
        checkins=checkins,
        points_earned=earned,
        voids=voids or 0,
        staff_work=tuple(work),
    )


def daily_summary(k: Kiosk, day: date | None = None, actor: str = "admin") -> int:
    """Queue the day's summary slip (today by default); return its receipt id."""
    now = k.clock.now()
    day = day or now.replace(tzinfo=UTC).astimezone(k.zone).date()
    figures = summary_figures(k, day)
    with k.uow() as uow:
        number = f"{k.kiosk_id}-D{day:%Y%m%d}"
        row = store_receipt(uow.session, k, "summary", f"day-{day}", figures, now, None, number)
        audit(uow.session, now, actor, "daily_summary", day.isoformat(), receipt=row.id)
        uow.commit()
    wake(k)
    return row.id
