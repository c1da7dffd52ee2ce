"""UUID ids: uuid columns on PostgreSQL, text on SQLite, and malformed ids never a 500.

Kiosks make time-ordered ids (UUIDv7); random ones from kiosks of earlier releases are held alike.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text
from sync_helpers import (
    WireKiosk,
    buy,
    central_balances,
    central_count,
    central_ledger_sums,
    household_id,
    outbox_ids,
    push,
    pushed_batches,
)

from core.domain.ids import timestamp_ms
from sync.central import models as cm

H1 = household_id(1)
RANDOM_IDS = {
    ("sync_entries", "id"),
    ("ledger_entries", "id"),
    ("exchanges", "id"),
    ("exchange_lines", "exchange_id"),
    ("stock_moves", "exchange_id"),
}
# Forms a kiosk might send instead of a canonical lowercase UUID. PostgreSQL would read the
# uppercase, hyphenless and braced ones as the same uuid: they must be refused all the same.
MALFORMED = {
    "not a uuid": lambda v: "not-a-uuid",
    "uppercase": str.upper,
    "no hyphens": lambda v: v.replace("-", ""),
    "braces": lambda v: "{" + v + "}",
    "trailing newline": lambda v: v + "\n",
    "too long": lambda v: v + "0",
    "a number": lambda v: 12345,
}


def column_types(engine) -> dict[tuple[str, str], str]:
    """Return (table, column) -> the column's type as the database reports it (a partition's
    columns are its table's)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND NOT EXISTS (SELECT 1 FROM"
                    " pg_class p WHERE p.oid = to_regclass(table_name) AND p.relispartition)"
                )
            )
            return {(t, c): d for t, c, d in rows}
        types = {}
        for (table,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")):
            for row in conn.execute(text(f"PRAGMA table_info({table})")):
                types[table, row.name] = row.type
        return types


def test_the_random_ids_are_uuid_on_postgresql_and_text_on_sqlite(central_server):
    types = column_types(central_server.central.engine)
    if central_server.central.engine.dialect.name == "postgresql":
        assert {key for key, kind in types.items() if kind == "uuid"} == RANDOM_IDS
    else:
        assert {key: types[key] for key in RANDOM_IDS} == dict.fromkeys(RANDOM_IDS, "VARCHAR(36)")


def test_pushed_ids_read_back_as_the_same_lowercase_text(programme):
    wire = WireKiosk("K1")
    entries = [wire.restock(1), wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])]
    answer = push(programme.server.base, programme.token("K1"), wire.body(*entries))
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "applied"]
    exchange = entries[1]["payload"]
    with programme.central.uow(write=False) as uow:
        s = uow.session
        ids = {
            "sync": set(s.scalars(select(cm.SyncEntry.id))),
            "ledger": set(
                s.scalars(select(cm.LedgerEntry.id).where(cm.LedgerEntry.kiosk_id == "K1"))
            ),
            "exchange": set(s.scalars(select(cm.Exchange.id))),
            "lines": set(s.scalars(select(cm.ExchangeLine.exchange_id))),
            "moves": set(s.scalars(select(cm.StockMove.exchange_id))),
        }
    assert ids == {
        "sync": {e["id"] for e in entries},
        "ledger": {exchange["ledger"]["id"]},
        "exchange": {exchange["exchange_id"]},
        "lines": {exchange["exchange_id"]},
        "moves": {exchange["exchange_id"]},
    }
    assert all(type(v) is str for values in ids.values() for v in values)


def held(c) -> tuple:
    """Return what a rejected entry must leave as it was: balances, rows, alerts, statuses.

    Each refusal raises its own "refused" alert for the office; no other alert may appear.
    """
    return (
        central_balances(c),
        central_count(c, cm.LedgerEntry),
        central_count(c, cm.Exchange),
        central_count(c, cm.ExchangeLine),
        central_count(c, cm.StockMove),
        central_count(c, cm.Alert, cm.Alert.kind != "refused"),
        central_count(c, cm.Exchange, cm.Exchange.status == "completed"),
    )


def _bad_exchange_id(wire: WireKiosk, first: dict, bad) -> tuple[dict, str]:
    entry = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    entry["payload"]["exchange_id"] = bad(entry["payload"]["exchange_id"])
    return entry, "$.payload.exchange_id"


def _bad_ledger_id(wire: WireKiosk, first: dict, bad) -> tuple[dict, str]:
    entry = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    entry["payload"]["ledger"]["id"] = bad(entry["payload"]["ledger"]["id"])
    return entry, "$.payload.ledger.id"


