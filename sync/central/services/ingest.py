"""Apply pushed kiosk entries exactly once, checking each kiosk's sequence and hash chain."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select, text, union_all, update
from sqlalchemy.orm import Session

from core.domain import errors, limits, quotas, rules
from core.domain.ledger import (
    EntryFacts,
    EntryKind,
    LedgerKind,
    chain_hash,
    ledger_wire,
    parse_wire_time,
    stored_entry,
)
from core.domain.quotas import QuotaPeriod
from sync.central.bulk import among, insert_rows, on_postgresql, set_balances
from sync.central.context import Central, emit_many, lock_feed
from sync.central.localtime import zone as zone_named
from sync.central.models import (
    Activity,
    Alert,
    AuditEntry,
    Batch,
    Card,
    CheckIn,
    Claim,
    Exchange,
    ExchangeLine,
    Household,
    Kiosk,
    LedgerEntry,
    Product,
    QuotaUse,
    Resident,
    Rule,
    StockMove,
    StoreMember,
    SyncEntry,
    UncountedEntry,
)
from sync.central.photos import PhotoRefused, check_photo
from sync.central.queries.totals import programme_zone
from sync.central.services import claims
from sync.central.services.store_feed import join
from sync.central.states import (
    AlertKind,
    CapScope,
    CardStatus,
    ClaimStatus,
    Evidence,
    ExchangeStatus,
    PushStatus,
    StockMoveKind,
    UncountedRole,
)
from sync.central.store_set import insert_balances, store_households, whole_feed_shut
from sync.protocol import earlier_digests, entry_digest, validate_payload, well_formed_ledger
from sync.schema import Invalid, is_uuid

parse_time = parse_wire_time
ALERT_AMOUNT_MOST = 2**31 - 1  # alerts.amount is an INTEGER: a larger figure is held at this


@dataclass
class PushOutcome:
    """Per-entry answers, the kiosk's contiguous sequence, and whether any id conflicted."""

    results: list[dict[str, Any]] = field(default_factory=list)
    contiguous_seq: int = 0
    conflict: bool = False


@dataclass(frozen=True)
class _Held:
    """What a batch needs of an entry held already: who sent it, its digest and answer."""

    kiosk_id: str
    digest: str
    status: str
    reason: str | None


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def push(
    c: Central,
    kiosk_id: str,
    entries: list[dict[str, Any]],
    encoded: list[bytes] | None = None,
) -> PushOutcome:
    """Apply a validated batch from one kiosk in one transaction.

    encoded: each entry's payload in canonical bytes, as `encode_push` returned them.
    """
    outcome = PushOutcome()
    payloads = dict(zip(map(id, entries), encoded, strict=True)) if encoded is not None else {}
    entries = sorted(entries, key=lambda e: e["seq"])
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        # One batch per kiosk at a time: a repeated request waits, then finds its entries held.
        kiosk = s.get(Kiosk, kiosk_id, with_for_update=True)
        if on_postgresql(s):
            # Plan each statement for the tables as they are now. A plan cached while a table
            # was small (the foreign-key checks' own, and statements psycopg prepared) kept
            # scanning it whole as it grew: the lines' foreign-key check read every exchange.
            # Every lookup of a batch fetches a few hundred keys: priced at a disk read per key,
            # with statistics of a month's partition that lag its growth, a lookup of 500 ids
            # was planned as a read of the whole table or partition (12 ms at 100,000 rows,
            # against 3 ms through the index), and a batch's time grew with the tables'. No
            # statement of a push reads a table whole: its tables are read through their keys.
            s.execute(
                text(
                    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
                    " set_config('enable_seqscan', 'off', true)"
                )
            )
        by_id = {
            row.id: _Held(row.kiosk_id, row.digest, row.status, row.reason)
            for row in s.execute(
                select(
                    SyncEntry.id,
                    SyncEntry.kiosk_id,
                    SyncEntry.digest,
                    SyncEntry.status,
                    SyncEntry.reason,
                ).where(among(s, SyncEntry.id, [e["id"] for e in entries]))
            )
        }
        used_seqs = set(
            s.scalars(
                select(SyncEntry.seq).where(
                    SyncEntry.kiosk_id == kiosk_id,
                    *_span(s, SyncEntry.seq, [e["seq"] for e in entries]),
                )
            )
        )
        # Made (its lookups sent) at the first entry not held already: a batch pushed again
        # after its answer was lost, all of it held, costs two lookups and its digests.
        ctx: _Batch | None = None
        sync_rows: list[dict[str, Any]] = []
        for entry in entries:
            digest = entry_digest(entry, payloads.get(id(entry)))
            known = by_id.get(entry["id"])
            if known is not None:
                if known.kiosk_id == kiosk_id and (
                    known.digest == digest or known.digest in earlier_digests(entry)
                ):
                    if known.status == PushStatus.REJECTED:  # a retry hears the answer it missed
                        outcome.results.append(_result(entry, PushStatus.REJECTED, known.reason))
                    else:
                        outcome.results.append(_result(entry, PushStatus.DUPLICATE))
                else:
                    outcome.conflict = True
                    outcome.results.append(
                        _result(
                            entry,
                            PushStatus.REJECTED,
                            "conflict: this id was pushed with other content",
                        )
                    )
                continue
            if entry["seq"] in used_seqs:
                outcome.conflict = True
                outcome.results.append(
                    _result(
                        entry,
                        PushStatus.REJECTED,
                        "conflict: this sequence number holds another entry",
                    )
                )
                continue
            if ctx is None:
                ctx = _Batch(s, kiosk, now, entries, whole_feed=not whole_feed_shut(s))
            try:
                validate_payload(entry["kind"], entry["payload"], kiosk_id)
                ctx.apply(entry)
                status, reason = PushStatus.APPLIED, None
            except Invalid as exc:
                status, reason = PushStatus.REJECTED, f"invalid: {exc}"[: limits.MAX_REASON]
                ctx.refuse(entry, reason)
            except _Refused as exc:
                status, reason = PushStatus.REJECTED, exc.reason[: limits.MAX_REASON]
                ctx.refuse(entry, reason)
            sync_rows.append(
                {
                    "id": entry["id"],
                    "kiosk_id": kiosk_id,
                    "seq": entry["seq"],
                    "kind": entry["kind"],
                    "digest": digest,
                    "status": status,
                    "reason": reason,
                    "received_at": now,
                }
            )
            used_seqs.add(entry["seq"])
            by_id[entry["id"]] = _Held(kiosk_id, digest, status, reason)
            outcome.results.append(_result(entry, status, reason))
        kiosk.last_push = now
        kiosk.last_seen = now
        if ctx is not None:
            # What is keyed by this kiosk alone (its entries, its ledger rows and their monthly
            # totals, its chain) is written and checked before any household is locked: other
            # kiosks' batches wait on those locks, so the less the batch does holding them the
            # better.
            ctx.insert_ledger()
            insert_rows(s, SyncEntry, sync_rows)
            kiosk.contiguous_seq = _contiguous(s, kiosk_id, kiosk.contiguous_seq)
            ctx.check_chain()
            ctx.prepare_changes()
            ctx.lock_rows()
            ctx.insert_rows()
            ctx.settle_balances()
            ctx.count_quotas()
            ctx.flag_overdrafts()
            ctx.insert_alerts()
            ctx.emit_changes()
        outcome.contiguous_seq = kiosk.contiguous_seq
        uow.commit()
    return outcome


