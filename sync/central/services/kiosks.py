"""Stores and kiosks: enrol a kiosk, revoke it, set a store's offline allowance."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Update, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.domain import limits
from sync.central import tokens
from sync.central.context import CENTRAL_CHAIN, Central, emit
from sync.central.models import CentralSetting, Kiosk, Store
from sync.central.services.audit import audit
from sync.central.services.cards import undo_cards_of
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.tokens import stamp_revocation
from sync.central.states import TokenOwner
from sync.central.store_set import CLOSED, WHOLE_FEED, whole_feed_shut

KIOSK_ID = limits.RECORD_ID  # as the protocol's kiosk_id
MAX_ALLOWANCE = limits.ALLOWANCE.high  # the most a store's offline allowance may be


def note_store_feed(c: Central, kiosk_id: str) -> None:
    """Note that a kiosk reads its store's feed (written once, then remembered by this
    process): from then on its token is refused the whole feed (see whole_feed_closed)."""
    _note_once(c, c.store_feed_noted, kiosk_id, Kiosk.store_feed.is_(False), store_feed=True)


def note_whole_feed_read(c: Central, kiosk_id: str) -> None:
    """Note that a kiosk reads the whole feed, so `kiosk central whole-feed` names it even if
    it never pushed nor sent a heartbeat (its first read marks it seen)."""
    _note_once(c, c.whole_feed_noted, kiosk_id, Kiosk.last_seen.is_(None), last_seen=c.clock.now())


def _note_once(c: Central, noted: set[str], kiosk_id: str, where, **values: Any) -> None:
    """Write values on a kiosk's row if its row matches where (once per process)."""
    if kiosk_id in noted:
        return
    with c.uow() as uow:
        uow.session.execute(update(Kiosk).where(Kiosk.id == kiosk_id, where).values(**values))
        uow.commit()
    noted.add(kiosk_id)


def whole_feed_closed(c: Central, kiosk_id: str) -> bool:
    """Say whether a kiosk's token is refused the whole feed: the programme has closed it, or
    the kiosk has read its store's (a kiosk of protocol 1 never has; a thief holding a newer
    kiosk's token gets no more)."""
    if kiosk_id in c.store_feed_noted:
        return True
    with c.uow(write=False) as uow:
        s = uow.session
        return whole_feed_shut(s) or bool(
            s.scalar(select(Kiosk.store_feed).where(Kiosk.id == kiosk_id))
        )


@dataclass(frozen=True)
class WholeFeed:
    """The whole feed's state: closed or not, the kiosks it still serves (enrolled, not
    revoked, that have reached central and never read their store's feed: protocol 1), and
    the kiosks enrolled that have never reached central (their release is not known yet: one
    of an earlier release would read the whole feed at its first sync)."""

    closed: bool
    readers: list[str]
    unseen: list[str] = field(default_factory=list)


def whole_feed(c: Central) -> WholeFeed:
    """Return the whole feed's state."""
    with c.uow(write=False) as uow:
        return _whole_feed(uow.session)


def _whole_feed(s: Session) -> WholeFeed:
    return WholeFeed(whole_feed_shut(s), _readers(s), _readers(s, seen=False))


def _readers(s: Session, *, seen: bool = True) -> list[str]:
    contact = Kiosk.last_seen.is_not(None) if seen else Kiosk.last_seen.is_(None)
    return list(
        s.scalars(
            select(Kiosk.id)
            .where(Kiosk.revoked.is_(False), Kiosk.store_feed.is_(False), contact)
            .order_by(Kiosk.id)
        )
    )


def close_whole_feed(c: Central, *, anyway: bool = False, actor: str = "cli") -> WholeFeed:
    """Close the programme's whole feed, for good: every kiosk then reads its store's feed only,
    and central stops writing each kiosk's ledger entries to the feed for the others (a kiosk
    of protocol 1 pulled them; no kiosk of this release reads them).

    Refused while a kiosk of protocol 1 still syncs, unless anyway: it would go on selling on
    the balances it last heard. Returns the state before closing (readers: those cut off).
    """
    try:
        with c.uow() as uow:
            s = uow.session
            before = _whole_feed(s)
            if before.closed:
                return before
            if before.readers and not anyway:
                raise RegistryError(Refusal.WHOLE_FEED_READERS, kiosks=", ".join(before.readers))
            s.merge(CentralSetting(key=WHOLE_FEED, value=CLOSED))
            audit(
                s,
                c.clock.now(),
                actor,
                "whole_feed_close",
                cut_off=before.readers,
                never_seen=before.unseen,
            )
            uow.commit()
    except IntegrityError:  # closed at the same moment by another: closed already
        return replace(before, closed=True)
    return before


