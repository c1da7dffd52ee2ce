"""The shopkeeper's use cases: void an exchange, issue and revoke cards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.domain import errors, limits, rules
from core.domain.codes import new_card_token, token_hash
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
from kiosk.storage.models import (
    Card,
    Exchange,
    ExchangeLine,
    Product,
    StockBatch,
    StockMovement,
)
from kiosk.storage.states import CardStatus, ExchangeStatus
from printer.receipt import VoidReceipt


@dataclass(frozen=True)
class VoidResult:
    """A reversed exchange."""

    exchange_id: str
    number: str
    points_returned: int
    balance_after: int
    receipt_id: int


def void_preview(k: Kiosk, exchange_ref: object, reason: object) -> str:
    """Check that an exchange can be voided with this reason, changing nothing; return its id.

    The admin screen asks for this before the void, and then shows what will come back."""
    why = rules.text_value(reason, "reason", required=False, limit=rules.MAX_REASON)
    if not why:
        raise errors.ReasonRequired()
    with k.uow(write=False) as uow:
        exchange = _exchange(uow.session, exchange_ref)
        rules.check_voidable(exchange.status)
        return exchange.id


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
        exchange.status = ExchangeStatus.VOIDED
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


def issue_card(k: Kiosk, resident_id: object, actor: str = "admin") -> str:
    """Issue a new card to a resident, revoking any card they had; return the new token."""
    token = new_card_token()
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        person = resident(s, resident_id)
        for old in s.scalars(
            select(Card).where(Card.resident_id == person.id, Card.status == CardStatus.ACTIVE)
        ):
            old.status, old.revoked_at, old.revoke_reason = CardStatus.REVOKED, now, "reissued"
        digest = token_hash(token)
        s.add(
            Card(resident_id=person.id, token_hash=digest, status=CardStatus.ACTIVE, issued_at=now)
        )
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
        if card.status != CardStatus.ACTIVE:
            raise errors.CardAlreadyRevoked()
        card.status, card.revoked_at, card.revoke_reason = CardStatus.REVOKED, now, why
        outbox(s, now, EntryKind.CARD_REVOKE, {"token_hash": card.token_hash, "reason": why})
        audit(s, now, actor, "card_revoke", str(card.id), reason=why)
        uow.commit()


def _exchange(s, ref: object) -> Exchange:
    if not isinstance(ref, str) or not ref or len(ref) > limits.MAX_EXCHANGE_NUMBER:
        raise errors.UnknownExchange()
    exchange = s.get(Exchange, ref) or s.scalar(select(Exchange).where(Exchange.number == ref))
    if exchange is None:
        raise errors.UnknownExchange()
    return exchange
