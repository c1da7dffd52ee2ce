"""The office's records: stores, kiosks, tokens, households, cards, goods, activities."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain import limits
from core.domain.codes import card_code, new_card_token, token_hash
from core.domain.ledger import GENESIS_HASH, EntryFacts, LedgerKind, chain_hash, ledger_wire
from sync.central import tokens
from sync.central.context import CENTRAL_CHAIN, Central, emit
from sync.central.ingest import card_change
from sync.central.models import (
    Activity,
    AuditEntry,
    Card,
    ChainHead,
    CheckIn,
    Household,
    Kiosk,
    LedgerEntry,
    OfficeToken,
    Product,
    Resident,
    SiteSecret,
    Store,
)

KIOSK_ID = limits.RECORD_ID  # as the protocol's kiosk_id
MAX_CAP = limits.ACTIVITY_CAP.high  # participants of one activity


class RegistryError(ValueError):
    """An office request that cannot be carried out; nothing was changed."""


def audit(s: Session, at: datetime, actor: str, action: str, target: str = "", **details: Any):
    """Record an office action."""
    s.add(AuditEntry(at=at, actor=actor, action=action, target=target, details=details))


# -- stores, kiosks, tokens ---------------------------------------------------------------


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
        raise RegistryError(f"a store name of 1 to {limits.MAX_NAME} characters is needed")
    # The id travels in every push, which must pass the protocol's check; CENTRAL is our chain.
    if kiosk_id is not None and (
        not isinstance(kiosk_id, str)
        or not KIOSK_ID.fullmatch(kiosk_id)
        or kiosk_id == CENTRAL_CHAIN
    ):
        raise RegistryError("a kiosk id is 1 to 40 letters, digits, . _ or - (and not CENTRAL)")
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
            raise RegistryError(f"kiosk {kiosk_id} is already enrolled")
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
            raise RegistryError(f"no kiosk {kiosk_id}")
        kiosk.revoked = True
        _stamp_revocation(uow.session)
        undone = _undo_cards_of(uow.session, kiosk_id, c.clock.now())
        audit(uow.session, c.clock.now(), actor, "kiosk_revoke", kiosk_id, cards=undone)
        uow.commit()
    c.tokens.forget(f"kiosk:{kiosk_id}")  # refused at once here, elsewhere at the next stamp read


def _undo_cards_of(s: Session, kiosk_id: str, now: datetime) -> int:
    """Revoke every card a kiosk issued and give back the cards they replaced; say how many.

    A replaced card is followed back past every card this kiosk issued to the first one it did
    not (the office's, or another kiosk's), which is given back if its resident then has no
    working card. The changes go to every kiosk (a restored card still bound to a store only to
    that store's), so within one sync round no store honours the kiosk's cards.
    """
    issued = {
        card.id: card
        for card in s.scalars(select(Card).where(Card.issued_by == kiosk_id).order_by(Card.id))
    }
    undone = 0
    for card in issued.values():
        if card.status == "active":
            card.status, card.revoked_at = "revoked", now
            emit(s, "card", card_change(card), now)  # everywhere, bound or not: revoking is safe
            undone += 1
        card.bound_store_id = None
    s.flush()
    restored: set[int] = set()
    for card in issued.values():
        previous = s.get(Card, card.replaced_id) if card.replaced_id else None
        while previous is not None and previous.id in issued:
            previous = s.get(Card, previous.replaced_id) if previous.replaced_id else None
        if previous is None or previous.id in restored or previous.status != "revoked":
            continue
        still_active = s.scalar(
            select(Card.id).where(Card.resident_id == previous.resident_id, Card.status == "active")
        )
        if still_active is None:
            previous.status, previous.revoked_at = "active", None
            emit(s, "card", card_change(previous), now, store_id=previous.bound_store_id)
            restored.add(previous.id)
    return undone


def confirm_card(c: Central, card_id: int, actor: str) -> None:
    """Let a card issued at a kiosk work at every store (the office has checked it)."""
    with c.uow() as uow:
        s = uow.session
        card = s.get(Card, card_id)
        if card is None or card.status != "active":
            raise RegistryError(f"no active card {card_id}")
        if card.bound_store_id is None:
            return
        card.bound_store_id = None
        now = c.clock.now()
        emit(s, "card", card_change(card), now)
        audit(s, now, actor, "card_confirm", card.resident_id, card=card.id)
        uow.commit()


def office_token(c: Central, role: str = "admin", label: str = "", actor: str = "cli") -> str:
    """Create an office API token with a role (admin or viewer); return it."""
    if role not in ("admin", "viewer"):
        raise RegistryError("the role must be admin or viewer")
    issued = tokens.issue(tokens.OFFICE_PREFIX)
    with c.uow() as uow:
        now = c.clock.now()
        uow.session.add(
            OfficeToken(
                token_id=issued.token_id,
                token_hash=issued.token_hash,
                role=role,
                label=label,
                created_at=now,
            )
        )
        audit(uow.session, now, actor, "office_token", role, label=label)
        uow.commit()
    return issued.token


def revoke_office_token(c: Central, token_id: str, actor: str = "cli") -> None:
    """Revoke an office token by its public id so it can no longer be used."""
    with c.uow() as uow:
        row = uow.session.scalar(select(OfficeToken).where(OfficeToken.token_id == token_id))
        if row is None:
            raise RegistryError(f"no office token {token_id}")
        row.revoked, office_id = True, row.id
        _stamp_revocation(uow.session)
        audit(uow.session, c.clock.now(), actor, "office_token_revoke", token_id)
        uow.commit()
    c.tokens.forget(f"office:{office_id}")


def _stamp_revocation(s: Session) -> None:
    """Change the stamp that tells every central process to forget the tokens it verified."""
    row = s.get(SiteSecret, tokens.REVOCATION_STAMP)
    if row is None:
        s.add(SiteSecret(name=tokens.REVOCATION_STAMP, value=secrets.token_hex(8)))
    else:
        row.value = secrets.token_hex(8)  # random, not a counter: two revocations never collide


def set_allowance(c: Central, store: str, points: int, actor: str) -> None:
    """Set a store's offline allowance; its kiosks learn it from the feed."""
    if points not in limits.ALLOWANCE:
        low, high = limits.ALLOWANCE
        raise RegistryError(f"the allowance must be a whole number from {low} to {high}")
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        shop = s.scalar(select(Store).where(Store.name == store))
        if shop is None:
            raise RegistryError(f"no store {store}")
        shop.offline_allowance = points
        emit(s, "settings", {"offline_allowance": points}, now, store_id=shop.id)
        audit(s, now, actor, "allowance", store, points=points)
        uow.commit()


# -- households and residents ---------------------------------------------------------------


def household_change(h: Household) -> dict[str, Any]:
    return {"id": h.id, "name": h.name}


def resident_change(r: Resident) -> dict[str, Any]:
    return {"id": r.id, "household_id": r.household_id, "name": r.name}


def next_household_id(s: Session) -> int:
    """Return the number the next household id will carry."""
    last = s.scalar(select(func.max(Household.id)).where(Household.id.like("H%")))
    try:
        return int(last[1:]) + 1 if last else 1
    except ValueError:
        return (s.scalar(select(func.count()).select_from(Household)) or 0) + 1


def credit(
    s: Session, at: datetime, household: Household, points: int, kind: str, ref: str
) -> LedgerEntry:
    """Append an entry to central's own chain and announce it to the kiosks."""
    # Locked: two office corrections at once must not take the same sequence number.
    head = s.get(ChainHead, CENTRAL_CHAIN, with_for_update=True)
    if head is None:  # a database from before c0009, which makes the row
        head = ChainHead(kiosk_id=CENTRAL_CHAIN, last_seq=0, last_hash=GENESIS_HASH)
        s.add(head)
    entry = LedgerEntry(
        id=str(uuid.uuid4()),
        kiosk_id=CENTRAL_CHAIN,
        seq=head.last_seq + 1,
        household_id=household.id,
        kind=str(kind),
        points=points,
        ref=ref,
        created_at=at,
        prev_hash=head.last_hash,
    )
    entry.hash = chain_hash(head.last_hash, EntryFacts.of(entry))
    head.last_seq, head.last_hash = entry.seq, entry.hash
    household.balance += points
    s.add(entry)
    emit(s, "ledger", ledger_wire(entry), at)
    return entry


@dataclass(frozen=True)
class RosterRow:
    line: int
    household: str
    resident: str
    phone: str
    opening_points: int


def add_roster(
    c: Central, rows: list[RosterRow], actor: str = "cli", progress=None
) -> tuple[int, int]:
    """Register households and residents; return (households added, residents added)."""
    added_h = added_r = 0
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        by_name = {h.name: h for h in s.scalars(select(Household))}
        members: dict[str, set[str]] = {}
        for r in s.scalars(select(Resident)):
            members.setdefault(r.household_id, set()).add(r.name)
        counts = dict(
            s.execute(
                select(Resident.household_id, func.count()).group_by(Resident.household_id)
            ).all()
        )
        n = next_household_id(s)
        for i, row in enumerate(rows, start=1):
            household = by_name.get(row.household)
            if household is None:
                household = Household(id=f"H{n:06d}", name=row.household, balance=0, created_at=now)
                n += 1
                s.add(household)
                s.flush()
                by_name[row.household] = household
                emit(s, "household", household_change(household), now)
                if row.opening_points:
                    credit(s, now, household, row.opening_points, LedgerKind.ADJUST, "opening")
                added_h += 1
            names = members.setdefault(household.id, set())
            if row.resident not in names:
                counts[household.id] = counts.get(household.id, 0) + 1
                person = Resident(
                    id=f"{household.id}-{counts[household.id]}",
                    household_id=household.id,
                    name=row.resident,
                    phone=row.phone or None,
                    created_at=now,
                )
                s.add(person)
                names.add(row.resident)
                emit(s, "resident", resident_change(person), now)
                added_r += 1
            if progress and i % 1000 == 0:
                progress(i)
        audit(s, now, actor, "roster_import", "", households=added_h, residents=added_r)
        uow.commit()
    return added_h, added_r


@dataclass(frozen=True)
class IssuedCard:
    resident_id: str
    resident: str
    household: str
    code: str


def issue_cards(
    c: Central,
    resident_ids: list[str] | None = None,
    *,
    reissue: bool = False,
    actor: str = "cli",
    token_for=None,
) -> list[IssuedCard]:
    """Issue cards to residents without one (or re-issue the given ones); return the codes."""
    issued: list[IssuedCard] = []
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        stmt = select(Resident, Household).join(Household, Household.id == Resident.household_id)
        if resident_ids is not None:
            stmt = stmt.where(Resident.id.in_(resident_ids))
        holders = set(s.scalars(select(Card.resident_id).where(Card.status == "active")))
        for person, household in s.execute(stmt.order_by(Resident.id)).all():
            if person.id in holders:
                if not reissue:
                    continue
                for old in s.scalars(
                    select(Card).where(Card.resident_id == person.id, Card.status == "active")
                ):
                    old.status, old.revoked_at = "revoked", now
                    emit(s, "card", card_change(old), now)
            token = token_for(person.id) if token_for else new_card_token()
            card = Card(
                resident_id=person.id, token_hash=token_hash(token), status="active", issued_at=now
            )
            s.add(card)
            emit(s, "card", card_change(card), now)
            issued.append(IssuedCard(person.id, person.name, household.name, card_code(token)))
        audit(s, now, actor, "cards_issue", "", count=len(issued), reissue=reissue)
        uow.commit()
    return issued


def revoke_card(c: Central, resident_id: str, actor: str) -> int:
    """Revoke a resident's active cards; return how many."""
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        cards = s.scalars(
            select(Card).where(Card.resident_id == resident_id, Card.status == "active")
        ).all()
        for card in cards:
            card.status, card.revoked_at = "revoked", now
            emit(s, "card", card_change(card), now)
        audit(s, now, actor, "card_revoke", resident_id, count=len(cards))
        uow.commit()
    return len(cards)


# -- goods and activities ---------------------------------------------------------------------


def product_change(p: Product) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "category": p.category,
        "points": p.points,
        "unit": p.unit,
        "active": p.active,
    }


