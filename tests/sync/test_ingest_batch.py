"""A pushed batch as a whole, on SQLite and PostgreSQL: each entry answered, the feed it writes."""

from __future__ import annotations

import re

import orjson
import pytest
from sqlalchemy import Text, cast, event, select
from sync_helpers import (
    WireKiosk,
    central_balances,
    central_count,
    central_ledger_sums,
    household_id,
    push,
)

from sync.central import models as cm
from sync.central.store_set import balance_data

H1, H2 = household_id(1), household_id(2)


def test_a_batch_mixing_new_duplicate_and_invalid_entries_answers_each_and_writes_nothing_for_the_invalid(  # noqa: E501
    programme,
):
    c = programme.central
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    first = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    assert push(base, token, wire.body(first)).status_code == 200
    before = central_balances(c)

    fresh = wire.exchange(H2, "H000002-1", [("SOAP", 1, 8)])
    unknown = wire.exchange(H1, "H000001-1", [("NOPE", 1, 5)])  # goods central does not hold
    answer = push(base, token, wire.body(unknown, first, fresh))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["id"] for r in results] == [first["id"], fresh["id"], unknown["id"]]  # by seq
    assert [r["status"] for r in results] == ["duplicate", "applied", "rejected"]
    assert "NOPE" in results[2]["reason"]

    assert central_balances(c) == {**before, H2: before[H2] - 8}
    assert central_balances(c) == central_ledger_sums(c)
    assert central_count(c, cm.Exchange) == 2
    assert central_count(c, cm.ExchangeLine, cm.ExchangeLine.product_code == "NOPE") == 0
    refused = unknown["payload"]["ledger"]["id"]
    assert central_count(c, cm.LedgerEntry, cm.LedgerEntry.id == refused) == 0
    assert central_count(c, cm.UncountedEntry, cm.UncountedEntry.id == refused) == 1
    with c.uow(write=False) as uow:
        statuses = dict(uow.session.execute(select(cm.SyncEntry.id, cm.SyncEntry.status)).all())
    assert [statuses[e["id"]] for e in (first, fresh, unknown)] == [
        "applied",
        "applied",
        "rejected",
    ]

    again = push(base, token, wire.body(first, fresh, unknown))  # a retry hears the same
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate", "rejected"]
    assert central_balances(c) == {**before, H2: before[H2] - 8}


def test_a_push_tells_every_store_holding_a_household_its_balance_once_as_orjson_writes_it(
    programme,
):
    c = programme.central
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    with c.uow(write=False) as uow:
        start = uow.session.scalar(select(cm.Change.id).order_by(cm.Change.id.desc()).limit(1))
    entries = [
        wire.exchange(H1, "H000001-1", [("OIL", 1, 60)]),
        wire.exchange(H2, "H000002-1", [("SOAP", 1, 8)]),
        wire.exchange(H1, "H000001-1", [("SOAP", 2, 8)]),
    ]
    assert push(base, token, wire.body(*entries)).status_code == 200

    with c.uow(write=False) as uow:
        s = uow.session
        stores = {
            h: sorted(
                s.scalars(select(cm.StoreMember.store_id).where(cm.StoreMember.household_id == h))
            )
            for h in (H1, H2)
        }
        written = s.execute(
            select(cm.Change.store_id, cast(cm.Change.data, Text))
            .where(cm.Change.kind == "balance", cm.Change.id > (start or 0))
            .order_by(cm.Change.id)
        ).all()
    balances = central_balances(c)
    wanted = [
        (store, balance_data(h, balances[h], "K1", seq))
        for h, seq in ((H1, 3), (H2, 2))  # the batch's highest ledger sequence per household
        for store in stores[h]
    ]
    assert stores[H1] and stores[H2]
    assert [(store, orjson.loads(data)) for store, data in written] == wanted
    if c.engine.dialect.name == "postgresql":  # the feed hands the stored text on as it is
        assert [data for _store, data in written] == [orjson.dumps(d).decode() for _, d in wanted]


def test_a_batch_pushed_again_after_its_answer_was_lost_reads_nothing_but_what_it_holds(
    programme,
):
    # A village line drops the answer to a push: the kiosk sends the whole batch again. Held
    # entries are answered from the entries central holds, without the lookups a new one needs.
    c = programme.central
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    batch = wire.body(
        wire.exchange(H1, "H000001-1", [("OIL", 1, 60)]),
        wire.exchange(H2, "H000002-1", [("SOAP", 1, 8)]),
    )
    assert push(base, token, batch).status_code == 200
    before = central_balances(c)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(c.engine, "before_cursor_execute", seen)
    try:
        again = push(base, token, batch)
    finally:
        event.remove(c.engine, "before_cursor_execute", seen)

    assert again.status_code == 200, again.text
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert central_balances(c) == before
    looked_up = [q for q in statements if re.search(r"\b(households|exchanges|products)\b", q)]
    assert looked_up == []
    assert any("sync_entries" in q for q in statements)  # what it holds was read


@pytest.mark.parametrize(
    "field",
    ["household_id", "resident_id", "checkin_id", "refused_id", "activity_id", "product_code"],
)
def test_a_key_holding_a_nul_is_refused_with_an_answer_not_a_server_error(programme, field):
    # PostgreSQL text holds no NUL: a batch's lookups of such a key failed the whole push.
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    entry = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    if field == "product_code":
        entry["payload"]["lines"][0]["product_code"] = "OIL\x00"
    else:
        entry["payload"][field] = "H\x00001"
    before = central_balances(programme.central)
    answer = push(base, token, wire.body(entry))
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    assert result["status"] == "rejected"
    assert central_balances(programme.central) == before
    following = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    assert push(base, token, wire.body(following)).json()["results"][0]["status"] == "applied"
