"""The append-only ledger: entry kinds, the wire shape of an entry and the per-kiosk hash chain.

A ledger entry travels between kiosk and central as one JSON object (`ledger_wire`), in pushes
and in the change feed alike; its hash covers the facts `EntryFacts` holds. Both are defined here
once: the kiosk's use cases, its feed applier, central's ingest and its own chain all use them.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from typing import Any

from core.domain import canonical as canonical_json

GENESIS_HASH = "0" * 64
WIRE_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"


class EntryKind(enum.StrEnum):
    """What an entry of a kiosk's outbox records: the kind it is pushed to central under."""

    EXCHANGE = "exchange"
    VOID = "void"
    CHECKIN = "checkin"
    ADJUST = "adjust"
    REVERSAL = "reversal"  # the kiosk's counter-entry to a ledger entry central refused
    RESTOCK = "restock"
    STOCKTAKE = "stocktake"
    CARD_REVOKE = "card_revoke"
    CARD_ISSUE = "card_issue"
    AUDIT = "audit"
    CLAIM = "claim"  # a deed recorded under a rule, with its photos; central derives the points


class LedgerKind(enum.StrEnum):
    """What a ledger entry does to a household's points."""

    EARN = "earn"  # a check-in's credit
    SPEND = "spend"  # an exchange
    VOID = "void"  # an exchange given back
    ADJUST = "adjust"  # opening points, an office correction, a refused entry's reversal
    EXPIRE = "expire"  # spendable points cleared under the programme's policy (central only)


KINDS = tuple(LedgerKind)
# The facts a ledger entry's hash covers, in the order hashed; the wire adds the two hashes.
FACT_FIELDS = ("id", "kiosk_id", "seq", "household_id", "kind", "points", "ref", "created_at")
WIRE_FIELDS = (*FACT_FIELDS, "prev_hash", "hash")


@dataclass(frozen=True)
class EntryFacts:
    """The facts of a ledger entry that its hash covers."""

    id: str
    kiosk_id: str
    seq: int
    household_id: str
    kind: str
    points: int  # signed: earn > 0, spend < 0
    ref: str
    created_at: str  # ISO 8601, UTC

    @classmethod
    def of(cls, entry: object) -> EntryFacts:
        """Return the hashed facts of an entry: a stored row, a mapping or a wire entry."""
        id_, kiosk_id, seq, household_id, kind, points, ref, at = _values(entry, FACT_FIELDS)
        created_at = wire_time(at) if isinstance(at, datetime) else at
        return cls(id_, kiosk_id, seq, household_id, str(kind), points, ref, created_at)

    def canonical(self) -> bytes:
        """Return the canonical bytes hashed into the chain."""
        fields = [
            self.id,
            self.kiosk_id,
            self.seq,
            self.household_id,
            self.kind,
            self.points,
            self.ref,
            self.created_at,
        ]
        return canonical_json.fast(fields)


def wire_time(at: datetime) -> str:
    """Return a stored (naive UTC) time as the ISO 8601 text entries carry and hash."""
    return at.strftime(WIRE_TIME)


def ledger_wire(entry: object) -> dict[str, Any]:
    """Return a stored ledger entry (a row, or a mapping of its columns) as it travels."""
    wire = dict(zip(WIRE_FIELDS, _values(entry, WIRE_FIELDS), strict=True))
    wire["kind"] = str(wire["kind"])  # a LedgerKind travels as its plain value
    wire["created_at"] = wire_time(wire["created_at"])
    return wire


def stored_entry(wire: Mapping[str, Any]) -> dict[str, Any]:
    """Return the columns of a ledger entry that came over the wire: its time as naive UTC."""
    row = {name: wire[name] for name in WIRE_FIELDS}
    row["created_at"] = parse_wire_time(row["created_at"])
    return row


def _values(entry: object, names: tuple[str, ...]) -> tuple[Any, ...]:
    """Return the named fields of a mapping or of an object's attributes."""
    if type(entry) is dict:  # the common case, without the abstract class's isinstance
        return _ITEMGETTERS[names](entry)
    if isinstance(entry, Mapping):
        return tuple(entry[name] for name in names)
    return _GETTERS[names](entry)


_GETTERS = {names: attrgetter(*names) for names in (FACT_FIELDS, WIRE_FIELDS)}
_ITEMGETTERS = {names: itemgetter(*names) for names in (FACT_FIELDS, WIRE_FIELDS)}


def parse_wire_time(value: str) -> datetime:
    """Return an ISO 8601 time from the wire as naive UTC."""
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def chain_hash(prev_hash: str, facts: EntryFacts) -> str:
    """Return the hash linking an entry to the previous entry of its kiosk."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + facts.canonical()).hexdigest()


def signed_points(kind: str, amount: int) -> int:
    """Return the signed ledger amount for a kind and a positive amount."""
    if kind not in KINDS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    return -amount if kind == LedgerKind.SPEND else amount


@dataclass(frozen=True)
class ChainProblem:
    """A break in a kiosk's sequence or hash chain."""

    seq: int
    problem: str


def verify_chain(entries: list[EntryFacts], hashes: list[tuple[str, str]]) -> list[ChainProblem]:
    """Check gap-free sequence and hash links; hashes holds (prev_hash, hash) per entry."""
    problems: list[ChainProblem] = []
    prev = GENESIS_HASH
    for i, (facts, (prev_hash, own_hash)) in enumerate(zip(entries, hashes, strict=True)):
        if facts.seq != i + 1:
            problems.append(ChainProblem(facts.seq, f"sequence gap: expected {i + 1}"))
        if prev_hash != prev:
            problems.append(ChainProblem(facts.seq, "previous hash does not match"))
        if chain_hash(prev_hash, facts) != own_hash:
            problems.append(ChainProblem(facts.seq, "hash does not match contents"))
        prev = own_hash
    return problems
