"""A small JSON Schema validator for the subset the sync protocol uses.

One schema serves twice: it validates requests and it is published in the OpenAPI document.
Supported keywords: type (one or a list), properties, required, additionalProperties: false,
items, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum, enum, format
(uuid, date-time).

Each schema is compiled once into nested closures that hold only the checks it asks for, so
validating an entry is plain type, length and membership tests; error paths are built only on
the way out of a failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Check = Callable[[Any], None]

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


class _Fail(Exception):
    """Raised deep inside a value; each level on the way out adds its step to the path."""

    def __init__(self, reason: str, step: str = "") -> None:
        self.reason = reason
        self.steps = [step] if step else []


class Validator:
    """A schema compiled into checks; calling it raises Invalid at the first break."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._check = _compile(schema)

    def __call__(self, value: Any, path: str = "$") -> None:
        """Raise Invalid at the first place value breaks the schema."""
        try:
            self._check(value)
        except _Fail as fail:
            raise Invalid(path + "".join(reversed(fail.steps)), fail.reason) from None


_compiled: dict[int, Validator] = {}


def compile_schema(schema: dict[str, Any]) -> Validator:
    """Return the compiled validator of a schema (compiled on first use, then kept)."""
    found = _compiled.get(id(schema))
    if found is None or found.schema is not schema:
        found = _compiled[id(schema)] = Validator(schema)
    return found


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """Raise Invalid at the first place value breaks schema."""
    compile_schema(schema)(value, path)


def _compile(schema: dict[str, Any]) -> Check:
    """Return one function that makes every check the schema asks for, in a fixed order."""
    steps = [
        step
        for step in (
            _type_check(schema),
            _enum_check(schema),
            _by_kind(
                string=_string_check(schema),
                number=_number_check(schema),
                array=_array_check(schema),
                obj=_object_check(schema),
            ),
        )
        if step is not None
    ]
    if len(steps) == 1:
        return steps[0]

    def check(value: Any) -> None:
        for step in steps:
            step(value)

    return check


def _type_check(schema: dict[str, Any]) -> Check | None:
    types = schema.get("type")
    if types is None:
        return None
    names = types if isinstance(types, list) else [types]
    message = f"must be {' or '.join(names)}"
    allowed = tuple({_TYPES[name] for name in names if name not in ("integer", "number")})
    integer = "integer" in names
    number = "number" in names

    def check(value: Any) -> None:
        if isinstance(value, allowed):
            return
        if isinstance(value, bool):  # bool is an int to Python, never a number here
            raise _Fail(message)
        if integer and isinstance(value, int):
            return
        if number and isinstance(value, int | float):
            return
        raise _Fail(message)

    return check


def _enum_check(schema: dict[str, Any]) -> Check | None:
    if "enum" not in schema:
        return None
    allowed = tuple(schema["enum"])
    message = f"must be one of {', '.join(map(str, schema['enum']))}"

    def check(value: Any) -> None:
        if value not in allowed:
            raise _Fail(message)

    return check


def _by_kind(
    *, string: Check | None, number: Check | None, array: Check | None, obj: Check | None
) -> Check | None:
    """Dispatch on the value's own type, as the keywords for strings, numbers and so on do."""
    if string is None and number is None and array is None and obj is None:
        return None

    def check(value: Any) -> None:
        if isinstance(value, str):
            if string is not None:
                string(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if number is not None:
                number(value)
        elif isinstance(value, list):
            if array is not None:
                array(value)
        elif isinstance(value, dict) and obj is not None:
            obj(value)

    return check


def _string_check(schema: dict[str, Any]) -> Check:
    min_length = schema.get("minLength", 0)
    max_length = schema.get("maxLength")
    too_long = f"is longer than {max_length} characters"
    pattern = re.compile(schema["pattern"]).search if "pattern" in schema else None
    fmt = schema.get("format")

    def check(value: str) -> None:
        if _UNSTORABLE.search(value):
            raise _Fail("holds a NUL or an unpaired surrogate")
        if len(value) < min_length:
            raise _Fail("is too short" if value else "must not be empty")
        if max_length is not None and len(value) > max_length:
            raise _Fail(too_long)
        if pattern is not None and not pattern(value):
            raise _Fail("has the wrong form")
        if fmt == "uuid":
            if not _UUID.match(value):
                raise _Fail("must be a lower-case UUID")
        elif fmt == "date-time":
            _date_time(value)

    return check


def _date_time(value: str) -> None:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if at.tzinfo is not None:
            at.astimezone(UTC)  # central stores UTC: the time must have one
    except (ValueError, OverflowError):
        raise _Fail("must be an ISO 8601 time") from None


def _number_check(schema: dict[str, Any]) -> Check | None:
    if "minimum" not in schema and "maximum" not in schema:
        return None
    low, high = schema.get("minimum"), schema.get("maximum")

    def check(value: int | float) -> None:
        if low is not None and value < low:
            raise _Fail(f"must be at least {low}")
        if high is not None and value > high:
            raise _Fail(f"must be at most {high}")

    return check


def _array_check(schema: dict[str, Any]) -> Check:
    min_items = schema.get("minItems", 0)
    max_items = schema.get("maxItems")
    items = _compile(schema["items"]) if schema.get("items") is not None else None

    def check(value: list) -> None:
        if len(value) < min_items:
            raise _Fail(f"needs at least {min_items} items")
        if max_items is not None and len(value) > max_items:
            raise _Fail(f"has more than {max_items} items")
        if items is not None:
            for i, item in enumerate(value):
                try:
                    items(item)
                except _Fail as fail:
                    fail.steps.append(f"[{i}]")
                    raise

    return check


def _object_check(schema: dict[str, Any]) -> Check:
    props = schema.get("properties", {})
    required = tuple(schema.get("required", ()))
    closed = schema.get("additionalProperties") is False
    known = frozenset(props)
    fields = tuple((name, f".{name}", _compile(sub)) for name, sub in props.items())

    def check(value: dict) -> None:
        for name in required:
            if name not in value:
                raise _Fail("is required", f".{name}")
        if closed and not known.issuperset(value):
            extra = sorted(set(value) - known)
            raise _Fail("is not allowed", f".{extra[0][:40]}")
        for name, step, sub in fields:
            if name in value:
                try:
                    sub(value[name])
                except _Fail as fail:
                    fail.steps.append(step)
                    raise

    return check
