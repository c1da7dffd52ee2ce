"""The wire protocol on its own: push validation, payloads per kind, digests."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sync_helpers import WireKiosk

from sync import protocol
from sync.protocol import (
    MAX_BATCH,
    encode_push,
    entry_digest,
    validate_payload,
    validate_push,
)
from sync.schema import Invalid, validate

HOUSEHOLD = "H000001"


@pytest.fixture
def wire() -> WireKiosk:
    return WireKiosk("K1")


@pytest.fixture
def batch(wire: WireKiosk) -> dict:
    return wire.body(
        wire.exchange(HOUSEHOLD, "H000001-1", [("OIL", 1, 60), ("SOAP", 2, 8)]),
        wire.restock(1),
    )


def refused(body, where: str = "") -> Invalid:
    with pytest.raises(Invalid) as caught:
        validate_push(body)
    assert where in caught.value.path, caught.value
    assert caught.value.reason
    return caught.value


def test_a_well_formed_batch_passes(batch):
    assert validate_push(batch) is batch


def test_a_batch_of_500_passes_and_501_is_refused(wire):
    entries = [wire.restock(i) for i in range(1, MAX_BATCH + 2)]
    validate_push(wire.body(*entries[:MAX_BATCH]))
    error = refused(wire.body(*entries), "$.entries")
    assert "500" in error.reason


def test_an_empty_batch_is_refused(wire):
    refused(wire.body(), "$.entries")


def test_the_same_id_twice_in_a_batch_is_refused(wire):
    first = wire.restock(1)
    second = wire.restock(2)
    second["id"] = first["id"]
    error = refused(wire.body(first, second), "$.entries[1].id")
    assert "twice" in error.reason


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("kind", "refund"),
        ("kind", ""),
        ("seq", 0),
        ("seq", -1),
        ("seq", 2**53 + 1),
        ("seq", True),
        ("seq", 1.0),
        ("seq", "1"),
        ("id", "not-a-uuid"),
        ("id", "0E3C1D1A-8B8C-4C3B-9C8D-1A2B3C4D5E6F"),
        ("id", 12),
        ("created_at", "yesterday"),
        ("created_at", "x" * 41),
        ("payload", []),
        ("payload", "x"),
        ("payload", None),
    ],
)
def test_a_malformed_entry_field_is_refused(batch, where, value):
    batch["entries"][0][where] = value
    refused(batch, f"$.entries[0].{where}")


@pytest.mark.parametrize("missing", ["id", "seq", "kind", "created_at", "payload"])
def test_an_entry_without_a_required_field_is_refused(batch, missing):
    del batch["entries"][1][missing]
    error = refused(batch, f"$.entries[1].{missing}")
    assert error.reason == "is required"


def test_extra_fields_are_refused_at_every_level(batch):
    outer = copy.deepcopy(batch)
    outer["sneaky"] = 1
    refused(outer, "$.sneaky")
    inner = copy.deepcopy(batch)
    inner["entries"][0]["extra"] = 1
    refused(inner, "$.entries[0].extra")


@pytest.mark.parametrize(
    "body",
    [None, [], "push", 5, {"entries": []}, {"kiosk_id": "K1"}, {"kiosk_id": 1, "entries": []}],
)
def test_a_body_that_is_not_a_push_request_is_refused(body):
    refused(body)


@pytest.mark.parametrize("kiosk_id", ["", "K 1", "K1/..", "x" * 41, "王"])
def test_a_kiosk_id_of_the_wrong_form_is_refused(batch, kiosk_id):
    batch["kiosk_id"] = kiosk_id
    refused(batch, "$.kiosk_id")


def test_a_huge_payload_is_refused(wire):
    entry = wire.entry("audit", {"at": wire.at, "actor": "a", "action": "b", "details": {}})
    entry["payload"]["details"] = {"blob": "字" * 20_000}
    error = refused(wire.body(entry), "$.entries[0].payload")
    assert str(protocol.MAX_ENTRY_BYTES) in error.reason


def test_a_huge_version_string_is_refused(batch):
    batch["version"] = "1" * 10_000
    refused(batch, "$.version")


# -- payloads per kind -------------------------------------------------------------------


def payload_of(entry) -> dict:
    return copy.deepcopy(entry["payload"])


def test_every_payload_the_kiosk_writes_is_valid(batch):
    for entry in batch["entries"]:
        validate_payload(entry["kind"], entry["payload"], "K1")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda p: p["lines"].clear(), "$.payload.lines"),
        (lambda p: p["lines"][0].update(qty=0), "$.payload.lines[0].qty"),
        (lambda p: p["lines"][0].update(qty=100), "$.payload.lines[0].qty"),
        (lambda p: p["lines"][0].update(qty=True), "$.payload.lines[0].qty"),
        (lambda p: p["lines"][0].update(product_code="oil"), "$.payload.lines[0].product_code"),
        (lambda p: p.update(total=-1), "$.payload.total"),
        (lambda p: p.update(total="60"), "$.payload.total"),
        (lambda p: p.update(household_id="H 1"), "$.payload.household_id"),
        (lambda p: p.update(exchange_id="x"), "$.payload.exchange_id"),
        (lambda p: p["ledger"].update(kind="gift"), "$.payload.ledger.kind"),
        (lambda p: p["ledger"].update(hash="0" * 63), "$.payload.ledger.hash"),
        (lambda p: p["ledger"].update(hash="G" * 64), "$.payload.ledger.hash"),
        (lambda p: p["ledger"].update(prev_hash="A" * 64), "$.payload.ledger.prev_hash"),
        (lambda p: p["ledger"].update(points=10**7), "$.payload.ledger.points"),
        (lambda p: p["ledger"].pop("seq"), "$.payload.ledger.seq"),
        (lambda p: p["stock"].append({"product_code": "OIL", "batch_id": 0, "qty": -1}), "batch"),
        (lambda p: p.update(number="n" * 61), "$.payload.number"),
        (lambda p: p.update(surprise=1), "$.payload.surprise"),
    ],
)
def test_a_malformed_exchange_payload_is_refused(batch, change, where):
    payload = payload_of(batch["entries"][0])
    change(payload)
    with pytest.raises(Invalid) as caught:
        validate_payload("exchange", payload, "K1")
    assert where in caught.value.path


@pytest.mark.parametrize(
    ("kind", "payload", "where"),
    [
        ("restock", {"source": "gift"}, "$.payload.source"),
        ("restock", {"qty": 0}, "$.payload.qty"),
        ("restock", {"donor": "捐" * 81}, "$.payload.donor"),
        ("restock", {"unit_value_cents": -1}, "$.payload.unit_value_cents"),
        ("restock", {"received_at": "2025-13-01"}, "$.payload.received_at"),
        ("restock", {"batch_id": 2**53 + 1}, "$.payload.batch_id"),
        ("restock", {"donor": "a\x00b"}, "$.payload.donor"),
        ("restock", {"donor": "a\ud800b"}, "$.payload.donor"),
        ("restock", {"received_at": "0001-01-01T00:00:00+01:00"}, "$.payload.received_at"),
        ("card_revoke", {"token_hash": "x"}, "$.payload.token_hash"),
        ("audit", {"actor": "a" * 41}, "$.payload.actor"),
        ("stocktake", {"counted": -1}, "$.payload.counted"),
    ],
)
def test_a_malformed_payload_of_other_kinds_is_refused(wire, kind, payload, where):
    good = {
        "restock": wire.restock(1)["payload"],
        "card_revoke": {"token_hash": "a" * 64, "reason": "lost"},
        "audit": {"at": wire.at, "actor": "admin", "action": "login"},
        "stocktake": {"product_code": "OIL", "counted": 3, "reason": "count", "stock": []},
    }[kind]
    validate_payload(kind, good, "K1")
    with pytest.raises(Invalid) as caught:
        validate_payload(kind, {**good, **payload}, "K1")
    assert caught.value.path == where


def test_a_ledger_entry_of_another_kiosk_is_refused(wire):
    other = WireKiosk("K2")
    entry = other.exchange(HOUSEHOLD, "H000001-1", [("OIL", 1, 60)])
    validate_payload("exchange", entry["payload"], "K2")
    with pytest.raises(Invalid) as caught:
        validate_payload("exchange", entry["payload"], "K1")
    assert caught.value.path == "$.payload.ledger.kiosk_id"


def test_every_kind_has_a_published_payload_schema():
    enum = protocol.ENTRY["properties"]["kind"]["enum"]
    assert sorted(protocol.PAYLOADS) == enum
    for schema in protocol.PAYLOADS.values():
        assert schema["additionalProperties"] is False


# -- the schema validator itself ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        (True, {"type": "integer"}),
        (False, {"type": "number"}),
        (1.5, {"type": "integer"}),
        (1, {"type": "boolean"}),
        ("x" * 11, {"type": "string", "maxLength": 10}),
        ("", {"type": "string", "minLength": 1}),
        ("a\x00", {"type": "string"}),
        ("\udcff", {"type": "string"}),
        ("2025-02-30T00:00:00Z", {"type": "string", "format": "date-time"}),
        ("9999-12-31T23:00:00-05:00", {"type": "string", "format": "date-time"}),
        (2**64, {"type": "integer", "maximum": 2**53}),
    ],
)
def test_the_validator_refuses(value, schema):
    with pytest.raises(Invalid):
        validate(value, schema)


def test_the_validator_accepts_chinese_text_and_zoned_times():
    validate("县妇联 爱心企业", {"type": "string", "maxLength": 8})
    validate("2025-03-01T10:00:00+08:00", {"type": "string", "format": "date-time"})


# -- digests ------------------------------------------------------------------------------


def test_the_digest_ignores_key_order_and_spacing(batch):
    entry = batch["entries"][0]
    shuffled = json.loads(json.dumps(entry, indent=3, sort_keys=True))
    shuffled["payload"] = dict(reversed(list(shuffled["payload"].items())))
    assert entry_digest(shuffled) == entry_digest(entry)


def test_the_digest_is_stable_across_releases():
    # Central stores digests: if their form changed, every retry would look like a conflict.
    entry = {
        "id": "0e3c1d1a-8b8c-4c3b-9c8d-1a2b3c4d5e6f",
        "seq": 7,
        "kind": "audit",
        "created_at": "2025-03-01T02:00:00.000000Z",
        "payload": {"at": "2025-03-01T02:00:00Z", "actor": "店长", "action": "login"},
    }
    assert entry_digest(entry) == (
        "591f21876c5cfa4b03ab644b4729acfbf732a206403e70824ccbe4e466ef903e"
    )
    assert entry_digest({**entry, "ignored": "transport detail"}) == entry_digest(entry)


_PAYLOAD_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    payload=st.dictionaries(st.text(), _PAYLOAD_VALUES, max_size=5),
    text=st.text(max_size=12),
    seq=st.integers(min_value=1, max_value=2**53),
)
def test_the_digest_from_the_encoded_payload_is_the_digest(payload, text, seq):
    # Ingest digests each entry from the payload bytes the size check encoded: same bytes.
    entry = {
        "id": text,
        "seq": seq,
        "kind": text[::-1],
        "created_at": text + "Z",
        "payload": payload,
    }
    try:
        encoded = protocol.canonical(payload)
    except ValueError:  # a lone surrogate: refused before any digest is made
        return
    assert entry_digest(entry, encoded) == entry_digest(entry)


def test_encode_push_returns_each_payload_in_canonical_bytes(batch):
    encoded = encode_push(batch)
    assert encoded == [protocol.canonical(e["payload"]) for e in batch["entries"]]
    assert [entry_digest(e, b) for e, b in zip(batch["entries"], encoded, strict=True)] == [
        entry_digest(e) for e in batch["entries"]
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e.update(seq=e["seq"] + 1),
        lambda e: e.update(kind="void"),
        lambda e: e.update(created_at="2025-03-01T02:00:01.000000Z"),
        lambda e: e["payload"].update(total=e["payload"]["total"] + 1),
        lambda e: e["payload"]["lines"][0].update(qty=2),
    ],
)
def test_the_digest_changes_with_any_fact(batch, change):
    entry = batch["entries"][0]
    other = copy.deepcopy(entry)
    change(other)
    assert entry_digest(other) != entry_digest(entry)
