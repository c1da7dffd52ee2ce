"""The append-only ledger: entry kinds and the per-kiosk hash chain."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from core.domain import canonical as canonical_json

GENESIS_HASH = "0" * 64
WIRE_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"
KINDS = ("earn", "spend", "void", "adjust")


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
    return -amount if kind == "spend" else amount


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
