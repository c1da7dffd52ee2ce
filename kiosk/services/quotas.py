"""Quotas on scarce goods at this kiosk: what a household has used of a good this period.

A household's uses are counted as central last told of them at every other kiosk, plus every
exchange made here (confirmed or not). Offline, another store's latest exchanges are unknown:
as with the spending allowance, an overrun that still happens is flagged at central, never lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain import quotas
from core.domain.rules import CartLine
from kiosk.services.context import Kiosk
from kiosk.services.receipts import local_time
from kiosk.storage.models import Exchange, ExchangeLine, Product, QuotaUse
from kiosk.storage.states import ExchangeStatus

LONGEST_PERIOD = timedelta(days=32)  # no period reaches further back than this


def period_now(k: Kiosk, product: Product, now: datetime) -> str:
    """Return the period a product's quota is counted in at an instant (UTC)."""
    return quotas.period_key(product.quota_period or "", local_time(k, now).date())


def used(s: Session, k: Kiosk, household_id: str, product: Product, now: datetime) -> int:
    """Return how many of a quota'd good the household has taken in the current period."""
    period = period_now(k, product, now)
    elsewhere = s.scalar(
        select(func.coalesce(func.sum(QuotaUse.used), 0)).where(
            QuotaUse.household_id == household_id,
            QuotaUse.product_code == product.code,
            QuotaUse.period == period,
            QuotaUse.kiosk_id != k.kiosk_id,
        )
    )
    here = s.execute(
        select(Exchange.created_at, ExchangeLine.qty)
        .join(ExchangeLine, ExchangeLine.exchange_id == Exchange.id)
        .where(
            Exchange.household_id == household_id,
            Exchange.kiosk_id == k.kiosk_id,
            Exchange.status == ExchangeStatus.COMPLETED,
            Exchange.created_at >= now - LONGEST_PERIOD,
            ExchangeLine.product_code == product.code,
        )
    ).all()
    mine = sum(
        qty
        for at, qty in here
        if quotas.period_key(product.quota_period or "", local_time(k, at).date()) == period
    )
    return int(elsewhere or 0) + mine


def has_quota(product: Product) -> bool:
    """Tell whether a product carries a quota."""
    return bool(product.quota_limit) and product.quota_period in tuple(quotas.QuotaPeriod)


def view(
    s: Session, k: Kiosk, household_id: str | None, product: Product, now: datetime
) -> dict[str, Any] | None:
    """Return a product's quota for the screen (left: for the household, None without one)."""
    if not has_quota(product):
        return None
    left = (
        None
        if household_id is None
        else quotas.left(product.quota_limit, used(s, k, household_id, product, now))
    )
    return {"limit": product.quota_limit, "period": product.quota_period, "left": left}


def check(
    s: Session,
    k: Kiosk,
    household_id: str,
    lines: Iterable[tuple[CartLine, Product]],
    now: datetime,
) -> None:
    """Refuse a cart that takes more of a quota'd good than the household has left."""
    for line, product in lines:
        if has_quota(product):
            quotas.check_quota(
                product.name,
                product.unit,
                product.quota_period,
                product.quota_limit,
                used(s, k, household_id, product, now),
                line.qty,
            )
