"""A store's set of households, and the store copies of changes to them.

The set is one query, `store_households`: today the households that have an entry at the store
or that a kiosk of the store has looked up by card. Changes to a household (its record,
residents, cards, confirmed balance) are copied to the feed of every store whose set holds it;
`sync.central.context.emit` makes the copies, `sync.central.services.store_feed` the joins.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from sync.central.bulk import among, insert_rows, on_postgresql
from sync.central.models import Card, CentralSetting, Change, Household, Resident, StoreMember

HOUSEHOLD_KINDS = ("household", "resident", "card", "expiry_notice", "quota_use", "history")

# The setting that says the programme's whole feed is closed: to every kiosk, and for good
# (services.kiosks.close_whole_feed).
WHOLE_FEED = "whole_feed"
CLOSED = "closed"


def whole_feed_shut(s: Session) -> bool:
    """Say whether the programme has closed its whole feed (read once per session: it never
    opens again)."""
    if "whole_feed_shut" not in s.info:
        value = s.scalar(select(CentralSetting.value).where(CentralSetting.key == WHOLE_FEED))
        s.info["whole_feed_shut"] = value == CLOSED
    return s.info["whole_feed_shut"]


def for_someone(s: Session, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the changes some feed reads. With the whole feed closed, a ledger entry (kiosks
    of protocol 1 pulled them) and a change to a household meant for every store (the stores
    read their own copies, fan_out) are read by no one, so they are dropped."""
    if not whole_feed_shut(s):
        return changes
    return [c for c in changes if not _whole_feed_only(c)]


def _whole_feed_only(change: dict[str, Any]) -> bool:
    if change["kind"] == "ledger":
        return True
    return change["kind"] in HOUSEHOLD_KINDS and change.get("store_id") is None


def store_households(store_id: int) -> Select:
    """Return the ids of the households in a store's set, as a query to use in others."""
    return select(StoreMember.household_id).where(StoreMember.store_id == store_id)


def stores_of(s: Session, household_ids: set[str]) -> dict[str, list[int]]:
    """Return the stores whose set holds each of these households."""
    out: dict[str, list[int]] = defaultdict(list)
    if not household_ids:
        return out
    # The set is written by statements, never by pending ORM objects: nothing to flush first
    # (an import that emits a change per row must not flush per row).
    with s.no_autoflush:
        for household_id, store_id in s.execute(
            select(StoreMember.household_id, StoreMember.store_id)
            .where(among(s, StoreMember.household_id, sorted(household_ids)))
            .order_by(StoreMember.household_id, StoreMember.store_id)
        ):
            out[household_id].append(store_id)
    return out


def card_data(card: Card) -> dict[str, Any]:
    """Return a card as the feed carries it."""
    return {"token_hash": card.token_hash, "resident_id": card.resident_id, "status": card.status}


def balance_data(household_id: str, balance: int, kiosk_id: str | None, seq: int) -> dict:
    """Return a confirmed balance as the feed carries it.

    kiosk_id and seq: the kiosk whose entries this balance takes in up to its ledger sequence
    seq (so that kiosk counts only its own later entries on top); None and 0 for central.
    """
    return {"household_id": household_id, "balance": balance, "kiosk_id": kiosk_id, "seq": seq}


def records(s: Session, store_id: int, household_ids: list[str]) -> list[tuple[str, dict]]:
    """Return the changes that tell a store's kiosks these households: records, then balances.

    A card issued at another store and not yet confirmed by the office stays out.
    """
    if not household_ids:
        return []
    ids = sorted(set(household_ids))
    households = s.execute(
        select(Household.id, Household.name, Household.balance)
        .where(among(s, Household.id, ids))
        .order_by(Household.id)
    ).all()
    residents = s.execute(
        select(Resident.id, Resident.household_id, Resident.name)
        .where(among(s, Resident.household_id, ids))
        .order_by(Resident.id)
    ).all()
    cards = s.execute(
        select(Card.token_hash, Card.resident_id, Card.status, Card.bound_store_id)
        .join(Resident, Resident.id == Card.resident_id)
        .where(among(s, Resident.household_id, ids))
        .order_by(Card.id)
    ).all()
    out: list[tuple[str, dict]] = [("household", {"id": h.id, "name": h.name}) for h in households]
    out += [
        ("resident", {"id": r.id, "household_id": r.household_id, "name": r.name})
        for r in residents
    ]
    out += [
        ("card", {"token_hash": c.token_hash, "resident_id": c.resident_id, "status": c.status})
        for c in cards
        if c.bound_store_id is None or c.bound_store_id == store_id
    ]
    out += [("balance", balance_data(h.id, h.balance, None, 0)) for h in households]
    return out


