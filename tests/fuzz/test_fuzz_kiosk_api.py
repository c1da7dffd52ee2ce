"""The kiosk's /api against its own OpenAPI document: described fully, and true to it."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from kiosk import demo
from kiosk.services import doctor, terminal
from terminal_ui.openapi import document

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
# The event stream stays open for at least a second: it has its own tests below.
schema = schemathesis.openapi.from_dict(document()).exclude(path="/api/events")


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_is_described(kiosk_app):
    served = {
        (_openapi_path(rule.rule), method.lower())
        for rule in kiosk_app.url_map.iter_rules()
        if rule.rule.startswith("/api")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, ops in document()["paths"].items() for method in ops}
    assert served, "no /api route found"
    assert served == described


def test_the_document_is_served_and_every_error_code_is_in_it(kiosk_app):
    answer = kiosk_app.test_client().get("/api/openapi.json")
    assert answer.status_code == 200
    assert answer.get_json() == document()
    codes = answer.get_json()["components"]["schemas"]["Error"]["properties"]["error"]
    assert {"unknown_card", "insufficient_points", "unreadable_image", "not_found"} <= set(
        codes["properties"]["code"]["enum"]
    )


def test_the_event_stream_starts_with_hello(kiosk_app):
    answer = kiosk_app.test_client().get("/api/events?timeout=1", buffered=False)
    assert answer.status_code == 200
    assert answer.mimetype == "text/event-stream"
    first = next(answer.response)
    assert first.startswith(b"event: hello\ndata: {")
    answer.close()


@pytest.fixture
def kiosk_with_session(kiosk_app, kiosk_runtime, tmp_path):
    """Return the app with a resident's session open, so cart and checkout reach their rules.

    Whatever the requests did, the kiosk's books must still add up afterwards.
    """
    card = demo.cards(kiosk_runtime.kiosk, tmp_path)[0]["code"]
    assert kiosk_app.test_client().post("/api/scan", json={"code": card}).status_code == 200
    yield kiosk_app
    assert doctor.check(kiosk_runtime.kiosk) == []


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=10_000,  # a hang, not a slow decode: camera cards may take three scans
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_kiosk_api_answers_as_documented(case, kiosk_with_session):
    case.call_and_validate(app=kiosk_with_session, checks=CHECKS)


def test_a_whole_exchange_answers_as_documented_at_every_step(kiosk_app, kiosk_runtime, tmp_path):
    cards = demo.cards(kiosk_runtime.kiosk, tmp_path)
    rich = max(cards, key=lambda c: c["balance"])
    client = kiosk_app.test_client()

    def documented(method: str, path: str, template: str | None = None, **kwargs):
        answer = client.open(path, method=method, **kwargs)
        schema[template or path.split("?")[0]][method].validate_response(answer)
        return answer

    started = documented("POST", "/api/scan", json={"code": rich["code"]}).get_json()
    assert started["scan"] == {"kind": "card", "resident_id": rich["resident_id"]}
    added = documented("POST", "/api/scan", json={"code": "EKP:RICE10"}).get_json()
    assert added["scan"]["kind"] == "product" and added["cart"][0]["qty"] == 1
    documented("POST", "/api/session/cart", json={"product_code": "RICE10", "qty": "2"})
    member = next(m for m in started["members"] if m["id"] != rich["resident_id"])
    session = documented("POST", "/api/session/beneficiary", json={"resident_id": member["id"]})
    assert session.get_json()["beneficiary"]["id"] == member["id"]
    done = documented("POST", "/api/session/checkout", json={})
    assert done.status_code == 200, done.get_json()
    receipt_id = done.get_json()["receipt_id"]
    receipt = documented("GET", f"/api/receipts/{receipt_id}", "/api/receipts/{receipt_id}")
    assert receipt.get_json()["kind"] == "exchange"
    again = documented("POST", "/api/session/checkout?lang=en", json={})
    assert again.status_code == 409 and again.get_json()["error"]["message"].isascii()
    assert documented("GET", "/api/products").get_json()


def test_check_in_and_the_camera_answer_as_documented(kiosk_app, kiosk_runtime, tmp_path):
    cards = demo.cards(kiosk_runtime.kiosk, tmp_path)
    client = kiosk_app.test_client()

    def documented(method: str, path: str, **kwargs):
        answer = client.open(path, method=method, **kwargs)
        schema[path][method].validate_response(answer)
        return answer.get_json()

    terminal.start_checkin(kiosk_runtime.kiosk, "ACT-SORT", "admin")
    assert documented("GET", "/api/session")["mode"] == "checkin"
    credit = documented("POST", "/api/scan", json={"code": cards[0]["code"]})["scan"]
    assert credit["kind"] == "checkin" and credit["receipt_id"] > 0
    seen = documented("POST", "/api/camera/card", json={"code": cards[1]["code"]})
    assert seen["camera"]["codes"] == 1
    again = documented("POST", "/api/camera/card", json={"code": cards[1]["code"]})
    assert again["camera"]["outcome"]["ok"] is False  # one credit per resident and activity
    assert documented("GET", "/api/camera")["last"]["code"] == "already_checked_in"