@dataclass(frozen=True)
class ProductRow:
    line: int
    code: str
    name: str
    category: str
    points: int
    unit: str


def save_products(c: Central, rows: list[ProductRow], actor: str = "cli") -> tuple[int, int]:
    """Add or update goods of the catalogue; return (added, changed)."""
    added = changed = 0
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        for row in rows:
            p = s.get(Product, row.code)
            if p is None:
                p = Product(
                    code=row.code,
                    name=row.name,
                    category=row.category,
                    points=row.points,
                    unit=row.unit,
                    active=True,
                )
                s.add(p)
                added += 1
            elif (p.name, p.category, p.points, p.unit, p.active) != (
                row.name,
                row.category,
                row.points,
                row.unit,
                True,
            ):
                if p.points != row.points:
                    audit(s, now, actor, "price_change", p.code, old=p.points, new=row.points)
                p.name, p.category, p.points, p.unit, p.active = (
                    row.name,
                    row.category,
                    row.points,
                    row.unit,
                    True,
                )
                changed += 1
            else:
                continue
            s.flush()
            emit(s, "product", product_change(p), now)
        audit(s, now, actor, "products_import", "", added=added, changed=changed)
        uow.commit()
    return added, changed


def activity_change(a: Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "code": a.code,
        "name": a.name,
        "type": a.type,
        "day": a.day.isoformat(),
        "points": a.points,
        "cap": a.cap,
        "active": a.active,
    }