def store_named(s: Session, name: str, at: datetime) -> Store:
    """Return the store of that name, creating it."""
    store = s.scalar(select(Store).where(Store.name == name))
    if store is None:
        store = Store(name=name, offline_allowance=200, created_at=at)
        s.add(store)
        s.flush()
        emit(s, "settings", {"offline_allowance": store.offline_allowance}, at, store_id=store.id)
    return store


@dataclass(frozen=True)
class Enrolment:
    kiosk_id: str
    token: str
    store: str


def enroll(c: Central, store: str, kiosk_id: str | None = None, actor: str = "cli") -> Enrolment:
    """Enrol a kiosk for a store; return its id and the only copy of its token."""
    name = " ".join((store or "").split())
    if not name or len(name) > limits.MAX_NAME:
        raise RegistryError(Refusal.STORE_NAME)
    # The id travels in every push, which must pass the protocol's check; CENTRAL is our chain.
    if kiosk_id is not None and (
        not isinstance(kiosk_id, str)
        or not KIOSK_ID.fullmatch(kiosk_id)
        or kiosk_id == CENTRAL_CHAIN
    ):
        raise RegistryError(Refusal.KIOSK_ID)
    issued = tokens.issue(tokens.KIOSK_PREFIX)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        shop = store_named(s, name, now)
        if kiosk_id is None:
            n = (s.scalar(select(func.count()).select_from(Kiosk)) or 0) + 1
            while s.get(Kiosk, f"K{n:03d}") is not None:
                n += 1
            kiosk_id = f"K{n:03d}"
        elif s.get(Kiosk, kiosk_id) is not None:
            raise RegistryError(Refusal.KIOSK_ENROLLED, kiosk_id=kiosk_id)
        s.add(
            Kiosk(
                id=kiosk_id,
                store_id=shop.id,
                token_id=issued.token_id,
                token_hash=issued.token_hash,
                enrolled_at=now,
                contiguous_seq=0,
            )
        )
        audit(s, now, actor, "kiosk_enroll", kiosk_id, store=name)
        uow.commit()
    return Enrolment(kiosk_id, issued.token, name)


def revoke_kiosk(c: Central, kiosk_id: str, actor: str = "cli") -> None:
    """Revoke a kiosk's token so it can no longer sync."""
    with c.uow() as uow:
        kiosk = uow.session.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise RegistryError(Refusal.NO_KIOSK, kiosk_id=kiosk_id)
        kiosk.revoked = True
        stamp_revocation(uow.session)
        undone = undo_cards_of(uow.session, kiosk_id, c.clock.now())
        audit(uow.session, c.clock.now(), actor, "kiosk_revoke", kiosk_id, cards=undone)
        uow.commit()
    c.tokens.forget(
        f"{TokenOwner.KIOSK}:{kiosk_id}"
    )  # refused at once here, elsewhere at the next stamp read


def set_allowance(c: Central, store: str, points: int, actor: str) -> None:
    """Set a store's offline allowance; its kiosks learn it from the feed."""
    if points not in limits.ALLOWANCE:
        raise RegistryError(Refusal.ALLOWANCE, most=MAX_ALLOWANCE)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        shop = s.scalar(select(Store).where(Store.name == store))
        if shop is None:
            raise RegistryError(Refusal.NO_STORE, store=store)
        shop.offline_allowance = points
        emit(s, "settings", {"offline_allowance": points}, now, store_id=shop.id)
        audit(s, now, actor, "allowance", store, points=points)
        uow.commit()


HEARTBEAT_COLUMNS = (
    ("version", "version"),
    ("backlog", "backlog"),
    ("printer", "printer_state"),
    ("camera", "camera_state"),
    ("last_error", "last_error"),
)


def record_heartbeat(c: Central, kiosk_id: str, **fields: Any) -> None:
    """Note that a kiosk was seen, with the version, backlog and device states it reported."""
    with c.uow() as uow:
        seen(uow.session, kiosk_id, c.clock.now(), fields)
        uow.commit()


def seen(s: Session, kiosk_id: str, at: datetime, fields: dict[str, Any]) -> int | None:
    """Note in the caller's transaction that a kiosk was seen at `at`, with the heartbeat fields
    given; return its contiguous sequence number (None for no such kiosk).

    One UPDATE … RETURNING of the table (not the ORM's bulk update): no row is loaded first.
    """
    return s.execute(seen_statement(kiosk_id, at, fields)).scalar()


def seen_statement(kiosk_id: str, at: datetime, fields: dict[str, Any], *returning) -> Update:
    """Return the UPDATE that notes a kiosk seen with its heartbeat fields, returning its
    contiguous sequence number and then whatever else is asked."""
    values: dict[str, Any] = {"last_seen": at}
    for name, column in HEARTBEAT_COLUMNS:
        if name in fields:
            values[column] = fields[name]
    table = Kiosk.__table__
    return (
        update(table)
        .where(table.c.id == kiosk_id)
        .values(values)
        .returning(table.c.contiguous_seq, *returning)
    )