def fan_out(s: Session, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return copies, for each store whose set holds the household, of changes to households.

    The changes themselves stay as they are (for every store: kiosks reading the whole feed
    need them); a store's feed carries only its own copies. A change already meant for one
    store (a card bound to it) is not copied.
    """
    wanted = [c for c in changes if c["kind"] in HOUSEHOLD_KINDS and c.get("store_id") is None]
    if not wanted:
        return []
    residents = {c["data"]["resident_id"] for c in wanted if c["kind"] == "card"}
    resident_households = (
        dict(
            s.execute(
                select(Resident.id, Resident.household_id).where(
                    among(s, Resident.id, sorted(residents))
                )
            ).all()
        )
        if residents
        else {}
    )

    def household_of(change: dict[str, Any]) -> str | None:
        data = change["data"]
        if change["kind"] == "household":
            return data["id"]
        if change["kind"] in ("resident", "expiry_notice", "quota_use", "history"):
            return data["household_id"]
        return resident_households.get(data["resident_id"])

    owners = [household_of(c) for c in wanted]
    stores = stores_of(s, {h for h in owners if h is not None})
    return [
        {**change, "store_id": store_id, "origin_kiosk": None}
        for change, household_id in zip(wanted, owners, strict=True)
        for store_id in stores.get(household_id or "", [])
    ]


def balance_rows(
    s: Session,
    balances: dict[str, int],
    at: datetime,
    *,
    kiosk_id: str | None = None,
    seqs: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Return one `balance` change per household and store whose set holds it."""
    seqs = seqs or {}
    stores = stores_of(s, set(balances))
    return [
        {
            "kind": "balance",
            "data": balance_data(
                household_id,
                balance,
                kiosk_id if household_id in seqs else None,
                seqs.get(household_id, 0),
            ),
            "origin_kiosk": None,
            "store_id": store_id,
            "created_at": at,
        }
        for household_id, balance in sorted(balances.items())
        for store_id in stores.get(household_id, [])
    ]


# One `balance` change per household and store whose set holds it, made by the database from
# arrays: the data is written as orjson writes balance_data (the feed hands it on as it is).
INSERT_BALANCES = text(
    "INSERT INTO changes (kind, data, origin_kiosk, store_id, created_at)"
    " SELECT 'balance', CAST('{\"household_id\":' || to_json(v.household_id)::text"
    " || ',\"balance\":' || v.balance"
    " || ',\"kiosk_id\":' || coalesce(to_json(CAST(:kiosk AS text))::text, 'null')"
    " || ',\"seq\":' || v.seq || '}' AS json),"
    " NULL, m.store_id, :at"
    " FROM unnest(CAST(:ids AS text[]), CAST(:balances AS bigint[]), CAST(:seqs AS bigint[]))"
    " WITH ORDINALITY AS v(household_id, balance, seq, n)"
    " JOIN store_members m ON m.household_id = v.household_id"
    " ORDER BY v.n, m.store_id"
)


def insert_balances(
    s: Session,
    balances: dict[str, int],
    at: datetime,
    *,
    kiosk_id: str,
    seqs: dict[str, int],
) -> None:
    """Write balance_rows' changes for households of which a kiosk's entries were taken in
    (each in seqs), under the feed lock the caller holds.

    On PostgreSQL in one statement: a batch's hundreds of households, each in up to every
    store's set, made thousands of rows built in Python and copied back.
    """
    if not balances:
        return
    if not on_postgresql(s):
        insert_rows(s, Change, balance_rows(s, balances, at, kiosk_id=kiosk_id, seqs=seqs))
        return
    ids = sorted(balances)
    s.execute(
        INSERT_BALANCES,
        {
            "kiosk": kiosk_id,
            "at": at,
            "ids": ids,
            "balances": [balances[h] for h in ids],
            "seqs": [seqs[h] for h in ids],
        },
    )
