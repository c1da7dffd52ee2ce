"""One wire shape of a ledger entry, read alike from a stored row, a mapping or the wire."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from core.domain import canonical
from core.domain.ledger import (
    GENESIS_HASH,
    WIRE_FIELDS,
    EntryFacts,
    EntryKind,
    LedgerKind,
    chain_hash,
    ledger_wire,
    stored_entry,
)
from sync import protocol

ROW = {
    "id": "7f3c2a9e-0d1b-4c5e-8f6a-1b2c3d4e5f60",
    "kiosk_id": "K1",
    "seq": 3,
    "household_id": "H000001",
    "kind": LedgerKind.SPEND,
    "points": -25,
    "ref": "a8d1c4e2-5b6f-4a7c-9d0e-1f2a3b4c5d6e",
    "created_at": datetime(2025, 3, 1, 2, 30, 5, 120000),
    "prev_hash": GENESIS_HASH,
    "hash": "ab" * 32,
}


def test_a_stored_row_and_a_mapping_travel_as_the_same_bytes():
    as_row = ledger_wire(SimpleNamespace(**ROW))
    as_mapping = ledger_wire(ROW)
    assert list(as_row) == list(WIRE_FIELDS)
    assert canonical.fast(as_row) == canonical.fast(as_mapping)
    assert as_row["created_at"] == "2025-03-01T02:30:05.120000Z"
    assert type(as_row["kind"]) is str and as_row["kind"] == "spend"


def test_a_wire_entry_passes_the_protocol_and_comes_back_as_the_stored_row():
    wire = ledger_wire(ROW)
    assert protocol.well_formed_ledger({"ledger": wire}) == wire
    assert stored_entry(wire) == ROW


def test_the_hashed_facts_are_the_same_from_the_row_and_from_the_wire():
    facts = EntryFacts.of(SimpleNamespace(**ROW))
    assert facts == EntryFacts.of(ledger_wire(ROW))
    assert facts == EntryFacts(
        ROW["id"], "K1", 3, "H000001", "spend", -25, ROW["ref"], "2025-03-01T02:30:05.120000Z"
    )
    assert chain_hash(GENESIS_HASH, facts) == chain_hash(
        GENESIS_HASH, EntryFacts.of({**ROW, "kind": "spend"})
    )


def test_entry_kinds_are_the_strings_the_protocol_names():
    assert sorted(EntryKind) == sorted(protocol.PAYLOADS)
    assert [str(k) for k in LedgerKind] == protocol.LEDGER_ENTRY["properties"]["kind"]["enum"]
