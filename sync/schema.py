"""JSON Schema validation for the sync protocol, done by jsonschema-rs.

One schema serves twice: it validates requests and it is published in the OpenAPI document.
The library checks a request against a stricter copy of its schema; what the protocol asks
beyond JSON Schema, and what the library reports differently, is kept here:

- Draft 4 rules: `1.0` is not an integer (later drafts accept it; central always refused it).
- Text must be storable: a string may not hold NUL (PostgreSQL text refuses it) nor an
  unpaired surrogate (not UTF-8). NUL is refused by a `not` the copy adds to every schema a
  string may meet; a surrogate cannot cross into the library at all, so such a value is
  refused and its strings are reported as if they held NUL (the same message).
- Formats: `uuid` means canonical lower case; `date-time` means what central can read with
  `datetime.fromisoformat` and turn into UTC (kiosks send both `Z` and offsets). Other formats
  are not checked, as before.
- One refusal, always the same: the library lists every break; the one reported is the first in
  the order the protocol has always used (a value's type, enum, text, number, list checks, then
  required members in the listed order, unknown members, then members in schema order), with
  the protocol's own messages ("$.entries[0].seq: is required").
- Infinity is not JSON: the library has no number to compare with `minimum` or `maximum`. It
  reaches central only from a number too large for a double, and every number the protocol
  checks is an integer, which infinity is not: it is refused as before.
- `enum` compares as JSON Schema does (`true` is not `1`); every enum in the protocol is a list
  of strings, so no request is judged differently from before.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import jsonschema_rs
import orjson

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Added to every schema a string may meet (a NUL is a valid JSON character).
_STORABLE = {"not": {"type": "string", "pattern": "\x00"}}


def is_uuid(value: Any) -> bool:
    """Say whether a value is a UUID as the protocol writes it: canonical, lowercase."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def _is_time(value: str) -> bool:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if at.tzinfo is not None:
            at.astimezone(UTC)  # central stores UTC: the time must have one
    except (ValueError, OverflowError):
        return False
    return True


_FORMATS = {"uuid": is_uuid, "date-time": _is_time}


class Invalid(ValueError):
    """A value does not match its schema; the message names where and why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path or "$"
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class Validator:
    """A schema compiled by jsonschema-rs; calling it raises Invalid at the first break."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        # The NUL rule doubles the library's work; most values hold no NUL, found by one encoding.
        self._library = _library(_strict(schema, storable=True))
        self._without_nul = _library(_strict(schema, storable=False))

    def __call__(self, value: Any, path: str = "$") -> None:
        """Raise Invalid at the first place value breaks the schema."""
        try:
            nul = b"\\u0000" in orjson.dumps(value)
        except TypeError:  # beyond what orjson writes (a lone surrogate, a 65-bit integer)
            nul = True
        try:
            if (self._library if nul else self._without_nul).is_valid(value):
                return
        except UnicodeEncodeError:  # a lone surrogate cannot cross into the library
            pass
        refusal = self._first_break(value, path)
        if refusal is not None:
            raise refusal

    def _first_break(self, value: Any, path: str) -> Invalid | None:
        try:
            errors = list(self._library.iter_errors(value))
        except UnicodeEncodeError:
            errors = list(self._library.iter_errors(_encodable(value)))
        if not errors:  # the surrogate lay where no schema looks (inside a free-form object)
            return None
        steps, reason = min((_refusal(self.schema, value, e) for e in errors), key=_rank)
        return Invalid(path + "".join(step for _, step in steps), reason)


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


