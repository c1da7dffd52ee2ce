"""The resident's side of the terminal: scan, cart, checkout, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.domain import errors, rules
from core.domain.codes import (
    Scanned,
    bare_card_token,
    classify,
    normalise_product_code,
    token_hash,
)
from core.domain.ledger import EntryKind, LedgerKind, ledger_wire
from core.domain.rules import Batch, CartLine
from kiosk.services import checkin as checkin_service
from kiosk.services import exchange_window, notices, quotas
from kiosk.services.common import (
    append_ledger,
    audit,
    check_spend,
    current_session,
    household_of,
    kiosk_state,
    look_up_card,
    new_id,
    outbox,
    resident,
    spending,
)
from kiosk.services.context import Kiosk, PendingCard, SessionStart
from kiosk.services.receipts import items, local_time, store_receipt
from kiosk.storage.models import (
    Activity,
    AuditEntry,
    Card,
    CheckIn,
    Exchange,
    ExchangeLine,
    KioskState,
    Product,
    Resident,
    SessionLine,
    StockBatch,
    StockMovement,
    TerminalSession,
)
from kiosk.storage.states import CardStatus, ExchangeStatus, SessionMode, SessionStatus
from printer.receipt import ExchangeReceipt

TERMINAL = "terminal"
CHECKIN_OPERATOR = "admin"  # check-in mode is started only behind the shopkeeper's PIN
CHECKIN_IDLE = timedelta(minutes=5)  # check-in mode ends by itself after this without a credit
SWITCH_ASK_FOR = timedelta(minutes=1)  # an unanswered "change to this card?" lapses after this


@dataclass(frozen=True)
class ScanOutcome:
    """What a scan did."""

    kind: str  # card | product | activity | checkin
    detail: dict[str, Any]


def scan(k: Kiosk, raw: object) -> ScanOutcome:
    """Resolve a scanned code: a card starts a session, a label adds to the cart.

    A card this kiosk does not know is looked up at central (its household joins the store's
    set), then resolved again.
    """
    try:
        return _scan(k, raw)
    except errors.UnknownCard as exc:
        token = getattr(exc, "token", None)
        if token is None or not look_up_card(k, token):
            raise
    return _scan(k, raw)


def _scan(k: Kiosk, raw: object) -> ScanOutcome:
    scanned = classify(raw)
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        sess = current_session(s, k.kiosk_id)
        if scanned.kind == "product" and _is_bare_card(s, raw, scanned.value):
            scanned = Scanned("card", scanned.value)
        if scanned.kind == "activity":
            # Check-in mode awards points: only the shopkeeper starts it, behind the PIN.
            raise errors.ActivityAtScreen()
        if sess is not None and sess.mode == SessionMode.CHECKIN and checkin_idle(s, sess, now):
            _close(s, sess, SessionStatus.CANCELLED, now)
            audit(s, now, CHECKIN_OPERATOR, "checkin_mode_end", sess.activity_id, reason="idle")
            s.flush()
            sess = None
        if scanned.kind == "card":
            person = _card_holder(s, scanned.value)
            if sess is not None and sess.mode == SessionMode.CHECKIN:
                credit = checkin_service.credit(
                    s, k, sess.activity_id, person, _operator(s, sess), now, mode_session=sess.id
                )
                uow.commit()
                k.changed("session")
                return ScanOutcome("checkin", credit)
            if sess is not None and sess.resident_id != person.id:
                # Someone else's card while a resident is choosing: ask before replacing them
                # (and their cart); switch_card() does it once the screen has an answer.
                k.pending_card = PendingCard(sess.id, person.id, now)
                audit(s, now, TERMINAL, "session_switch_asked", sess.id, resident=person.id)
                household = household_of(s, person.household_id)
                outcome = ScanOutcome(
                    "another_card",
                    {"resident_id": person.id, "name": person.name, "household": household.name},
                )
            else:
                if sess is None:
                    _start_exchange(s, k, person, now)
                outcome = ScanOutcome("card", {"resident_id": person.id})
        elif scanned.kind == "product":
            sess = _exchange_session(sess)
            product = _product(s, scanned.value)
            line = s.get(SessionLine, (sess.id, product.code))
            qty = (line.qty if line else 0) + 1
            _set_line(s, k, sess, product, qty, now)
            outcome = ScanOutcome("product", {"product_code": product.code, "qty": qty})
        uow.commit()
    k.changed("session")
    return outcome


def _operator(s: Session, sess: TerminalSession) -> str:
    """Return who put the terminal into check-in mode, whose credits these are."""
    found = s.scalar(
        select(AuditEntry.actor)
        .where(AuditEntry.action == "checkin_mode", AuditEntry.target == sess.activity_id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return found or CHECKIN_OPERATOR


def pending_switch(k: Kiosk, s: Session, sess: TerminalSession | None) -> Resident | None:
    """Return the resident whose card waits to replace the open session, if still asked."""
    pending = k.pending_card
    if pending is None or sess is None or pending.session_id != sess.id:
        return None
    if k.clock.now() - pending.asked_at > SWITCH_ASK_FOR:
        return None
    return s.get(Resident, pending.resident_id)


def switch_card(k: Kiosk, confirm: object) -> None:
    """Answer "change to this card?": yes ends the open session (nothing spent) and starts the
    other card's; no keeps the open session and its cart. Without a question, nothing changes."""
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        sess = current_session(s, k.kiosk_id)
        person = pending_switch(k, s, sess)
        k.pending_card = None
        if person is None:
            return
        if confirm is not True:
            audit(s, now, TERMINAL, "session_switch_declined", sess.id, resident=person.id)
        else:
            _close(s, sess, SessionStatus.CANCELLED, now)
            s.flush()
            _start_exchange(s, k, person, now)
        uow.commit()
    k.changed("session")


