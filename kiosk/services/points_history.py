"""查积分: the open session's household's points history, as far as this kiosk knows it.

Entries made here name what they were for (the activity, the goods, the store). Central's own
entries (an approved claim, an office correction, an activity the office credited, an expiry)
come through the store's feed as history notes naming the rule or activity and the reason; an
entry of another kiosk says only what kind it is. An entry of ours that central has not yet
confirmed is marked so. Points the office has announced will expire are told with their day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain import errors, rules
from core.domain.ledger import LedgerKind
from kiosk.services.common import audit, current_session, household_of
from kiosk.services.context import Kiosk
from kiosk.services.print_queue import wake
from kiosk.services.receipts import local_time, store_receipt
from kiosk.storage.models import (
    Activity,
    CheckIn,
    Exchange,
    ExchangeLine,
    ExpiryNotice,
    HistoryNote,
    LedgerEntry,
    OutboxRow,
)
from kiosk.storage.states import OutboxStatus, SessionMode
from printer.receipt import HistoryLine, PointsHistorySlip

SHOWN = 30  # the newest entries shown, read and printed
# What central's notes may say (sync.central.ledger_notes.What); anything else reads "office".
NOTE_WHAT = ("opening", "checkin", "award", "deduct", "office_add", "office_deduct", "expired")


@dataclass(frozen=True)
class HistoryEntry:
    """One change of the household's points, with what it was for."""

    at: datetime  # local
    kind: str  # a LedgerKind
    points: int
    what: str  # checkin | exchange | void | opening | refused | adjust | office | elsewhere
    # | award | deduct | office_add | office_deduct | expired (central's notes)
    activity: str = ""  # the activity's or the rule's name
    reason: str = ""  # the office's reason, a claim's note, or the day points expired
    store: str = ""
    count: int = 0
    confirmed: bool = True


@dataclass(frozen=True)
class History:
    """The household and its newest entries, newest first."""

    household_id: str
    household: str
    balance: int
    entries: tuple[HistoryEntry, ...]
    more: bool  # older entries exist beyond those shown
    expiring: tuple[int, date] | None = None  # points the office will clear, and on which day


def _open_household(s: Session, k: Kiosk) -> str:
    sess = current_session(s, k.kiosk_id)
    if sess is None or sess.mode != SessionMode.EXCHANGE:
        raise errors.NoSession()
    return sess.household_id


def history(k: Kiosk, limit: int = SHOWN) -> History:
    """Return the open session's household's newest ledger entries with what each was for."""
    with k.uow(write=False) as uow:
        s = uow.session
        household = household_of(s, _open_household(s, k))
        rows = s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.household_id == household.id)
            .order_by(LedgerEntry.created_at.desc(), LedgerEntry.seq.desc())
            .limit(limit + 1)
        ).all()
        notes = s.scalars(
            select(HistoryNote)
            .where(HistoryNote.household_id == household.id)
            .order_by(HistoryNote.created_at.desc())
            .limit(limit + 1)
        ).all()
        noted = {n.id for n in notes}
        pending = _unconfirmed(s, household.id)
        # A kiosk reading the whole feed holds central's entries in its ledger too: the note
        # says more, so it stands for the entry.
        found = [
            (e.created_at, _entry(s, k, e, e.id not in pending)) for e in rows if e.id not in noted
        ]
        found += [(n.created_at, _note(k, n)) for n in notes]
        found.sort(key=lambda pair: pair[0], reverse=True)
        entries = tuple(entry for _at, entry in found[:limit])
        notice = s.get(ExpiryNotice, household.id)
        return History(
            household.id,
            household.name,
            household.balance,
            entries,
            len(found) > limit,
            (notice.points, notice.on) if notice is not None and notice.points > 0 else None,
        )


def _note(k: Kiosk, n: HistoryNote) -> HistoryEntry:
    return HistoryEntry(
        at=local_time(k, n.created_at),
        kind=n.kind,
        points=n.points,
        what=n.what if n.what in NOTE_WHAT else "office",
        activity=n.label,
        reason=n.reason,
    )


def _unconfirmed(s: Session, household_id: str) -> set[str]:
    """Return the ids of this kiosk's entries central has not confirmed (pending or refused)."""
    found = set()
    for payload in s.scalars(
        select(OutboxRow.payload).where(
            OutboxRow.household_id == household_id,
            OutboxRow.status.in_((OutboxStatus.PENDING, OutboxStatus.REJECTED)),
        )
    ):
        ledger = (payload or {}).get("ledger") or {}
        if ledger.get("id"):
            found.add(ledger["id"])
    return found


def _entry(s: Session, k: Kiosk, e: LedgerEntry, confirmed: bool) -> HistoryEntry:
    at = local_time(k, e.created_at)
    base = dict(at=at, kind=e.kind, points=e.points, confirmed=confirmed)
    if e.kiosk_id != k.kiosk_id:
        return HistoryEntry(what="office" if e.kind != LedgerKind.SPEND else "elsewhere", **base)
    if e.kind == LedgerKind.EARN:
        name = s.scalar(
            select(Activity.name)
            .join(CheckIn, CheckIn.activity_id == Activity.id)
            .where(CheckIn.ledger_entry_id == e.id)
        )
        return HistoryEntry(what="checkin", activity=name or "", **base)
    if e.kind == LedgerKind.SPEND:
        count = s.scalar(
            select(func.coalesce(func.sum(ExchangeLine.qty), 0))
            .join(Exchange, Exchange.id == ExchangeLine.exchange_id)
            .where(Exchange.ledger_entry_id == e.id)
        )
        return HistoryEntry(what="exchange", store=k.store, count=int(count or 0), **base)
    if e.kind == LedgerKind.VOID:
        return HistoryEntry(what="void", store=k.store, **base)
    if e.ref == "opening":
        return HistoryEntry(what="opening", **base)
    refused = s.get(LedgerEntry, e.ref)
    if refused is not None:
        return HistoryEntry(what="refused", **base)
    return HistoryEntry(what="adjust", **base)


def print_slip(k: Kiosk, lines: list[tuple[str, str, int, bool]]) -> int:
    """Queue the history slip of the open session's household; return its receipt id.

    lines: (day, what in words, points, confirmed), as the screen shows them in Chinese.
    """
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        household = household_of(s, _open_household(s, k))
        slip = PointsHistorySlip(
            store=k.store,
            kiosk_id=k.kiosk_id,
            number=f"{k.kiosk_id}-Q{local_time(k, now):%Y%m%d%H%M%S}",
            created_at=local_time(k, now),
            household=rules.mask_name(household.name),
            balance=household.balance,
            lines=tuple(HistoryLine(day, what, points, ok) for day, what, points, ok in lines),
        )
        row = store_receipt(s, k, "history", household.id, slip, now)
        audit(s, now, "terminal", "history_print", household.id, household=household.id)
        uow.commit()
    wake(k)
    return row.id
