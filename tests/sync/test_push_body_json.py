"""A request body is read with orjson, fast, unless it holds an integer orjson would turn into a
float (19 digits or more, past 64 bits): then as json reads it, exactly. Digits inside a string
(a hash, a note) are not such an integer, and must not send a 500-entry batch the slow way."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.central.web import api

app = Flask(__name__)


def same(a: object, b: object) -> bool:
    """Tell whether two values are equal and of the same types (2**64 == float(2**64))."""
    return json.dumps(a) == json.dumps(b)


def read(raw: bytes, monkeypatch) -> tuple[object, bool]:
    """Return what the endpoint reads from raw, and whether it took json's slow way."""
    slow: list[bytes] = []
    standard = api._standard_json

    def counted(body: bytes):
        slow.append(body)
        return standard(body)

    monkeypatch.setattr(api, "_standard_json", counted)
    with app.test_request_context(data=raw, content_type="application/json"):
        return api._json(), bool(slow)


def test_a_batch_whose_hashes_hold_long_runs_of_digits_is_read_the_fast_way(monkeypatch):
    # sha256 in hex: about one hash in two hundred has 19 decimal digits in a row.
    entries = [
        {"id": f"e{i}", "hash": "ab" + "1234567890123456789012" + f"{i:040x}", "points": -8}
        for i in range(500)
    ]
    raw = json.dumps({"kiosk_id": "K1", "entries": entries}).encode()

    data, slow = read(raw, monkeypatch)

    assert same(data, json.loads(raw))
    assert not slow


@pytest.mark.parametrize(
    "raw",
    [
        b'{"cursor": 18446744073709551616}',
        b"[1,\n -98765432109876543210]",
        b"12345678901234567890",
        b'{"a":[ 1234567890123456789012345]}',
        b'{"a":{"b":\t12345678901234567890}}',
    ],
)
def test_an_integer_past_64_bits_is_read_exactly(raw, monkeypatch):
    data, slow = read(raw, monkeypatch)

    assert same(data, json.loads(raw))  # an int, not a float equal to it
    assert slow


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.integers(min_value=-(10**30), max_value=10**30)
        | st.text(alphabet="0123456789abcdef:,[ ", max_size=40)
        | st.booleans()
        | st.none(),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(alphabet="abc09", max_size=5), inner, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_whatever_the_body_it_is_read_as_json_reads_it(value):
    raw = json.dumps({"v": value}).encode()  # a body of null is refused, as it should be
    with app.test_request_context(data=raw, content_type="application/json"):
        assert same(api._json(), json.loads(raw))
