"""Pure rules of the points store: quantities, spending, stock and voids."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from core.domain import errors, limits

# Read by the kiosk under these names; each is defined once, in core.domain.limits.
MAX_CART_QTY = limits.CART_QTY.high
MAX_RESTOCK_QTY = limits.RESTOCK_QTY.high
MAX_POINTS = limits.MAX_POINTS
MAX_UNIT_VALUE_CENTS = limits.MAX_UNIT_VALUE_CENTS
SOURCES = limits.SOURCES
MAX_NAME = limits.MAX_NAME
MAX_REASON = limits.MAX_REASON


def parse_int(value: object, low: int, high: int, error: type[errors.DomainError]) -> int:
    """Return value as an int within [low, high], or raise error naming the bounds."""
    if isinstance(value, bool):
        raise error(low=low, high=high)
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit() or len(text) > 12:
            raise error(low=low, high=high)
        try:
            value = int(text)
        except ValueError:  # "--5", or digits int() cannot read such as "²"
            raise error(low=low, high=high) from None
    if not isinstance(value, int) or not low <= value <= high:
        raise error(low=low, high=high)
    return value


def cart_quantity(value: object) -> int:
    """Return a cart line quantity (0 removes the line)."""
    return parse_int(value, 0, MAX_CART_QTY, errors.BadQuantity)


def restock_quantity(value: object) -> int:
    """Return a restock quantity: a positive whole number."""
    return parse_int(value, 1, MAX_RESTOCK_QTY, errors.BadQuantity)


def points_value(value: object, low: int = 0) -> int:
    """Return a point amount within sane bounds."""
    return parse_int(value, low, MAX_POINTS, errors.BadPoints)


def product_points(value: object) -> int:
    """Return what one of a product costs."""
    return parse_int(value, *limits.PRODUCT_POINTS, errors.BadPoints)


def opening_points(value: object) -> int:
    """Return the points a household is registered with."""
    return parse_int(value, *limits.OPENING_POINTS, errors.BadPoints)


def activity_points(value: object) -> int:
    """Return what one check-in to an activity is worth."""
    return parse_int(value, *limits.ACTIVITY_POINTS, errors.BadPoints)


def activity_cap(value: object) -> int | None:
    """Return an activity's cap on participants (None: no cap)."""
    if value is None:
        return None
    return parse_int(value, *limits.ACTIVITY_CAP, errors.BadQuantity)


def code_value(value: object, field: str = "code") -> str:
    """Return a product or activity code in canonical form (trimmed, upper case)."""
    text = value.strip().upper() if isinstance(value, str) else None
    if not limits.is_code(text):
        raise errors.BadValue(field=field, reason="not 1 to 32 letters, digits, . _ or -")
    return text


def source_value(value: object) -> str:
    """Return a restock source: donation, purchase or transfer."""
    if not isinstance(value, str) or value.strip().lower() not in SOURCES:
        raise errors.BadSource()
    return value.strip().lower()


def text_value(value: object, field: str, *, required: bool, limit: int = MAX_NAME) -> str:
    """Return trimmed printable text of at most limit characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise errors.BadValue(field=field, reason="not text")
    text = " ".join(value.split())
    if required and not text:
        raise errors.BadValue(field=field, reason="missing")
    if len(text) > limit or not text.isprintable():
        raise errors.BadValue(field=field, reason="too long or unprintable")
    return text


def check_spend(balance: int, allowance: int, total: int) -> None:
    """Refuse a spend beyond the balance plus the offline allowance."""
    # An overdraft already taken counts against the allowance, so it cannot be taken twice.
    available = max(balance + max(allowance, 0), 0)
    if total > available:
        raise errors.InsufficientPoints(needed=total, available=available)


def spendable(
    balance: int, allowance: int, unconfirmed_out: int, *, synced: bool, online: bool
) -> int:
    """Return how many points a household may spend at this kiosk now.

    A standalone kiosk is the only store, so its books are the truth: balance plus allowance.
    A kiosk that syncs and has just heard from central knows every confirmed spend: the balance.
    Offline, spending central has not confirmed is capped by the allowance, so a household that
    visits several offline stores can overdraw by at most the allowance at each.
    """
    allowance = max(allowance, 0)
    if not synced:
        return max(balance + allowance, 0)
    if online:
        return max(balance, 0)
    return max(min(balance + allowance, allowance - max(unconfirmed_out, 0)), 0)


def check_available(total: int, available: int) -> None:
    """Refuse a spend beyond what may be spent."""
    if total > available:
        raise errors.InsufficientPoints(needed=total, available=available)


@dataclass(frozen=True)
class Batch:
    """A restock batch as the allocator sees it: oldest first."""

    id: int
    remaining: int


def allocate_fifo(batches: Sequence[Batch], qty: int, *, name: str = "") -> list[tuple[int, int]]:
    """Take qty from the oldest batches first; return (batch id, qty) pairs."""
    available = sum(b.remaining for b in batches if b.remaining > 0)
    if qty > available:
        raise errors.OutOfStock(name=name, available=available)
    taken: list[tuple[int, int]] = []
    need = qty
    for batch in batches:
        if need == 0:
            break
        take = min(batch.remaining, need)
        if take > 0:
            taken.append((batch.id, take))
            need -= take
    return taken


@dataclass(frozen=True)
class CartLine:
    """One product in the cart with its price at the time it was chosen."""

    product_code: str
    name: str
    qty: int
    points_each: int

    @property
    def points(self) -> int:
        """Return the line's total points."""
        return self.qty * self.points_each


def cart_total(lines: Iterable[CartLine]) -> int:
    """Return the sum of the line totals."""
    return sum(line.points for line in lines)


def check_stock(name: str, qty: int, stock: int) -> None:
    """Refuse a quantity larger than the stock on hand."""
    if qty > stock:
        raise errors.OutOfStock(name=name, available=max(stock, 0))


def check_voidable(status: str) -> None:
    """Refuse to void an exchange twice."""
    if status == "voided":
        raise errors.AlreadyVoided()


def check_activity_open(name: str, active: bool, participants: int, cap: int | None) -> None:
    """Refuse a check-in to a closed or full activity."""
    if not active:
        raise errors.InactiveActivity(name=name)
    if cap is not None and participants >= cap:
        raise errors.ActivityFull(name=name)


def check_activity_day(name: str, day: date, local_day: date) -> None:
    """Refuse a check-in outside the activity's day (in the programme's time zone)."""
    if local_day != day:
        raise errors.ActivityNotToday(name=name, day=day.isoformat())


def mask_name(name: str) -> str:
    """Mask a personal name for a receipt: 王秀英 → 王*英, 李四 → 李*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
