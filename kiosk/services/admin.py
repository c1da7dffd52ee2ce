"""The shopkeeper's use cases: void, restock, stocktake and cards."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from core.domain import errors, limits, rules
from core.domain.codes import new_card_token, normalise_product_code, token_hash
from core.domain.ledger import EntryKind, LedgerKind, ledger_wire
from kiosk.services.common import (
    append_ledger,
    audit,
    household_of,
    outbox,
    resident,
)
from kiosk.services.context import Kiosk
from kiosk.services.receipts import items, local_time, store_receipt
from kiosk.services.terminal import issue_stock, receive_stock
from kiosk.storage.models import (
    Card,
    Exchange,
    ExchangeLine,
    Product,
    StockBatch,
    StockMovement,
)
from printer.receipt import RestockSlip, VoidReceipt


@dataclass(frozen=True)
class VoidResult:
    """A reversed exchange."""

    exchange_id: str
    number: str
    points_returned: int
    balance_after: int
    receipt_id: int


def void_exchange(k: Kiosk, exchange_ref: object, reason: object, actor: str) -> VoidResult:
    """Reverse an exchange once: points and stock come back as new entries."""
    why = rules.text_value(reason, "reason", required=False, limit=rules.MAX_REASON)
    if not why:
        raise errors.ReasonRequired()
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        exchange = _exchange(s, exchange_ref)
        rules.check_voidable(exchange.status)
        household = household_of(s, exchange.household_id)
        entry = append_ledger(s, k, household, LedgerKind.VOID, exchange.total, exchange.id, now)
        issued = s.scalars(
            select(StockMovement).where(
                StockMovement.ref == exchange.id, StockMovement.kind == "issue"
            )
        ).all()
        movements = []
        for move in issued:
            batch = s.get(StockBatch, move.batch_id)
            batch.remaining += -move.qty
            s.get(Product, move.product_code).stock += -move.qty
            s.add(
                StockMovement(
                    product_code=move.product_code,
                    batch_id=move.batch_id,
                    kind="void",
                    qty=-move.qty,
                    ref=exchange.id,
                    created_at=now,
                )
            )
            movements.append(
                {"product_code": move.product_code, "batch_id": move.batch_id, "qty": -move.qty}
            )
        exchange.status = "voided"
        exchange.voided_at = now
        exchange.void_reason = why
        exchange.void_entry_id = entry.id
        lines = s.scalars(select(ExchangeLine).where(ExchangeLine.exchange_id == exchange.id)).all()
        number = f"{k.kiosk_id}-{entry.seq:06d}"
        receipt = store_receipt(
            s,
            k,
            EntryKind.VOID,
            exchange.id,
            VoidReceipt(
                store=k.store,
                kiosk_id=k.kiosk_id,
                number=number,
                original_number=exchange.number,
                created_at=local_time(k, now),
                household=rules.mask_name(household.name),
                items=items(lines),
                total=exchange.total,
                balance_after=household.balance,
                reason=why,
            ),
            now,
        )
        outbox(
            s,
            now,
            "void",
            {
                "exchange_id": exchange.id,
                "number": number,
                "reason": why,
                "stock": movements,
                "ledger": ledger_wire(entry),
            },
        )
        audit(s, now, actor, "void", exchange.id, reason=why, points=exchange.total)
        uow.commit()
    k.changed("stock")
    return VoidResult(exchange.id, exchange.number, exchange.total, household.balance, receipt.id)


@dataclass(frozen=True)
class RestockResult:
    """A received batch."""

    batch_id: int
    product_code: str
    qty: int
    stock: int
    receipt_id: int


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
    code = normalise_product_code(product_code)
    quantity = rules.restock_quantity(qty)
    origin = rules.source_value(source)
    giver = rules.text_value(donor, "donor", required=origin == "donation")
    cents = parse_unit_value(unit_value)
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        product = s.get(Product, code)
        if product is None:
            raise errors.UnknownProduct(code=code)
        batch = receive_stock(
            s, product, quantity, "restock", now, source=origin, donor=giver, unit_value_cents=cents
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
                qty=quantity,
                source=origin,
                donor=giver,
                unit_value=cents,
            ),
            now,
        )
        outbox(
            s,
            now,
            "restock",
            {
                "batch_id": batch.id,
                "product_code": code,
                "qty": quantity,
                "source": origin,
                "donor": giver,
                "unit_value_cents": cents,
                "received_at": now.isoformat(),
            },
        )
        audit(s, now, actor, "restock", code, qty=quantity, source=origin, donor=giver)
        uow.commit()
    k.changed("stock")
    return RestockResult(batch.id, code, quantity, product.stock, receipt.id)


def stocktake(
    k: Kiosk, product_code: object, counted: object, reason: object, actor: str = "admin"
) -> int:
    """Set stock to what was counted on the shelf; return the change made."""
    code = normalise_product_code(product_code)
    on_shelf = rules.parse_int(counted, 0, rules.MAX_RESTOCK_QTY, errors.BadQuantity)
    why = rules.text_value(reason, "reason", required=False, limit=rules.MAX_REASON)
    if not why:
        raise errors.ReasonRequired()
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        product = s.get(Product, code)
        if product is None:
            raise errors.UnknownProduct(code=code)
        change = on_shelf - product.stock
        ref = f"stocktake-{now:%Y%m%d%H%M%S}"
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
        audit(s, now, actor, "stocktake", code, counted=on_shelf, change=change, reason=why)
        uow.commit()
    k.changed("stock")
    return change


def issue_card(k: Kiosk, resident_id: object, actor: str = "admin") -> str:
    """Issue a new card to a resident, revoking any card they had; return the new token."""
    token = new_card_token()
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        person = resident(s, resident_id)
        for old in s.scalars(
            select(Card).where(Card.resident_id == person.id, Card.status == "active")
        ):
            old.status, old.revoked_at, old.revoke_reason = "revoked", now, "reissued"
        digest = token_hash(token)
        s.add(Card(resident_id=person.id, token_hash=digest, status="active", issued_at=now))
        # Central learns of the card (and that it replaces the resident's others) from this row.
        outbox(s, now, EntryKind.CARD_ISSUE, {"token_hash": digest, "resident_id": person.id})
        audit(s, now, actor, "card_issue", person.id)
        uow.commit()
    return token


def revoke_card(k: Kiosk, card_id: object, reason: object, actor: str = "admin") -> None:
    """Revoke a card so that it is refused from now on."""
    why = rules.text_value(reason, "reason", required=False, limit=rules.MAX_REASON)
    if not why:
        raise errors.ReasonRequired()
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        card = s.get(Card, card_id) if isinstance(card_id, int) else None
        if card is None:
            raise errors.UnknownCard()
        if card.status != "active":
            raise errors.CardAlreadyRevoked()
        card.status, card.revoked_at, card.revoke_reason = "revoked", now, why
        outbox(s, now, "card_revoke", {"token_hash": card.token_hash, "reason": why})
        audit(s, now, actor, "card_revoke", str(card.id), reason=why)
        uow.commit()


def _exchange(s, ref: object) -> Exchange:
    if not isinstance(ref, str) or not ref or len(ref) > limits.MAX_EXCHANGE_NUMBER:
        raise errors.UnknownExchange()
    exchange = s.get(Exchange, ref) or s.scalar(select(Exchange).where(Exchange.number == ref))
    if exchange is None:
        raise errors.UnknownExchange()
    return exchange
