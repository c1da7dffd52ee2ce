"""Central's push endpoint over real HTTP, on SQLite and PostgreSQL: exactly once, chains, 4xx."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time

import httpx
import pytest
from sqlalchemy import select
from sync_helpers import (
    SQLITE_ONLY,
    WireKiosk,
    alerts,
    applied_per_entry,
    buy,
    central_balances,
    central_count,
    central_ledger_sums,
    get,
    household_id,
    outbox_statuses,
    pending_body,
    push,
    pushed_batches,
)

from sync.central import models as cm
from sync.central.services import activities as activities_service
from sync.central.services import errors as errors_service
from sync.central.services import kiosks, tokens
from sync.central.services import ledger as ledger_service
from sync.protocol import MAX_BATCH, MAX_PUSH_BYTES, canonical, entry_digest

H1, H2 = household_id(1), household_id(2)


def held(programme) -> dict[str, int]:
    """Return counts of what central holds that a push could change."""
    c = programme.central
    return {
        "sync": central_count(c, cm.SyncEntry),
        "ledger": central_count(c, cm.LedgerEntry),
        "exchanges": central_count(c, cm.Exchange),
        "batches": pushed_batches(c),
        "alerts": central_count(c, cm.Alert),
        "audit": central_count(c, cm.AuditEntry),
    }


def test_the_same_batch_pushed_twice_is_applied_once(programme):
    k1 = programme.kiosk("K1")
    buy(k1, programme.codes["王建国"], {"OIL": 1, "SOAP": 2}, online=True)
    body = pending_body(k1)
    base, token = programme.server.base, programme.token("K1")
    before = central_balances(programme.central)[H1]

    first = push(base, token, body)
    assert first.status_code == 200
    assert {r["status"] for r in first.json()["results"]} == {"applied"}
    assert central_balances(programme.central)[H1] == before - 76

    again = push(base, token, body)
    assert again.status_code == 200
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * len(body["entries"])
    assert [r["id"] for r in again.json()["results"]] == [e["id"] for e in body["entries"]]
    assert again.json()["contiguous_seq"] == first.json()["contiguous_seq"]
    assert central_balances(programme.central)[H1] == before - 76
    assert central_count(programme.central, cm.Exchange) == 1
    assert central_balances(programme.central) == central_ledger_sums(programme.central)

    k1.sync.sync_once()  # the kiosk's own client then hears "duplicate" and marks all sent
    assert outbox_statuses(k1) == {"sent": len(body["entries"])}
    assert central_balances(programme.central)[H1] == before - 76


def test_the_same_id_with_other_content_is_a_conflict(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    entry = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    assert push(base, token, wire.body(entry)).status_code == 200
    before = held(programme), central_balances(programme.central)

    forged = copy.deepcopy(entry)
    forged["payload"]["number"] = "K1-999999"
    answer = push(base, token, wire.body(forged, wire.restock(7)))
    assert answer.status_code == 409
    results = {r["id"]: r for r in answer.json()["results"]}
    assert results[entry["id"]]["status"] == "rejected"
    assert results[entry["id"]]["reason"].startswith("conflict")
    assert [r["status"] for r in answer.json()["results"]].count("applied") == 1

    after = held(programme)
    assert after["ledger"] == before[0]["ledger"] and after["exchanges"] == 1
    assert central_balances(programme.central) == before[1]


def test_the_same_id_from_another_kiosk_is_a_conflict(programme):
    one, two = WireKiosk("K1"), WireKiosk("K2")
    base = programme.server.base
    entry = one.restock(1)
    assert push(base, programme.token("K1"), one.body(entry)).status_code == 200
    answer = push(base, programme.token("K2"), two.body(entry))
    assert answer.status_code == 409
    assert answer.json()["results"][0]["status"] == "rejected"
    assert pushed_batches(programme.central) == 1


def test_the_same_sequence_number_with_another_entry_is_a_conflict(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    assert push(base, token, wire.body(wire.restock(1))).status_code == 200
    answer = push(base, token, wire.body(wire.entry("restock", wire.restock(2)["payload"], 1)))
    assert answer.status_code == 409
    assert "sequence" in answer.json()["results"][0]["reason"]
    assert pushed_batches(programme.central) == 1


def test_the_contiguous_sequence_stops_at_a_gap_and_moves_when_it_closes(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    one, two, three, four = (wire.restock(i) for i in range(1, 5))
    answer = push(base, token, wire.body(one, two, four))
    assert answer.status_code == 200
    assert answer.json()["contiguous_seq"] == 2
    answer = push(base, token, wire.body(three))
    assert answer.json()["contiguous_seq"] == 4
    with programme.central.uow(write=False) as uow:
        assert uow.session.get(cm.Kiosk, "K1").contiguous_seq == 4


def test_a_rejected_entry_pushed_again_is_rejected_again_not_a_duplicate(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    orphan = wire.entry(
        "void",
        {
            "exchange_id": "0e3c1d1a-8b8c-4c3b-9c8d-1a2b3c4d5e6f",
            "number": "K1-000001",
            "reason": "选错了",
            "stock": [],
            "ledger": wire.ledger(H1, "void", 60),
        },
    )
    first = push(base, token, wire.body(orphan)).json()["results"][0]
    assert first["status"] == "rejected"
    # The kiosk never heard the first answer and asks again: it must hear the same answer.
    second = push(base, token, wire.body(orphan)).json()["results"][0]
    assert second["status"] == "rejected"
    assert second["reason"] == first["reason"]
    assert central_balances(programme.central)[H1] == 300


def test_an_entry_held_with_the_digest_of_an_earlier_release_is_still_a_duplicate(programme):
    # Releases 0.1.x digested through orjson 3.8, which wrote 1e16 as `1e16` where the
    # canonical form (Python's repr) writes `1e+16`: a retry after the upgrade must match.
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    entry = wire.entry(
        "audit",
        {"at": wire.at, "actor": "店长", "action": "scale", "details": {"grams": 1e16}},
    )
    facts = {k: entry[k] for k in ("id", "seq", "kind", "created_at", "payload")}
    today = canonical(facts)
    assert b'"grams":1e+16' in today
    earlier = hashlib.sha256(today.replace(b'"grams":1e+16', b'"grams":1e16')).hexdigest()
    assert earlier != entry_digest(entry)
    assert push(base, token, wire.body(entry)).json()["results"][0]["status"] == "applied"
    with programme.central.uow() as uow:
        uow.session.get(cm.SyncEntry, entry["id"]).digest = earlier
        uow.commit()
    again = push(base, token, wire.body(entry))
    assert again.status_code == 200, again.text
    assert again.json()["results"][0]["status"] == "duplicate"
    changed = copy.deepcopy(entry)
    changed["payload"]["details"]["grams"] = 2e16
    assert push(base, token, wire.body(changed)).status_code == 409


def test_a_ledger_entry_whose_hash_does_not_match_is_refused_and_flagged(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    entry = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    entry["payload"]["ledger"]["hash"] = "f" * 64
    answer = push(base, token, wire.body(entry))
    result = answer.json()["results"][0]
    assert result["status"] == "rejected"
    assert "hash" in result["reason"]
    assert central_balances(programme.central)[H1] == 300
    assert central_count(programme.central, cm.Exchange) == 0
    assert [a.kiosk_id for a in alerts(programme.central, "chain_tamper")] == ["K1"]


def test_a_ledger_entry_whose_previous_hash_does_not_match_is_flagged(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    first = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    assert push(base, token, wire.body(first)).json()["results"][0]["status"] == "applied"
    wire.head = "a" * 64  # the next entry chains to something central never saw
    second = wire.exchange(H1, "H000001-1", [("SOAP", 1, 8)])
    push(base, token, wire.body(second))
    flagged = alerts(programme.central, "chain_tamper")
    assert len(flagged) == 1 and "seq 2" in flagged[0].detail
    assert central_balances(programme.central) == central_ledger_sums(programme.central)


def test_a_predecessor_pushed_later_with_another_hash_is_flagged(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    first = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    second = wire.exchange(H1, "H000001-1", [("SOAP", 1, 8)])
    push(base, token, wire.body(second))  # arrives first: not yet a gap, nothing flagged
    assert alerts(programme.central) == []
    forged = copy.deepcopy(first)
    wire2 = WireKiosk("K1")
    forged["payload"]["ledger"] = wire2.ledger(
        H1, "spend", -60, ref=first["payload"]["exchange_id"]
    )
    push(base, token, wire.body(forged))
    assert [a.kind for a in alerts(programme.central)] == ["chain_tamper"]


def test_a_missing_ledger_entry_is_flagged_as_a_gap_once_everything_before_arrived(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    wire.ledger(H1, "spend", -1)  # ledger seq 1 is never pushed
    entry = wire.exchange(H1, "H000001-1", [("SOAP", 1, 8)])
    push(base, token, wire.body(entry))
    gaps = alerts(programme.central, "chain_gap")
    assert len(gaps) == 1 and "seq 1" in gaps[0].detail


# -- who may push and read ------------------------------------------------------------------


def test_a_kiosk_cannot_push_for_another_kiosk(programme):
    wire = WireKiosk("K2")
    answer = push(programme.server.base, programme.token("K1"), wire.body(wire.restock(1)))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert central_count(programme.central, cm.SyncEntry) == 0


def test_a_kiosk_cannot_write_a_ledger_entry_of_another_kiosk(programme):
    mine, theirs = WireKiosk("K1"), WireKiosk("K2")
    entry = mine.entry("adjust", {"reason": "x", "ledger": theirs.ledger(H1, "adjust", 500)})
    answer = push(programme.server.base, programme.token("K1"), mine.body(entry))
    assert answer.json()["results"][0]["status"] == "rejected"
    assert "kiosk_id" in answer.json()["results"][0]["reason"]
    assert central_balances(programme.central)[H1] == 300


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ekt_nobody", "Basic abc", "ekt_x"])
def test_a_push_without_a_known_token_is_unauthorised(programme, header):
    wire = WireKiosk("K1")
    with httpx.Client(base_url=programme.server.base, verify=False) as http:
        headers = {} if header is None else {"Authorization": header}
        answer = http.post("/api/v1/push", headers=headers, json=wire.body(wire.restock(1)))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert central_count(programme.central, cm.SyncEntry) == 0


def test_a_revoked_kiosk_token_is_unauthorised(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    assert push(base, token, wire.body(wire.restock(1))).status_code == 200
    kiosks.revoke_kiosk(programme.central, "K1", actor="test")
    answer = push(base, token, wire.body(wire.restock(2)))
    assert answer.status_code == 401
    assert get(base, token, "/api/v1/changes").status_code == 401
    assert pushed_batches(programme.central) == 1


@SQLITE_ONLY
@pytest.mark.parametrize("kiosk_id", ["东村1号", "K 9", "K/9", "K" * 41, "CENTRAL", ""])
def test_a_kiosk_id_that_could_never_push_is_refused_at_enrolment(programme, kiosk_id):
    with pytest.raises(errors_service.RegistryError):
        kiosks.enroll(programme.central, "东村爱心超市", kiosk_id, actor="test")
    assert central_count(programme.central, cm.Kiosk) == 3


@SQLITE_ONLY
def test_an_enrolled_kiosk_with_a_chosen_id_can_push(programme):
    enrolment = kiosks.enroll(programme.central, "东村爱心超市", "DC-01.a_b", actor="test")
    wire = WireKiosk("DC-01.a_b")
    answer = push(programme.server.base, enrolment.token, wire.body(wire.restock(1)))
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied"


def test_a_viewer_reads_figures_and_households_and_a_kiosk_cannot(programme):
    base = programme.server.base
    viewer = tokens.office_token(programme.central, "viewer", actor="test")
    stats = get(base, viewer, "/api/v1/stats")
    assert stats.status_code == 200
    figures = stats.json()
    for name in (
        "registered_residents",
        "households",
        "activities",
        "points_issued",
        "participations",
        "points_redeemed",
        "exchanges",
        "goods_issued",
    ):
        assert isinstance(figures[name], int)
    assert figures["registered_residents"] == 6 and figures["households"] == 4
    assert figures["points_issued"] == 440
    assert {s["store"] for s in figures["stores"]} == {"东村爱心超市", "西村爱心超市"}

    household = get(base, viewer, f"/api/v1/households/{H1}")
    assert household.status_code == 200
    assert set(household.json()) == {"id", "name", "balance", "honour", "members", "history"}
    assert household.json()["balance"] == 300
    assert [m["name"] for m in household.json()["members"]] == ["王建国", "李秀英"]
    for missing in ("H999999", "%00", "%ED%A0%80", "x" * 300):
        answer = get(base, viewer, f"/api/v1/households/{missing}")
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "not_found"

    kiosk = programme.token("K1")
    assert get(base, kiosk, "/api/v1/stats").status_code == 401
    assert get(base, kiosk, f"/api/v1/households/{H1}").status_code == 401
    assert get(base, None, "/api/v1/stats").status_code == 401


# -- malformed requests -----------------------------------------------------------------------


def _raw(text: str) -> dict:
    return {"content": text.encode("utf-8"), "headers": {"Content-Type": "application/json"}}


def _entry_text(kiosk_id: str, payload_text: str) -> str:
    return (
        f'{{"kiosk_id": "{kiosk_id}", "entries": [{{"id": "0e3c1d1a-8b8c-4c3b-9c8d-1a2b3c4d5e6f",'
        f' "seq": 1, "kind": "audit", "created_at": "2025-03-01T02:00:00Z",'
        f' "payload": {payload_text}}}]}}'
    )


MALFORMED = {
    "not json": {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
    "not utf-8": {
        "content": b'{"kiosk_id": "\xff"}',
        "headers": {"Content-Type": "application/json"},
    },
    "json but a list": _raw("[]"),
    "a number": _raw("5"),
    "wrong types": _raw('{"kiosk_id": 5, "entries": "many"}'),
    "NaN": _raw(
        _entry_text(
            "K1",
            '{"at": "2025-03-01T02:00:00Z", "actor": "a", "action": "b", "details": {"v": NaN}}',
        )
    ),
    "deep nesting": _raw('{"kiosk_id": "K1", "entries": ' + "[" * 50_000 + "]" * 50_000 + "}"),
    "surrogate": _raw(
        _entry_text("K1", '{"at": "2025-03-01T02:00:00Z", "actor": "\\ud800", "action": "b"}')
    ),
    "surrogate key": _raw(
        _entry_text(
            "K1",
            '{"at": "2025-03-01T02:00:00Z", "actor": "a", "action": "b",'
            ' "details": {"\\udc00": 1}}',
        )
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_push_gets_a_4xx_with_a_reason_and_changes_nothing(programme, name):
    before = held(programme)
    answer = push(programme.server.base, programme.token("K1"), None, **MALFORMED[name])
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["error"]["message"]
    assert held(programme) == before


def test_a_batch_of_more_than_500_entries_is_refused_whole(programme):
    wire = WireKiosk("K1")
    body = wire.body(*(wire.restock(i) for i in range(1, MAX_BATCH + 2)))
    answer = push(programme.server.base, programme.token("K1"), body)
    assert answer.status_code == 400
    assert "500" in answer.json()["error"]["message"]
    assert held(programme)["batches"] == 0


def test_a_body_over_the_limit_is_refused_with_413(programme):
    wire = WireKiosk("K1")
    entry = wire.restock(1)
    entry["payload"]["donor"] = "x" * (MAX_PUSH_BYTES + 10)
    answer = push(programme.server.base, programme.token("K1"), wire.body(entry))
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
    assert held(programme)["sync"] == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.update(donor="a\x00b"),
        lambda p: p.update(batch_id=10**30),
        lambda p: p.update(received_at="0001-01-01T00:00:00+01:00"),
        lambda p: p.update({"x" * 300: 1}),
    ],
)
def test_a_payload_the_database_could_not_store_is_rejected_not_a_500(programme, change):
    wire = WireKiosk("K1")
    entry = wire.restock(1)
    change(entry["payload"])
    answer = push(programme.server.base, programme.token("K1"), wire.body(entry))
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        result = answer.json()["results"][0]
        assert result["status"] == "rejected" and result["reason"]
    assert held(programme)["batches"] == 0
    # ...and the kiosk is not stuck: its next entries still go through.
    assert push(programme.server.base, programme.token("K1"), wire.body(wire.restock(2))).json()


def test_a_number_past_64_bits_is_read_and_refused_by_the_schema_naming_its_field(programme):
    wire = WireKiosk("K1")
    entry = wire.restock(1)
    entry["payload"]["batch_id"] = 2**64 + 1
    answer = push(programme.server.base, programme.token("K1"), wire.body(entry))
    assert answer.status_code == 200, answer.text
    result = answer.json()["results"][0]
    assert result["status"] == "rejected"
    assert "$.payload.batch_id: must be at most" in result["reason"]


def test_an_entry_reusing_an_exchange_id_is_rejected_not_a_500(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    first = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    second = wire.exchange(H1, "H000001-1", [("SOAP", 1, 8)])
    second["payload"]["exchange_id"] = first["payload"]["exchange_id"]
    wire2 = WireKiosk("K1", ledger_seq=1, head=first["payload"]["ledger"]["hash"])
    second["payload"]["ledger"] = wire2.ledger(H1, "spend", -8, ref=first["payload"]["exchange_id"])
    answer = push(base, token, wire.body(first, second))
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "rejected"]
    assert central_balances(programme.central)[H1] == 240
    assert central_balances(programme.central) == central_ledger_sums(programme.central)


def test_an_exchange_whose_ledger_entry_charges_another_household_is_rejected(programme):
    wire = WireKiosk("K1")
    entry = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    entry["payload"]["household_id"] = H2
    answer = push(programme.server.base, programme.token("K1"), wire.body(entry))
    assert answer.json()["results"][0]["status"] == "rejected"
    assert central_count(programme.central, cm.Exchange) == 0


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("after=-1", 400),
        ("after=x", 400),
        ("limit=0", 400),
        ("after=" + "9" * 30, 400),
        ("after=99999999999", 200),
        ("limit=1000000", 200),
    ],
)
def test_the_feed_refuses_bad_cursors_with_a_4xx(programme, query, status):
    answer = get(programme.server.base, programme.token("K1"), f"/api/v1/changes?{query}")
    assert answer.status_code == status, answer.text
    if status == 200:
        assert len(answer.json()["changes"]) <= 1000
    else:
        assert answer.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [{"backlog": 10**30}, {"backlog": -1}, {"version": "v" * 41}, {"printer": 5}, {"x": 1}],
)
def test_a_malformed_heartbeat_gets_a_4xx(programme, body):
    with httpx.Client(base_url=programme.server.base, verify=False) as http:
        answer = http.post(
            "/api/v1/heartbeat",
            headers={"Authorization": f"Bearer {programme.token('K1')}"},
            json=body,
        )
    assert answer.status_code == 400, answer.text


def test_the_openapi_document_describes_push_and_changes(programme):
    answer = get(programme.server.base, None, "/api/v1/openapi.json")
    assert answer.status_code == 200
    doc = json.loads(answer.text)
    assert doc["openapi"].startswith("3.")
    assert "post" in doc["paths"]["/api/v1/push"]
    assert "get" in doc["paths"]["/api/v1/changes"]
    schemas = doc["components"]["schemas"]
    for kind in ("exchange", "void", "checkin", "restock"):
        assert f"Payload_{kind}" in schemas
    # The published schema is the one central validates with: a real push body matches it.
    from sync.schema import validate

    wire = WireKiosk("K1")
    validate(wire.body(wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])), schemas["PushRequest"])


# -- concurrency ------------------------------------------------------------------------------


def test_concurrent_pushes_from_two_kiosks_keep_every_balance_equal_to_its_ledger(programme):
    wires = {"K1": WireKiosk("K1"), "K2": WireKiosk("K2")}
    base = programme.server.base
    errors: list[str] = []

    def kiosk(kiosk_id: str) -> None:
        wire = wires[kiosk_id]
        for _ in range(15):
            body = wire.body(
                wire.exchange(H1, "H000001-1", [("SOAP", 1, 1)]),
                wire.exchange(H2, "H000002-1", [("SOAP", 1, 1)]),
            )
            answer = push(base, programme.token(kiosk_id), body)
            if answer.status_code != 200:
                errors.append(answer.text)

    threads = [threading.Thread(target=kiosk, args=(k,)) for k in wires]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    balances = central_balances(programme.central)
    assert balances == central_ledger_sums(programme.central)
    assert (balances[H1], balances[H2]) == (300 - 30, 100 - 30)


def test_the_same_batch_pushed_twice_at_once_is_applied_once(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    for round_ in range(5):
        body = wire.body(*(wire.exchange(H1, "H000001-1", [("SOAP", 1, 1)]) for _ in range(3)))
        answers: list = [None, None]

        def send(i: int, body=body, answers=answers) -> None:
            answers[i] = push(base, token, body)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        statuses = sorted(r["status"] for a in answers for r in a.json()["results"])
        assert statuses == ["applied"] * 3 + ["duplicate"] * 3, round_
    assert set(applied_per_entry(programme.central).values()) == {1}
    assert central_balances(programme.central)[H1] == 300 - 15
    with programme.central.uow(write=False) as uow:
        assert uow.session.scalar(select(cm.Kiosk.contiguous_seq).where(cm.Kiosk.id == "K1")) == 15


def test_an_award_while_kiosks_push_neither_deadlocks_nor_loses_an_update(programme, monkeypatch):
    c = programme.central
    original = ledger_service.credit
    credited = threading.Event()
    outcome: dict = {}

    def slow_credit(*args, **kwargs):
        entry = original(*args, **kwargs)
        credited.set()
        time.sleep(0.4)  # the office's transaction stays open while the kiosk pushes
        return entry

    def award() -> None:
        try:
            outcome["award"] = activities_service.award(
                c, programme.activity_id, ["H000001-1", "H000002-1"], "t"
            )
        except Exception as exc:  # a deadlock victim
            outcome["award"] = exc

    monkeypatch.setattr(activities_service, "credit", slow_credit)
    office = threading.Thread(target=award)
    office.start()
    assert credited.wait(10)
    wire = WireKiosk("K1")
    answer = push(
        programme.server.base,
        programme.token("K1"),
        wire.body(wire.exchange(H2, "H000002-1", [("OIL", 1, 60)])),
    )
    office.join(30)
    assert answer.status_code == 200, answer.text
    assert outcome["award"] == {
        "credited": ["H000001-1", "H000002-1"],
        "skipped": [],
        "reasons": {},
    }
    assert central_balances(c)[H2] == 100 + 10 - 60
    assert central_balances(c) == central_ledger_sums(c)


def test_every_kind_of_entry_the_protocol_accepts_has_a_handler():
    from sync.central.services.ingest import HANDLERS
    from sync.protocol import PAYLOADS

    assert set(HANDLERS) == set(PAYLOADS)