def _result(entry: dict[str, Any], status: PushStatus, reason: str | None = None) -> dict[str, Any]:
    result = {"id": entry["id"], "seq": entry["seq"], "status": status}
    if reason:
        result["reason"] = reason
    return result


def _span(s: Session, column, values: list[int]) -> list[ColumnElement[bool]]:
    """Return `column IN values`, bounded by their least and greatest: a batch's sequence
    numbers follow each other, and the index on (kiosk, sequence) is read over their span alone
    (asked for 500 numbers, the planner read every number the kiosk had held)."""
    if not values:
        return [among(s, column, values)]
    return [column.between(min(values), max(values)), among(s, column, values)]


def _contiguous(s: Session, kiosk_id: str, start: int) -> int:
    seqs = s.scalars(
        select(SyncEntry.seq)
        .where(SyncEntry.kiosk_id == kiosk_id, SyncEntry.seq > start)
        .order_by(SyncEntry.seq)
    )
    held = start
    for seq in seqs:
        if seq != held + 1:
            break
        held = seq
    return held


class _Batch:
    """One batch being applied: rows prefetched up front, new rows inserted in bulk at the end.

    Applying entry by entry through the ORM cost a query and a flush per entry; here each table
    gets one prefetch and one multi-row insert per batch.
    """

    def __init__(
        self, s: Session, kiosk: Kiosk, now: datetime, entries: list[dict], *, whole_feed: bool
    ) -> None:
        """whole_feed: the programme's whole feed is open (it carries each ledger entry)."""
        self.s = s
        self.whole_feed = whole_feed
        self.kiosk = kiosk
        self.now = now
        payloads = [e["payload"] for e in entries if isinstance(e.get("payload"), dict)]
        ledgers = [p["ledger"] for p in payloads if isinstance(p.get("ledger"), dict)]

        # Prefetching happens before each entry is validated: take only values of a sane form
        # (no key holds a NUL, which PostgreSQL's text cannot: its lookup would fail the batch).
        def strings(values) -> list[str]:
            return sorted(
                {
                    v
                    for v in values
                    if isinstance(v, str) and len(v) <= limits.MAX_ID and "\x00" not in v
                }
            )

        def ints(values) -> list[int]:
            return sorted({v for v in values if type(v) is int and 0 < v <= 2**53})

        # Ids held as uuid on PostgreSQL: any other text would fail the query, not the entry.
        def uuids(values) -> list[str]:
            return sorted({v for v in values if is_uuid(v)})

        # Households are only looked up here; their balances are locked and moved at the end
        # (settle_balances), so batches of kiosks sharing households overlap until then.
        household_ids = strings([p.get("household_id") for p in payloads])
        household_ids = sorted(
            set(household_ids) | set(strings(x.get("household_id") for x in ledgers))
        )
        self.households = set(
            s.scalars(select(Household.id).where(among(s, Household.id, household_ids)))
        )
        self.moves: list[tuple[str, int]] = []  # (household, points) in the order applied
        self.balances: dict[str, int] = {}
        seqs = ints(x.get("seq") for x in ledgers)
        # The chain's links held, in the books or outside them, in one round trip.
        self.ledger_seqs = set(
            s.scalars(
                union_all(
                    *(
                        select(table.seq).where(
                            table.kiosk_id == kiosk.id, *_span(s, table.seq, seqs)
                        )
                        for table in (LedgerEntry, UncountedEntry)
                    )
                )
            )
        )
        self.ledger_ids = set(
            s.scalars(
                select(LedgerEntry.id).where(
                    among(s, LedgerEntry.id, uuids(x.get("id") for x in ledgers))
                )
            )
        )
        self.exchanges: dict[str, Exchange] = {
            x.id: x
            for x in s.scalars(
                select(Exchange).where(
                    among(s, Exchange.id, uuids(p.get("exchange_id") for p in payloads))
                )
            )
        }
        # A lookup whose list is empty is not sent: each costs a round trip per batch.
        checkin_ids = strings(p.get("checkin_id") for p in payloads)
        self.checkin_ids = (
            set(s.scalars(select(CheckIn.id).where(among(s, CheckIn.id, checkin_ids))))
            if checkin_ids
            else set()
        )
        moves = [
            m
            for p in payloads
            for m in (p.get("stock") if isinstance(p.get("stock"), list) else [])
            if isinstance(m, dict)
        ]
        # batch id -> product code of this kiosk's restock batches named in the batch
        self.batches: dict[int, str] = dict(
            s.execute(
                select(Batch.batch_id, Batch.product_code).where(
                    Batch.kiosk_id == kiosk.id,
                    among(
                        s,
                        Batch.batch_id,
                        ints(
                            [p.get("batch_id") for p in payloads]
                            + [m.get("batch_id") for m in moves]
                        ),
                    ),
                )
            ).all()
        )
        self.batch_ids = set(self.batches)
        # What each exchange a void names handed out, so the void can only return exactly that.
        self.issued: dict[str, dict[tuple[int, str], int]] = {}
        voided_ids = uuids(p.get("exchange_id") for p in payloads if "reason" in p)
        for exchange_id, batch_id, code, qty in (
            ()
            if not voided_ids
            else s.execute(
                select(
                    StockMove.exchange_id, StockMove.batch_id, StockMove.product_code, StockMove.qty
                ).where(
                    StockMove.kind == StockMoveKind.ISSUE,
                    among(s, StockMove.exchange_id, voided_ids),
                )
            )
        ):
            moved = self.issued.setdefault(str(exchange_id), {})
            moved[(batch_id, code)] = moved.get((batch_id, code), 0) - qty
        # What central's rules are checked against: activities, residents and goods it holds.
        activity_ids = strings(p.get("activity_id") for p in payloads)
        # Locked (in id order, before any household), so two kiosks' batches crediting one
        # activity count its cap and its residents one after the other.
        self.activities: dict[str, Activity] = (
            {
                a.id: a
                for a in s.scalars(
                    select(Activity)
                    .where(among(s, Activity.id, activity_ids))
                    .order_by(Activity.id)
                    .with_for_update()
                )
            }
            if activity_ids
            else {}
        )
        # Read after the activities' locks, so a batch committed meanwhile is seen.
        self.checked_in = set(
            ()
            if not self.activities
            else s.execute(
                select(CheckIn.activity_id, CheckIn.resident_id).where(
                    among(s, CheckIn.activity_id, sorted(self.activities)),
                    among(
                        s,
                        CheckIn.resident_id,
                        strings(p.get("resident_id") for p in payloads if "checkin_id" in p),
                    ),
                )
            ).all()
        )
        self.activity_counts: dict[str, int] = dict(
            ()
            if not self.activities
            else s.execute(
                select(CheckIn.activity_id, func.count())
                .where(among(s, CheckIn.activity_id, sorted(self.activities)))
                .group_by(CheckIn.activity_id)
            ).all()
        )
        resident_ids = strings(
            [p.get("resident_id") for p in payloads] + [p.get("beneficiary_id") for p in payloads]
        )
        self.residents: dict[str, str] = dict(
            s.execute(
                select(Resident.id, Resident.household_id).where(
                    among(s, Resident.id, resident_ids)
                )
            ).all()
        )
        codes = strings(
            [p.get("product_code") for p in payloads]
            + [m.get("product_code") for m in moves]
            + [
                line.get("product_code")
                for p in payloads
                for line in (p.get("lines") if isinstance(p.get("lines"), list) else [])
                if isinstance(line, dict)
            ]
        )
        self.quotas: dict[str, tuple[int, str]] = {}  # the batch's goods that carry a quota
        self.products = set()
        for code, limit, period in s.execute(
            select(Product.code, Product.quota_limit, Product.quota_period).where(
                among(s, Product.code, codes)
            )
        ):
            self.products.add(code)
            if limit and period in tuple(QuotaPeriod):
                self.quotas[code] = (limit, period)
        self.quota_moves: dict[tuple[str, str, str], int] = {}  # (household, code, period)
        self.zone = (
            zone_named(programme_zone(s.connection())) if self.activities or self.quotas else None
        )
        # Entries held outside the books (refused, or reversing a refusal) close the chain too.
        self.uncounted: dict[str, UncountedEntry] = {
            u.id: u
            for u in s.scalars(
                select(UncountedEntry).where(
                    among(
                        s,
                        UncountedEntry.id,
                        strings(
                            [x.get("id") for x in ledgers] + [p.get("refused_id") for p in payloads]
                        ),
                    )
                )
            )
        }
        self.ledger_ids |= set(self.uncounted)
        self.rows: dict[type, list[dict[str, Any]]] = {
            model: []
            for model in (
                LedgerEntry,
                Exchange,
                ExchangeLine,
                Batch,
                StockMove,
                CheckIn,
                AuditEntry,
                UncountedEntry,
                Alert,
            )
        }
        self.new_exchanges: dict[str, dict[str, Any]] = {}
        self.new_ledger: list[dict[str, Any]] = []  # counted: balances move, the feed tells
        self.new_chain: list[dict[str, Any]] = []  # every new link of the chain, counted or not
        self.overdrawn: set[str] = set()
        self.carrier: dict[int, int] = {}  # ledger seq -> outbox seq of the entry carrying it
        self.served: dict[tuple[int, str], bool] = {}  # (store, household): served before?
        self.changes: list[dict[str, Any]] = []  # feed changes other than ledger entries
        self.fresh_uncounted: dict[str, dict[str, Any]] = {}  # held outside the books here
        self.voided: set[str] = set()  # held exchanges this batch voids
        self.claim_ids: set[str] = set()  # claims this batch holds

    def apply(self, entry: dict[str, Any]) -> None:
        kind, p = entry["kind"], entry["payload"]
        if isinstance(p.get("ledger"), dict):
            self.carrier[p["ledger"]["seq"]] = entry["seq"]
        HANDLERS[kind](self, p, entry)

    def refuse(self, entry: dict[str, Any], reason: str) -> None:
        """Record a refused entry: an alert, and for a ledger entry its place in the chain.

        The refused ledger entry is held outside the books (it moves no balance) and the kiosk
        is told through the feed, so it writes the counter-entry that makes both books agree.
        """
        ledger = well_formed_ledger(entry.get("payload"))
        household_id = ledger["household_id"] if ledger else None
        if ledger is not None:
            self.carrier[ledger["seq"]] = entry["seq"]
        self._alert(
            AlertKind.REFUSED,
            f"{entry.get('kind')} #{entry.get('seq')}: {reason}",
            household_id=household_id,
            amount=ledger["points"] if ledger else None,
        )
        if (
            ledger is None
            or ledger["kiosk_id"] != self.kiosk.id
            or entry["kind"] == EntryKind.REVERSAL
        ):
            return
        if ledger["seq"] in self.ledger_seqs or ledger["id"] in self.ledger_ids:
            return  # the chain already holds this link: nothing to reverse
        self._hold_uncounted(ledger, UncountedRole.REFUSED, reason)
        self._announce(
            "refusal",
            {
                "id": ledger["id"],
                "kiosk_id": ledger["kiosk_id"],
                "household_id": ledger["household_id"],
                "points": ledger["points"],
                "reason": reason,
            },
            store_id=self.kiosk.store_id,
        )

    def _hold_uncounted(self, ledger: dict[str, Any], role: UncountedRole, reason: str) -> None:
        row = {
            **self._chain_row(ledger),
            "role": role,
            "reason": reason[: limits.MAX_REASON],
            "reversed_by": None,
            "received_at": self.now,
        }
        del row["store_id"]
        self.rows[UncountedEntry].append(row)
        self.fresh_uncounted[row["id"]] = row
        self.ledger_seqs.add(row["seq"])
        self.ledger_ids.add(row["id"])
        self.new_chain.append(row)

    # -- ledger-bearing kinds -------------------------------------------------------------

    def _check_ledger(self, wire: dict[str, Any]) -> None:
        """Refuse a ledger entry that cannot be a new, intact link of this kiosk's chain."""
        if wire["household_id"] not in self.households:
            raise _Refused(f"unknown household {wire['household_id']}")
        if wire["seq"] in self.ledger_seqs:
            raise _Refused(f"ledger sequence {wire['seq']} already held for this kiosk")
        if chain_hash(wire["prev_hash"], EntryFacts.of(wire)) != wire["hash"]:
            self._alert(
                AlertKind.CHAIN_TAMPER, f"ledger seq {wire['seq']}: hash does not match contents"
            )
            raise _Refused("hash does not match contents")
        if wire["id"] in self.ledger_ids:
            raise _Refused("ledger entry id already held")

    def _chain_row(self, wire: dict[str, Any]) -> dict[str, Any]:
        return {**stored_entry(wire), "store_id": self.kiosk.store_id}

    def _ledger(self, wire: dict[str, Any]) -> None:
        self._check_ledger(wire)
        row = self._chain_row(wire)
        self.rows[LedgerEntry].append(row)
        self.moves.append((row["household_id"], row["points"]))
        self.ledger_seqs.add(row["seq"])
        self.ledger_ids.add(row["id"])
        self.new_ledger.append(row)
        self.new_chain.append(row)

    def _member(
        self, resident_id: str, household_id: str, at: str, role: str = "resident"
    ) -> str | None:
        """Refuse a resident who never belonged to the household; return what the office must
        be told when they had left it before the entry's time, else None.

        A resident moved to another household keeps their card, and a kiosk offline at the time
        goes on knowing them as of the old household: an entry made there before the move is
        the old household's, as it was then; one made after it (the kiosk could not know) is
        still the old household's, since its points were checked and its goods handed out, and
        the office is alerted to adjust if it must. Nothing is lost and nothing counted twice.
        """
        held = self.residents.get(resident_id)
        if held is None:
            raise _Refused(f"unknown {role} {resident_id}")
        if held == household_id:
            return None
        left = self._moved_from(resident_id)
        if household_id not in {was for _at, was in left}:
            raise _Refused(f"{role} {resident_id} is not a member of household {household_id}")
        when = parse_time(at)
        then = next((was for moved_at, was in left if moved_at > when), held)
        if then == household_id:
            return None
        return (
            f"{role} {resident_id} had moved from household {household_id} to {held} before "
            f"this entry of {at[:19]}; it was booked to {household_id} as the kiosk knew it"
        )

    def _stock_moves(self, moves: list[dict[str, Any]], sign: int, codes: set[str]) -> None:
        """Refuse moves that go the wrong way or name goods or batches this kiosk never had."""
        for move in moves:
            code = move["product_code"]
            if code not in codes:
                raise _Refused(f"a stock move names {move['product_code']}, not in the entry")
            if move["qty"] * sign <= 0:
                raise _Refused(
                    f"a stock move of {move['qty']} {move['product_code']} goes the wrong way"
                )
            batch = self.batches.get(move["batch_id"])
            if batch is None:
                raise _Refused(f"stock batch {move['batch_id']} was never received at this kiosk")
            if batch != move["product_code"]:
                raise _Refused(
                    f"stock batch {move['batch_id']} holds {batch}, not {move['product_code']}"
                )

    def _exchange(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        ledger = p["ledger"]
        if ledger["kind"] != LedgerKind.SPEND or -ledger["points"] != p["total"]:
            raise _Refused("the ledger entry does not match the exchange total")
        if ledger["household_id"] != p["household_id"]:
            raise _Refused("the ledger entry is for another household")
        if p["exchange_id"] in self.exchanges or p["exchange_id"] in self.new_exchanges:
            raise _Refused("exchange id already held")
        if sum(line["points"] for line in p["lines"]) != p["total"]:
            raise _Refused("the lines do not add up to the total")
        at = ledger["created_at"]
        moved = [self._member(p["resident_id"], p["household_id"], at)]
        if p.get("beneficiary_id"):
            moved.append(self._member(p["beneficiary_id"], p["household_id"], at, "beneficiary"))
        wanted: dict[str, int] = {}
        for line in p["lines"]:
            if line["product_code"] not in self.products:
                raise _Refused(f"unknown product {line['product_code']}")
            wanted[line["product_code"]] = wanted.get(line["product_code"], 0) + line["qty"]
        self._stock_moves(p["stock"], -1, set(wanted))
        issued: dict[str, int] = {}
        for move in p["stock"]:
            issued[move["product_code"]] = issued.get(move["product_code"], 0) - move["qty"]
        if issued != wanted:
            raise _Refused("the stock moves do not match the lines")
        self._ledger(ledger)
        at = parse_time(ledger["created_at"])
        row = {
            "id": p["exchange_id"],
            "number": p["number"],
            "kiosk_id": self.kiosk.id,
            "store_id": self.kiosk.store_id,
            "household_id": p["household_id"],
            "resident_id": p["resident_id"],
            "beneficiary_id": p.get("beneficiary_id"),
            "total": p["total"],
            "status": ExchangeStatus.COMPLETED,
            "created_at": at,
        }
        self.rows[Exchange].append(row)
        self.new_exchanges[row["id"]] = row
        self.rows[ExchangeLine] += [
            {
                "exchange_id": row["id"],
                "product_code": line["product_code"],
                "qty": line["qty"],
                "points": line["points"],
            }
            for line in p["lines"]
        ]
        self._moves(p["stock"], StockMoveKind.ISSUE, row["id"], p["household_id"], at)
        self.issued[row["id"]] = _by_batch(p["stock"], -1)
        for note in filter(None, moved):
            self._alert(AlertKind.MEMBER_MOVED, note, household_id=p["household_id"])
        self._count_quota(p["household_id"], wanted, at)

    def _void(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        held = self.exchanges.get(p["exchange_id"])
        fresh = self.new_exchanges.get(p["exchange_id"])
        if held is not None:
            kiosk_id, status, total, household_id = (
                held.kiosk_id,
                ExchangeStatus.VOIDED if held.id in self.voided else held.status,
                held.total,
                held.household_id,
            )
        elif fresh is not None:
            kiosk_id, status, total, household_id = (
                fresh["kiosk_id"],
                fresh["status"],
                fresh["total"],
                fresh["household_id"],
            )
        else:
            raise _Refused("void of an exchange this kiosk has not pushed")
        if kiosk_id != self.kiosk.id:
            raise _Refused("void of an exchange this kiosk has not pushed")
        if status == ExchangeStatus.VOIDED:
            raise _Refused("exchange already voided")
        if p["ledger"]["kind"] != LedgerKind.VOID or p["ledger"]["points"] != total:
            raise _Refused("the ledger entry does not match the voided total")
        if p["ledger"]["household_id"] != household_id:
            raise _Refused("the ledger entry is for another household")
        codes = {m["product_code"] for m in p["stock"]}
        self._stock_moves(p["stock"], 1, codes)
        if _by_batch(p["stock"], 1) != self.issued.get(p["exchange_id"], {}):
            raise _Refused("the void does not return exactly the goods the exchange handed out")
        self._ledger(p["ledger"])
        if held is not None:
            self.voided.add(held.id)  # set in one statement with the batch's other writes
        else:
            fresh["status"] = ExchangeStatus.VOIDED
        at = parse_time(p["ledger"]["created_at"])
        self._moves(p["stock"], StockMoveKind.VOID, p["exchange_id"], household_id, at)
        made = held.created_at if held is not None else fresh["created_at"]
        returned: dict[str, int] = {}
        for move in p["stock"]:
            returned[move["product_code"]] = returned.get(move["product_code"], 0) - move["qty"]
        self._count_quota(household_id, returned, made)

    def _checkin(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        """Credit a check-in only as the activity central holds allows: its points, day, cap."""
        ledger = p["ledger"]
        if ledger["kind"] != LedgerKind.EARN:
            raise _Refused("a check-in must carry an earn entry")
        if ledger["household_id"] != p["household_id"]:
            raise _Refused("the ledger entry is for another household")
        if p["checkin_id"] in self.checkin_ids:
            raise _Refused("check-in id already held")
        activity = self.activities.get(p["activity_id"])
        if activity is None:
            raise _Refused(f"unknown activity {p['activity_id']}")
        if ledger["points"] != activity.points or p["points"] != activity.points:
            raise _Refused(
                f"activity {activity.id} is worth {activity.points} points, not {ledger['points']}"
            )
        at = parse_time(ledger["created_at"])
        moved = self._member(p["resident_id"], p["household_id"], ledger["created_at"])
        taken = self.activity_counts.get(activity.id, 0)
        local_day = _local_day(at, self.zone)
        today = _local_day(self.now, self.zone)
        if activity.day is not None and activity.day > today:
            # Whatever time the entry says, an activity whose day has not come by central's
            # clock was not held (a kiosk's clock that runs fast loses nothing on the day).
            raise _Refused(f"activity {activity.id} is on {activity.day}, not yet come")
        try:
            rules.check_activity_open(activity.name, activity.active, taken, activity.cap)
            rules.check_activity_day(activity.name, activity.day, local_day)
        except errors.ActivityFull:
            raise _Refused(f"activity {activity.id} is full ({activity.cap})") from None
        except errors.InactiveActivity:
            raise _Refused(f"activity {activity.id} is closed") from None
        except errors.ActivityNotToday:
            raise _Refused(
                f"activity {activity.id} is on {activity.day}, the check-in on {local_day}"
            ) from None
        if (p["activity_id"], p["resident_id"]) in self.checked_in:
            raise _Refused(f"{p['resident_id']} is already credited for {activity.id}")
        self._ledger(ledger)
        self.checkin_ids.add(p["checkin_id"])
        self.checked_in.add((p["activity_id"], p["resident_id"]))
        self.activity_counts[activity.id] = taken + 1
        if moved:
            self._alert(AlertKind.MEMBER_MOVED, moved, household_id=p["household_id"])
        self.rows[CheckIn].append(
            {
                "id": p["checkin_id"],
                "activity_id": p["activity_id"],
                "resident_id": p["resident_id"],
                "household_id": p["household_id"],
                "kiosk_id": self.kiosk.id,
                "store_id": self.kiosk.store_id,
                "points": activity.points,
                "created_at": parse_time(ledger["created_at"]),
            }
        )

    def _adjust(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        raise _Refused("points are adjusted only by the office, not by a kiosk")

    def _reversal(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        """Hold a kiosk's counter-entry to an entry central refused; no balance moves."""
        held = self.uncounted.get(p["refused_id"])
        fresh = self.fresh_uncounted.get(p["refused_id"])  # refused earlier in this batch
        refused = (
            {k: getattr(held, k) for k in ("id", "kiosk_id", "role", "points", "household_id")}
            | {"reversed_by": held.reversed_by}
            if held is not None
            else fresh
        )
        ledger = p["ledger"]
        if (
            refused is None
            or refused["kiosk_id"] != self.kiosk.id
            or refused["role"] != UncountedRole.REFUSED
        ):
            raise _Refused("a reversal of an entry central has not refused")
        if refused["reversed_by"] is not None:
            raise _Refused("this refusal is already reversed")
        if (
            ledger["kind"] != LedgerKind.ADJUST
            or ledger["points"] != -refused["points"]
            or ledger["household_id"] != refused["household_id"]
            or ledger["ref"] != refused["id"]
        ):
            raise _Refused("the reversal does not mirror the refused entry")
        self._check_ledger(ledger)
        self._hold_uncounted(ledger, UncountedRole.REVERSAL, p["reason"])
        if held is not None:
            held.reversed_by = ledger["id"]
        else:
            fresh["reversed_by"] = ledger["id"]

    # -- stock, cards, audit --------------------------------------------------------------

    def _restock(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        if p["batch_id"] in self.batch_ids:
            raise _Refused(f"batch {p['batch_id']} already held")
        if p["product_code"] not in self.products:
            raise _Refused(f"unknown product {p['product_code']}")
        self.batch_ids.add(p["batch_id"])
        self.batches[p["batch_id"]] = p["product_code"]
        self.rows[Batch].append(
            {
                "kiosk_id": self.kiosk.id,
                "batch_id": p["batch_id"],
                "store_id": self.kiosk.store_id,
                "product_code": p["product_code"],
                "qty": p["qty"],
                "source": p["source"],
                "donor": p["donor"],
                "unit_value_cents": p.get("unit_value_cents"),
                "received_at": parse_time(p["received_at"]),
            }
        )

    def _stocktake(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        if p["product_code"] not in self.products:
            raise _Refused(f"unknown product {p['product_code']}")
        at = parse_time(entry["created_at"])
        found: list[dict[str, Any]] = []  # goods counted beyond the books: a batch of their own
        for move in p["stock"]:
            if move["product_code"] != p["product_code"]:
                raise _Refused(f"a stock move names {move['product_code']}, not in the entry")
            held = self.batches.get(move["batch_id"])
            if held is None and move["qty"] > 0:
                if any(f["batch_id"] == move["batch_id"] for f in found):
                    raise _Refused(f"the stocktake names new batch {move['batch_id']} twice")
                found.append(move)
            elif held != move["product_code"]:
                raise _Refused(f"stock batch {move['batch_id']} was never received at this kiosk")
        for move in found:
            self.batches[move["batch_id"]] = move["product_code"]
            self.batch_ids.add(move["batch_id"])
            self.rows[Batch].append(
                {
                    "kiosk_id": self.kiosk.id,
                    "batch_id": move["batch_id"],
                    "store_id": self.kiosk.store_id,
                    "product_code": move["product_code"],
                    "qty": move["qty"],
                    "source": "stocktake",
                    "donor": "",
                    "unit_value_cents": None,
                    "received_at": at,
                }
            )
        self._moves(p["stock"], StockMoveKind.ADJUST, None, None, at)

    def _served(self, household_id: str) -> bool:
        """Say whether this kiosk's store has served a household: an exchange that took points
        and is not voided (held, or earlier in this batch).

        An exchange for no points vouches for nothing, so a stolen token must at least spend
        the household's own points, in its history, to reach its cards. Nor does a check-in: a
        stolen token could make one up for anyone (it only gives the household points).
        """
        if any(
            x["household_id"] == household_id
            and x["total"] > 0
            and x["status"] == ExchangeStatus.COMPLETED
            for x in self.new_exchanges.values()
        ):
            return True
        key = (self.kiosk.store_id, household_id)
        if key not in self.served:
            store = self.kiosk.store_id
            held_exchange = select(Exchange.id).where(
                Exchange.store_id == store,
                Exchange.household_id == household_id,
                Exchange.status == ExchangeStatus.COMPLETED,
                Exchange.total > 0,
            )
            if self.voided:  # voided earlier in this batch, not yet written
                held_exchange = held_exchange.where(~among(self.s, Exchange.id, self.voided))
            self.served[key] = self.s.scalar(held_exchange.limit(1)) is not None
        return self.served[key]

    def _moved_from(self, resident_id: str) -> list[tuple[datetime, str | None]]:
        """Return (when, from which household) of each move the office made of a resident.

        The office's moves only: a kiosk's audit entry is its own words, and one naming this
        action could otherwise book other households' credits to a household of its pick.
        """
        moves = self.s.execute(
            select(AuditEntry.at, AuditEntry.details)
            .where(
                AuditEntry.action == "resident_move",
                AuditEntry.target == resident_id,
                AuditEntry.kiosk_id.is_(None),
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        ).all()
        return [(moved_at, (details or {}).get("from")) for moved_at, details in moves]

    def _homes(self, person: Resident) -> list[str]:
        """Return the household a resident is of, then those the office moved them from (a
        kiosk offline at the move goes on knowing them as of the old one)."""
        return [person.household_id] + [
            was for _at, was in self._moved_from(person.id) if isinstance(was, str)
        ]

    def _in_store_set(self, household_id: str) -> bool:
        """Say whether the household is in this kiosk's store's set (its village's, those that
        shop there, those the office put there): what the store's feed told its kiosks of."""
        found = self.s.scalar(
            store_households(self.kiosk.store_id).where(StoreMember.household_id == household_id)
        )
        return found is not None

    def _card_revoke(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        card = self.s.scalar(select(Card).where(Card.token_hash == p["token_hash"]))
        if card is None:
            raise _Refused("unknown card")
        household_id = self.residents.get(card.resident_id) or self.s.scalar(
            select(Resident.household_id).where(Resident.id == card.resident_id)
        )
        if (
            card.issued_by != self.kiosk.id
            and card.bound_store_id != self.kiosk.store_id  # a card that works only here
            and not self._served(household_id)
        ):
            raise _Refused(
                "a card of a household this store has not served is revoked only by the office"
            )
        if card.status == CardStatus.ACTIVE:
            card.status, card.revoked_at = CardStatus.REVOKED, self.now
            self._announce("card", card_change(card))

    def _card_issue(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        """Hold a card issued at the kiosk, working only at its store until the office confirms.

        It replaces the resident's card everywhere only if this store has served the household;
        revoking the kiosk revokes it and gives the replaced card back.
        """
        held = self.s.scalar(select(Card).where(Card.token_hash == p["token_hash"]))
        if held is not None:
            raise _Refused("this card is already held")
        person = self.s.get(Resident, p["resident_id"])
        if person is None:
            raise _Refused(f"unknown resident {p['resident_id']}")
        served = self._served(person.household_id)
        # A kiosk issues cards to the households its store serves (those its feed told it of):
        # a card it made for anyone else would open that household's records to its store.
        if not served and not any(map(self._in_store_set, self._homes(person))):
            raise _Refused(f"household {person.household_id} is not served by this kiosk's store")
        replaced = None
        if served:
            for old in self.s.scalars(
                select(Card)
                .where(Card.resident_id == p["resident_id"], Card.status == CardStatus.ACTIVE)
                .order_by(Card.id)
            ):
                old.status, old.revoked_at = CardStatus.REVOKED, self.now
                self._announce("card", card_change(old))
                replaced = old.id
        card = Card(
            resident_id=p["resident_id"],
            token_hash=p["token_hash"],
            status=CardStatus.ACTIVE,
            issued_at=parse_time(entry["created_at"]),
            issued_by=self.kiosk.id,
            bound_store_id=self.kiosk.store_id,
            replaced_id=replaced,
        )
        self.s.add(card)
        self._announce(
            "card", card_change(card), origin_kiosk=self.kiosk.id, store_id=self.kiosk.store_id
        )

    def _claim(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        """Hold a claim recorded at the kiosk as pending, under the rule central holds.

        The kiosk records facts (rule, household, residents, note, photos, who); the points are
        the rule's as central holds it and are booked only when the office approves. Photos are
        checked like the office's: decoded as JPEG, PNG or WebP of limited size.
        """
        claim_id = p["claim_id"]
        if claim_id in self.claim_ids or self.s.get(Claim, claim_id) is not None:
            raise _Refused("claim id already held")
        rule = self.s.get(Rule, p["rule_code"])
        if rule is None:
            raise _Refused(f"unknown rule {p['rule_code']}")
        if not rule.active:
            raise _Refused(f"rule {rule.code} is no longer in use")
        household_id = p["household_id"]
        if household_id not in self.households:
            raise _Refused(f"unknown household {household_id}")
        # A kiosk records claims for the households its store serves (its village's, those that
        # shop there, those the office put there): a kiosk's token names no household elsewhere.
        if not self._in_store_set(household_id):
            raise _Refused(f"household {household_id} is not served by this kiosk's store")
        resident_ids = list(dict.fromkeys(p["resident_ids"]))
        members = set(
            self.s.scalars(select(Resident.id).where(Resident.household_id == household_id))
        )
        for rid in resident_ids:
            if rid not in members:
                raise _Refused(f"resident {rid} is not a member of household {household_id}")
        if rule.cap_scope == CapScope.RESIDENT and not resident_ids:
            raise _Refused(f"rule {rule.code} counts per resident: a resident must be named")
        photos = []
        for i, text_ in enumerate(p["photos"], start=1):
            try:
                data = base64.b64decode(text_, validate=True)
                photos.append((data, check_photo(data)))
            except (binascii.Error, PhotoRefused):
                raise _Refused(f"photo {i} is not a JPEG, PNG or WebP image") from None
            if len(data) > limits.MAX_KIOSK_PHOTO_BYTES:
                raise _Refused(f"photo {i} is larger than {limits.MAX_KIOSK_PHOTO_BYTES} bytes")
        if rule.evidence == Evidence.PHOTO and not photos:
            raise _Refused(f"rule {rule.code} needs a photo")
        at = parse_time(entry["created_at"])
        self.claim_ids.add(claim_id)
        self.s.add(
            Claim(
                id=claim_id,
                rule_code=rule.code,
                household_id=household_id,
                note=" ".join(p["note"].split()),
                status=ClaimStatus.PENDING,
                points=rule.points,
                booked=None,
                shortfall=0,
                recorded_by=f"{self.kiosk.id}:{p['staff']}"[:80],
                recorded_at=at,
                kiosk_id=self.kiosk.id,
            )
        )
        claims.add_parts(self.s, claim_id, resident_ids, photos, self.now)
        self.rows[AuditEntry].append(
            {
                "at": at,
                "actor": f"{self.kiosk.id}:{p['staff']}"[:80],
                "action": "claim_record",
                "target": claim_id,
                "details": {
                    "rule": rule.code,
                    "household": household_id,
                    "residents": resident_ids,
                    "photos": len(photos),
                },
                "kiosk_id": self.kiosk.id,
            }
        )

    def _audit(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        self.rows[AuditEntry].append(
            {
                "at": parse_time(p["at"]),
                "actor": f"{self.kiosk.id}:{p['actor']}"[:80],
                "action": p["action"],
                "target": p.get("target", ""),
                "details": p.get("details") or {},
                "kiosk_id": self.kiosk.id,
            }
        )

    def _moves(self, moves, kind: StockMoveKind, exchange_id, household_id, at) -> None:
        self.rows[StockMove] += [
            {
                "kiosk_id": self.kiosk.id,
                "batch_id": move["batch_id"],
                "store_id": self.kiosk.store_id,
                "product_code": move["product_code"],
                "qty": move["qty"],
                "kind": kind,
                "exchange_id": exchange_id,
                "household_id": household_id,
                "created_at": at,
            }
            for move in moves
        ]

    def _count_quota(self, household_id: str, taken: dict[str, int], at: datetime) -> None:
        """Note what an exchange (or, negative, its void) took of goods that carry a quota, in
        the period of the programme's local day it was made."""
        for code, qty in taken.items():
            if code in self.quotas:
                day = _local_day(at, self.zone)
                key = (household_id, code, quotas.period_key(self.quotas[code][1], day))
                self.quota_moves[key] = self.quota_moves.get(key, 0) + qty

    # -- after the batch --------------------------------------------------------------------

    def count_quotas(self) -> None:
        """Move the batch's quota counts, tell every kiosk, and flag a household that took
        more than its quota across stores (offline kiosks can: the exchange stands)."""
        if not self.quota_moves:
            return
        keys = sorted(self.quota_moves)
        held = {
            (u.household_id, u.product_code, u.period, u.kiosk_id): u
            for u in self.s.scalars(
                select(QuotaUse).where(
                    among(self.s, QuotaUse.household_id, sorted({k[0] for k in keys})),
                    among(self.s, QuotaUse.product_code, sorted({k[1] for k in keys})),
                )
            )
        }
        for household_id, code, period in keys:
            delta = self.quota_moves[(household_id, code, period)]
            mine = held.get((household_id, code, period, self.kiosk.id))
            if mine is None:
                mine = QuotaUse(
                    household_id=household_id,
                    product_code=code,
                    period=period,
                    kiosk_id=self.kiosk.id,
                    used=0,
                )
                self.s.add(mine)
            mine.used = max(mine.used + delta, 0)
            self._announce(
                "quota_use",
                {
                    "household_id": household_id,
                    "product_code": code,
                    "period": period,
                    "kiosk_id": self.kiosk.id,
                    "used": mine.used,
                },
                origin_kiosk=self.kiosk.id,
            )
            total = mine.used + sum(
                u.used
                for (h, c, per, k), u in held.items()
                if (h, c, per) == (household_id, code, period) and k != self.kiosk.id
            )
            limit = self.quotas[code][0]
            if delta > 0 and total > limit:
                self._alert(
                    AlertKind.QUOTA_OVERRUN,
                    f"household {household_id} took {total} of {code} in {period}, "
                    f"over its quota of {limit}",
                    household_id=household_id,
                    amount=total - limit,
                )
        self.s.flush()

    def _alert(
        self,
        kind: AlertKind,
        detail: str,
        *,
        household_id: str | None = None,
        amount: int | None = None,
    ) -> None:
        if amount is not None:  # the column is 32-bit; the detail says the whole figure
            amount = max(-ALERT_AMOUNT_MOST, min(amount, ALERT_AMOUNT_MOST))
        self.rows[Alert].append(
            {
                "kind": kind,
                "kiosk_id": self.kiosk.id,
                "household_id": household_id,
                "detail": detail[:400],
                "amount": amount,
                "created_at": self.now,
            }
        )

    def lock_rows(self) -> None:
        """Lock, before the batch writes rows keyed by household, every row they contend on.

        The summary triggers upsert rows keyed by kiosk (only ever written under that kiosk's
        push lock), by household (store_households, store_household_months, donor_households)
        and by donor (donor_totals). Upserted statement by statement, two kiosks' batches took
        them in different orders (one batch's void updating a household's months while another's
        new exchanges held the same rows) and deadlocked. Here the households are locked first,
        in id order, then the donors' totals in donor order: every other batch takes the same
        locks in the same order, so batches sharing households or donors queue instead.

        FOR NO KEY UPDATE leaves other batches free to insert rows that refer to these
        households meanwhile.
        """
        touched = sorted({household_id for household_id, _ in self.moves})
        if touched:
            self.balances = dict(
                self.s.execute(
                    select(Household.id, Household.balance)
                    .where(among(self.s, Household.id, touched))
                    .order_by(Household.id)
                    .with_for_update(key_share=True)
                ).all()
            )
        if not on_postgresql(self.s):  # SQLite writes one transaction at a time
            return
        # The donors whose goods this batch hands out or takes back (the rows it will count),
        # of batches held already or received in this batch.
        moved = {m["batch_id"] for m in self.rows[StockMove] if m["kind"] != StockMoveKind.ADJUST}
        donated_ids = sorted(moved)
        new_donors = sorted(
            {
                b["donor"]
                for b in self.rows[Batch]
                if b["source"] == "donation" and b["batch_id"] in moved
            }
        )
        if donated_ids:
            self.s.execute(
                text(
                    "INSERT INTO donor_totals AS t (donor, goods, households)"
                    " SELECT d, 0, 0 FROM (SELECT donor FROM batches WHERE kiosk_id = :kiosk"
                    " AND batch_id = ANY(CAST(:ids AS bigint[])) AND source = 'donation'"
                    " UNION SELECT unnest(CAST(:donors AS text[]))) AS held(d) ORDER BY d"
                    " ON CONFLICT (donor) DO UPDATE SET goods = t.goods"
                ),
                {"kiosk": self.kiosk.id, "ids": donated_ids, "donors": new_donors},
            )

    def insert_ledger(self) -> None:
        """Write the batch's ledger entries: their summary (ledger_totals) is keyed by kiosk,
        and their households are only referred to (a key share, which the households' locks
        leave free)."""
        insert_rows(self.s, LedgerEntry, self.rows[LedgerEntry])
        self.rows[LedgerEntry].clear()

    def insert_rows(self) -> None:
        """Write the batch's other new rows, parents before children, one statement per table."""
        self.s.flush()  # statuses and revocations of rows already held
        if self.voided:
            self.s.execute(
                update(Exchange)
                .where(among(self.s, Exchange.id, sorted(self.voided)))
                .values(status=ExchangeStatus.VOIDED)
                .execution_options(synchronize_session=False)
            )
        for model, rows in self.rows.items():
            if model is not Alert:
                insert_rows(self.s, model, rows)
                rows.clear()

    def settle_balances(self) -> None:
        """Move the batch's households' balances (locked by lock_rows) and note who went
        overdrawn."""
        touched = sorted({household_id for household_id, _ in self.moves})
        if not touched:
            return
        for household_id, points in self.moves:
            balance = self.balances[household_id] = self.balances[household_id] + points
            if balance < 0 and points < 0:
                self.overdrawn.add(household_id)
        set_balances(self.s, {h: self.balances[h] for h in touched})

    def insert_alerts(self) -> None:
        """Write the alerts raised while applying and checking the batch."""
        insert_rows(self.s, Alert, self.rows[Alert])
        self.rows[Alert].clear()

    def check_chain(self) -> None:
        """Flag entries whose predecessor is held with another hash, or missing though due."""
        if not self.new_chain:
            return
        seqs = {e["seq"] for e in self.new_chain}
        wanted = {e["seq"] - 1 for e in self.new_chain if e["seq"] > 1} - seqs
        following_seqs = [s + 1 for s in seqs if s + 1 not in seqs]
        held: dict[int, str] = {}
        following: dict[int, str] = {}
        # Both tables and both ends in one round trip: (seq, hash) of the links wanted before
        # the batch's, (seq, prev_hash) of those held after them.
        for is_before, seq, value in self.s.execute(
            union_all(
                *(
                    select(literal(is_before), table.seq, column).where(
                        table.kiosk_id == self.kiosk.id, among(self.s, table.seq, seqs)
                    )
                    for table in (LedgerEntry, UncountedEntry)
                    for is_before, column, seqs in (
                        (True, table.hash, sorted(wanted)),
                        (False, table.prev_hash, following_seqs),
                    )
                )
            )
        ):
            (held if is_before else following)[seq] = value
        own = {e["seq"]: e["hash"] for e in self.new_chain}
        for e in sorted(self.new_chain, key=lambda e: e["seq"]):
            if e["seq"] == 1:
                continue
            before = own.get(e["seq"] - 1, held.get(e["seq"] - 1))
            if before is None:
                if self._due(e):
                    self._alert(
                        AlertKind.CHAIN_GAP, f"ledger seq {e['seq'] - 1} missing before {e['seq']}"
                    )
            elif before != e["prev_hash"]:
                self._alert(
                    AlertKind.CHAIN_TAMPER, f"ledger seq {e['seq']}: previous hash does not match"
                )
        for seq, prev in following.items():
            if own[seq - 1] != prev:
                self._alert(
                    AlertKind.CHAIN_TAMPER, f"ledger seq {seq}: previous hash does not match"
                )

    def flag_overdrafts(self) -> None:
        """Flag the households the batch left short (balances settled by settle_balances)."""
        for household_id in sorted(self.overdrawn):
            balance = self.balances[household_id]
            if balance < 0:
                self._alert(
                    AlertKind.OVERDRAFT,
                    f"household {household_id} is {-balance} points short",
                    household_id=household_id,
                    amount=-balance,
                )

    def _due(self, e: dict[str, Any]) -> bool:
        # A missing predecessor is only a gap once every earlier outbox entry has arrived.
        return self.carrier[e["seq"]] <= self.kiosk.contiguous_seq

    def _announce(
        self,
        kind: str,
        data: dict[str, Any],
        *,
        origin_kiosk: str | None = None,
        store_id: int | None = None,
    ) -> None:
        """Queue a change for the feed; it is written with the batch's ledger entries, after
        the households are locked (taking the feed lock first could deadlock with a batch that
        holds a household and waits for the feed)."""
        self.changes.append(
            {
                "kind": kind,
                "data": data,
                "origin_kiosk": origin_kiosk,
                "store_id": store_id,
                "created_at": self.now,
            }
        )

    def prepare_changes(self) -> None:
        """Make, before any lock is taken, what the feed will carry that no lock decides: the
        batch's ledger entries for the other kiosks, the highest sequence taken in for each
        household, and which of them the store's set holds already (it never lets one go)."""
        self.seqs: dict[str, int] = {}
        for e in self.new_chain:
            self.seqs[e["household_id"]] = max(self.seqs.get(e["household_id"], 0), e["seq"])
        # Each entry for the kiosks of protocol 1, which read the whole feed, while it is open.
        self.ledger_changes = [
            {
                "kind": "ledger",
                "data": ledger_wire(e),
                "origin_kiosk": self.kiosk.id,
                "store_id": None,
                "created_at": self.now,
            }
            for e in (self.new_ledger if self.whole_feed else ())
        ]
        self.members: set[str] = (
            set(
                self.s.scalars(
                    select(StoreMember.household_id).where(
                        StoreMember.store_id == self.kiosk.store_id,
                        among(self.s, StoreMember.household_id, sorted(self.seqs)),
                    )
                )
            )
            if self.seqs
            else set()
        )

    def emit_changes(self) -> None:
        """Announce the batch's changes and ledger entries to the other kiosks.

        The households of the entries the batch counted join the store's set (their records go
        to its feed the first time), and every store whose set holds one of them hears its
        confirmed balance, taking in this kiosk's entries up to the highest sequence the batch
        held for it.
        """
        seqs = self.seqs
        # Only entries central counted bring a household into the store's set: a refused one
        # (a stolen token's, say) would otherwise open any household's records to the store.
        counted = {e["household_id"] for e in self.new_ledger}
        join(self.s, self.kiosk.store_id, counted - self.members, self.now)
        balances = {h: self.balances[h] for h in seqs if h in self.balances}
        missing = sorted(set(seqs) - set(balances))
        if missing:
            balances.update(
                self.s.execute(
                    select(Household.id, Household.balance).where(
                        among(self.s, Household.id, missing)
                    )
                ).all()
            )
        emit_many(self.s, self.changes + self.ledger_changes)
        if balances:
            lock_feed(self.s)
            insert_balances(self.s, balances, self.now, kiosk_id=self.kiosk.id, seqs=seqs)


def _local_day(at: datetime, zone) -> date:
    """Return the programme's local day of a UTC time; a time the zone moves past the calendar
    counts on its last (or first) day, as the monthly figures count it."""
    try:
        return at.replace(tzinfo=UTC).astimezone(zone).date()
    except OverflowError:
        return date.max if at.year > 1 else date.min


def _by_batch(moves: list[dict[str, Any]], sign: int) -> dict[tuple[int, str], int]:
    """Return stock moves summed by (batch, goods), signed so that goods handed out count up."""
    out: dict[tuple[int, str], int] = {}
    for move in moves:
        key = (move["batch_id"], move["product_code"])
        out[key] = out.get(key, 0) + sign * move["qty"]
    return out


# The handler of each kind of pushed entry (the protocol's entry kinds), as _Batch.apply calls it.
HANDLERS: dict[str, Callable[[_Batch, dict[str, Any], dict[str, Any]], None]] = {
    EntryKind.EXCHANGE: _Batch._exchange,
    EntryKind.VOID: _Batch._void,
    EntryKind.CHECKIN: _Batch._checkin,
    EntryKind.ADJUST: _Batch._adjust,
    EntryKind.REVERSAL: _Batch._reversal,
    EntryKind.RESTOCK: _Batch._restock,
    EntryKind.STOCKTAKE: _Batch._stocktake,
    EntryKind.CARD_REVOKE: _Batch._card_revoke,
    EntryKind.CARD_ISSUE: _Batch._card_issue,
    EntryKind.AUDIT: _Batch._audit,
    EntryKind.CLAIM: _Batch._claim,
}


def card_change(card: Card) -> dict[str, Any]:
    """Return a card as the feed carries it."""
    return {"token_hash": card.token_hash, "resident_id": card.resident_id, "status": card.status}
