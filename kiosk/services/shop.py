"""The shopkeeper's screen: PIN sign-in with lockout, settings, and read views of the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.domain import errors, rules
from core.domain.passwords import hash_secret, secret_matches
from kiosk.services.common import audit
from kiosk.services.context import Kiosk
from kiosk.storage.models import (
    Activity,
    AuditEntry,
    CheckIn,
    Exchange,
    ExchangeLine,
    Household,
    LedgerEntry,
    Product,
    Receipt,
    Resident,
    StockBatch,
    SyncState,
)

DEMO_PIN = "246810"  # the demo store's PIN; a real store sets its own with `kiosk set-pin`
ADMIN = "admin"  # the audit log's name for whoever holds the PIN
MAX_FAILURES = 5
LOCK = timedelta(minutes=5)
PIN_DIGITS = (4, 12)
LOW_STOCK_DEFAULT = 5
ATTENTION = ("failed", "held")  # receipts that did not print and wait for the shopkeeper

# Keys in the sync_state table (String(40) keys, String(200) values).
PIN_HASH = "admin_pin_hash"
PIN_FAILURES = "admin_pin_failures"
PIN_LOCKED_UNTIL = "admin_pin_locked_until"
SESSION_EPOCH = "admin_session_epoch"
SETTINGS = {"voice": "ui_voice", "low_stock": "ui_low_stock"}


class PinRefused(Exception):
    """A PIN was not accepted; ``code`` is unset, wrong, locked or bad."""

    def __init__(self, code: str, seconds_left: int = 0, tries_left: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.seconds_left = seconds_left
        self.tries_left = tries_left


# -- key/value facts ------------------------------------------------------------------------------


def _get(s: Session, key: str, default: str = "") -> str:
    row = s.get(SyncState, key)
    return row.value if row is not None else default


def _put(s: Session, key: str, value: str) -> None:
    row = s.get(SyncState, key)
    if row is None:
        s.add(SyncState(key=key, value=value))
    else:
        row.value = value


# -- the PIN --------------------------------------------------------------------------------------


hash_pin = hash_secret
pin_matches = secret_matches


def valid_pin(pin: object) -> bool:
    """Tell whether a PIN has the allowed shape: 4 to 12 digits."""
    low, high = PIN_DIGITS
    return isinstance(pin, str) and pin.isascii() and pin.isdigit() and low <= len(pin) <= high


def set_pin(k: Kiosk, pin: str, actor: str = "cli") -> None:
    """Set the shopkeeper's PIN (4 to 12 digits), lift any lock and end open admin sessions."""
    if not valid_pin(pin):
        raise PinRefused("bad")
    stored = hash_pin(pin)
    with k.uow() as uow:
        s = uow.session
        _put(s, PIN_HASH, stored)
        _put(s, PIN_FAILURES, "0")
        _put(s, PIN_LOCKED_UNTIL, "")
        _put(s, SESSION_EPOCH, str(int(_get(s, SESSION_EPOCH, "0") or 0) + 1))
        audit(s, k.clock.now(), actor, "pin_set")
        uow.commit()


def change_pin(k: Kiosk, current: str, new: str) -> None:
    """Change the PIN from the admin screen: the current PIN must be given again."""
    if not valid_pin(new):
        raise PinRefused("bad")
    check_pin(k, current)
    set_pin(k, new, actor=ADMIN)


def pin_is_set(k: Kiosk) -> bool:
    """Tell whether a PIN has been set, without which the admin screen stays shut."""
    with k.uow(write=False) as uow:
        return bool(_get(uow.session, PIN_HASH))


def lock_seconds_left(k: Kiosk) -> int:
    """Return how many seconds the PIN stays locked (0: not locked)."""
    with k.uow(write=False) as uow:
        return _seconds_left(uow.session, k.clock.now())


def _seconds_left(s: Session, now: datetime) -> int:
    until = _get(s, PIN_LOCKED_UNTIL)
    if not until:
        return 0
    left = (datetime.fromisoformat(until) - now).total_seconds()
    return max(int(left + 0.999), 0)


