"""Stock: the shelf as the shopkeeper sees it, deliveries received and counts taken."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain import errors, rules
from core.domain.codes import normalise_product_code
from kiosk.services import shop_settings
from kiosk.services.common import audit, outbox
from kiosk.services.context import Kiosk
from kiosk.services.receipts import local_time, store_receipt
from kiosk.services.terminal import issue_stock, receive_stock
from kiosk.services.times import shown_time
from kiosk.storage.models import Product, StockBatch
from printer.receipt import RestockSlip, ShelfLabel, ShelfLabels


@dataclass(frozen=True)
class RestockResult:
    """A received batch."""

    batch_id: int
    product_code: str
    qty: int
    stock: int
    receipt_id: int


@dataclass(frozen=True)
class Delivery:
    """One delivery line whose values have been checked: what restock() receives."""

    product_code: str
    qty: int
    source: str
    donor: str
    unit_value_cents: int | None


def parse_unit_value(value: object) -> int | None:
    """Return a unit value in yuan (text or number) as cents; blank means unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise errors.BadValue(field="unit_value", reason="not a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise errors.BadValue(field="unit_value", reason="not a number") from None
    # Check finiteness and size before any arithmetic: sNaN or 1e999999999 would raise.
    if not amount.is_finite() or amount < 0:
        raise errors.BadValue(field="unit_value", reason="not an amount in yuan")
    if amount > Decimal(rules.MAX_UNIT_VALUE_CENTS) / 100:
        raise errors.BadValue(field="unit_value", reason="too large")
    if amount != amount.quantize(Decimal("0.01")):
        raise errors.BadValue(field="unit_value", reason="not an amount in yuan")
    return int(amount * 100)


def delivery(
    product_code: object, qty: object, source: object, donor: object = "", unit_value: object = None
) -> Delivery:
    """Check one delivery line's values (not yet whether the product exists)."""
    code = normalise_product_code(product_code)
    quantity = rules.restock_quantity(qty)
    origin = rules.source_value(source)
    giver = rules.text_value(donor, "donor", required=origin == "donation")
    return Delivery(code, quantity, origin, giver, parse_unit_value(unit_value))


class DeliveryRefused(Exception):
    """A delivery list that was not received: one problem per line ("line N: ..."); no row of
    it was received."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


RESTOCK_COLUMNS = ("product_code", "qty", "source", "donor", "unit_value")
REQUIRED_COLUMNS = ("product_code", "qty", "source")


def restock_delivery(
    k: Kiosk, rows: Sequence[Mapping[str, str]], actor: str = "cli", first_line: int = 2
) -> list[RestockResult]:
    """Receive a delivery list whole or not at all: every row is checked first, then all are
    received in one transaction. Rows are numbered from ``first_line`` (a CSV file's header is
    line 1); raise DeliveryRefused naming every bad line."""
    lines: list[Delivery] = []
    problems: list[str] = []
    with k.uow(write=False) as uow:
        known = set(uow.session.scalars(select(Product.code)))
    for number, row in enumerate(rows, start=first_line):
        found = _row_problems(row, known)
        problems += [f"line {number}: {problem}" for problem in found]
        if not found:
            lines.append(_delivery_of(row))
    if problems:
        raise DeliveryRefused(problems)
    results = []
    with k.uow() as uow:
        now = k.clock.now()
        for number, line in enumerate(lines, start=first_line):
            try:
                results.append(_receive(uow.session, k, line, now, actor))
            except errors.DomainError as exc:  # the unit of work rolls back every earlier row
                raise DeliveryRefused([f"line {number}: {exc}"]) from exc
        uow.commit()
    k.changed("stock")
    return results


def _delivery_of(row: Mapping[str, str]) -> Delivery:
    return delivery(
        row.get("product_code", ""),
        row.get("qty", ""),
        row.get("source", ""),
        row.get("donor", ""),
        row.get("unit_value"),
    )


def _row_problems(row: Mapping[str, str], known: set[str]) -> list[str]:
    """Return what is wrong with one delivery row: an unknown product, then its first bad value."""
    problems = []
    try:
        if normalise_product_code(row.get("product_code", "")) not in known:
            problems.append(f"unknown product {row.get('product_code')!r}")
        _delivery_of(row)
    except errors.DomainError as exc:
        problems.append(str(exc))
    return problems


def restock(
    k: Kiosk,
    product_code: object,
    qty: object,
    source: object,
    donor: object = "",
    unit_value: object = None,
    actor: str = "admin",
) -> RestockResult:
    """Receive a batch of goods, recording where it came from."""
    line = delivery(product_code, qty, source, donor, unit_value)
    with k.uow() as uow:
        result = _receive(uow.session, k, line, k.clock.now(), actor)
        uow.commit()
    k.changed("stock")
    return result


def _receive(s: Session, k: Kiosk, line: Delivery, now: datetime, actor: str) -> RestockResult:
    """Add one checked delivery line to the session: batch, slip, outbox row and audit entry."""
    product = s.get(Product, line.product_code)
    if product is None:
        raise errors.UnknownProduct(code=line.product_code)
    batch = receive_stock(
        s,
        product,
        line.qty,
        "restock",
        now,
        source=line.source,
        donor=line.donor,
        unit_value_cents=line.unit_value_cents,
    )
    ref = f"batch-{batch.id}"
    receipt = store_receipt(
        s,
        k,
        "restock",
        ref,
        RestockSlip(
            store=k.store,
            kiosk_id=k.kiosk_id,
            number=f"{k.kiosk_id}-R{batch.id:06d}",
            created_at=local_time(k, now),
            product=product.name,
            qty=line.qty,
            source=line.source,
            donor=line.donor,
            unit_value=line.unit_value_cents,
        ),
        now,
    )
    outbox(
        s,
        now,
        "restock",
        {
            "batch_id": batch.id,
            "product_code": line.product_code,
            "qty": line.qty,
            "source": line.source,
            "donor": line.donor,
            "unit_value_cents": line.unit_value_cents,
            "received_at": now.isoformat(),
        },
    )
    audit(
        s,
        now,
        actor,
        "restock",
        line.product_code,
        qty=line.qty,
        source=line.source,
        donor=line.donor,
    )
    return RestockResult(batch.id, line.product_code, line.qty, product.stock, receipt.id)


def stocktake(
    k: Kiosk, product_code: object, counted: object, reason: object, actor: str = "admin"
) -> int:
    """Set stock to what was counted on the shelf; return the change made."""
    code = normalise_product_code(product_code)
    on_shelf = rules.parse_int(counted, 0, rules.MAX_RESTOCK_QTY, errors.BadQuantity)
    why = rules.text_value(reason, "reason", required=False, limit=rules.MAX_REASON)
    if not why:
        raise errors.ReasonRequired()
    return _set_stock(k, code, lambda _product: on_shelf, why, actor, "stocktake")


# The kinds of write-off, and the reason central's office reads for each.
WRITE_OFF_KINDS = {"breakage": "报损：损坏", "expiry": "报损：过期"}


def write_off(
    k: Kiosk,
    product_code: object,
    qty: object,
    kind: object,
    note: object = "",
    actor: str = "admin",
) -> int:
    """Take broken or expired goods out of stock (oldest batch first); return the change.

    Central learns of it as a stocktake whose reason names the kind (breakage or expiry)."""
    code = normalise_product_code(product_code)
    gone = rules.restock_quantity(qty)
    if kind not in WRITE_OFF_KINDS:
        raise errors.BadValue(field="kind", reason="not breakage or expiry")
    words = rules.text_value(note, "reason", required=False, limit=rules.MAX_REASON - 20)
    why = f"{WRITE_OFF_KINDS[kind]}（{words}）" if words else WRITE_OFF_KINDS[kind]

    def left(item: Product) -> int:
        if gone > item.stock:
            raise errors.OutOfStock(available=item.stock, name=item.name)
        return item.stock - gone

    details = {"kind": kind, "qty": gone, "reason": words}
    change = _set_stock(k, code, left, why, actor, "write_off", details)
    return change


def _set_stock(
    k: Kiosk,
    code: str,
    target: Callable[[Product], int],
    why: str,
    actor: str,
    action: str,
    details: dict[str, Any] | None = None,
) -> int:
    """Set a product's stock to target(product) in one transaction; return the change."""
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        product = s.get(Product, code)
        if product is None:
            raise errors.UnknownProduct(code=code)
        on_shelf = target(product)
        change = on_shelf - product.stock
        ref = f"{action.replace('_', '-')}-{now:%Y%m%d%H%M%S}"
        if change < 0:
            movements = issue_stock(s, product, -change, "adjust", ref, now)
        elif change > 0:
            batch = receive_stock(s, product, change, "adjust", now, source="stocktake", ref=ref)
            movements = [{"product_code": code, "batch_id": batch.id, "qty": change}]
        else:
            movements = []
        if movements:
            outbox(
                s,
                now,
                "stocktake",
                {"product_code": code, "counted": on_shelf, "reason": why, "stock": movements},
            )
        audit(
            s,
            now,
            actor,
            action,
            code,
            **(details or {"counted": on_shelf, "reason": why}),
            change=change,
        )
        uow.commit()
    k.changed("stock")
    return change


MAX_LABELS = 200  # labels in one print on the receipt roll


def print_labels(k: Kiosk, wanted: Sequence[tuple[str, int]], actor: str = "admin") -> int:
    """Lay out shelf labels for the receipt printer (copies of each product asked, in order)
    and queue them as one print job; return its receipt id."""
    labels: list[ShelfLabel] = []
    with k.uow() as uow:
        s = uow.session
        for code, copies in wanted:
            item = s.get(Product, scanned_product_code(code))
            if item is not None:
                labels += [ShelfLabel(item.code, item.name, item.points, item.unit)] * copies
        labels = labels[:MAX_LABELS]
        if not labels:
            raise errors.UnknownProduct(code="?")
        now = k.clock.now()
        number = f"{k.kiosk_id}-L{now:%Y%m%d%H%M%S}"
        doc = ShelfLabels(store=k.store, labels=tuple(labels), number=number)
        row = store_receipt(s, k, "labels", number, doc, now)
        audit(s, now, actor, "labels", "", count=len(labels), receipt=row.id)
        uow.commit()
    return row.id


def known_donors(k: Kiosk, limit: int = 200) -> list[str]:
    """Return the donors and suppliers of past deliveries, the latest first, each once."""
    with k.uow(write=False) as uow:
        rows = uow.session.execute(
            select(StockBatch.donor, func.max(StockBatch.id).label("last"))
            .where(StockBatch.donor != "")
            .group_by(StockBatch.donor)
            .order_by(func.max(StockBatch.id).desc())
            .limit(limit)
        ).all()
    return [row.donor for row in rows]


def scanned_product_code(scanned: object) -> str:
    """Return the product code in a scanned label (``EKP:<code>``) or a typed code, or ""."""
    try:
        return normalise_product_code(scanned)
    except errors.DomainError:
        return ""


def stock_list(k: Kiosk) -> list[dict[str, Any]]:
    """Return every product with its stock, low-stock flag and last delivery."""
    level = shop_settings.current(k).low_stock
    with k.uow(write=False) as uow:
        s = uow.session
        last = dict(
            s.execute(
                select(StockBatch.product_code, func.max(StockBatch.received_at))
                .where(StockBatch.source != "stocktake")
                .group_by(StockBatch.product_code)
            ).all()
        )
        rows = s.scalars(select(Product).order_by(Product.category, Product.code)).all()
        return [
            {
                "code": p.code,
                "name": p.name,
                "category": p.category,
                "unit": p.unit,
                "points": p.points,
                "active": p.active,
                "stock": p.stock,
                "low": p.active and p.stock <= level,
                "out": p.stock <= 0,
                "last_restock": shown_time(k, last.get(p.code)),
            }
            for p in rows
        ]


def product(k: Kiosk, code: str) -> dict[str, Any] | None:
    """Return one product as the goods form shows it."""
    with k.uow(write=False) as uow:
        p = uow.session.get(Product, code)
        if p is None:
            return None
        return {
            "code": p.code,
            "name": p.name,
            "category": p.category,
            "unit": p.unit,
            "points": p.points,
            "active": p.active,
            "stock": p.stock,
        }


def categories(k: Kiosk) -> list[str]:
    """Return the categories in use."""
    with k.uow(write=False) as uow:
        return list(uow.session.scalars(select(Product.category).distinct().order_by("category")))