def define_activity(
    c: Central,
    code: str,
    name: str,
    kind: str,
    day: date,
    points: int,
    cap: int | None = None,
    actor: str = "office",
) -> str:
    """Define an activity kiosks can check residents in to; return its id."""
    code = (code or "").strip().upper()
    if not limits.is_code(code):
        raise RegistryError("the activity code must be 1 to 32 letters, digits, . _ or -")
    if points not in limits.ACTIVITY_POINTS:
        low, high = limits.ACTIVITY_POINTS
        raise RegistryError(f"points must be a whole number from {low} to {high}")
    name, kind = " ".join((name or "").split()), " ".join((kind or "").split())
    if not name or len(name) > limits.MAX_NAME or not name.isprintable():
        raise RegistryError("the activity needs a name of 1 to 80 printable characters")
    if len(kind) > limits.MAX_ACTIVITY_TYPE or not kind.isprintable():
        raise RegistryError("the activity type has at most 40 printable characters")
    if cap is not None and cap not in limits.ACTIVITY_CAP:
        raise RegistryError(f"the cap must be a whole number from 1 to {MAX_CAP}")
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        if s.scalar(select(Activity).where(Activity.code == code)) is not None:
            raise RegistryError(f"an activity with code {code} exists")
        activity = Activity(
            id=f"ACT-{code}",
            code=code,
            name=name,
            type=kind,
            day=day,
            points=points,
            cap=cap,
            active=True,
        )
        s.add(activity)
        s.flush()
        emit(s, "activity", activity_change(activity), now)
        audit(s, now, actor, "activity_define", activity.id, points=points)
        uow.commit()
    return activity.id


