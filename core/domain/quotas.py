"""Quotas on scarce goods: at most so many of a product per household per week or month."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from core.domain import errors

MAX_QUOTA = 1000  # a larger limit is no limit at all: leave the product without one


class QuotaPeriod(StrEnum):
    """How long a quota lasts before it starts again (in the store's local calendar)."""

    WEEK = "week"
    MONTH = "month"


def period_key(period: str, day: date) -> str:
    """Return the period a local day falls in: 2026-12 for a month, 2026-W49 for an ISO week."""
    if period == QuotaPeriod.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def quota_value(limit: object, period: object) -> tuple[int | None, str | None]:
    """Return a checked (limit, period), or (None, None) when both are empty (no quota)."""
    empty = (None, "")
    if limit in empty and period in empty:
        return None, None
    if period not in tuple(QuotaPeriod):
        raise errors.BadValue(field="quota_period", reason="week or month")
    if isinstance(limit, str) and limit.strip().isdigit():
        limit = int(limit.strip())
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_QUOTA:
        raise errors.BadValue(field="quota_limit", reason=f"a whole number from 1 to {MAX_QUOTA}")
    return limit, str(period)


def left(limit: int, used: int) -> int:
    """Return how many more a household may take this period (never below 0)."""
    return max(limit - max(used, 0), 0)


def check_quota(name: str, unit: str, period: str, limit: int, used: int, qty: int) -> None:
    """Refuse taking qty more of a good when the household's quota for the period is used up."""
    if qty > left(limit, used):
        message = (
            errors.QuotaExceeded.message
            if period == QuotaPeriod.MONTH
            else errors.QuotaExceeded.WEEK_MESSAGE
        )
        raise errors.QuotaExceeded(
            message, name=name, unit=unit, limit=limit, left=left(limit, used), qty=qty
        )