def _library(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.Draft4Validator(schema, formats=_FORMATS, validate_formats=True)


def _strict(schema: dict[str, Any], storable: bool) -> dict[str, Any]:
    """Return the copy of a schema the library checks: Draft 4 form, storable text, our formats."""
    out: dict[str, Any] = {}
    for key, sub in schema.items():
        if key == "properties":
            out[key] = {name: _strict(inner, storable) for name, inner in sub.items()}
        elif key == "items":
            if sub is not None:
                out[key] = _strict(sub, storable)
        elif key == "required":
            if sub:  # Draft 4 wants at least one name
                out[key] = list(sub)
        elif key == "format":
            if sub == "uuid" and "pattern" not in schema:
                out["pattern"] = _UUID.pattern  # checked by the library, without a call into Python
            elif sub in _FORMATS:
                out[key] = sub
        else:
            out[key] = sub
    types = schema.get("type")
    if storable and (types is None or "string" in (types if isinstance(types, list) else [types])):
        out.update(_STORABLE)
    return out


def _encodable(value: Any) -> Any:
    """Return value with unpaired surrogates made NUL, which the library can read and refuses."""
    if isinstance(value, str):
        return _SURROGATE.sub("\x00", value)
    if isinstance(value, dict):
        return {_encodable(k): _encodable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encodable(v) for v in value]
    return value


# The order a value's own checks were always made in; members come after all of them.
_KEYWORDS = [
    "type",
    "enum",
    "not",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "items",
    "required",
    "additionalProperties",
    "properties",
]
_ORDER = {keyword: i for i, keyword in enumerate(_KEYWORDS)}

Step = tuple[tuple[int, int], str]  # (rank among the checks of one value, path text)


def _rank(refusal: tuple[list[Step], str]) -> list[tuple[int, int]]:
    return [rank for rank, _ in refusal[0]]


def _refusal(schema: dict[str, Any], value: Any, error: Any) -> tuple[list[Step], str]:
    """Return one library error as ranked path steps and the protocol's reason."""
    node, steps = schema, []
    where = list(error.instance_path)
    tokens = list(error.schema_path)
    at = 0
    while at < len(tokens):
        token = tokens[at]
        if token == "properties":
            name = tokens[at + 1]
            steps.append(((_ORDER["properties"], list(node["properties"]).index(name)), f".{name}"))
            node, value = node["properties"][name], value[name]
            where.pop(0)
            at += 2
        elif token == "items":
            index = where.pop(0)
            steps.append(((_ORDER["items"], index), f"[{index}]"))
            node, value = node["items"], value[index]
            at += 1
        else:
            break
    keyword = tokens[at]
    if keyword == "pattern" and "pattern" not in node:
        keyword = "format"  # a uuid, checked by pattern (see _strict)
    rank, step, reason = _ORDER[keyword], 0, _reason(node, keyword, value)
    if keyword == "required":
        name = error.kind.property
        step = list(node["required"]).index(name)
        steps.append(((rank, step), f".{name}"))
        return steps, reason
    if keyword == "additionalProperties":
        extra = sorted(set(value) - set(node.get("properties", {})))[0][:40]
        steps.append(((rank, 0), f".{extra}"))
        return steps, reason
    steps.append(((rank, 0), ""))
    return steps, reason


def _reason(node: dict[str, Any], keyword: str, value: Any) -> str:
    if keyword == "type":
        names = node["type"] if isinstance(node["type"], list) else [node["type"]]
        return f"must be {' or '.join(names)}"
    if keyword == "enum":
        return f"must be one of {', '.join(map(str, node['enum']))}"
    if keyword == "minLength":
        return "is too short" if value else "must not be empty"
    if keyword == "format":
        return {"uuid": "must be a lower-case UUID"}.get(node["format"], "must be an ISO 8601 time")
    return {
        "not": "holds a NUL or an unpaired surrogate",
        "maxLength": f"is longer than {node.get('maxLength')} characters",
        "pattern": "has the wrong form",
        "minimum": f"must be at least {node.get('minimum')}",
        "maximum": f"must be at most {node.get('maximum')}",
        "minItems": f"needs at least {node.get('minItems')} items",
        "maxItems": f"has more than {node.get('maxItems')} items",
        "required": "is required",
        "additionalProperties": "is not allowed",
    }[keyword]
