"""The sync validator: any JSON is refused with Invalid or passes; each single fault is named."""

from __future__ import annotations

import pytest
from fuzz_strategies import JSON, KIOSK, from_schema, mutations, payloads, pushes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import protocol
from sync.schema import Invalid, validate

FUZZ = settings(
    max_examples=100,
    deadline=2000,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
KINDS = sorted(protocol.PAYLOADS)


def _refused_or_passed(check, value) -> None:
    try:
        check(value)
    except Invalid as exc:
        assert str(exc).startswith("$")
        assert exc.reason


# Values shaped like a push, with anything inside: these reach past the first type check.
PUSH_LIKE = st.fixed_dictionaries(
    {"kiosk_id": st.just(KIOSK) | JSON, "entries": st.lists(JSON, max_size=3) | JSON},
    optional={"version": JSON, "extra": JSON},
)
ENTRY_LIKE = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str) | JSON,
        "seq": st.integers(-2, 2**54) | JSON,
        "kind": st.sampled_from(KINDS) | JSON,
        "created_at": st.just("2026-11-01T10:00:00Z") | JSON,
        "payload": st.dictionaries(st.sampled_from(["ledger", "stock", "lines"]), JSON) | JSON,
    }
)


@FUZZ
@given(
    value=JSON
    | PUSH_LIKE
    | st.builds(
        lambda e: {"kiosk_id": KIOSK, "entries": e}, st.lists(ENTRY_LIKE, min_size=1, max_size=3)
    )
)
def test_any_json_pushed_is_refused_with_invalid_or_passes(value):
    _refused_or_passed(protocol.validate_push, value)


@FUZZ
@given(
    kind=st.sampled_from(KINDS),
    payload=JSON
    | st.dictionaries(st.sampled_from(["ledger", "stock", "lines", "reason", "qty"]), JSON),
)
def test_any_json_payload_is_refused_with_invalid_or_passes(kind, payload):
    _refused_or_passed(lambda p: protocol.validate_payload(kind, p, KIOSK), payload)


@FUZZ
@given(value=JSON)
def test_any_json_heartbeat_is_refused_with_invalid_or_passes(value):
    _refused_or_passed(lambda v: validate(v, protocol.HEARTBEAT), value)


@settings(FUZZ, max_examples=40)
@given(push=pushes())
def test_valid_pushes_pass_with_every_payload(push):
    protocol.validate_push(push)
    for entry in push["entries"]:
        protocol.validate_payload(entry["kind"], entry["payload"], KIOSK)


@pytest.mark.parametrize("kind", KINDS)
@settings(FUZZ, max_examples=6)
@given(data=st.data())
def test_every_single_fault_in_a_payload_is_refused_naming_its_path(kind, data):
    payload = data.draw(payloads[kind], label="payload")
    protocol.validate_payload(kind, payload, KIOSK)
    faults = mutations(payload, protocol.PAYLOADS[kind], "$.payload")
    assert faults
    for fault in faults:
        with pytest.raises(Invalid) as refused:
            protocol.validate_payload(kind, fault.value, KIOSK)
        assert refused.value.path == fault.path, fault.what


@settings(FUZZ, max_examples=20)
@given(push=pushes())
def test_every_single_fault_in_a_push_envelope_is_refused_naming_its_path(push):
    # The payload is checked per kind at ingest: here only the envelope, as ENTRY describes it.
    faults = mutations(push, protocol.PUSH_REQUEST, "$")
    assert faults
    for fault in faults:
        with pytest.raises(Invalid) as refused:
            protocol.validate_push(fault.value)
        assert refused.value.path == fault.path, fault.what


@settings(FUZZ, max_examples=30)
@given(heartbeat=from_schema(protocol.HEARTBEAT))
def test_every_single_fault_in_a_heartbeat_is_refused_naming_its_path(heartbeat):
    validate(heartbeat, protocol.HEARTBEAT)
    for fault in mutations(heartbeat, protocol.HEARTBEAT, "$"):
        with pytest.raises(Invalid) as refused:
            validate(fault.value, protocol.HEARTBEAT)
        assert refused.value.path == fault.path, fault.what


GOOD_ID = "2f1c6a4e-8d0b-4c57-9a53-0c4b8f7e1d2a"


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"kiosk_id": KIOSK + "\n", "entries": []}, "$.kiosk_id"),
        (
            {
                "kiosk_id": KIOSK,
                "entries": [
                    {
                        "id": GOOD_ID + "\n",
                        "seq": 1,
                        "kind": "audit",
                        "created_at": "2026-11-01T10:00:00Z",
                        "payload": {},
                    }
                ],
            },
            "$.entries[0].id",
        ),
    ],
)
def test_a_trailing_newline_does_not_pass_for_an_id(value, path):
    with pytest.raises(Invalid) as refused:
        protocol.validate_push(value)
    assert refused.value.path == path


def test_a_product_code_with_a_trailing_newline_is_refused_naming_it():
    restock = {
        "batch_id": 1,
        "product_code": "OIL\n",
        "qty": 5,
        "source": "donation",
        "donor": "",
        "received_at": "2026-11-01T10:00:00",
    }
    with pytest.raises(Invalid) as refused:
        protocol.validate_payload("restock", restock, KIOSK)
    assert refused.value.path == "$.payload.product_code"
    protocol.validate_payload("restock", {**restock, "product_code": "OIL"}, KIOSK)
