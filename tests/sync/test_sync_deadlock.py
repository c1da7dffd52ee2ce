"""Kiosks' batches at once on PostgreSQL: voids and exchanges of the same households and donated
goods never deadlock (each batch takes its contended rows in one order), never answer 503, and
every balance and summary stays equal to what the rows say."""

from __future__ import annotations

import random
import threading

import pytest
from sync_helpers import (
    EAST,
    WEST,
    WireKiosk,
    central_balances,
    central_ledger_sums,
    household_id,
    push,
)

from sync.central import models as cm
from sync.central.queries import totals

PG_ONLY = pytest.mark.parametrize("central_url", ["postgresql"], indirect=True)
HOUSEHOLDS = [(household_id(n), f"{household_id(n)}-1") for n in range(1, 5)]
DONATED = {"K1": 71, "K3": 73, "K2": 72}  # each kiosk's own donated batch of soap, one donor
ROUNDS = 30


def exchange(wire: WireKiosk, household: str, resident: str, qty: int) -> dict:
    entry = wire.exchange(household, resident, [("SOAP", qty, 8)])
    entry["payload"]["stock"][0]["batch_id"] = DONATED[wire.kiosk_id]
    return entry


def void(wire: WireKiosk, made: dict) -> dict:
    p = made["payload"]
    return wire.entry(
        "void",
        {
            "exchange_id": p["exchange_id"],
            "number": p["number"],
            "reason": "test",
            "stock": [{**move, "qty": -move["qty"]} for move in p["stock"]],
            "ledger": wire.ledger(p["household_id"], "void", p["total"], ref=p["exchange_id"]),
        },
    )


@PG_ONLY
def test_batches_voiding_and_exchanging_for_the_same_households_at_once_never_deadlock(programme):
    assert programme.enrolments["K1"].store == programme.enrolments["K3"].store == EAST
    assert programme.enrolments["K2"].store == WEST
    base, c = programme.server.base, programme.central
    wires = {k: WireKiosk(k) for k in DONATED}
    for k, wire in wires.items():
        answer = push(base, programme.token(k), wire.body(wire.restock(DONATED[k], "SOAP", 9999)))
        assert answer.json()["results"][0]["status"] == "applied", answer.text
    rng = random.Random(17)
    last: dict[str, list[dict]] = {k: [] for k in wires}
    failures: list[str] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    for _ in range(ROUNDS):
        bodies = {}
        for k, wire in wires.items():
            # Undo last round's exchanges (held now: their summaries are updated) and make new
            # ones (inserted), each kiosk in its own order of the same households.
            entries = [void(wire, made) for made in rng.sample(last[k], len(last[k]))]
            made = [
                exchange(wire, h, r, rng.randint(1, 3))
                for h, r in rng.sample(HOUSEHOLDS * 3, len(HOUSEHOLDS) * 3)
            ]
            last[k] = made
            bodies[k] = wire.body(*entries, *made)
        start = threading.Barrier(len(bodies))

        def send(k: str, body: dict, start: threading.Barrier = start) -> None:
            start.wait()
            answer = push(base, programme.token(k), body)
            with lock:
                if answer.status_code != 200:
                    failures.append(f"{k}: {answer.status_code} {answer.text[:200]}")
                    return
                for result in answer.json()["results"]:
                    statuses[result["status"]] = statuses.get(result["status"], 0) + 1

        threads = [threading.Thread(target=send, args=item) for item in bodies.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
    per_round = len(HOUSEHOLDS) * 3
    assert statuses == {"applied": len(wires) * per_round * (2 * ROUNDS - 1)}
    assert central_balances(c) == central_ledger_sums(c)
    with c.engine.connect() as conn:
        assert totals.differences(conn) == {}
    with c.uow(write=False) as uow:
        voided = uow.session.query(cm.Exchange).filter(cm.Exchange.status == "voided").count()
    assert voided == len(wires) * per_round * (ROUNDS - 1)
