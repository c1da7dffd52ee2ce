"""A small JSON Schema validator for the subset the sync protocol uses.

One schema serves twice: it validates requests and it is published in the OpenAPI document.
Supported keywords: type (one or a list), properties, required, additionalProperties: false,
items, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum, enum, format
(uuid, date-time).

Each schema is compiled once into a generated Python function that holds only the checks it
asks for, inline, so validating an entry is plain type, length and membership tests; a path is
spelled out only when a check fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Check = Callable[[Any], None]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# NUL cannot be stored in PostgreSQL text and a lone surrogate cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_uuid(value: Any) -> bool:
    """Say whether a value is a UUID as the protocol writes it: canonical, lowercase."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


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
    """Return one generated function that makes every check the schema asks for, in order."""
    code = _Code()
    code.emit(schema, "value", (), 1)
    source = "def check(value):\n" + "\n".join(code.lines) + "\n    return None\n"
    scope = {
        "_Fail": _Fail,
        "_unstorable": _UNSTORABLE.search,
        "_uuid": _UUID.fullmatch,  # fullmatch: no newline after the $
        "_is_time": _is_time,
        **code.constants,
    }
    exec(compile(source, "<schema>", "exec"), scope)
    return scope["check"]


def _is_time(value: str) -> bool:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if at.tzinfo is not None:
            at.astimezone(UTC)  # central stores UTC: the time must have one
    except (ValueError, OverflowError):
        return False
    return True


_TYPE_TESTS = {
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "string": "isinstance({v}, str)",
    "integer": "(isinstance({v}, int) and not isinstance({v}, bool))",
    "number": "(isinstance({v}, (int, float)) and not isinstance({v}, bool))",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
}
# Which keywords apply follows the value's own Python type, whatever the schema's type says.
_KINDS = {
    "string": "isinstance({v}, str)",
    "number": "(isinstance({v}, (int, float)) and not isinstance({v}, bool))",
    "array": "isinstance({v}, list)",
    "object": "isinstance({v}, dict)",
}
_REACHES = {  # the value kinds a schema type lets through
    "object": {"object"},
    "array": {"array"},
    "string": {"string"},
    "integer": {"number"},
    "number": {"number"},
    "boolean": set(),
    "null": set(),
}


