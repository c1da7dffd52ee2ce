"""Receipt data: what the kiosk hands to the printer layout."""

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Literal

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
    next_exchange_day: str | None = None  # the store's next 集中兑换, e.g. 2026-12-10 09:00-12:00


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
    reprint: bool = False


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
    reprint: bool = False


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
    reprint: bool = False
    # Who did what: (person, action code, how many times), person by person.
    staff_work: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True)
class HistoryLine:
    """One change of a household's points on its history slip."""

    day: str
    what: str
    points: int
    confirmed: bool = True


@dataclass(frozen=True)
class PointsHistorySlip:
    """A household's newest points changes, printed on request (查积分)."""

    store: str
    kiosk_id: str
    number: str
    created_at: datetime
    household: str  # masked
    balance: int
    lines: tuple[HistoryLine, ...]
    reprint: bool = False


@dataclass(frozen=True)
class ShelfLabel:
    """One shelf label: a product's name, price and code (its QR carries "EKP:" + code)."""

    code: str
    name: str
    points: int
    unit: str


@dataclass(frozen=True)
class ShelfLabels:
    """Shelf labels printed on the receipt roll, one after another."""

    store: str
    labels: tuple[ShelfLabel, ...]
    number: str = ""
    reprint: bool = False


Receipt = (
    ExchangeReceipt
    | VoidReceipt
    | CheckinSlip
    | RestockSlip
    | DailySummary
    | ShelfLabels
    | PointsHistorySlip
)


_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        ExchangeReceipt,
        VoidReceipt,
        CheckinSlip,
        RestockSlip,
        DailySummary,
        ShelfLabels,
        PointsHistorySlip,
    )
}


def to_data(receipt: Receipt) -> dict[str, Any]:
    """Return a receipt as JSON-ready data, so it can be laid out again for a reprint."""
    data: dict[str, Any] = {"type": type(receipt).__name__}
    for f in fields(receipt):
        data[f.name] = _plain(getattr(receipt, f.name))
    return data


def from_data(data: dict[str, Any]) -> Receipt:
    """Return the receipt that to_data() turned into ``data``."""
    try:
        cls = _TYPES[data["type"]]
    except (KeyError, TypeError):
        raise ValueError("not receipt data") from None
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "created_at":
            value = datetime.fromisoformat(value)
        elif f.name == "day":
            value = date.fromisoformat(value)
        elif f.name == "items":
            value = tuple(ReceiptItem(*item) for item in value)
        elif f.name == "labels":
            value = tuple(ShelfLabel(*label) for label in value)
        elif f.name == "goods_out":
            value = tuple((name, qty) for name, qty in value)
        elif f.name == "lines":
            value = tuple(HistoryLine(*line) for line in value)
        elif f.name == "staff_work":
            value = tuple((name, action, int(n)) for name, action, n in value)
        values[f.name] = value
    return cls(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, ReceiptItem):
        return [value.name, value.qty, value.points]
    if isinstance(value, ShelfLabel):
        return [value.code, value.name, value.points, value.unit]
    if isinstance(value, HistoryLine):
        return [value.day, value.what, value.points, value.confirmed]
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