def _start_exchange(s: Session, k: Kiosk, person: Resident, now: datetime) -> None:
    """Open an exchange session for a resident whose card was shown, and audit it."""
    # Noted before the commit: a checkout of this session, however soon, finds it noted.
    session_id = new_id()
    k.note_session_opened(session_id, now)
    _open(
        s,
        k,
        TerminalSession(
            id=session_id,
            kiosk_id=k.kiosk_id,
            mode=SessionMode.EXCHANGE,
            status=SessionStatus.OPEN,
            household_id=person.household_id,
            resident_id=person.id,
            started_at=now,
        ),
    )
    audit(s, now, TERMINAL, "session_start", person.id, household=person.household_id)


def start_checkin(k: Kiosk, activity_id: str, operator: str) -> None:
    """Put the terminal into check-in mode for an activity (the shopkeeper, behind the PIN)."""
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        activity = s.get(Activity, activity_id)
        if activity is None:
            raise errors.UnknownActivity()
        rules.check_activity_open(activity.name, activity.active, 0, None)
        rules.check_activity_day(activity.name, activity.day, local_time(k, now).date())
        sess = current_session(s, k.kiosk_id)
        if sess is not None:
            _close(s, sess, SessionStatus.CANCELLED, now)
            s.flush()
        sess = TerminalSession(
            id=new_id(),
            kiosk_id=k.kiosk_id,
            mode=SessionMode.CHECKIN,
            status=SessionStatus.OPEN,
            activity_id=activity.id,
            started_at=now,
        )
        _open(s, k, sess)
        audit(s, now, operator, "checkin_mode", activity.id, session=sess.id)
        uow.commit()
    k.changed("session")


def checkin_seconds_left(s: Session, sess: TerminalSession, now: datetime) -> int:
    """Return how long check-in mode stays on without another credit (CHECKIN_IDLE after the
    last credit, or after the start)."""
    last = s.scalar(
        select(func.max(CheckIn.created_at)).where(
            CheckIn.activity_id == sess.activity_id, CheckIn.created_at >= sess.started_at
        )
    )
    ends = max(sess.started_at, last or sess.started_at) + CHECKIN_IDLE
    return max(int((ends - now).total_seconds()), 0)


def checkin_idle(s: Session, sess: TerminalSession, now: datetime) -> bool:
    """Say whether check-in mode has gone CHECKIN_IDLE without a credit (so it has ended)."""
    return checkin_seconds_left(s, sess, now) <= 0


