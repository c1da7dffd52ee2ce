"""Quotas on scarce goods at this kiosk: what a household has used of a good this period.

A household's uses are counted as central last told of them at every other kiosk, plus every
exchange made here (confirmed or not). Offline, another store's latest exchanges are unknown:
as with the spending allowance, an overrun that still happens is flagged at central, never lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, bindparam, cast, func, null, select, union_all
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


# Built once: a cart change and a checkout ask it for every quota'd good in the cart, and
# building the statement cost more than SQLite's answer. One statement, two parts: what was
# taken here (each line with its time, kept apart to find its period) and what central counted
# at the other kiosks (summed by good and period; its time is null).
_HERE = (
    select(ExchangeLine.product_code, Exchange.created_at, ExchangeLine.qty)
    .join(ExchangeLine, ExchangeLine.exchange_id == Exchange.id)
    .where(
        Exchange.household_id == bindparam("household"),
        Exchange.kiosk_id == bindparam("kiosk"),
        Exchange.status == ExchangeStatus.COMPLETED,
        Exchange.created_at >= bindparam("since"),
        ExchangeLine.product_code.in_(bindparam("codes", expanding=True)),
    )
)
_ELSEWHERE = (
    select(QuotaUse.product_code, cast(null(), DateTime), func.sum(QuotaUse.used), QuotaUse.period)
    .where(
        QuotaUse.household_id == bindparam("household"),
        QuotaUse.product_code.in_(bindparam("codes", expanding=True)),
        QuotaUse.period.in_(bindparam("periods", expanding=True)),
        QuotaUse.kiosk_id != bindparam("kiosk"),
    )
    .group_by(QuotaUse.product_code, QuotaUse.period)
)
_USED = union_all(_HERE.add_columns(null()), _ELSEWHERE)


def used_of(
    s: Session, k: Kiosk, household_id: str, products: Iterable[Product], now: datetime
) -> dict[str, int]:
    """Return, by product code, how many of each good the household has taken in its current
    period: one query for all of them (what central counted elsewhere, what was taken here)."""
    products = list(products)
    periods = {p.code: period_now(k, p, now) for p in products}
    if not periods:
        return {}
    taken = dict.fromkeys(periods, 0)
    kinds = {p.code: p.quota_period or "" for p in products}
    asked = {
        "household": household_id,
        "kiosk": k.kiosk_id,
        "codes": sorted(periods),
        "periods": sorted(set(periods.values())),
        "since": now - LONGEST_PERIOD,
    }
    for code, at, qty, period in s.execute(_USED, asked):
        if at is None:  # counted elsewhere, by period
            if periods[code] == period:
                taken[code] += int(qty or 0)
        elif quotas.period_key(kinds[code], local_time(k, at).date()) == periods[code]:
            taken[code] += qty
    return taken


_PERIODS = tuple(quotas.QuotaPeriod)


def has_quota(product: Product) -> bool:
    """Tell whether a product carries a quota."""
    return bool(product.quota_limit) and product.quota_period in _PERIODS


def view(product: Product, taken: dict[str, int] | None) -> dict[str, Any] | None:
    """Return a product's quota for the screen: left, of what used_of counted for the open
    session's household (taken; None without one: left is None)."""
    if not has_quota(product):
        return None
    left = None if taken is None else quotas.left(product.quota_limit, taken[product.code])
    return {"limit": product.quota_limit, "period": product.quota_period, "left": left}


def check(
    s: Session,
    k: Kiosk,
    household_id: str,
    lines: Iterable[tuple[CartLine, Product]],
    now: datetime,
) -> None:
    """Refuse a cart that takes more of a quota'd good than the household has left."""
    limited = [(line, product) for line, product in lines if has_quota(product)]
    if not limited:
        return
    taken = used_of(s, k, household_id, [product for _, product in limited], now)
    for line, product in limited:
        quotas.check_quota(
            product.name,
            product.unit,
            product.quota_period,
            product.quota_limit,
            taken[product.code],
            line.qty,
        )
