"""A small JSON Schema validator for the subset the sync protocol uses.

One schema serves twice: it validates requests and it is published in the OpenAPI document.
Supported keywords: type (one or a list), properties, required, additionalProperties: false,
items, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum, enum, format
(uuid, date-time).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

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


class Invalid(ValueError):
    """A value does not match its schema; the message names where and why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path or "$"
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """Raise Invalid at the first place value breaks schema."""
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_is(value, name) for name in names):
            raise Invalid(path, f"must be {' or '.join(names)}")
    if "enum" in schema and value not in schema["enum"]:
        raise Invalid(path, f"must be one of {', '.join(map(str, schema['enum']))}")
    if isinstance(value, str):
        _string(value, schema, path)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise Invalid(path, f"must be at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise Invalid(path, f"must be at most {schema['maximum']}")
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise Invalid(path, f"needs at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise Invalid(path, f"has more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                validate(item, schema["items"], f"{path}[{i}]")
    elif isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                raise Invalid(f"{path}.{name}", "is required")
        if schema.get("additionalProperties") is False:
            extra = sorted(set(value) - set(props))
            if extra:
                raise Invalid(f"{path}.{extra[0][:40]}", "is not allowed")
        for name, sub in props.items():
            if name in value:
                validate(value[name], sub, f"{path}.{name}")


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return False
    return isinstance(value, _TYPES[name])


def _string(value: str, schema: dict[str, Any], path: str) -> None:
    if _UNSTORABLE.search(value):
        raise Invalid(path, "holds a NUL or an unpaired surrogate")
    if len(value) < schema.get("minLength", 0):
        raise Invalid(path, "is too short" if value else "must not be empty")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise Invalid(path, f"is longer than {schema['maxLength']} characters")
    if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
        raise Invalid(path, "has the wrong form")
    fmt = schema.get("format")
    if fmt == "uuid" and not _UUID.match(value):
        raise Invalid(path, "must be a lower-case UUID")
    if fmt == "date-time":
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if at.tzinfo is not None:
                at.astimezone(UTC)  # central stores UTC: the time must have one
        except (ValueError, OverflowError):
            raise Invalid(path, "must be an ISO 8601 time") from None


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
