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
