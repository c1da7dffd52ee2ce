"""Receipt data: what the kiosk hands to the printer layout."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

RestockSource = Literal["donation", "purchase", "transfer"]


@dataclass(frozen=True)
class ReceiptItem:
    """One receipt line; ``points`` is the line total."""

    name: str
    qty: int
    points: int


@dataclass(frozen=True)
class ExchangeReceipt:
    """A resident's checkout: goods taken and points spent."""

    store: str
    kiosk_id: str
    number: str
    created_at: datetime
    resident: str
    household: str
    items: tuple[ReceiptItem, ...]
    total: int
    balance_before: int
    balance_after: int
    pending_sync: bool = False
    reprint: bool = False
    beneficiary: str | None = None


@dataclass(frozen=True)
class VoidReceipt:
    """A voided exchange: goods back on the shelf, points back to the household."""

    store: str
    kiosk_id: str
    number: str
    original_number: str
    created_at: datetime
    household: str
    items: tuple[ReceiptItem, ...]
    total: int
    balance_after: int
    reason: str
    reprint: bool = False


@dataclass(frozen=True)
class CheckinSlip:
    """Points awarded for taking part in an activity."""

    store: str
    kiosk_id: str
    number: str
    created_at: datetime
    activity: str
    resident: str
    household: str
    points: int
    balance_after: int


@dataclass(frozen=True)
class RestockSlip:
    """Goods received into the store, with their source."""

    store: str
    kiosk_id: str
    number: str
    created_at: datetime
    product: str
    qty: int
    source: RestockSource
    donor: str | None
    unit_value: int | None  # cents


@dataclass(frozen=True)
class DailySummary:
    """One kiosk's figures for one day."""

    store: str
    kiosk_id: str
    day: date
    exchanges: int
    points_spent: int
    goods_out: tuple[tuple[str, int], ...]
    restocks: int
    checkins: int
    points_earned: int
    voids: int


Receipt = ExchangeReceipt | VoidReceipt | CheckinSlip | RestockSlip | DailySummary