def set_cart_line(k: Kiosk, product_code: object, qty: object) -> None:
    """Set how many of a product the resident takes; 0 removes the line."""
    quantity = rules.cart_quantity(qty)
    code = normalise_product_code(product_code)
    with k.uow() as uow:
        s = uow.session
        sess = _exchange_session(current_session(s, k.kiosk_id))
        product = _product(s, code, allow_inactive=quantity == 0)
        _set_line(s, k, sess, product, quantity, k.clock.now())
        uow.commit()
    k.changed("session")


def set_beneficiary(k: Kiosk, resident_id: object) -> None:
    """Record that the goods are taken on behalf of another household member."""
    with k.uow() as uow:
        s = uow.session
        sess = _exchange_session(current_session(s, k.kiosk_id))
        if resident_id in (None, "", sess.resident_id):
            sess.beneficiary_id = None
        else:
            member = resident(s, resident_id)
            if member.household_id != sess.household_id:
                raise errors.NotInHousehold()
            sess.beneficiary_id = member.id
        audit(s, k.clock.now(), TERMINAL, "beneficiary", sess.id, resident=sess.beneficiary_id)
        uow.commit()
    k.changed("session")


@dataclass(frozen=True)
class CheckoutResult:
    """A committed exchange."""

    exchange_id: str
    number: str
    total: int
    balance_after: int
    receipt_id: int


def checkout(
    k: Kiosk, session_id: str | None = None, *, online: bool | None = None
) -> CheckoutResult:
    """Commit the cart: ledger, stock, exchange, receipt and outbox in one transaction.

    online tells whether central was reached just before (None: as last known).
    """
    try:
        return _checkout(k, session_id, online)
    except IntegrityError as exc:
        if "session_id" not in str(exc.orig):
            raise
        # A racing checkout of the same session got there first.
        raise errors.AlreadyCheckedOut() from exc


# Built once and asked without a unit of work: every checkout of a kiosk that syncs asks it
# before central's news are weighed.
_STARTED = select(TerminalSession.started_at).where(
    TerminalSession.id
    == func.coalesce(
        bindparam("session"),
        select(KioskState.last_session_id)
        .where(KioskState.kiosk_id == bindparam("kiosk"))
        .scalar_subquery(),
    ),
    TerminalSession.kiosk_id == bindparam("kiosk"),
    TerminalSession.status == SessionStatus.OPEN,
    TerminalSession.mode == SessionMode.EXCHANGE,
)


def session_started(k: Kiosk, session_id: str | None = None) -> datetime | None:
    """Return when the exchange session a checkout would commit began (None: there is none)."""
    with k.engine.connect() as conn:
        return conn.execute(_STARTED, {"session": session_id, "kiosk": k.kiosk_id}).scalar()


def session_began(k: Kiosk, session_id: str | None = None) -> SessionStart | None:
    """Return when the session a checkout would commit began: news pulled since then are the
    session's. A session the checkout names, opened lately in this process, was noted as it
    opened (Kiosk.sessions_opened), on the monotonic clock too, so that serves without asking
    the database; otherwise (no id given, a restart) the database is asked (None: no open
    exchange session)."""
    if session_id is not None:
        noted = k.session_opened(session_id)
        if noted is not None:
            return noted
    at = session_started(k, session_id)
    return None if at is None else SessionStart(at)


