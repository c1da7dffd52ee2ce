"""Batch-sized reads and writes for ingest: PostgreSQL fast paths, plain SQL elsewhere.

On PostgreSQL a batch's lookups bind one array (`= ANY(…)`) instead of hundreds of parameters,
new rows go in by COPY, and changed balances are set by one UPDATE from arrays. Other databases
(SQLite in tests and small offices) take the portable statements.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import ARRAY, JSON, ColumnElement, any_, bindparam, cast, insert, text, update
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from sync.central.models import Household


def on_postgresql(s: Session) -> bool:
    """Say whether the session's database is PostgreSQL."""
    return s.bind.dialect.name == "postgresql"


def among(s: Session, column, values: Iterable[Any]) -> ColumnElement[bool]:
    """Return `column IN values`, bound as one array on PostgreSQL."""
    values = list(values)
    if on_postgresql(s):
        written = _array_text(values)
        if written is not None:  # one text: several times cheaper to send than a list's items
            # Bound without a type of its own, the text is read as the array when the statement
            # is planned, as a list would be: the planner sees the keys.
            return column == any_(
                cast(bindparam(None, written, type_=NullType()), ARRAY(column.type))
            )
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _array_text(values: list[Any]) -> str | None:
    """Return strings or integers as a PostgreSQL array's text (`{"a","b\\"c"}`, `{1,2}`); None
    for values of any other type."""
    if all(type(v) is str for v in values):
        return "{" + ",".join(_quoted(v) for v in values) + "}"
    if all(type(v) is int for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    return None


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def insert_rows(s: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys into a model's table, by COPY on PostgreSQL."""
    if not rows:
        return
    if not on_postgresql(s):
        s.execute(insert(model), rows)
        return
    table = model.__table__
    names = list(rows[0])
    as_json = [isinstance(table.c[name].type, JSON) for name in names]
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    raw = s.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(statement) as copy:
        if any(as_json):
            for row in rows:
                copy.write_row(
                    [
                        _json_text(row[name]) if encode else row[name]
                        for name, encode in zip(names, as_json, strict=True)
                    ]
                )
        else:
            for row in rows:
                copy.write_row([row[name] for name in names])


def set_balances(s: Session, balances: dict[str, int]) -> None:
    """Store new balances of households locked by this transaction."""
    if not balances:
        return
    if on_postgresql(s):
        s.execute(
            text(
                "UPDATE households SET balance = v.balance"
                " FROM unnest(CAST(:ids AS text[]), CAST(:balances AS bigint[])) AS v(id, balance)"
                " WHERE households.id = v.id"
            ),
            {"ids": list(balances), "balances": list(balances.values())},
        )
        return
    s.execute(
        update(Household.__table__)
        .where(Household.__table__.c.id == bindparam("hid"))
        .values(balance=bindparam("new_balance")),
        [{"hid": k, "new_balance": v} for k, v in balances.items()],
    )


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers past 64 bits: json writes them, as PostgreSQL reads them
        return json.dumps(value)