def check_pin(k: Kiosk, pin: object) -> None:
    """Accept the PIN or raise PinRefused; five wrong PINs lock it for five minutes."""
    text = pin if isinstance(pin, str) else ""
    with k.uow(write=False) as uow:
        stored = _get(uow.session, PIN_HASH)
    if not stored:
        raise PinRefused("unset")
    # The slow hash runs outside the write transaction, so the terminal is never kept waiting.
    right = valid_pin(text) and pin_matches(text, stored)
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        left = _seconds_left(s, now)
        if left:
            audit(s, now, ADMIN, "login_refused_locked", seconds_left=left)
            uow.commit()
            raise PinRefused("locked", seconds_left=left)
        if right:
            _put(s, PIN_FAILURES, "0")
            _put(s, PIN_LOCKED_UNTIL, "")
            uow.commit()
            return
        failures = int(_get(s, PIN_FAILURES, "0") or 0) + 1
        audit(s, now, ADMIN, "login_failed", failures=failures)
        if failures >= MAX_FAILURES:
            _put(s, PIN_FAILURES, "0")
            _put(s, PIN_LOCKED_UNTIL, (now + LOCK).isoformat())
            audit(s, now, ADMIN, "pin_locked", minutes=int(LOCK.total_seconds() // 60))
            uow.commit()
            raise PinRefused("locked", seconds_left=int(LOCK.total_seconds()))
        _put(s, PIN_FAILURES, str(failures))
        uow.commit()
        raise PinRefused("wrong", tries_left=MAX_FAILURES - failures)


def record(k: Kiosk, action: str, target: str = "", **details: Any) -> None:
    """Write an admin action to the audit log (sign-in, sign-out, reprint, settings)."""
    with k.uow() as uow:
        audit(uow.session, k.clock.now(), ADMIN, action, target, **details)
        uow.commit()


def session_epoch(k: Kiosk) -> int:
    """Return the admin session generation; sessions of an older one are no longer valid."""
    with k.uow(write=False) as uow:
        return int(_get(uow.session, SESSION_EPOCH, "0") or 0)


def end_sessions(k: Kiosk) -> None:
    """Invalidate every admin session signed so far (sign-out)."""
    with k.uow() as uow:
        s = uow.session
        _put(s, SESSION_EPOCH, str(int(_get(s, SESSION_EPOCH, "0") or 0) + 1))
        uow.commit()


# -- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShopSettings:
    """What the shopkeeper can switch: spoken prompts and the low-stock level."""

    voice: bool | None  # None: never set, the app's default applies
    low_stock: int


def settings(k: Kiosk) -> ShopSettings:
    """Return the store's screen settings."""
    with k.uow(write=False) as uow:
        s = uow.session
        voice = _get(s, SETTINGS["voice"])
        low = _get(s, SETTINGS["low_stock"])
    return ShopSettings(
        voice=None if voice == "" else voice == "on",
        low_stock=int(low) if low.isdigit() else LOW_STOCK_DEFAULT,
    )


def save_settings(k: Kiosk, *, voice: bool, low_stock: object) -> ShopSettings:
    """Store the screen settings; the change is audited."""
    level = rules.parse_int(low_stock, 0, 10_000, errors.BadQuantity)
    with k.uow() as uow:
        s = uow.session
        _put(s, SETTINGS["voice"], "on" if voice else "off")
        _put(s, SETTINGS["low_stock"], str(level))
        audit(s, k.clock.now(), ADMIN, "settings", voice=voice, low_stock=level)
        uow.commit()
    k.changed("settings")
    return ShopSettings(voice=voice, low_stock=level)


# -- read views -----------------------------------------------------------------------------------


def _local(k: Kiosk, at: datetime | None) -> str:
    if at is None:
        return ""
    return at.replace(tzinfo=UTC).astimezone(k.zone).strftime("%Y-%m-%d %H:%M")


def day_bounds(k: Kiosk, day: date) -> tuple[datetime, datetime]:
    """Return the stored (naive UTC) start and end of a local day."""
    start = datetime.combine(day, time.min, tzinfo=k.zone).astimezone(UTC).replace(tzinfo=None)
    return start, start + timedelta(days=1)


def today(k: Kiosk) -> date:
    """Return the store's local date."""
    return k.clock.now().replace(tzinfo=UTC).astimezone(k.zone).date()


def stock_list(k: Kiosk) -> list[dict[str, Any]]:
    """Return every product with its stock, low-stock flag and last delivery."""
    level = settings(k).low_stock
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
                "last_restock": _local(k, last.get(p.code)),
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


def exchange_history(
    k: Kiosk, query: str = "", day: date | None = None, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Return exchanges newest first, searched by number, household or resident; and the count."""
    with k.uow(write=False) as uow:
        s = uow.session
        stmt = (
            select(Exchange, Household.name, Resident.name)
            .join(Household, Household.id == Exchange.household_id)
            .join(Resident, Resident.id == Exchange.resident_id)
        )
        text = (query or "").strip()[:60]
        if text:
            like = f"%{text.replace('%', '').replace('_', '')}%"
            stmt = stmt.where(
                or_(
                    Exchange.number.like(like),
                    Household.name.like(like),
                    Resident.name.like(like),
                    Exchange.household_id == text,
                )
            )
        if day is not None:
            start, end = day_bounds(k, day)
            stmt = stmt.where(Exchange.created_at >= start, Exchange.created_at < end)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.execute(
            stmt.order_by(Exchange.created_at.desc(), Exchange.number.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        ids = [e.id for e, _, _ in rows]
        lines: dict[str, list[str]] = {}
        for line in s.scalars(select(ExchangeLine).where(ExchangeLine.exchange_id.in_(ids))):
            lines.setdefault(line.exchange_id, []).append(f"{line.name} ×{line.qty}")
        return [
            {
                "id": e.id,
                "number": e.number,
                "at": _local(k, e.created_at),
                "household": household,
                "resident": person,
                "total": e.total,
                "status": e.status,
                "goods": "、".join(lines.get(e.id, [])),
            }
            for e, household, person in rows
        ], total


def exchange_detail(k: Kiosk, ref: str) -> dict[str, Any] | None:
    """Return one exchange with its lines and receipts."""
    with k.uow(write=False) as uow:
        s = uow.session
        e = s.get(Exchange, ref) or s.scalar(select(Exchange).where(Exchange.number == ref))
        if e is None:
            return None
        household = s.get(Household, e.household_id)
        person = s.get(Resident, e.resident_id)
        other = s.get(Resident, e.beneficiary_id) if e.beneficiary_id else None
        lines = s.scalars(
            select(ExchangeLine).where(ExchangeLine.exchange_id == e.id).order_by(ExchangeLine.id)
        ).all()
        receipts = s.scalars(select(Receipt).where(Receipt.ref == e.id).order_by(Receipt.id)).all()
        return {
            "id": e.id,
            "number": e.number,
            "at": _local(k, e.created_at),
            "household": household.name,
            "household_id": household.id,
            "balance": household.balance,
            "resident": person.name,
            "beneficiary": other.name if other else None,
            "total": e.total,
            "balance_before": e.balance_before,
            "balance_after": e.balance_after,
            "status": e.status,
            "voided_at": _local(k, e.voided_at),
            "void_reason": e.void_reason,
            "lines": [
                {"name": ln.name, "qty": ln.qty, "points_each": ln.points_each, "points": ln.points}
                for ln in lines
            ],
            "receipts": [_receipt_row(k, r) for r in receipts],
        }


def _receipt_row(k: Kiosk, r: Receipt) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "number": r.number,
        "at": _local(k, r.created_at),
        "status": r.status,
        "error": r.error,
        "attention": r.status in ATTENTION,
    }


def receipts(k: Kiosk, *, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Return the latest receipts, newest first; status "attention" means failed or held."""
    with k.uow(write=False) as uow:
        stmt = select(Receipt).order_by(Receipt.id.desc()).limit(limit)
        if status == "attention":
            stmt = stmt.where(Receipt.status.in_(ATTENTION))
        elif status:
            stmt = stmt.where(Receipt.status == status)
        return [_receipt_row(k, r) for r in uow.session.scalars(stmt)]


def receipt_text(k: Kiosk, receipt_id: int) -> dict[str, Any] | None:
    """Return one receipt with its printed text."""
    with k.uow(write=False) as uow:
        r = uow.session.get(Receipt, receipt_id)
        if r is None:
            return None
        return {**_receipt_row(k, r), "text": r.text}


def audit_log(
    k: Kiosk, *, action: str = "", admin_only: bool = False, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Return audit entries newest first, optionally of one action or of the shopkeeper only."""
    with k.uow(write=False) as uow:
        s = uow.session
        stmt = select(AuditEntry)
        if action:
            stmt = stmt.where(AuditEntry.action == action[:40])
        if admin_only:
            stmt = stmt.where(AuditEntry.actor.in_((ADMIN, "cli")))
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
        return [
            {
                "id": a.id,
                "at": _local(k, a.at),
                "actor": a.actor,
                "action": a.action,
                "target": a.target,
                "details": a.details or {},
            }
            for a in rows
        ], total


def audit_actions(k: Kiosk) -> list[str]:
    """Return the actions found in the audit log."""
    with k.uow(write=False) as uow:
        return list(
            uow.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
        )


def activities(k: Kiosk) -> list[dict[str, Any]]:
    """Return the activities with how many have checked in."""
    with k.uow(write=False) as uow:
        s = uow.session
        counts = dict(
            s.execute(select(CheckIn.activity_id, func.count()).group_by(CheckIn.activity_id)).all()
        )
        return [
            {
                "id": a.id,
                "code": a.code,
                "name": a.name,
                "type": a.type,
                "day": a.day.isoformat(),
                "points": a.points,
                "cap": a.cap,
                "active": a.active,
                "checked_in": counts.get(a.id, 0),
            }
            for a in s.scalars(select(Activity).order_by(Activity.day, Activity.id))
        ]


def activity_checkins(k: Kiosk, activity_id: str) -> dict[str, Any] | None:
    """Return an activity and its check-ins, newest first."""
    with k.uow(write=False) as uow:
        s = uow.session
        a = s.get(Activity, activity_id)
        if a is None:
            return None
        rows = s.execute(
            select(CheckIn, Resident.name, Household.name)
            .join(Resident, Resident.id == CheckIn.resident_id)
            .join(Household, Household.id == CheckIn.household_id)
            .where(CheckIn.activity_id == a.id)
            .order_by(CheckIn.created_at.desc(), CheckIn.id)
        ).all()
        return {
            "id": a.id,
            "code": a.code,
            "name": a.name,
            "points": a.points,
            "cap": a.cap,
            "active": a.active,
            "checkins": [
                {"at": _local(k, c.created_at), "resident": person, "household": household}
                for c, person, household in rows
            ],
        }


def day_figures(k: Kiosk, day: date) -> dict[str, Any]:
    """Return one local day's figures: exchanges, points, goods out, voids, check-ins, restocks."""
    start, end = day_bounds(k, day)
    with k.uow(write=False) as uow:
        s = uow.session
        done = (Exchange.created_at >= start) & (Exchange.created_at < end)
        exchanges = s.scalar(select(func.count()).where(done, Exchange.status == "completed")) or 0
        spent = (
            s.scalar(
                select(func.coalesce(func.sum(Exchange.total), 0)).where(
                    done, Exchange.status == "completed"
                )
            )
            or 0
        )
        voids = (
            s.scalar(
                select(func.count()).where(Exchange.voided_at >= start, Exchange.voided_at < end)
            )
            or 0
        )
        goods = s.execute(
            select(ExchangeLine.name, func.sum(ExchangeLine.qty))
            .join(Exchange, Exchange.id == ExchangeLine.exchange_id)
            .where(done, Exchange.status == "completed")
            .group_by(ExchangeLine.name)
            .order_by(func.sum(ExchangeLine.qty).desc(), ExchangeLine.name)
        ).all()
        checkins = (
            s.scalar(
                select(func.count()).where(CheckIn.created_at >= start, CheckIn.created_at < end)
            )
            or 0
        )
        earned = (
            s.scalar(
                select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                    LedgerEntry.kind == "earn",
                    LedgerEntry.created_at >= start,
                    LedgerEntry.created_at < end,
                )
            )
            or 0
        )
        restocks = (
            s.scalar(
                select(func.count()).where(
                    StockBatch.received_at >= start,
                    StockBatch.received_at < end,
                    StockBatch.source != "stocktake",
                )
            )
            or 0
        )
    return {
        "day": day.isoformat(),
        "exchanges": exchanges,
        "points_spent": spent,
        "voids": voids,
        "checkins": checkins,
        "points_earned": earned,
        "restocks": restocks,
        "goods_out": [(name, int(qty)) for name, qty in goods],
    }
