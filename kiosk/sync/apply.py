"""Apply central's change feed to a kiosk database, each change idempotently."""

from __future__ import annotations

import base64
import logging
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import limits
from core.domain.ledger import EntryKind, LedgerKind, ledger_wire, parse_wire_time, stored_entry
from kiosk.services.common import append_ledger, audit, outbox, unconfirmed_points
from kiosk.services.context import Kiosk
from kiosk.storage.models import (
    Activity,
    Announcement,
    BoardPosting,
    Card,
    Claim,
    ExchangeDay,
    ExpiryNotice,
    HistoryNote,
    Household,
    LedgerEntry,
    Product,
    QuotaUse,
    Resident,
    Rule,
    SyncState,
)
from kiosk.storage.states import CardStatus

log = logging.getLogger(__name__)

CURSOR = "feed_cursor"
ALLOWANCE = "offline_allowance"


def get_state(s: Session, key: str, default: str = "") -> str:
    """Return a stored sync fact."""
    row = s.get(SyncState, key)
    return row.value if row is not None else default


def set_state(s: Session, key: str, value: str) -> None:
    """Store a sync fact in the current transaction."""
    row = s.get(SyncState, key)
    if row is None:
        s.add(SyncState(key=key, value=value))
    else:
        row.value = value


def apply_changes(k: Kiosk, changes: list[dict[str, Any]], cursor: int) -> int:
    """Apply a page of changes and move the cursor in the same transaction; return how many."""
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        for change in changes:
            apply = _APPLY.get(change["kind"])
            if apply is None:
                # A kind of change from a newer central: this release has nothing to do with it.
                log.info("feed: skipping a change of unknown kind %r", change["kind"])
                continue
            apply(s, k, change["data"], now)
            s.flush()
        set_state(s, CURSOR, str(cursor))
        uow.commit()
    for change in changes:
        if change["kind"] == "settings" and "offline_allowance" in change["data"]:
            k.offline_allowance = int(change["data"]["offline_allowance"])
    if changes:
        k.changed("stock" if any(c["kind"] == "product" for c in changes) else "session")
    return len(changes)


