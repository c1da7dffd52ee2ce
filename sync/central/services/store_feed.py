"""Households join a store's set; joining writes their records to the store's feed.

A kiosk that reads its store's feed (`GET /api/v1/changes?scope=store`) receives the records of
the households in its store's set (`sync.central.store_set`), each household's confirmed
balance (a `balance` change, never the entries of other kiosks), the catalogue, the activities
and its store's settings. A household joins in the transaction that first names it at the
store (an entry pushed there, a card looked up there).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from sync.central.bulk import among, on_postgresql
from sync.central.context import Central, emit_many, lock_feed
from sync.central.ledger_notes import household_notes
from sync.central.models import Area, Card, Household, Resident, Store, StoreMember
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.states import CardStatus
from sync.central.store_set import records


def join(s: Session, store_id: int, household_ids: set[str], at: datetime) -> set[str]:
    """Add households to a store's set and announce them to its feed; return those new to it.

    Safe against another transaction joining the same household at once (the second insert
    does nothing). The caller holds the feed lock (or takes it through emit_many).
    """
    if not household_ids:
        return set()
    lock_feed(s)
    if on_postgresql(s):
        # One statement of fixed text binding an array: a multi-row VALUES of hundreds of
        # households was compiled afresh for every batch, while the feed lock was held.
        joined = set(
            s.scalars(
                text(
                    "INSERT INTO store_members (store_id, household_id, joined_at, announced)"
                    " SELECT :store, h, :at, true FROM unnest(CAST(:ids AS text[])) AS h"
                    " ORDER BY h ON CONFLICT (store_id, household_id) DO NOTHING"
                    " RETURNING household_id"
                ),
                {"store": store_id, "at": at, "ids": sorted(household_ids)},
            ).all()
        )
        _emit_records(s, store_id, sorted(joined), at)
        return joined
    rows = [
        {"store_id": store_id, "household_id": h, "joined_at": at, "announced": True}
        for h in sorted(household_ids)
    ]
    insert = sqlite_insert
    statement = (
        insert(StoreMember)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["store_id", "household_id"])
        .returning(StoreMember.household_id)
    )
    joined = set(s.scalars(statement).all())
    _emit_records(s, store_id, sorted(joined), at)
    return joined


def announce(c: Central, store_id: int) -> int:
    """Write to a store's feed the households of its set not yet announced; return how many.

    Households that had shopped at a store before its feed existed (c0014) are announced the
    first time a kiosk of the store reads the store's feed.
    """
    with c.uow(write=False) as uow:
        if not waiting(uow.session, store_id):
            return 0
    return announce_waiting(c, store_id)


# Whether a store's set holds a household not yet announced: fixed text, run before every page
# of a store's feed. The condition is written as the partial index ix_store_members_unannounced
# has it, so that index (only the households waiting) answers.
WAITING = text("SELECT 1 FROM store_members WHERE store_id = :store AND NOT announced LIMIT 1")


def waiting(s: Session, store_id: int) -> bool:
    """Tell whether a store's set holds households not yet announced to its feed."""
    return s.scalar(WAITING, {"store": store_id}) is not None


def waiting_clause(store_id: int):
    """Return whether a store's set holds households not yet announced, as a column to select
    (the condition as ix_store_members_unannounced has it)."""
    members = StoreMember.__table__
    return (
        exists()
        .where(members.c.store_id == store_id, text("NOT store_members.announced"))
        .label("waiting")
    )


def announce_waiting(c: Central, store_id: int) -> int:
    """Write to a store's feed the households of its set not yet announced; return how many."""
    with c.uow() as uow:
        s = uow.session
        lock_feed(s)
        ids = list(
            s.scalars(
                select(StoreMember.household_id)
                .where(StoreMember.store_id == store_id, StoreMember.announced.is_(False))
                .order_by(StoreMember.household_id)
                .with_for_update(skip_locked=on_postgresql(s))
            )
        )
        if ids:
            _emit_records(s, store_id, ids, c.clock.now())
            s.execute(
                update(StoreMember)
                .where(StoreMember.store_id == store_id, among(s, StoreMember.household_id, ids))
                .values(announced=True)
            )
        uow.commit()
    return len(ids)


