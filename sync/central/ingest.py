"""Apply pushed kiosk entries exactly once, checking each kiosk's sequence and hash chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.ledger import EntryFacts, chain_hash, parse_wire_time, wire_time
from sync.central.bulk import among, insert_rows, set_balances
from sync.central.context import Central, emit, emit_many
from sync.central.models import (
    Alert,
    AuditEntry,
    Batch,
    Card,
    CheckIn,
    Exchange,
    ExchangeLine,
    Household,
    Kiosk,
    LedgerEntry,
    Resident,
    StockMove,
    SyncEntry,
)
from sync.protocol import earlier_digests, entry_digest, validate_payload
from sync.schema import Invalid, is_uuid

parse_time = parse_wire_time


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


def push(c: Central, kiosk_id: str, entries: list[dict[str, Any]]) -> PushOutcome:
    """Apply a validated batch from one kiosk in one transaction."""
    outcome = PushOutcome()
    entries = sorted(entries, key=lambda e: e["seq"])
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        # One batch per kiosk at a time: a repeated request waits, then finds its entries held.
        kiosk = s.get(Kiosk, kiosk_id, with_for_update=True)
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
                    among(s, SyncEntry.seq, [e["seq"] for e in entries]),
                )
            )
        )
        ctx = _Batch(s, kiosk, now, entries)
        sync_rows: list[dict[str, Any]] = []
        for entry in entries:
            digest = entry_digest(entry)
            known = by_id.get(entry["id"])
            if known is not None:
                if known.kiosk_id == kiosk_id and (
                    known.digest == digest or known.digest in earlier_digests(entry)
                ):
                    if known.status == "rejected":  # a retry hears the answer it missed
                        outcome.results.append(_result(entry, "rejected", known.reason))
                    else:
                        outcome.results.append(_result(entry, "duplicate"))
                else:
                    outcome.conflict = True
                    outcome.results.append(
                        _result(
                            entry, "rejected", "conflict: this id was pushed with other content"
                        )
                    )
                continue
            if entry["seq"] in used_seqs:
                outcome.conflict = True
                outcome.results.append(
                    _result(entry, "rejected", "conflict: this sequence number holds another entry")
                )
                continue
            try:
                validate_payload(entry["kind"], entry["payload"], kiosk_id)
                ctx.apply(entry)
                status, reason = "applied", None
            except Invalid as exc:
                status, reason = "rejected", f"invalid: {exc}"
            except _Refused as exc:
                status, reason = "rejected", exc.reason
            reason = reason[:200] if reason else None
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
        ctx.insert_rows()
        insert_rows(s, SyncEntry, sync_rows)
        kiosk.contiguous_seq = _contiguous(s, kiosk_id, kiosk.contiguous_seq)
        kiosk.last_push = now
        kiosk.last_seen = now
        ctx.settle_balances()
        ctx.check_chain()
        ctx.insert_alerts()
        ctx.emit_changes()
        outcome.contiguous_seq = kiosk.contiguous_seq
        uow.commit()
    return outcome


def _result(entry: dict[str, Any], status: str, reason: str | None = None) -> dict[str, Any]:
    result = {"id": entry["id"], "seq": entry["seq"], "status": status}
    if reason:
        result["reason"] = reason
    return result


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

    def __init__(self, s: Session, kiosk: Kiosk, now: datetime, entries: list[dict]) -> None:
        self.s = s
        self.kiosk = kiosk
        self.now = now
        payloads = [e["payload"] for e in entries if isinstance(e.get("payload"), dict)]
        ledgers = [p["ledger"] for p in payloads if isinstance(p.get("ledger"), dict)]

        # Prefetching happens before each entry is validated: take only values of a sane form.
        def strings(values) -> list[str]:
            return sorted({v for v in values if isinstance(v, str) and len(v) <= 40})

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
        self.ledger_seqs = set(
            s.scalars(
                select(LedgerEntry.seq).where(
                    LedgerEntry.kiosk_id == kiosk.id, among(s, LedgerEntry.seq, seqs)
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
        self.checkin_ids = set(
            s.scalars(
                select(CheckIn.id).where(
                    among(s, CheckIn.id, strings(p.get("checkin_id") for p in payloads))
                )
            )
        )
        self.checked_in = set(
            s.execute(
                select(CheckIn.activity_id, CheckIn.resident_id).where(
                    among(
                        s,
                        CheckIn.resident_id,
                        strings(p.get("resident_id") for p in payloads if "checkin_id" in p),
                    )
                )
            ).all()
        )
        self.batch_ids = set(
            s.scalars(
                select(Batch.batch_id).where(
                    Batch.kiosk_id == kiosk.id,
                    among(s, Batch.batch_id, ints(p.get("batch_id") for p in payloads)),
                )
            )
        )
        self.rows: dict[type, list[dict[str, Any]]] = {
            model: []
            for model in (
                LedgerEntry,
                Exchange,
                ExchangeLine,
                StockMove,
                Batch,
                CheckIn,
                AuditEntry,
                Alert,
            )
        }
        self.new_exchanges: dict[str, dict[str, Any]] = {}
        self.new_ledger: list[dict[str, Any]] = []
        self.overdrawn: set[str] = set()
        self.carrier: dict[int, int] = {}  # ledger seq -> outbox seq of the entry carrying it

    def apply(self, entry: dict[str, Any]) -> None:
        kind, p = entry["kind"], entry["payload"]
        if isinstance(p.get("ledger"), dict):
            self.carrier[p["ledger"]["seq"]] = entry["seq"]
        getattr(self, f"_{kind}")(p, entry)

    # -- ledger-bearing kinds -------------------------------------------------------------

    def _ledger(self, wire: dict[str, Any]) -> None:
        household_id = wire["household_id"]
        if household_id not in self.households:
            raise _Refused(f"unknown household {wire['household_id']}")
        if wire["seq"] in self.ledger_seqs:
            raise _Refused(f"ledger sequence {wire['seq']} already held for this kiosk")
        facts = EntryFacts(
            id=wire["id"],
            kiosk_id=wire["kiosk_id"],
            seq=wire["seq"],
            household_id=wire["household_id"],
            kind=wire["kind"],
            points=wire["points"],
            ref=wire["ref"],
            created_at=wire["created_at"],
        )
        if chain_hash(wire["prev_hash"], facts) != wire["hash"]:
            self._alert("chain_tamper", f"ledger seq {wire['seq']}: hash does not match contents")
            raise _Refused("hash does not match contents")
        if wire["id"] in self.ledger_ids:
            raise _Refused("ledger entry id already held")
        row = {
            "id": wire["id"],
            "kiosk_id": wire["kiosk_id"],
            "seq": wire["seq"],
            "household_id": household_id,
            "kind": wire["kind"],
            "points": wire["points"],
            "ref": wire["ref"],
            "created_at": parse_time(wire["created_at"]),
            "prev_hash": wire["prev_hash"],
            "hash": wire["hash"],
            "store_id": self.kiosk.store_id,
        }
        self.rows[LedgerEntry].append(row)
        self.moves.append((household_id, row["points"]))
        self.ledger_seqs.add(row["seq"])
        self.ledger_ids.add(row["id"])
        self.new_ledger.append(row)

    def _exchange(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        ledger = p["ledger"]
        if ledger["kind"] != "spend" or -ledger["points"] != p["total"]:
            raise _Refused("the ledger entry does not match the exchange total")
        if ledger["household_id"] != p["household_id"]:
            raise _Refused("the ledger entry is for another household")
        if p["exchange_id"] in self.exchanges or p["exchange_id"] in self.new_exchanges:
            raise _Refused("exchange id already held")
        if sum(line["points"] for line in p["lines"]) != p["total"]:
            raise _Refused("the lines do not add up to the total")
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
            "status": "completed",
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
        self._moves(p["stock"], "issue", row["id"], p["household_id"], at)

    def _void(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        held = self.exchanges.get(p["exchange_id"])
        fresh = self.new_exchanges.get(p["exchange_id"])
        if held is not None:
            kiosk_id, status, total, household_id = (
                held.kiosk_id,
                held.status,
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
        if status == "voided":
            raise _Refused("exchange already voided")
        if p["ledger"]["kind"] != "void" or p["ledger"]["points"] != total:
            raise _Refused("the ledger entry does not match the voided total")
        if p["ledger"]["household_id"] != household_id:
            raise _Refused("the ledger entry is for another household")
        self._ledger(p["ledger"])
        if held is not None:
            held.status = "voided"
        else:
            fresh["status"] = "voided"
        at = parse_time(p["ledger"]["created_at"])
        self._moves(p["stock"], "void", p["exchange_id"], household_id, at)

    def _checkin(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        if p["ledger"]["kind"] != "earn" or p["ledger"]["points"] != p["points"]:
            raise _Refused("the ledger entry does not match the check-in points")
        if p["ledger"]["household_id"] != p["household_id"]:
            raise _Refused("the ledger entry is for another household")
        if p["checkin_id"] in self.checkin_ids:
            raise _Refused("check-in id already held")
        self._ledger(p["ledger"])
        self.checkin_ids.add(p["checkin_id"])
        pair = (p["activity_id"], p["resident_id"])
        if pair in self.checked_in:
            self._alert(
                "double_checkin",
                f"{p['resident_id']} checked in to {p['activity_id']} at two kiosks",
                household_id=p["household_id"],
                amount=p["points"],
            )
            return
        self.checked_in.add(pair)
        self.rows[CheckIn].append(
            {
                "id": p["checkin_id"],
                "activity_id": p["activity_id"],
                "resident_id": p["resident_id"],
                "household_id": p["household_id"],
                "kiosk_id": self.kiosk.id,
                "store_id": self.kiosk.store_id,
                "points": p["points"],
                "created_at": parse_time(p["ledger"]["created_at"]),
            }
        )

    def _adjust(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        if p["ledger"]["kind"] != "adjust":
            raise _Refused("an adjustment must carry an adjust entry")
        self._ledger(p["ledger"])

    # -- stock, cards, audit --------------------------------------------------------------

    def _restock(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        if p["batch_id"] in self.batch_ids:
            raise _Refused(f"batch {p['batch_id']} already held")
        self.batch_ids.add(p["batch_id"])
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
        self._moves(p["stock"], "adjust", None, None, parse_time(entry["created_at"]))

    def _card_revoke(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        card = self.s.scalar(select(Card).where(Card.token_hash == p["token_hash"]))
        if card is None:
            raise _Refused("unknown card")
        if card.status == "active":
            card.status, card.revoked_at = "revoked", self.now
            emit(self.s, "card", card_change(card), self.now)

    def _card_issue(self, p: dict[str, Any], entry: dict[str, Any]) -> None:
        held = self.s.scalar(select(Card).where(Card.token_hash == p["token_hash"]))
        if held is not None:
            raise _Refused("this card is already held")
        if self.s.get(Resident, p["resident_id"]) is None:
            raise _Refused(f"unknown resident {p['resident_id']}")
        for old in self.s.scalars(
            select(Card).where(Card.resident_id == p["resident_id"], Card.status == "active")
        ):
            old.status, old.revoked_at = "revoked", self.now
            emit(self.s, "card", card_change(old), self.now)
        card = Card(
            resident_id=p["resident_id"],
            token_hash=p["token_hash"],
            status="active",
            issued_at=parse_time(entry["created_at"]),
        )
        self.s.add(card)
        emit(self.s, "card", card_change(card), self.now, origin_kiosk=self.kiosk.id)

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

    def _moves(self, moves, kind: str, exchange_id, household_id, at) -> None:
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

    # -- after the batch --------------------------------------------------------------------

    def _alert(
        self, kind: str, detail: str, *, household_id: str | None = None, amount: int | None = None
    ) -> None:
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

    def insert_rows(self) -> None:
        """Write the batch's new rows, parents before children, one statement per table."""
        self.s.flush()  # statuses and revocations of rows already held
        for model, rows in self.rows.items():
            if model is not Alert:
                insert_rows(self.s, model, rows)
                rows.clear()

    def settle_balances(self) -> None:
        """Lock the batch's households, move their balances and note who went overdrawn.

        Locks are taken in one order, so batches sharing households queue instead of
        deadlocking; FOR NO KEY UPDATE leaves other batches free to insert rows that refer
        to these households meanwhile.
        """
        touched = sorted({household_id for household_id, _ in self.moves})
        if not touched:
            return
        self.balances = dict(
            self.s.execute(
                select(Household.id, Household.balance)
                .where(among(self.s, Household.id, touched))
                .order_by(Household.id)
                .with_for_update(key_share=True)
            ).all()
        )
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
        if not self.new_ledger:
            return
        seqs = {e["seq"] for e in self.new_ledger}
        wanted = {e["seq"] - 1 for e in self.new_ledger if e["seq"] > 1} - seqs
        held = dict(
            self.s.execute(
                select(LedgerEntry.seq, LedgerEntry.hash).where(
                    LedgerEntry.kiosk_id == self.kiosk.id, among(self.s, LedgerEntry.seq, wanted)
                )
            ).all()
        )
        own = {e["seq"]: e["hash"] for e in self.new_ledger}
        for e in sorted(self.new_ledger, key=lambda e: e["seq"]):
            if e["seq"] == 1:
                continue
            before = own.get(e["seq"] - 1, held.get(e["seq"] - 1))
            if before is None:
                if self._due(e):
                    self._alert("chain_gap", f"ledger seq {e['seq'] - 1} missing before {e['seq']}")
            elif before != e["prev_hash"]:
                self._alert("chain_tamper", f"ledger seq {e['seq']}: previous hash does not match")
        following = dict(
            self.s.execute(
                select(LedgerEntry.seq, LedgerEntry.prev_hash).where(
                    LedgerEntry.kiosk_id == self.kiosk.id,
                    among(self.s, LedgerEntry.seq, [s + 1 for s in seqs if s + 1 not in seqs]),
                )
            ).all()
        )
        for seq, prev in following.items():
            if own[seq - 1] != prev:
                self._alert("chain_tamper", f"ledger seq {seq}: previous hash does not match")
        for household_id in sorted(self.overdrawn):
            balance = self.balances[household_id]
            if balance < 0:
                self._alert(
                    "overdraft",
                    f"household {household_id} is {-balance} points short",
                    household_id=household_id,
                    amount=-balance,
                )

    def _due(self, e: dict[str, Any]) -> bool:
        # A missing predecessor is only a gap once every earlier outbox entry has arrived.
        return self.carrier[e["seq"]] <= self.kiosk.contiguous_seq

    def emit_changes(self) -> None:
        """Announce the batch's ledger entries to the other kiosks in one insert."""
        if not self.new_ledger:
            return
        emit_many(
            self.s,
            [
                {
                    "kind": "ledger",
                    "data": ledger_change_row(e),
                    "origin_kiosk": self.kiosk.id,
                    "store_id": None,
                    "created_at": self.now,
                }
                for e in self.new_ledger
            ],
        )


LEDGER_FIELDS = (
    "id",
    "kiosk_id",
    "seq",
    "household_id",
    "kind",
    "points",
    "ref",
    "created_at",
    "prev_hash",
    "hash",
)


def ledger_change_row(e: dict[str, Any]) -> dict[str, Any]:
    """Return a new ledger row as the feed carries it."""
    return {
        "id": e["id"],
        "kiosk_id": e["kiosk_id"],
        "seq": e["seq"],
        "household_id": e["household_id"],
        "kind": e["kind"],
        "points": e["points"],
        "ref": e["ref"],
        "created_at": wire_time(e["created_at"]),
        "prev_hash": e["prev_hash"],
        "hash": e["hash"],
    }


def ledger_change(e: LedgerEntry) -> dict[str, Any]:
    """Return a stored ledger entry as the feed carries it."""
    return ledger_change_row({name: getattr(e, name) for name in LEDGER_FIELDS})


def card_change(card: Card) -> dict[str, Any]:
    """Return a card as the feed carries it."""
    return {"token_hash": card.token_hash, "resident_id": card.resident_id, "status": card.status}
