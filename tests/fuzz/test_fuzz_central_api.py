"""Central's /api/v1 against its own OpenAPI document: described fully, and true to it."""

from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, settings

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


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=10_000,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_central_api_answers_as_documented(case, central_app):
    token = _token(case, central_app)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if isinstance(case.body, dict) and "kiosk_id" in case.body:
        case.body["kiosk_id"] = central_app.kiosk_id  # else every push is someone else's: 403
    case.call_and_validate(app=central_app.app, headers=headers, checks=CHECKS)


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