def joined_records(s: Session, store_id: int, ids: list[str]) -> list[tuple[str, dict]]:
    """Return what a store's kiosks learn of households joining its set: their records and
    balances, then what the office's latest entries for each were for (for 查积分)."""
    return records(s, store_id, ids) + [("history", d) for d in household_notes(s, ids)]


def _emit_records(s: Session, store_id: int, ids: list[str], at: datetime) -> None:
    rows = [
        {"kind": kind, "data": data, "origin_kiosk": None, "store_id": store_id, "created_at": at}
        for kind, data in joined_records(s, store_id, ids)
    ]
    if rows:
        emit_many(s, rows)


def look_up_card(
    c: Central, kiosk_id: str, store_id: int, token_hash: str
) -> tuple[str, list] | None:
    """Find a card for a kiosk of a store; its household joins the store's set. Audited.

    Return the household's id and its records (household, residents, cards, balance) as the
    feed carries them, or None for a card central does not know, a revoked one (it tells the
    kiosk nothing of the household) or one bound to another store.
    """
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        found = s.execute(
            select(Card.bound_store_id, Resident.household_id)
            .join(Resident, Resident.id == Card.resident_id)
            .where(Card.token_hash == token_hash, Card.status == CardStatus.ACTIVE)
        ).first()
        if found is None or found.bound_store_id not in (None, store_id):
            audit(s, now, f"kiosk:{kiosk_id}", "card_lookup", "", card=token_hash[:12], found=False)
            uow.commit()
            return None
        household_id = found.household_id
        join(s, store_id, {household_id}, now)
        # The answer holds the records only, as kiosks of every release read them; the notes
        # of the household's history come with the copies in the store's feed.
        answer = records(s, store_id, [household_id])
        audit(
            s,
            now,
            f"kiosk:{kiosk_id}",
            "card_lookup",
            household_id,
            card=token_hash[:12],
            found=True,
        )
        uow.commit()
    return household_id, answer


def assign(c: Central, store_name: str, household_ids: list[str], actor: str) -> int:
    """Put households in a store's set (the office's choice); return how many joined."""
    with c.uow() as uow:
        s = uow.session
        store_id = s.scalar(select(Store.id).where(Store.name == store_name))
        if store_id is None:
            raise RegistryError(Refusal.NO_STORE, store=store_name)
        known = set(s.scalars(select(Household.id).where(among(s, Household.id, household_ids))))
        if known != set(household_ids):
            missing = sorted(set(household_ids) - known)[0]
            raise RegistryError(Refusal.NO_HOUSEHOLD, household_id=missing)
        now = c.clock.now()
        joined = join(s, store_id, known, now)
        audit(s, now, actor, "store_assign", store_name, households=len(joined))
        uow.commit()
    return len(joined)


def join_village(
    s: Session,
    at: datetime,
    *,
    store_ids: set[int] | None = None,
    household_ids: set[str] | None = None,
) -> int:
    """Put each household of a village's groups in the set of every store in that village.

    A store serves its own village first: its kiosks know the village's households and cards
    before any of them shops there. Called when a store is placed in a village, a household in
    a group, or a roster names groups; narrowed to those stores or households. Returns how many
    households joined a set.
    """
    group = aliased(Area)
    stmt = (
        select(Store.id, Household.id)
        .join(group, group.parent_id == Store.area_id)
        .join(Household, Household.area_id == group.id)
    )
    if store_ids is not None:
        stmt = stmt.where(among(s, Store.id, sorted(store_ids)))
    if household_ids is not None:
        stmt = stmt.where(among(s, Household.id, sorted(household_ids)))
    wanted: dict[int, set[str]] = {}
    for store_id, household_id in s.execute(stmt):
        wanted.setdefault(store_id, set()).add(household_id)
    return sum(len(join(s, store_id, ids, at)) for store_id, ids in sorted(wanted.items()))