def _bad_void_of_a_held_exchange(wire: WireKiosk, first: dict, bad) -> tuple[dict, str]:
    payload = first["payload"]
    entry = wire.entry(
        "void",
        {
            "exchange_id": bad(payload["exchange_id"]),
            "number": payload["number"],
            "reason": "test",
            "stock": [{**move, "qty": -move["qty"]} for move in payload["stock"]],
            "ledger": wire.ledger(H1, "void", payload["total"], ref=payload["exchange_id"]),
        },
    )
    return entry, "$.payload.exchange_id"


@pytest.mark.parametrize(
    "make",
    [_bad_exchange_id, _bad_ledger_id, _bad_void_of_a_held_exchange],
    ids=lambda f: f.__name__,
)
def test_a_malformed_uuid_in_a_payload_is_rejected_per_entry_and_changes_nothing(programme, make):
    base, token = programme.server.base, programme.token("K1")
    wire = WireKiosk("K1")
    first = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    assert push(base, token, wire.body(first)).json()["results"][0]["status"] == "applied"
    c = programme.central
    before = held(c)
    for name, bad in MALFORMED.items():
        entry, path = make(wire, first, bad)
        answer = push(base, token, wire.body(entry))
        assert answer.status_code == 200, (name, answer.text)
        [result] = answer.json()["results"]
        assert result["status"] == "rejected", name
        assert result["reason"].startswith(f"invalid: {path}"), (name, result["reason"])
    assert held(c) == before
    assert central_count(c, cm.SyncEntry, cm.SyncEntry.status == "rejected") == len(MALFORMED)
    assert central_count(c, cm.Alert, cm.Alert.kind == "refused") == len(MALFORMED)
    # The same entry with its id left as it was is applied: only the id's form was refused.
    entry, _ = make(wire, first, lambda v: v)
    assert push(base, token, wire.body(entry)).json()["results"][0]["status"] == "applied"


def test_a_malformed_entry_id_refuses_the_push_with_a_4xx(programme):
    base, token = programme.server.base, programme.token("K1")
    wire = WireKiosk("K1")
    for name, bad in MALFORMED.items():
        entry = wire.restock(1)
        entry["id"] = bad(entry["id"])
        answer = push(base, token, wire.body(entry))
        assert answer.status_code == 400, (name, answer.text)
        assert "$.entries[0].id" in answer.json()["error"]["message"], name
    assert central_count(programme.central, cm.SyncEntry) == 0
    assert pushed_batches(programme.central) == 0


def test_a_kiosk_makes_time_ordered_ids_and_central_holds_them_beside_random_ones(programme):
    k1 = programme.kiosk("K1")
    for _ in range(3):
        buy(k1, programme.codes["王建国"], {"SOAP": 1}, online=True)
    k1.sync.sync_once()
    made = outbox_ids(k1)
    assert len(made) >= 3
    assert all(uuid.UUID(i).version == 7 for i in made)
    assert made == sorted(made)  # made one after another: increasing, as the index takes them
    assert [timestamp_ms(i) for i in made] == sorted(timestamp_ms(i) for i in made)
    c = programme.central
    with c.uow(write=False) as uow:
        s = uow.session
        ledger = s.scalars(
            select(cm.LedgerEntry.id)
            .where(cm.LedgerEntry.kiosk_id == "K1")
            .order_by(cm.LedgerEntry.seq)
        ).all()
        exchanges = s.scalars(select(cm.Exchange.id).where(cm.Exchange.kiosk_id == "K1")).all()
        held = set(s.scalars(select(cm.SyncEntry.id).where(cm.SyncEntry.kiosk_id == "K1")))
    assert held == set(made)
    assert len(ledger) == 3 and list(ledger) == sorted(ledger)
    assert all(uuid.UUID(i).version == 7 for i in [*ledger, *exchanges])
    # A kiosk of an earlier release still sends random (version 4) ids: held all the same.
    wire = WireKiosk("K2")
    entry = wire.exchange(household_id(2), "H000002-1", [("OIL", 1, 60)])
    assert uuid.UUID(entry["id"]).version == 4
    answer = push(programme.server.base, programme.token("K2"), wire.body(entry))
    assert [r["status"] for r in answer.json()["results"]] == ["applied"]
    assert central_balances(c) == central_ledger_sums(c)
