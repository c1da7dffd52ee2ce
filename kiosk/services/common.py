"""Building blocks shared by the use cases: ledger appends, audit, outbox, ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from core.domain import errors, rules
from core.domain.codes import token_hash
from core.domain.ids import uuid7
from core.domain.ledger import (
    GENESIS_HASH,
    EntryFacts,
    EntryKind,
    LedgerKind,
    chain_hash,
    signed_points,
    wire_time,
)
from kiosk.services.context import Kiosk
from kiosk.storage.models import (
    AuditEntry,
    Household,
    KioskState,
    LedgerEntry,
    OutboxRow,
    Resident,
    TerminalSession,
)
from kiosk.storage.states import OutboxStatus, SessionStatus
from sync import protocol


def new_id() -> str:
    """Return a new time-ordered UUID (version 7) as text.

    Ledger entries, outbox rows, exchanges and check-ins made one after another get increasing
    ids, so central's indexes take them at their right-hand edge instead of on random pages.
    """
    return uuid7()


iso = wire_time


def look_up_card(k: Kiosk, token: str) -> bool:
    """Ask central about a card this kiosk does not know; return whether it is now known.

    A household from elsewhere joins this store's set when central answers. Offline the
    card cannot be looked up (UnknownCardOffline); a kiosk without central knows only its own.
    """
    if k.lookup_card is None:
        return False
    found = k.lookup_card(token_hash(token))
    if found is None:
        raise errors.UnknownCardOffline()
    return found


def unconfirmed_points(s: Session, kiosk_id: str, household: Household) -> int:
    """Return the points of this kiosk's own entries central has not yet taken into the
    household's confirmed balance: those after its confirmed sequence.

    A counter-entry to an entry central refused is left out: central never counted either.
    """
    own_ids = select(LedgerEntry.id).where(LedgerEntry.kiosk_id == kiosk_id)
    reversal = (LedgerEntry.kind == LedgerKind.ADJUST) & LedgerEntry.ref.in_(own_ids)
    total = s.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.kiosk_id == kiosk_id,
            LedgerEntry.household_id == household.id,
            LedgerEntry.seq > household.confirmed_seq,
            ~reversal,
        )
    )
    return int(total or 0)


def expected_balance(s: Session, kiosk_id: str, household: Household) -> int | None:
    """Return the balance a household must show from central's confirmed one, or None when
    none has come (the balance is then its ledger's sum)."""
    if household.confirmed_balance is None:
        return None
    return household.confirmed_balance + unconfirmed_points(s, kiosk_id, household)


def append_ledger(
    s: Session,
    k: Kiosk,
    household: Household,
    kind: LedgerKind | str,
    amount: int,
    ref: str,
    at: datetime,
) -> LedgerEntry:
    """Append a chained entry and move the household's cached balance with it."""
    state = kiosk_state(s, k.kiosk_id)
    entry = LedgerEntry(
        id=new_id(),
        kiosk_id=k.kiosk_id,
        seq=state.last_seq + 1,
        household_id=household.id,
        kind=str(kind),
        points=signed_points(kind, amount),
        ref=ref,
        created_at=at,
        prev_hash=state.last_hash,
    )
    entry.hash = chain_hash(state.last_hash, EntryFacts.of(entry))
    state.last_seq = entry.seq
    state.last_hash = entry.hash
    household.balance += entry.points
    s.add(entry)
    s.flush()  # rows that refer to the entry are inserted after it
    return entry


def kiosk_state(s: Session, kiosk_id: str) -> KioskState:
    """Return this kiosk's chain head and session pointer, creating it on first use."""
    state = s.get(KioskState, kiosk_id)
    if state is None:
        state = KioskState(kiosk_id=kiosk_id, last_seq=0, last_hash=GENESIS_HASH)
        s.add(state)
    return state


def audit(s: Session, at: datetime, actor: str, action: str, target: str = "", **details: Any):
    """Record who did what."""
    s.add(AuditEntry(at=at, actor=actor, action=action, target=target, details=details))


def outbox(s: Session, at: datetime, kind: EntryKind | str, payload: dict[str, Any]) -> OutboxRow:
    """Queue a change for central in the current transaction.

    An entry central would refuse for its size would stay in the outbox for ever and hold back
    every later one, so the whole transaction is refused instead, changing nothing.
    """
    if len(protocol.canonical(payload)) > protocol.entry_limit(str(kind)):
        raise errors.TooMuchInOneGo()
    ledger = payload.get("ledger") or {}
    row = OutboxRow(
        entry_id=new_id(),
        kind=str(kind),
        payload=payload,
        created_at=at,
        household_id=ledger.get("household_id"),
        points=ledger.get("points", 0),
        status=OutboxStatus.PENDING,
    )
    s.add(row)
    return row


def current_session(s: Session, kiosk_id: str) -> TerminalSession | None:
    """Return the terminal's open session, if any."""
    return s.scalar(
        select(TerminalSession).where(
            TerminalSession.kiosk_id == kiosk_id, TerminalSession.status == SessionStatus.OPEN
        )
    )


def household_of(s: Session, household_id: str) -> Household:
    """Return a household, which must exist."""
    household = s.get(Household, household_id)
    if household is None:
        raise errors.BadValue(field="household", reason="unknown")
    return household


def resident(s: Session, resident_id: object) -> Resident:
    """Return a resident by id or raise UnknownResident."""
    found = s.get(Resident, resident_id) if isinstance(resident_id, str) else None
    if found is None:
        raise errors.UnknownResident()
    return found


# Outbox kinds whose points enter the household: spendable only once central has confirmed them.
EARNING_KINDS = (EntryKind.CHECKIN, EntryKind.ADJUST)


_EARNING = OutboxRow.kind.in_(EARNING_KINDS)
_PENDING = OutboxRow.status == OutboxStatus.PENDING
_CREDIT = and_(_EARNING, OutboxRow.points > 0)
# Built once: asked at every cart change and checkout of a kiosk that syncs.
_UNCONFIRMED = select(
    func.coalesce(func.sum(case((and_(_PENDING, _CREDIT), OutboxRow.points))), 0),
    func.coalesce(func.sum(case((and_(_PENDING, ~_EARNING), OutboxRow.points))), 0),
    func.count(case((and_(OutboxRow.status == OutboxStatus.REJECTED, _CREDIT), 1))),
).where(
    OutboxRow.household_id == bindparam("household"),
    OutboxRow.status.in_((OutboxStatus.PENDING, OutboxStatus.REJECTED)),
)


def unconfirmed(s: Session, household_id: str) -> tuple[int, int]:
    """Return (earned, out) for a household: the points credited here that central has not
    confirmed (those still to be sent, and those it refused whose reversal has not arrived
    yet), and the points taken here that central has not confirmed. One query; refusals are
    rare and only then read row by row."""
    earned, net_out, refused = s.execute(_UNCONFIRMED, {"household": household_id}).one()
    if refused:
        for row in s.scalars(
            select(OutboxRow).where(
                OutboxRow.household_id == household_id,
                OutboxRow.status == OutboxStatus.REJECTED,
                _CREDIT,
            )
        ):
            ledger_id = ((row.payload or {}).get("ledger") or {}).get("id")
            reversed_ = s.scalar(
                select(LedgerEntry.id).where(
                    LedgerEntry.kind == LedgerKind.ADJUST, LedgerEntry.ref == ledger_id
                )
            )
            if reversed_ is None:
                earned += row.points
    return int(earned), max(-int(net_out), 0)


def available_points(s: Session, k: Kiosk, household: Household, online: bool | None = None) -> int:
    """Return how many points the household may spend here now.

    Points credited at this kiosk count only once central has confirmed them: central is the
    authority for every point that enters, so a credit it has not seen cannot be spent (one it
    refuses is reversed through the feed).
    """
    if not k.synced:
        return rules.spendable(
            household.balance, k.offline_allowance, 0, synced=False, online=False
        )
    earned, out = unconfirmed(s, household.id)
    return rules.spendable(
        household.balance - earned,
        k.offline_allowance,
        out,
        synced=True,
        online=k.online() if online is None else online,
    )


OFFLINE = "offline"  # what limits spending: central is unreachable, the allowance applies
OFFLINE_REFUSAL = (
    "Not enough points usable now: {needed} needed, {available} usable. The network is down: "
    "until it returns, only a limited number of points can be used."
)


@dataclass(frozen=True)
class Spending:
    """What a household may spend here now, and what holds it below its balance."""

    available: int
    limited_by: str | None  # OFFLINE, or None when the balance is what may be spent


def spending(s: Session, k: Kiosk, household: Household, online: bool | None = None) -> Spending:
    """Return the points usable now and, offline, that the network limits them."""
    is_online = k.online() if online is None else online
    available = available_points(s, k, household, is_online)
    offline = k.synced and not is_online and available < max(household.balance, 0)
    return Spending(available, OFFLINE if offline else None)


def check_spend(total: int, allowed: Spending) -> None:
    """Refuse a spend beyond the points usable now, saying when the network is why."""
    if total > allowed.available and allowed.limited_by == OFFLINE:
        raise errors.InsufficientPoints(OFFLINE_REFUSAL, needed=total, available=allowed.available)
    rules.check_available(total, allowed.available)


def count(s: Session, stmt) -> int:
    """Return the number of rows a select would return."""
    return s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
