"""Hypothesis strategies from the sync protocol's own schemas, and single mutations of them."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from hypothesis import strategies as st

from sync import protocol

KIOSK = "K001"  # the kiosk id fixtures enrol

# Any JSON value json.loads can return, lone surrogates (from \ud800 escapes) included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-3, 3) | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
_SMALL_OBJECT = st.dictionaries(
    st.text(max_size=8), st.none() | st.booleans() | st.integers(-9, 9) | st.text(max_size=8)
)


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Return a strategy for values that match schema (the subset sync.schema supports)."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    types = schema.get("type")
    if isinstance(types, list):
        return st.one_of([from_schema({**schema, "type": t}) for t in types])
    if types == "null":
        return st.none()
    if types == "boolean":
        return st.booleans()
    if types == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if types == "string":
        return _strings(schema)
    if types == "array":
        return st.lists(
            from_schema(schema["items"]),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", 3), 3),
        )
    if types == "object" and "properties" in schema:
        required = {name: from_schema(schema["properties"][name]) for name in schema["required"]}
        optional = {
            name: from_schema(sub)
            for name, sub in schema["properties"].items()
            if name not in schema["required"]
        }
        return st.fixed_dictionaries(required, optional=optional)
    if types == "object":
        return _SMALL_OBJECT
    raise AssertionError(f"no strategy for {schema}")


_CLASS_PATTERN = re.compile(r"\^(\[[^\]]+\])(?:\+|\{(\d+)\})\$")


def _strings(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength", 10_000)
    fmt = schema.get("format")
    if fmt == "uuid":
        return st.uuids().map(str)
    if fmt == "date-time":
        return st.datetimes(timezones=st.none() | st.just(UTC)).map(lambda at: at.isoformat())
    if "pattern" in schema:
        # Our patterns are one character class, repeated (+) or a fixed number of times.
        match = _CLASS_PATTERN.fullmatch(schema["pattern"])
        assert match, f"no strategy for the pattern {schema['pattern']}"
        alphabet = st.from_regex(match[1], fullmatch=True)
        if match[2]:
            return st.text(alphabet, min_size=int(match[2]), max_size=int(match[2]))
        return st.text(alphabet, min_size=max(low, 1), max_size=min(high, 20))
    # Text that can be stored: no NUL, no lone surrogate.
    letters = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
    return st.text(letters, min_size=low, max_size=min(high, 20))


@dataclass(frozen=True)
class Mutation:
    """One change to a valid value, and the path the validator must name for it."""

    value: Any
    path: str
    what: str


def _places(value: Any, schema: dict[str, Any], path: str):
    """Yield (path, value, schema) for every place in a valid value."""
    yield path, value, schema
    if isinstance(value, dict) and "properties" in schema:
        for name, sub in schema["properties"].items():
            if name in value:
                yield from _places(value[name], sub, f"{path}.{name}")
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            yield from _places(item, schema["items"], f"{path}[{i}]")


_SAMPLES = {"string": "x", "integer": 7, "boolean": True, "null": None, "array": [], "object": {}}


def _wrong_types(schema: dict[str, Any]) -> list[Any]:
    allowed = schema.get("type")
    if allowed is None:
        return []
    allowed = allowed if isinstance(allowed, list) else [allowed]
    wrong = [sample for name, sample in _SAMPLES.items() if name not in allowed]
    return [*wrong, 1.5] if "integer" in allowed else wrong  # 1.5 is a number, not an integer


def mutations(value: Any, schema: dict[str, Any], root: str = "$") -> list[Mutation]:
    """Return every single mutation of a valid value that its schema must refuse."""
    found: list[Mutation] = []
    for path, here, sub in _places(value, schema, root):
        for wrong in _wrong_types(sub):
            found.append(_set(value, root, path, wrong, f"wrong type {type(wrong).__name__}"))
        if "maxLength" in sub and isinstance(here, str):
            found.append(_set(value, root, path, "A" * (sub["maxLength"] + 1), "too long"))
        if "maximum" in sub and isinstance(here, int):
            found.append(_set(value, root, path, sub["maximum"] + 1, "too big"))
        if "minimum" in sub and isinstance(here, int):
            found.append(_set(value, root, path, sub["minimum"] - 1, "too small"))
        if "enum" in sub:
            found.append(_set(value, root, path, "not-one-of-them", "not in enum"))
        if "pattern" in sub and isinstance(here, str):
            # A trailing newline must not slip past an anchored pattern.
            found.append(_set(value, root, path, here + "\n", "trailing newline"))
        if sub.get("format") == "date-time":
            found.append(_set(value, root, path, "yesterday", "not a time"))
        if sub.get("format") == "uuid" and isinstance(here, str):
            found.append(_set(value, root, path, here.upper(), "upper-case uuid"))
            found.append(_set(value, root, path, here + "\n", "uuid and a newline"))
        if isinstance(here, str) and sub.get("type") in ("string", ["string", "null"]):
            found.append(_set(value, root, path, "\x00", "NUL"))
        if "maxItems" in sub and isinstance(here, list) and here and sub["maxItems"] <= 100:
            too_many = here + [here[0]] * (sub["maxItems"] + 1 - len(here))
            found.append(_set(value, root, path, too_many, "too many items"))
        if isinstance(here, dict) and "properties" in sub:
            for name in sub["required"]:
                changed = copy.deepcopy(value)
                del _get(changed, root, path)[name]
                found.append(Mutation(changed, f"{path}.{name}", "missing"))
            if sub.get("additionalProperties") is False:
                changed = copy.deepcopy(value)
                _get(changed, root, path)["zz_extra"] = 1
                found.append(Mutation(changed, f"{path}.zz_extra", "extra field"))
    return found


def _steps(root: str, path: str) -> list[str | int]:
    steps: list[str | int] = []
    rest = path[len(root) :]
    while rest:
        if rest.startswith("["):
            end = rest.index("]")
            steps.append(int(rest[1:end]))
            rest = rest[end + 1 :]
        else:
            rest = rest[1:]
            end = min((i for i in (rest.find("."), rest.find("[")) if i >= 0), default=len(rest))
            steps.append(rest[:end])
            rest = rest[end:]
    return steps


def _get(value: Any, root: str, path: str) -> Any:
    for step in _steps(root, path):
        value = value[step]
    return value


def _set(value: Any, root: str, path: str, new: Any, what: str) -> Mutation:
    steps = _steps(root, path)
    if not steps:
        return Mutation(new, path, what)
    changed = copy.deepcopy(value)
    parent = changed
    for step in steps[:-1]:
        parent = parent[step]
    parent[steps[-1]] = new
    return Mutation(changed, path, what)


def _own(payload: dict) -> dict:
    if "ledger" in payload:
        payload["ledger"]["kiosk_id"] = KIOSK
    return payload


payloads = {kind: from_schema(schema).map(_own) for kind, schema in protocol.PAYLOADS.items()}
envelopes = from_schema(protocol.ENTRY)


@st.composite
def pushes(draw) -> dict:
    """Return a valid push of one to three entries, each with a valid payload of its kind."""
    entries = []
    for seq in range(1, draw(st.integers(1, 3)) + 1):
        kind = draw(st.sampled_from(sorted(protocol.PAYLOADS)))
        entry = draw(envelopes)
        entries.append({**entry, "seq": seq, "kind": kind, "payload": draw(payloads[kind])})
    ids = [e["id"] for e in entries]
    if len(set(ids)) < len(ids):
        for i, entry in enumerate(entries):
            entry["id"] = f"{i:08x}-0000-4000-8000-000000000000"
    return {"kiosk_id": KIOSK, "entries": entries}