def _checkout(k: Kiosk, session_id: str | None, online: bool | None) -> CheckoutResult:
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        sess = _session_to_check_out(s, k, session_id)
        exchange_window.check_open(s, k, now)
        lines = _cart_lines(s, sess.id)
        if not lines:
            raise errors.EmptyCart()
        household = household_of(s, sess.household_id)
        quotas.check(s, k, household.id, lines, now)
        total = rules.cart_total(line for line, _ in lines)
        is_online = k.online() if online is None else online
        check_spend(total, spending(s, k, household, is_online))
        balance_before = household.balance
        exchange_id = new_id()
        entry = append_ledger(s, k, household, LedgerKind.SPEND, total, exchange_id, now)
        number = f"{k.kiosk_id}-{entry.seq:06d}"
        exchange = Exchange(
            id=exchange_id,
            number=number,
            kiosk_id=k.kiosk_id,
            session_id=sess.id,
            household_id=household.id,
            resident_id=sess.resident_id,
            beneficiary_id=sess.beneficiary_id,
            total=total,
            balance_before=balance_before,
            balance_after=household.balance,
            status=ExchangeStatus.COMPLETED,
            ledger_entry_id=entry.id,
            created_at=now,
        )
        s.add(exchange)
        movements = []
        for line, product in lines:
            if not product.active:
                raise errors.InactiveProduct(name=product.name)
            s.add(
                ExchangeLine(
                    exchange_id=exchange_id,
                    product_code=product.code,
                    name=product.name,
                    qty=line.qty,
                    points_each=line.points_each,
                    points=line.points,
                )
            )
            movements += issue_stock(s, product, line.qty, "issue", exchange_id, now)
        _close(s, sess, SessionStatus.CHECKED_OUT, now)
        person = s.get(Resident, sess.resident_id)
        beneficiary = s.get(Resident, sess.beneficiary_id) if sess.beneficiary_id else None
        receipt = store_receipt(
            s,
            k,
            EntryKind.EXCHANGE,
            exchange_id,
            ExchangeReceipt(
                store=k.store,
                kiosk_id=k.kiosk_id,
                number=number,
                created_at=local_time(k, now),
                resident=rules.mask_name(person.name),
                household=rules.mask_name(household.name),
                items=items(line for line, _ in lines),
                total=total,
                balance_before=balance_before,
                balance_after=household.balance,
                pending_sync=k.synced and not is_online,
                beneficiary=rules.mask_name(beneficiary.name) if beneficiary else None,
                next_exchange_day=notices.next_exchange_day_line(s, k, now),
            ),
            now,
        )
        outbox(
            s,
            now,
            "exchange",
            {
                "exchange_id": exchange_id,
                "number": number,
                "household_id": household.id,
                "resident_id": sess.resident_id,
                "beneficiary_id": sess.beneficiary_id,
                "total": total,
                "lines": [
                    {"product_code": ln.product_code, "qty": ln.qty, "points": ln.points}
                    for ln, _ in lines
                ],
                "stock": movements,
                "ledger": ledger_wire(entry),
            },
        )
        audit(s, now, TERMINAL, "checkout", exchange_id, total=total, household=household.id)
        uow.commit()
    k.changed("session")
    k.changed("stock")
    return CheckoutResult(exchange_id, number, total, exchange.balance_after, receipt.id)


def cancel(k: Kiosk) -> bool:
    """End the open session without changing any points or stock; say if one was open."""
    with k.uow() as uow:
        s = uow.session
        sess = current_session(s, k.kiosk_id)
        if sess is None:
            return False
        _close(s, sess, SessionStatus.CANCELLED, k.clock.now())
        audit(s, k.clock.now(), TERMINAL, "session_cancel", sess.id)
        uow.commit()
    k.changed("session")
    return True


def issue_stock(
    s: Session, product: Product, qty: int, kind: str, ref: str, at
) -> list[dict[str, int]]:
    """Take qty out of stock, oldest batch first; return the movements made."""
    batches = s.scalars(
        select(StockBatch)
        .where(StockBatch.product_code == product.code, StockBatch.remaining > 0)
        .order_by(StockBatch.received_at, StockBatch.id)
    ).all()
    taken = rules.allocate_fifo([Batch(b.id, b.remaining) for b in batches], qty, name=product.name)
    by_id = {b.id: b for b in batches}
    for batch_id, n in taken:
        by_id[batch_id].remaining -= n
        s.add(
            StockMovement(
                product_code=product.code,
                batch_id=batch_id,
                kind=kind,
                qty=-n,
                ref=ref,
                created_at=at,
            )
        )
    product.stock -= qty
    return [{"product_code": product.code, "batch_id": b, "qty": -n} for b, n in taken]


def receive_stock(
    s: Session,
    product: Product,
    qty: int,
    kind: str,
    at,
    *,
    source: str,
    donor: str = "",
    unit_value_cents: int | None = None,
    ref: str | None = None,
) -> StockBatch:
    """Put qty into stock as a new batch with its movement; return the batch."""
    batch = StockBatch(
        product_code=product.code,
        source=source,
        donor=donor,
        unit_value_cents=unit_value_cents,
        qty_in=qty,
        remaining=qty,
        received_at=at,
    )
    s.add(batch)
    s.flush()
    s.add(
        StockMovement(
            product_code=product.code,
            batch_id=batch.id,
            kind=kind,
            qty=qty,
            ref=ref or f"batch-{batch.id}",
            created_at=at,
        )
    )
    product.stock += qty
    return batch


