"""Read-only views for the screens and the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.domain import errors, rules
from core.domain.ledger import LedgerKind
from kiosk.services import exchange_window, quotas, times
from kiosk.services.common import current_session, spending
from kiosk.services.context import Kiosk
from kiosk.services.receipts import local_time
from kiosk.services.terminal import (
    cart_lines,
    checkin_idle,
    checkin_seconds_left,
    pending_switch,
)
from kiosk.storage.models import (
    Activity,
    ExpiryNotice,
    Household,
    LedgerEntry,
    OutboxRow,
    Product,
    Receipt,
    Resident,
)
from kiosk.storage.states import OutboxStatus, SessionMode


def session_view(k: Kiosk) -> dict[str, Any]:
    """Return what the terminal shows: who, which household, the cart and the total."""
    with k.uow(write=False) as uow:
        s = uow.session
        sess = current_session(s, k.kiosk_id)
        view: dict[str, Any] = {
            "session_id": None,
            "mode": "idle",
            "resident": None,
            "household": None,
            "beneficiary": None,
            "members": [],
            "activity": None,
            "cart": [],
            "total": 0,
            "remaining": None,
            "switch": None,
            "window": exchange_window.state(s, k, k.clock.now()).as_dict(),
        }
        if sess is None:
            return view
        if sess.mode == SessionMode.CHECKIN and checkin_idle(s, sess, k.clock.now()):
            return view  # check-in mode has ended by itself; the next scan closes it
        view["session_id"] = sess.id
        view["mode"] = sess.mode
        if sess.mode == SessionMode.CHECKIN:
            activity = s.get(Activity, sess.activity_id)
            view["activity"] = {
                "id": activity.id,
                "name": activity.name,
                "points": activity.points,
                "type": activity.type,
                "ends_in": checkin_seconds_left(s, sess, k.clock.now()),
            }
            return view
        person = s.get(Resident, sess.resident_id)
        household = s.get(Household, sess.household_id)
        lines = cart_lines(s, sess.id)
        total = rules.cart_total(lines)
        view["resident"] = {"id": person.id, "name": person.name}
        allowed = spending(s, k, household)
        view["household"] = {
            "id": household.id,
            "name": household.name,
            "balance": household.balance,
            "available": allowed.available,  # usable now: offline, the allowance may cap it
            "limited_by": allowed.limited_by,
            "expiring": _expiring(s, k, household),
        }
        view["members"] = [
            {"id": m.id, "name": m.name}
            for m in s.scalars(
                select(Resident).where(Resident.household_id == household.id).order_by(Resident.id)
            )
        ]
        if sess.beneficiary_id:
            other = s.get(Resident, sess.beneficiary_id)
            view["beneficiary"] = {"id": other.id, "name": other.name}
        view["cart"] = [
            {
                "product_code": ln.product_code,
                "name": ln.name,
                "qty": ln.qty,
                "points": ln.points,
                "points_each": ln.points_each,
            }
            for ln in lines
        ]
        view["total"] = total
        view["remaining"] = household.balance - total
        other = pending_switch(k, s, sess)
        if other is not None:  # another card was shown: the screen asks before changing
            view["switch"] = {
                "resident": other.name,
                "household": s.get(Household, other.household_id).name,
            }
        return view


def products(k: Kiosk, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    """Return the goods on offer with price and stock, and the quota of those that have one
    (with what the open session's household has left of it)."""
    with k.uow(write=False) as uow:
        s = uow.session
        stmt = select(Product).order_by(Product.category, Product.code)
        if not include_inactive:
            stmt = stmt.where(Product.active.is_(True))
        sess = current_session(s, k.kiosk_id)
        household_id = sess.household_id if sess is not None else None
        now = k.clock.now()
        goods = s.scalars(stmt).all()
        taken = (
            quotas.used_of(s, k, household_id, [p for p in goods if quotas.has_quota(p)], now)
            if household_id is not None
            else None
        )
        out = []
        for p in goods:
            item = {
                "code": p.code,
                "name": p.name,
                "points": p.points,
                "stock": p.stock,
                "category": p.category,
                "unit": p.unit,
                "active": p.active,
            }
            quota = quotas.view(p, taken)
            if quota is not None:
                item["quota"] = quota
            out.append(item)
        return out


def receipt(k: Kiosk, receipt_id: object) -> dict[str, Any]:
    """Return a receipt's text and its ESC/POS bytes."""
    with k.uow(write=False) as uow:
        row = uow.session.get(Receipt, receipt_id) if isinstance(receipt_id, int) else None
        if row is None:
            raise errors.UnknownReceipt()
        return {
            "id": row.id,
            "kind": row.kind,
            "number": row.number,
            "text": row.text,
            "escpos": row.escpos,
            "status": row.status,
        }


REFUSED_KINDS = {
    "exchange": "Exchange",
    "void": "Void",
    "checkin": "Check-in",
    "adjust": "Adjustment",
    "restock": "Restock",
    "stocktake": "Stocktake",
    "card_issue": "Card issued",
    "card_revoke": "Card revoked",
    "reversal": "Points put back",
}


def _household_name(s, household_id: str | None) -> str:
    found = s.get(Household, household_id) if household_id else None
    return found.name if found is not None else ""


def refused_entries(k: Kiosk, limit: int = 50) -> list[dict[str, Any]]:
    """Return what central refused of this kiosk's entries, newest first, and if it is undone."""
    with k.uow(write=False) as uow:
        s = uow.session
        rows = s.scalars(
            select(OutboxRow)
            .where(OutboxRow.status == OutboxStatus.REJECTED)
            .order_by(OutboxRow.id.desc())
            .limit(limit)
        ).all()
        out = []
        for row in rows:
            ledger = (row.payload or {}).get("ledger") or {}
            reversed_ = (
                s.scalar(
                    select(LedgerEntry.id).where(
                        LedgerEntry.kind == LedgerKind.ADJUST, LedgerEntry.ref == ledger["id"]
                    )
                )
                is not None
                if ledger.get("points")
                else None
            )
            out.append(
                {
                    "at": local_time(k, row.created_at).strftime("%Y-%m-%d %H:%M"),
                    "kind": REFUSED_KINDS.get(row.kind, row.kind),
                    "household_id": ledger.get("household_id") or row.household_id,
                    "household": _household_name(s, ledger.get("household_id") or row.household_id),
                    "points": ledger.get("points") or 0,
                    "reason": row.reason or "",
                    "reversed": reversed_,
                }
            )
        return out


def _expiring(s, k: Kiosk, household) -> dict[str, Any] | None:
    """Central's notice of points about to be cleared, as the screen says it; None if none.

    Points spent since the notice cannot be cleared: never more than the balance is shown.
    """
    notice = s.get(ExpiryNotice, household.id)
    if notice is None or notice.on < times.today(k):
        return None
    points = min(notice.points, max(household.balance, 0))
    if points <= 0:
        return None
    return {"points": points, "on": notice.on.isoformat()}
