"""Central's /api/v1 against its own OpenAPI document: described fully, and true to it."""

from __future__ import annotations

import itertools
import re

import schemathesis
from fuzz_strategies import pushes
from hypothesis import HealthCheck, given, settings

from sync.central.openapi import document

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
schema = schemathesis.openapi.from_dict(document())


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_is_described(central_app):
    served = {
        (_openapi_path(rule.rule), method.lower())
        for rule in central_app.app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, ops in document()["paths"].items() for method in ops}
    assert served, "no /api route found"
    assert served == described


def _token(case, central_app) -> str | None:
    names = {name for need in case.operation.definition.raw.get("security", []) for name in need}
    if "kioskToken" in names:
        return central_app.kiosk_token
    if "officeToken" in names:
        return central_app.office_token
    return None


def _call(case, central) -> None:
    token = _token(case, central)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if isinstance(case.body, dict) and "kiosk_id" in case.body:
        case.body["kiosk_id"] = central.kiosk_id  # else every push is someone else's: 403
    case.call_and_validate(app=central.app, headers=headers, checks=CHECKS)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=10_000,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_central_api_answers_as_documented(case, central_app):
    _call(case, central_app)


# PostgreSQL refuses what SQLite stores (NUL in text, out-of-range integers): pushes
# once more against it, with fewer examples.
@schema.include(method="POST", path="/api/v1/push").parametrize()
@settings(
    max_examples=5,
    deadline=10_000,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_central_api_on_postgresql_answers_as_documented(case, central_pg_app):
    _call(case, central_pg_app)


def test_a_push_whose_entry_id_ends_in_a_newline_is_refused_and_not_stored(central_app):
    entry = {
        "id": "2f1c6a4e-8d0b-4c57-9a53-0c4b8f7e1d2a\n",
        "seq": 1,
        "kind": "audit",
        "created_at": "2026-11-01T10:00:00Z",
        "payload": {"at": "2026-11-01T10:00:00Z", "actor": "admin", "action": "login"},
    }
    client = central_app.app.test_client()
    auth = {"Authorization": f"Bearer {central_app.kiosk_token}"}
    answer = client.post(
        "/api/v1/push", json={"kiosk_id": central_app.kiosk_id, "entries": [entry]}, headers=auth
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"].startswith("$.entries[0].id:")
    # Nothing was stored: the same entry with its proper id is new, not a conflict.
    entry["id"] = entry["id"].strip()
    answer = client.post(
        "/api/v1/push", json={"kiosk_id": central_app.kiosk_id, "entries": [entry]}, headers=auth
    )
    assert answer.status_code == 200
    assert answer.get_json()["results"][0]["status"] == "applied"


KNOWN = {"household_id": "H000001", "resident_id": "H000001-1", "kiosk_id": "K001"}


def _known_ids(value):
    """Return value with every household and resident id one that central knows."""
    if isinstance(value, dict):
        return {k: KNOWN.get(k) or _known_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known_ids(v) for v in value]
    return value


def _push_valid(central, push: dict, seqs) -> list[dict]:
    for entry in push["entries"]:
        entry["seq"] = seq = next(seqs)
        entry["id"] = f"{seq:08x}-0000-4000-8000-000000000000"  # new: not a conflict
        if seq % 2:  # half the entries name people central knows, to reach its rules
            entry["payload"] = _known_ids(entry["payload"])
    push["kiosk_id"] = central.kiosk_id
    answer = central.app.test_client().post(
        "/api/v1/push", json=push, headers={"Authorization": f"Bearer {central.kiosk_token}"}
    )
    schema["/api/v1/push"]["POST"].validate_response(answer)
    assert answer.status_code in (200, 409), answer.get_json()
    results = answer.get_json()["results"]
    assert [r["id"] for r in results] == [e["id"] for e in push["entries"]]
    return results


# Sequence numbers only grow, so each push brings new entries (central's state outlives an example).
_seqs = itertools.count(1)


@settings(
    max_examples=25,
    deadline=10_000,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(push=pushes())
def test_valid_pushes_are_answered_entry_by_entry(central_app, push):
    _push_valid(central_app, push, _seqs)


@settings(max_examples=10, deadline=10_000, derandomize=True, database=None)
@given(push=pushes())
def test_valid_pushes_on_postgresql_are_answered_entry_by_entry(central_pg_app, push):
    _push_valid(central_pg_app, push, _seqs)


def test_a_household_and_the_figures_answer_as_documented(central_app):
    client = central_app.app.test_client()
    office = {"Authorization": f"Bearer {central_app.office_token}"}
    stats = client.get("/api/v1/stats", headers=office)
    schema["/api/v1/stats"]["GET"].validate_response(stats)
    assert stats.get_json()["registered_residents"] == 3
    household = client.get("/api/v1/households/H000001", headers=office)
    schema["/api/v1/households/{household_id}"]["GET"].validate_response(household)
    assert {m["name"] for m in household.get_json()["members"]} == {"王建国", "李秀英"}