def award(c: Central, activity_id: str, resident_ids: list[str], actor: str) -> dict[str, Any]:
    """Credit residents for an activity, once each; return who was credited or skipped."""
    credited, skipped = [], []
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        # The activity first, as a kiosk's push takes it: its cap and residents are counted once.
        activity = s.get(Activity, activity_id, with_for_update=True)
        if activity is None:
            raise RegistryError(f"no activity {activity_id}")
        done = set(s.scalars(select(CheckIn.resident_id).where(CheckIn.activity_id == activity_id)))
        wanted = list(dict.fromkeys(resident_ids))
        people = {
            p.id: p
            for part in _chunks(wanted)
            for p in s.scalars(select(Resident).where(Resident.id.in_(part)))
        }
        # Lock the households first and in id order, as a kiosk's push does: locking one after
        # the feed lock (taken by the first credit) could deadlock with a push.
        households = {
            h.id: h
            for part in _chunks(sorted({p.household_id for p in people.values()}))
            for h in s.scalars(
                select(Household)
                .where(Household.id.in_(part))
                .order_by(Household.id)
                .with_for_update()
            )
        }
        for rid in wanted:
            person = people.get(rid)
            if person is None or rid in done:
                skipped.append(rid)
                continue
            if activity.cap is not None and len(done) >= activity.cap:
                skipped.append(rid)
                continue
            household = households[person.household_id]
            checkin_id = str(uuid.uuid4())
            credit(s, now, household, activity.points, LedgerKind.EARN, checkin_id)
            s.add(
                CheckIn(
                    id=checkin_id,
                    activity_id=activity_id,
                    resident_id=rid,
                    household_id=household.id,
                    kiosk_id=None,
                    store_id=None,
                    points=activity.points,
                    created_at=now,
                )
            )
            done.add(rid)
            credited.append(rid)
        audit(s, now, actor, "award", activity_id, credited=len(credited), skipped=len(skipped))
        uow.commit()
    return {"credited": credited, "skipped": skipped}


def _chunks(items: list[str], size: int = 5000) -> list[list[str]]:
    """Split a long list of ids so that each IN (...) stays within the drivers' limits."""
    return [items[i : i + size] for i in range(0, len(items), size)]
