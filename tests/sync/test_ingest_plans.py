"""How PostgreSQL runs a push's statements: every table of the books read through its keys.

A batch's lookups each fetch a few hundred keys. Planned as reads of a whole table (or of every
month's partition), a batch's time grows with everything central holds: at a million stock
moves, the moves of the exchanges a batch voids were read from all of them.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event
from sync_helpers import WireKiosk, household_id, push

# The tables that grow with every push, read by a push only through their keys.
GROWING = ("sync_entries", "ledger_entries", "uncounted_entries", "exchanges", "stock_moves")


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _whole_reads(plan: dict) -> list[str]:
    """Return the plan's reads of a growing table that are not bounded by a key."""
    out = []
    for node in _nodes(plan):
        relation = node.get("Relation Name") or node.get("Index Name") or ""
        if not relation.startswith(GROWING):
            continue
        if node["Node Type"] == "Seq Scan" or (
            "Index" in node["Node Type"] and "Index Cond" not in node
        ):
            out.append(f"{node['Node Type']} on {relation}")
    return out


@pytest.mark.parametrize("central_url", ["postgresql"], indirect=True)
def test_a_push_reads_the_growing_tables_only_through_their_keys(programme):
    c = programme.central
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    households = [(household_id(n), f"{household_id(n)}-1") for n in (1, 2)]
    made = [wire.exchange(*households[i % 2], [("SOAP", 1, 1)]) for i in range(400)]
    assert push(base, token, wire.body(*made)).status_code == 200

    # The next batch names held exchanges (voids), held households, and new entries.
    batch = [wire.void(e) for e in made[:100]] + [
        wire.exchange(*households[i % 2], [("OIL", 1, 1)]) for i in range(300)
    ]
    plans: list[tuple[str, list[str]]] = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if executemany or not statement.lstrip().upper().startswith("SELECT"):
            return
        raw = cursor.connection  # the push's own connection, in its transaction
        (plan,) = raw.execute("EXPLAIN (FORMAT JSON) " + statement, parameters).fetchone()
        plan = plan if isinstance(plan, list) else json.loads(plan)
        plans.append((statement, _whole_reads(plan[0]["Plan"])))

    event.listen(c.engine, "after_cursor_execute", explain)
    try:
        answer = push(base, token, wire.body(*batch))
    finally:
        event.remove(c.engine, "after_cursor_execute", explain)
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}

    looked_up = [statement for statement, _ in plans if "stock_moves" in statement]
    assert looked_up, "the voids' goods were not looked up"
    whole = [(statement[:120], reads) for statement, reads in plans if reads]
    assert whole == []