def _is_bare_card(s: Session, raw: object, code: str) -> bool:
    """Tell whether a text read as a product code is really a card's token without its prefix:
    it has a token's shape, names no product, and a card (active or not) carries it."""
    token = bare_card_token(raw)
    if token is None or token != code or s.get(Product, code) is not None:
        return False
    return s.scalar(select(Card.id).where(Card.token_hash == token_hash(token))) is not None


def _card_holder(s: Session, token: str) -> Resident:
    card = s.scalar(select(Card).where(Card.token_hash == token_hash(token)))
    if card is None:
        unknown = errors.UnknownCard()
        unknown.token = token  # scan() asks central about it, outside the transaction
        raise unknown
    if card.status != CardStatus.ACTIVE:
        raise errors.RevokedCard()
    return s.get(Resident, card.resident_id)


def _exchange_session(sess: TerminalSession | None) -> TerminalSession:
    if sess is None:
        raise errors.NoSession()
    if sess.mode != SessionMode.EXCHANGE:
        raise errors.WrongMode()
    return sess


def _product(s: Session, code: str, *, allow_inactive: bool = False) -> Product:
    product = s.get(Product, code)
    if product is None:
        raise errors.UnknownProduct(code=code)
    if not product.active and not allow_inactive:
        raise errors.InactiveProduct(name=product.name)
    return product


def _set_line(s: Session, k: Kiosk, sess: TerminalSession, product: Product, qty: int, now):
    line = s.get(SessionLine, (sess.id, product.code))
    if qty == 0:
        if line is not None:
            s.delete(line)
    else:
        exchange_window.check_open(s, k, now)
        rules.check_stock(product.name, qty, product.stock)
        quotas.check(
            s,
            k,
            sess.household_id,
            [(CartLine(product.code, product.name, qty, product.points), product)],
            now,
        )
        others = sum(cl.points for cl, p in _cart_lines(s, sess.id) if p.code != product.code)
        household = household_of(s, sess.household_id)
        check_spend(others + qty * product.points, spending(s, k, household))
        if line is None:
            position = len(_cart_lines(s, sess.id))
            s.add(
                SessionLine(
                    session_id=sess.id, product_code=product.code, qty=qty, position=position
                )
            )
        else:
            line.qty = qty
    audit(s, now, TERMINAL, "cart_set", product.code, qty=qty, session=sess.id)


def _cart_lines(s: Session, session_id: str) -> list[tuple[CartLine, Product]]:
    rows = s.execute(
        select(SessionLine, Product)
        .join(Product, Product.code == SessionLine.product_code)
        .where(SessionLine.session_id == session_id)
        .order_by(SessionLine.position, SessionLine.product_code)
    ).all()
    return [(CartLine(p.code, p.name, line.qty, p.points), p) for line, p in rows]


def _session_to_check_out(s: Session, k: Kiosk, session_id: str | None) -> TerminalSession:
    if session_id is not None:
        sess = s.get(TerminalSession, session_id) if isinstance(session_id, str) else None
        if sess is None or sess.kiosk_id != k.kiosk_id:
            raise errors.NoSession()
    else:
        latest = kiosk_state(s, k.kiosk_id).last_session_id
        sess = s.get(TerminalSession, latest) if latest else None
        if sess is None:
            raise errors.NoSession()
    if sess.status == SessionStatus.CHECKED_OUT:
        raise errors.AlreadyCheckedOut()
    if sess.status != SessionStatus.OPEN:
        raise errors.NoSession()
    return _exchange_session(sess)


def _open(s: Session, k: Kiosk, sess: TerminalSession) -> None:
    s.add(sess)
    kiosk_state(s, k.kiosk_id).last_session_id = sess.id


def _close(s: Session, sess: TerminalSession, status: str, now) -> None:
    sess.status = status
    sess.ended_at = now


def cart_lines(s: Session, session_id: str) -> list[CartLine]:
    """Return the cart of a session with current prices."""
    return [line for line, _ in _cart_lines(s, session_id)]
