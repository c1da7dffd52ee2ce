"""Canonical JSON: the bytes behind entry digests and the ledger chain, defined here byte for byte.

The encoding (EKJ-1) is written down in docs/sync-protocol.md and pinned by golden vectors in
tests/sync/test_canonical.py. In short: UTF-8; no whitespace; object keys sorted by code point;
strings escape only `"`, `\\` and the controls U+0000-U+001F (`\\b \\f \\n \\r \\t` short, the rest
`\\u00xx`, lower-case hex); integers in plain decimal of any size; floats as Python's shortest
round-trip `repr` (`0.1`, `100.0`, `1e+16`, `1e-05`); `true`, `false`, `null`. NaN, infinities,
lone surrogates and keys that are not strings are refused with ValueError.

`encode` is the reference: a walk of the value that says each rule once. `fast` gives the same
bytes through the standard library's C encoder, whose output for these types is fixed by the
language (floats by `float.__repr__`, escapes by the JSON module's documented table); a property
test holds the two equal. No third-party serializer is involved, so no library upgrade can move a
digest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES = {chr(c): _SHORT.get(chr(c), f"\\u{c:04x}") for c in range(0x20)} | _SHORT
_ESCAPED = re.compile(r'["\\\x00-\x1f]')  # a character written escaped

_fast = json.JSONEncoder(
    skipkeys=False,
    ensure_ascii=False,
    check_circular=True,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
)


class NotCanonical(ValueError):
    """A value that has no canonical encoding."""


def encode(value: Any) -> bytes:
    """Return the canonical bytes of a JSON value (the reference walk)."""
    out: list[str] = []
    try:
        _write(value, out)
    except RecursionError:
        raise NotCanonical("nested too deep") from None
    text = "".join(out)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonical("text holds a lone surrogate, which is not UTF-8") from None


def fast(value: Any) -> bytes:
    """Return the same bytes as `encode`, several times faster (the standard C encoder).

    A string, an integer, or a flat list of them (what digests and the ledger chain encode,
    several times an entry) is written here directly, by the rules `encode` says.
    """
    kind = type(value)
    if kind is str or kind is int:
        plain = _plain(value)
        if plain is not None:
            return plain
    elif kind is list:
        parts = [_plain(item) for item in value]
        if None not in parts:
            return b"[" + b",".join(parts) + b"]"
    try:
        return _fast.encode(value).encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonical("text holds a lone surrogate, which is not UTF-8") from None
    except ValueError as error:  # NaN or an infinity
        raise NotCanonical(str(error)) from None
    except TypeError as error:  # keys of mixed types, or a value JSON has no form for
        raise NotCanonical(str(error)) from None
    except RecursionError:
        raise NotCanonical("nested too deep") from None


def _plain(value: Any) -> bytes | None:
    """Return the canonical bytes of a string that needs no escape or of an integer; None for
    any other value."""
    kind = type(value)
    if kind is str:
        if _ESCAPED.search(value) is not None:
            return None
        try:
            return b'"' + value.encode("utf-8") + b'"'
        except UnicodeEncodeError:
            raise NotCanonical("text holds a lone surrogate, which is not UTF-8") from None
    if kind is int:
        try:
            return int.__repr__(value).encode("ascii")
        except ValueError as error:  # more digits than Python writes
            raise NotCanonical(str(error)) from None
    return None


def _write(value: Any, out: list[str], float_form: Callable[[float], str] = float.__repr__) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NotCanonical(f"{value!r} has no JSON form")
        out.append(float_form(value))
    elif isinstance(value, str):
        _write_string(value, out)
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, float_form)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise NotCanonical("object keys must be strings")
        out.append("{")
        for i, key in enumerate(sorted(value)):
            if i:
                out.append(",")
            _write_string(key, out)
            out.append(":")
            _write(value[key], out, float_form)
        out.append("}")
    else:
        raise NotCanonical(f"{type(value).__name__} has no JSON form")


def _write_string(text: str, out: list[str]) -> None:
    out.append('"')
    out.append("".join(_ESCAPES.get(ch, ch) for ch in text))
    out.append('"')


def ryu_float(value: float) -> str:
    """Return a float as orjson 3.8-3.10 wrote it (the Rust ryu crate's form).

    Releases 0.1.x digested entries through orjson; their digests of entries holding floats with
    an exponent, or below 1e-4, used this form. Central still recognises them (see
    `sync.protocol.earlier_digests`), so a retry of such an entry stays a duplicate.
    """
    if value == 0:
        return "-0.0" if str(value).startswith("-") else "0.0"
    sign = "-" if value < 0 else ""
    digits, exponent = _shortest(abs(value))
    length = len(digits)
    kk = length + exponent  # 10**(kk-1) <= value < 10**kk
    if exponent >= 0 and kk <= 16:
        body = digits + "0" * exponent + ".0"
    elif 0 < kk <= 16:
        body = digits[:kk] + "." + digits[kk:]
    elif -5 < kk <= 0:
        body = "0." + "0" * -kk + digits
    elif length == 1:
        body = f"{digits}e{kk - 1}"
    else:
        body = f"{digits[0]}.{digits[1:]}e{kk - 1}"
    return sign + body


def _shortest(value: float) -> tuple[str, int]:
    """Return the shortest round-trip digits of a positive float and their decimal exponent."""
    mantissa, _, exp = f"{value!r}".partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exponent = (int(exp) if exp else 0) - len(frac)
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    return stripped or "0", exponent


def encode_ryu(value: Any) -> bytes:
    """Return a value's bytes as releases 0.1.x wrote them: canonical, floats in `ryu_float`."""
    out: list[str] = []
    _write(value, out, ryu_float)
    return "".join(out).encode("utf-8")


def holds_float(value: Any) -> bool:
    """Say whether a JSON value holds a float anywhere (only then can earlier forms differ)."""
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(holds_float(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(holds_float(v) for v in value)
    return False