class _Code:
    """Python source for one schema: nested ifs and loops, paths spelled out only on failure."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.names = 0

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def constant(self, value: Any) -> str:
        name = self.name("_c")
        self.constants[name] = value
        return name

    def fail(self, pad: str, reason: str, path: tuple[str, ...]) -> str:
        return f"{pad}    raise _Fail({reason}, {_path(path)})"

    def emit(self, schema: dict[str, Any], v: str, path: tuple[str, ...], depth: int) -> None:
        pad, out = "    " * depth, self.lines
        types = schema.get("type")
        kinds = {"string", "number", "array", "object"}
        if types is not None:
            names = types if isinstance(types, list) else [types]
            test = " or ".join(_TYPE_TESTS[name].format(v=v) for name in names)
            out += [
                f"{pad}if not ({test}):",
                self.fail(pad, repr(f"must be {' or '.join(names)}"), path),
            ]
            kinds = set().union(*(_REACHES[name] for name in names))
        if "enum" in schema:
            allowed = self.constant(tuple(schema["enum"]))
            message = f"must be one of {', '.join(map(str, schema['enum']))}"
            out += [f"{pad}if {v} not in {allowed}:", self.fail(pad, repr(message), path)]
        parts = [
            (kind, emit)
            for kind, emit in (
                ("string", self._string),
                ("number", self._number),
                ("array", self._array),
                ("object", self._object),
            )
            if kind in kinds
        ]
        direct = types is not None and len(parts) == 1
        if direct:  # the type check above lets through only values of this one kind
            direct = all(_REACHES[name] == {parts[0][0]} for name in names)
        for i, (kind, emit) in enumerate(parts):
            if direct:
                emit(schema, v, path, depth)
                continue
            keyword = "if" if i == 0 else "elif"
            out.append(f"{pad}{keyword} {_KINDS[kind].format(v=v)}:")
            before = len(out)
            emit(schema, v, path, depth + 1)
            if len(out) == before:
                out.append(f"{pad}    pass")

    def _string(self, schema: dict[str, Any], v: str, path: tuple[str, ...], depth: int) -> None:
        pad, out = "    " * depth, self.lines
        out += [
            f"{pad}if _unstorable({v}):",
            self.fail(pad, repr("holds a NUL or an unpaired surrogate"), path),
        ]
        low = schema.get("minLength", 0)
        if low > 0:
            reason = f'"is too short" if {v} else "must not be empty"'
            out += [f"{pad}if len({v}) < {low!r}:", self.fail(pad, reason, path)]
        if "maxLength" in schema:
            high = schema["maxLength"]
            out += [
                f"{pad}if len({v}) > {high!r}:",
                self.fail(pad, repr(f"is longer than {high} characters"), path),
            ]
        if "pattern" in schema:
            search = self.constant(_pattern(schema["pattern"]).search)
            out += [f"{pad}if not {search}({v}):", self.fail(pad, repr("has the wrong form"), path)]
        fmt = schema.get("format")
        if fmt == "uuid":
            out += [
                f"{pad}if not _uuid({v}):",
                self.fail(pad, repr("must be a lower-case UUID"), path),
            ]
        elif fmt == "date-time":
            out += [
                f"{pad}if not _is_time({v}):",
                self.fail(pad, repr("must be an ISO 8601 time"), path),
            ]

    def _number(self, schema: dict[str, Any], v: str, path: tuple[str, ...], depth: int) -> None:
        pad, out = "    " * depth, self.lines
        if "minimum" in schema:
            low = self.constant(schema["minimum"])
            out += [
                f"{pad}if {v} < {low}:",
                self.fail(pad, repr(f"must be at least {schema['minimum']}"), path),
            ]
        if "maximum" in schema:
            high = self.constant(schema["maximum"])
            out += [
                f"{pad}if {v} > {high}:",
                self.fail(pad, repr(f"must be at most {schema['maximum']}"), path),
            ]

    def _array(self, schema: dict[str, Any], v: str, path: tuple[str, ...], depth: int) -> None:
        pad, out = "    " * depth, self.lines
        low = schema.get("minItems", 0)
        if low > 0:
            out += [
                f"{pad}if len({v}) < {low!r}:",
                self.fail(pad, repr(f"needs at least {low} items"), path),
            ]
        if "maxItems" in schema:
            high = schema["maxItems"]
            out += [
                f"{pad}if len({v}) > {high!r}:",
                self.fail(pad, repr(f"has more than {high} items"), path),
            ]
        if schema.get("items") is not None:
            i, item = self.name("i"), self.name("x")
            out.append(f"{pad}for {i}, {item} in enumerate({v}):")
            before = len(out)
            self.emit(schema["items"], item, (*path, "[", f"={i}", "]"), depth + 1)
            if len(out) == before:
                out.append(f"{pad}    pass")

    def _object(self, schema: dict[str, Any], v: str, path: tuple[str, ...], depth: int) -> None:
        pad, out = "    " * depth, self.lines
        props = schema.get("properties", {})
        required = list(schema.get("required", ()))
        for name in required:
            out += [
                f"{pad}if {name!r} not in {v}:",
                self.fail(pad, repr("is required"), (*path, f".{name}")),
            ]
        if schema.get("additionalProperties") is False:
            known = self.constant(frozenset(props))
            out += [
                f"{pad}if not {known}.issuperset({v}):",
                f"{pad}    extra = sorted(set({v}) - {known})[0][:40]",
                f"{pad}    raise _Fail('is not allowed', {_path(path)} + '.' + extra)",
            ]
        for name, sub in props.items():
            item = self.name("p")
            inner = depth if name in required else depth + 1
            if name not in required:
                out.append(f"{pad}if {name!r} in {v}:")
            out.append(f"{'    ' * inner}{item} = {v}[{name!r}]")
            self.emit(sub, item, (*path, f".{name}"), inner)


def _pattern(pattern: str) -> re.Pattern[str]:
    # Patterns are ECMA-262, whose $ matches only at the very end; Python's $ also matches
    # before a final newline, which would let "K1\n" pass for an id.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _path(parts: tuple[str, ...]) -> str:
    """Return a Python expression for a path: literal steps, and "=name" for loop indexes."""
    terms: list[str] = []
    text = ""
    for part in parts:
        if part.startswith("="):
            if text:
                terms.append(repr(text))
                text = ""
            terms.append(f"str({part[1:]})")
        else:
            text += part
    if text or not terms:
        terms.append(repr(text))
    return " + ".join(terms)