def _household(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    h = s.get(Household, d["id"])
    if h is None:
        s.add(Household(id=d["id"], name=d["name"], balance=0, created_at=now))
    else:
        h.name = d["name"]


def _resident(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    r = s.get(Resident, d["id"])
    if r is None:
        s.add(
            Resident(
                id=d["id"],
                household_id=d["household_id"],
                name=d["name"],
                phone=None,
                created_at=now,
            )
        )
    else:
        r.household_id, r.name = d["household_id"], d["name"]


def _card(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    card = s.scalar(select(Card).where(Card.token_hash == d["token_hash"]))
    if card is None:
        s.add(
            Card(
                resident_id=d["resident_id"],
                token_hash=d["token_hash"],
                status=d["status"],
                issued_at=now,
                revoked_at=now if d["status"] != CardStatus.ACTIVE else None,
            )
        )
    elif card.status != d["status"]:
        card.status = d["status"]
        card.revoked_at = now if d["status"] != CardStatus.ACTIVE else None
        card.revoke_reason = "central"


def _product(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    p = s.get(Product, d["code"])
    if p is None:
        s.add(
            Product(
                code=d["code"],
                name=d["name"],
                unit=d["unit"],
                category=d["category"],
                points=d["points"],
                active=d["active"],
                stock=0,
                quota_limit=d.get("quota_limit"),
                quota_period=d.get("quota_period"),
            )
        )
    else:
        p.name, p.unit, p.category = d["name"], d["unit"], d["category"]
        p.points, p.active = d["points"], d["active"]
        p.quota_limit, p.quota_period = d.get("quota_limit"), d.get("quota_period")


def _activity(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    a = s.get(Activity, d["id"])
    values = dict(
        code=d["code"],
        name=d["name"],
        type=d["type"],
        day=date.fromisoformat(d["day"]),
        points=d["points"],
        cap=d["cap"],
        active=d["active"],
    )
    if a is None:
        s.add(Activity(id=d["id"], **values))
    else:
        for name, value in values.items():
            setattr(a, name, value)


def _ledger(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    if d["kiosk_id"] == k.kiosk_id or s.get(LedgerEntry, d["id"]) is not None:
        return  # our own entry, or one already applied
    household = s.get(Household, d["household_id"])
    s.add(LedgerEntry(**stored_entry(d)))
    household.balance += d["points"]


def _refusal(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    """Reverse one of our ledger entries that central refused, once, with a counter-entry."""
    if d["kiosk_id"] != k.kiosk_id:
        return  # another kiosk's entry: we never held it
    refused = s.get(LedgerEntry, d["id"])
    if refused is None or refused.kiosk_id != k.kiosk_id:
        return
    done = s.scalar(
        select(LedgerEntry.id).where(
            LedgerEntry.kiosk_id == k.kiosk_id,
            LedgerEntry.kind == LedgerKind.ADJUST,
            LedgerEntry.ref == refused.id,
        )
    )
    if done is not None:
        return
    household = s.get(Household, refused.household_id)
    reason = str(d.get("reason", ""))[: limits.MAX_REASON]
    entry = append_ledger(s, k, household, LedgerKind.ADJUST, -refused.points, refused.id, now)
    outbox(
        s,
        now,
        EntryKind.REVERSAL,
        {"refused_id": refused.id, "reason": reason, "ledger": ledger_wire(entry)},
    )
    audit(s, now, "central", "refused", refused.id, points=refused.points, reason=reason)


def _balance(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    """Take a household's balance as central confirmed it, plus our own entries after it."""
    household = s.get(Household, d["household_id"])
    if household is None:
        return  # its records come first in the store's feed; a stray balance changes nothing
    if d.get("kiosk_id") == k.kiosk_id:
        household.confirmed_seq = max(household.confirmed_seq or 0, int(d["seq"]))
    household.confirmed_balance = int(d["balance"])
    household.balance = household.confirmed_balance + unconfirmed_points(s, k.kiosk_id, household)


def apply_records(k: Kiosk, changes: list[dict[str, Any]]) -> None:
    """Apply a household's records central answered a card lookup with (the cursor stays)."""
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        for change in changes:
            apply = _APPLY.get(change["kind"])
            if apply is not None and change["kind"] in RECORD_KINDS:
                apply(s, k, change["data"], now)
                s.flush()
        uow.commit()
    k.changed("session")


def _quota_use(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    """Hold central's count of a household's uses of a quota'd good at another kiosk."""
    if d["kiosk_id"] == k.kiosk_id:
        return  # our own exchanges are counted from our own lines
    key = (d["household_id"], d["product_code"], d["period"], d["kiosk_id"])
    row = s.get(QuotaUse, key)
    if row is None:
        s.add(
            QuotaUse(
                household_id=key[0],
                product_code=key[1],
                period=key[2],
                kiosk_id=key[3],
                used=int(d["used"]),
            )
        )
    else:
        row.used = int(d["used"])


# The picture types the kiosk serves, told by their first bytes (central checked them too).
PICTURE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


def _picture(text: object) -> tuple[bytes | None, str | None]:
    """Return an announcement's picture from its base64 and its type; none unless acceptable."""
    if not isinstance(text, str) or len(text) > limits.MAX_PICTURE_BYTES * 4 // 3 + 4:
        return None, None
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        return None, None
    kind = next((t for magic, t in PICTURE_MAGIC if data.startswith(magic)), None)
    return (data, kind) if kind else (None, None)


def _announcement(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    """Hold (or withdraw) an announcement of the office's for this store, with its picture."""
    picture, picture_type = _picture(d.get("picture"))
    values = dict(
        text=str(d["text"])[:500],
        starts=date.fromisoformat(d["starts"]),
        ends=date.fromisoformat(d["ends"]),
        active=bool(d["active"]),
        picture=picture,
        picture_type=picture_type,
    )
    row = s.get(Announcement, d["id"])
    if row is None:
        s.add(Announcement(id=d["id"], **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)


def _exchange_day(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    """Hold (or cancel) a collective exchange day the office scheduled for this store."""
    values = dict(
        day=date.fromisoformat(d["day"]),
        opens=str(d["opens"])[:5],
        closes=str(d["closes"])[:5],
        note=str(d.get("note", ""))[:200],
        active=bool(d["active"]),
    )
    row = s.get(ExchangeDay, d["id"])
    if row is None:
        s.add(ExchangeDay(id=d["id"], **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)


def _settings(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    if "offline_allowance" in d:
        set_state(s, ALLOWANCE, str(int(d["offline_allowance"])))


def _expiry_notice(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    """Keep central's latest notice of points about to be cleared (none once "on" is null)."""
    notice = s.get(ExpiryNotice, d["household_id"])
    if d.get("on") is None or int(d["points"]) <= 0:
        if notice is not None:
            s.delete(notice)
        return
    on = date.fromisoformat(d["on"])
    if notice is None:
        s.add(ExpiryNotice(household_id=d["household_id"], points=int(d["points"]), on=on))
    else:
        notice.points, notice.on = int(d["points"]), on


def _rule(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    values = {
        "name": d["name"],
        "category": d["category"],
        "points": int(d["points"]),
        "evidence": d["evidence"],
        "approver": d["approver"],
        "cap_scope": d["cap_scope"],
        "active": bool(d["active"]),
    }
    rule = s.get(Rule, d["code"])
    if rule is None:
        s.add(Rule(code=d["code"], **values))
    else:
        for name, value in values.items():
            setattr(rule, name, value)


def _claim(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    claim = s.get(Claim, d["id"])
    if claim is None:
        return  # recorded at another kiosk of the store: only its own kiosk keeps it
    claim.status, claim.booked, claim.reason = d["status"], d.get("booked"), d.get("reason")


def _history(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    """Keep what one of central's own entries for a household was for, once."""
    if s.get(HistoryNote, d["id"]) is not None:
        return
    s.add(
        HistoryNote(
            id=str(d["id"])[:36],
            household_id=str(d["household_id"])[:40],
            kind=str(d["kind"])[:16],
            points=int(d["points"]),
            created_at=parse_wire_time(d["created_at"]),
            what=str(d["what"])[:16],
            label=str(d.get("label") or "")[:80],
            reason=str(d.get("reason") or "")[:200],
        )
    )


def _board(s: Session, k: Kiosk, d: dict[str, Any], now) -> None:
    """Hold the village's board for its month as central posted it (the latest posting wins)."""
    month = str(d.get("month", ""))[:7]
    if not month:
        return
    row = s.get(BoardPosting, month)
    if row is None:
        s.add(BoardPosting(month=month, data=d, received_at=now))
    else:
        row.data, row.received_at = d, now


_APPLY = {
    "household": _household,
    "resident": _resident,
    "card": _card,
    "product": _product,
    "activity": _activity,
    "ledger": _ledger,
    "settings": _settings,
    "refusal": _refusal,
    "expiry_notice": _expiry_notice,
    "balance": _balance,
    "quota_use": _quota_use,
    "announcement": _announcement,
    "exchange_day": _exchange_day,
    "rule": _rule,
    "claim": _claim,
    "history": _history,
    "board": _board,
}
RECORD_KINDS = ("household", "resident", "card", "balance")
