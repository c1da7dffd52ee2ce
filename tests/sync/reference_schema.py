"""The schema validator as it was first written: a walk over the schema for every value.

Kept only as the oracle that sync.schema (jsonschema-rs and the protocol's messages) is compared
with: the same values refused, with the same path and reason.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sync.schema import Invalid

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# NUL cannot be stored in PostgreSQL text and a lone surrogate cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _Fail(Exception):
    """Raised deep inside a value; each level on the way out adds its step to the path."""

    def __init__(self, reason: str, step: str = "") -> None:
        self.reason = reason
        self.steps = [step] if step else []


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """Raise Invalid at the first place value breaks schema."""
    try:
        _check(value, schema)
    except _Fail as fail:
        # Paths are built only for the rare failure, not for every field of every entry.
        raise Invalid(path + "".join(reversed(fail.steps)), fail.reason) from None


def _check(value: Any, schema: dict[str, Any]) -> None:
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_is(value, name) for name in names):
            raise _Fail(f"must be {' or '.join(names)}")
    if "enum" in schema and value not in schema["enum"]:
        raise _Fail(f"must be one of {', '.join(map(str, schema['enum']))}")
    if isinstance(value, str):
        _string(value, schema)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise _Fail(f"must be at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise _Fail(f"must be at most {schema['maximum']}")
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise _Fail(f"needs at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise _Fail(f"has more than {schema['maxItems']} items")
        items = schema.get("items")
        if items is not None:
            for i, item in enumerate(value):
                try:
                    _check(item, items)
                except _Fail as fail:
                    fail.steps.append(f"[{i}]")
                    raise
    elif isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                raise _Fail("is required", f".{name}")
        if schema.get("additionalProperties") is False:
            extra = sorted(set(value) - set(props))
            if extra:
                raise _Fail("is not allowed", f".{extra[0][:40]}")
        for name, sub in props.items():
            if name in value:
                try:
                    _check(value[name], sub)
                except _Fail as fail:
                    fail.steps.append(f".{name}")
                    raise


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return False
    return isinstance(value, _TYPES[name])


def _string(value: str, schema: dict[str, Any]) -> None:
    if _UNSTORABLE.search(value):
        raise _Fail("holds a NUL or an unpaired surrogate")
    if len(value) < schema.get("minLength", 0):
        raise _Fail("is too short" if value else "must not be empty")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise _Fail(f"is longer than {schema['maxLength']} characters")
    if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
        raise _Fail("has the wrong form")
    fmt = schema.get("format")
    if fmt == "uuid" and not _UUID.fullmatch(value):  # fullmatch: no newline after the $
        raise _Fail("must be a lower-case UUID")
    if fmt == "date-time":
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if at.tzinfo is not None:
                at.astimezone(UTC)  # central stores UTC: the time must have one
        except (ValueError, OverflowError):
            raise _Fail("must be an ISO 8601 time") from None


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # Patterns are ECMA-262, whose $ matches only at the very end; Python's $ also matches
    # before a final newline, which would let "K1\n" pass for an id.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)
