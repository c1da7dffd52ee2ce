"""Canonical JSON (EKJ-1) pinned byte for byte: a library that changes a byte fails here."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import canonical as ekj
from core.domain.ledger import EntryFacts, chain_hash
from sync.protocol import canonical, earlier_digests, entry_digest

# (value, exact canonical bytes). Written out by hand from docs/sync-protocol.md, not produced by
# the encoder under test.
GOLDEN = [
    # constants and integers, large and negative, past 64 bits
    (None, b"null"),
    (True, b"true"),
    (False, b"false"),
    (0, b"0"),
    (-1, b"-1"),
    (2**53 + 1, b"9007199254740993"),
    (2**63, b"9223372036854775808"),
    (-(2**70), b"-1180591620717411303424"),
    (10**30, b"1000000000000000000000000000000"),
    # floats: Python's shortest round-trip repr, exponent from 1e16 up and below 1e-4
    (0.0, b"0.0"),
    (-0.0, b"-0.0"),
    (0.1, b"0.1"),
    (1.5, b"1.5"),
    (100.0, b"100.0"),
    (1e15, b"1000000000000000.0"),
    (1e16, b"1e+16"),
    (1.2345678901234568e17, b"1.2345678901234568e+17"),
    (1e22, b"1e+22"),
    (0.0001, b"0.0001"),
    (1e-05, b"1e-05"),
    (1e-07, b"1e-07"),
    (-2.5e-10, b"-2.5e-10"),
    (5e-324, b"5e-324"),
    (1.7976931348623157e308, b"1.7976931348623157e+308"),
    # strings: UTF-8 as is, in every plane; only quote, backslash and C0 controls escaped
    ("", b'""'),
    ("积分兑换", '"积分兑换"'.encode()),
    ("a/b", b'"a/b"'),
    ('say "hi"', b'"say \\"hi\\""'),
    ("back\\slash", b'"back\\\\slash"'),
    ("\b\f\n\r\t", b'"\\b\\f\\n\\r\\t"'),
    ("\x00\x01\x1f", b'"\\u0000\\u0001\\u001f"'),
    ("\x7f\x80\xa0", b'"\x7f\xc2\x80\xc2\xa0"'),
    ("\u2028\u2029", b'"\xe2\x80\xa8\xe2\x80\xa9"'),
    ("\ufeff\uffff", b'"\xef\xbb\xbf\xef\xbf\xbf"'),
    ("😀", b'"\xf0\x9f\x98\x80"'),  # plane 1
    ("\U00020000", b'"\xf0\xa0\x80\x80"'),  # plane 2, CJK extension B
    ("\U00030000", b'"\xf0\xb0\x80\x80"'),  # plane 3
    ("\U000e0001", b'"\xf3\xa0\x80\x81"'),  # plane 14
    ("\U000f0000\U0010ffff", b'"\xf3\xb0\x80\x80\xf4\x8f\xbf\xbf"'),  # planes 15 and 16
    # arrays and objects: no whitespace, keys by code point (not by UTF-16 unit)
    ([], b"[]"),
    ({}, b"{}"),
    ([1, "a", None, [True]], b'[1,"a",null,[true]]'),
    ({"b": 1, "a": 2, "B": 3, "": 4}, b'{"":4,"B":3,"a":2,"b":1}'),
    ({"z": {"y": [], "x": {}}}, b'{"z":{"x":{},"y":[]}}'),
    (
        {"\uffff": 1, "\U00010000": 2, "\ue000": 3},
        b'{"\xee\x80\x80":3,"\xef\xbf\xbf":1,"\xf0\x90\x80\x80":2}',
    ),
    ({"户": 1, "Z": 2, "é": 3}, b'{"Z":2,"\xc3\xa9":3,"\xe6\x88\xb7":1}'),
    ({"n": 1e16, "m": -0.0}, b'{"m":-0.0,"n":1e+16}'),
]


@pytest.mark.parametrize(("value", "expected"), GOLDEN, ids=[repr(v)[:40] for v, _ in GOLDEN])
def test_canonical_bytes_are_exactly_the_documented_ones(value, expected):
    assert ekj.encode(value) == expected
    assert ekj.fast(value) == expected
    assert canonical(value) == expected


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), "\udc80", {"k": "\ud800"}, {1: "a"}, {b"x": 1}],
    ids=["nan", "inf", "-inf", "lone-low", "lone-high-in-object", "int-key", "bytes-key"],
)
def test_values_without_a_canonical_form_are_refused(value):
    with pytest.raises(ValueError):
        ekj.encode(value)
    if value != {1: "a"}:  # the C encoder writes an int key as text; the wire never has one
        with pytest.raises(ValueError):
            ekj.fast(value)


def test_an_entry_digest_is_pinned():
    entry = {
        "id": "6f1c2b9e-3d1a-4a57-9a3e-0c1d2e3f4a5b",
        "seq": 17,
        "kind": "exchange",
        "created_at": "2026-11-22T08:15:02.123456Z",
        "payload": {"household_id": "H000001", "lines": [["OIL", 1, 60]], "note": "代领\n"},
        "not_digested": "anything",
    }
    expected = (
        b'{"created_at":"2026-11-22T08:15:02.123456Z","id":"6f1c2b9e-3d1a-4a57-9a3e-0c1d2e3f4a5b",'
        b'"kind":"exchange","payload":{"household_id":"H000001","lines":[["OIL",1,60]],'
        b'"note":"\xe4\xbb\xa3\xe9\xa2\x86\\n"},"seq":17}'
    )
    assert entry_digest(entry) == hashlib.sha256(expected).hexdigest()
    assert entry_digest(entry) == "477fef23d1570a7f22557d4169aa90bce887f80646d5ac7cfc606bfe9607286e"


def test_the_ledger_chain_hash_is_pinned():
    facts = EntryFacts(
        id="0b7e9d4a-1c2f-4e3a-8b5d-6f7a8b9c0d1e",
        kiosk_id="K001",
        seq=3,
        household_id="H000042",
        kind="spend",
        points=-120,
        ref="兑换 EX-1",
        created_at="2026-11-22T08:15:02.123456Z",
    )
    assert facts.canonical() == (
        b'["0b7e9d4a-1c2f-4e3a-8b5d-6f7a8b9c0d1e","K001",3,"H000042","spend",-120,'
        b'"\xe5\x85\x91\xe6\x8d\xa2 EX-1","2026-11-22T08:15:02.123456Z"]'
    )
    prev = "0" * 64
    assert (
        chain_hash(prev, facts)
        == hashlib.sha256(prev.encode() + b"\n" + facts.canonical()).hexdigest()
    )
    assert (
        chain_hash(prev, facts)
        == "d2d19bb8dd86eb35354f76f45b6654067390e79b6d3213d3ffd753770171b70b"
    )


# Floats as releases 0.1.x stored them (orjson 3.8, the Rust ryu crate's form), read off that
# release's output.
EARLIER_FLOATS = [
    (1e16, "1e16"),
    (1e15, "1000000000000000.0"),
    (1e-07, "1e-7"),
    (1e-05, "0.00001"),
    (0.0001, "0.0001"),
    (0.1, "0.1"),
    (100.0, "100.0"),
    (-0.0, "-0.0"),
    (0.0, "0.0"),
    (1.2345678901234568e17, "1.2345678901234568e17"),
    (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e308"),
    (123456789.0, "123456789.0"),
    (-2.5e-10, "-2.5e-10"),
    (1e22, "1e22"),
]


@pytest.mark.parametrize(("value", "expected"), EARLIER_FLOATS)
def test_floats_are_read_as_earlier_releases_wrote_them(value, expected):
    assert ekj.ryu_float(value) == expected


def test_earlier_digests_exist_only_for_entries_holding_floats():
    entry = {"id": "x", "seq": 1, "kind": "audit", "created_at": "t", "payload": {"n": 1}}
    assert earlier_digests(entry) == set()
    entry["payload"]["n"] = 1e16
    stored = hashlib.sha256(
        b'{"created_at":"t","id":"x","kind":"audit","payload":{"n":1e16},"seq":1}'
    ).hexdigest()
    assert earlier_digests(entry) == {stored}


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES)
def test_the_fast_encoder_writes_the_reference_bytes(value):
    try:
        expected = ekj.encode(value)
    except ValueError:  # a lone surrogate somewhere
        with pytest.raises(ValueError):
            ekj.fast(value)
        return
    assert ekj.fast(value) == expected
    assert json.loads(expected) == value  # and it reads back as the same value


def test_a_value_nested_too_deep_is_refused_not_a_crash():
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ValueError):
        ekj.fast(deep)
    with pytest.raises(ValueError):
        ekj.encode(deep)
