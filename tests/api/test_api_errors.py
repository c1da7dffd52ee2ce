"""Every refusal of the JSON API: its code, HTTP status, localised message, and no change."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.services import admin, catalog, inventory, terminal
from kiosk.storage.models import Card

Context = dict[str, Any]
CJK = re.compile(r"[\u4e00-\u9fff]")


# What the terminal is doing when the refused request arrives.
def _idle(client, card, runtime) -> Context:
    return {}


def _shopping(client, card, runtime) -> Context:
    view = client.post("/api/scan", json={"code": card("王建国")["code"]}).get_json()
    return {"session_id": view["session_id"]}


def _poor(client, card, runtime) -> Context:
    client.post("/api/scan", json={"code": card("宋明亮")["code"]})
    return {}


def _checkin(client, card, runtime) -> Context:
    terminal.start_checkin(runtime.kiosk, "ACT-SORT", "admin")
    return {}


def _checked_in(client, card, runtime) -> Context:
    terminal.start_checkin(runtime.kiosk, "ACT-SORT", "admin")
    assert client.post("/api/scan", json={"code": card("张伟")["code"]}).status_code == 200
    return {}


def _checked_out(client, card, runtime) -> Context:
    ctx = _shopping(client, card, runtime)
    client.post("/api/session/cart", json={"product_code": "SALT", "qty": 1})
    assert client.post("/api/session/checkout", json={}).status_code == 200
    return ctx


def _reissued(client, card, runtime) -> Context:
    admin.issue_card(runtime.kiosk, card("王建国")["resident_id"])
    return {}


def _revoked(client, card, runtime) -> Context:
    with runtime.kiosk.uow(write=False) as uow:
        card_id = uow.session.scalar(
            select(Card.id).where(Card.resident_id == card("李德福")["resident_id"])
        )
    admin.revoke_card(runtime.kiosk, card_id, "挂失")
    return {}


def _deactivate_oil(runtime) -> None:
    catalog.save_product(
        runtime.kiosk, "OIL18", "鲁花花生油 1.8升", 60, unit="瓶", category="粮油", active=False
    )


def _oil_withdrawn(client, card, runtime) -> Context:
    _deactivate_oil(runtime)
    return _shopping(client, card, runtime)


def _oil_withdrawn_from_cart(client, card, runtime) -> Context:
    ctx = _shopping(client, card, runtime)
    client.post("/api/session/cart", json={"product_code": "OIL18", "qty": 1})
    _deactivate_oil(runtime)
    return ctx


def _price_rise(client, card, runtime) -> Context:
    ctx = _shopping(client, card, runtime)
    assert client.post("/api/session/cart", json={"product_code": "OIL18", "qty": 5}).is_json
    catalog.save_product(
        runtime.kiosk, "OIL18", "鲁花花生油 1.8升", 100, unit="瓶", category="粮油"
    )
    return ctx


def _stock_shrinks(client, card, runtime) -> Context:
    ctx = _shopping(client, card, runtime)
    client.post("/api/session/cart", json={"product_code": "BASIN", "qty": 2})
    inventory.stocktake(runtime.kiosk, "BASIN", 1, "盘点少一个")
    return ctx


def _card(name: str) -> Callable[[Callable, Context], Any]:
    return lambda card, ctx: {"code": card(name)["code"]}


@dataclass(frozen=True)
class Case:
    """One refused request."""

    code: str
    status: int
    path: str
    body: Any = None  # JSON value, or a function of (card lookup, context)
    given: Callable[..., Context] = _idle
    method: str = "POST"
    raw: bytes | None = None
    content_type: str = "application/json"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.code}-{self.note}" if self.note else self.code


def scan(code: Any) -> dict[str, Any]:
    return {"code": code}


def cart(product_code: Any, qty: Any) -> dict[str, Any]:
    return {"product_code": product_code, "qty": qty}


S, C, X, B = "/api/scan", "/api/session/cart", "/api/session/checkout", "/api/session/beneficiary"

CASES = [
    # The body is not a JSON object.
    Case("bad_request", 400, S, raw=b"not json", note="garbage"),
    Case("bad_request", 400, S, raw=b'{"code": "EKP:SALT"', note="truncated"),
    Case("bad_request", 400, S, raw=b"\xff\xfe\x00", note="not-utf8"),
    Case("bad_request", 400, S, raw=b"code=EKP:SALT", content_type="text/plain", note="form"),
    Case("bad_request", 400, S, raw=b"[" * 40_000, note="deeply-nested"),
    Case("bad_request", 400, S, body=["EKP:SALT"], note="array"),
    Case("bad_request", 400, S, body="EKP:SALT", note="string"),
    Case("bad_request", 400, C, body=[cart("SALT", 1)], given=_shopping, note="cart-array"),
    Case("bad_request", 400, X, body=[], given=_shopping, note="checkout-array"),
    Case("bad_request", 400, X, raw=b"null", given=_shopping, note="checkout-null"),
    # Codes that cannot be read.
    Case("bad_code", 400, S, body=scan(""), note="empty"),
    Case("bad_code", 400, S, body=scan("   \t "), note="blank"),
    Case("bad_code", 400, S, body=scan("\x00\x01\x02\x1b@"), note="binary"),
    Case("bad_code", 400, S, body=scan("EKP:SALT\x07"), note="bell"),
    Case("bad_code", 400, S, raw=b'{"code": "\\ud800"}', note="lone-surrogate"),
    Case("bad_code", 400, S, body=scan(123), note="number"),
    Case("bad_code", 400, S, body=scan(None), note="null"),
    Case("bad_code", 400, S, body={}, note="missing"),
    Case("bad_code", 400, S, body=scan(True), note="bool"),
    Case("bad_code", 400, S, body=scan(["EKP:SALT"]), note="list"),
    Case("bad_code", 400, S, body=scan({"code": "EKP:SALT"}), note="object"),
    Case("code_too_long", 400, S, body=scan("A" * 1025), note="plain"),
    Case("code_too_long", 400, S, body=scan("EKC:" + "A" * 2000), note="card-prefix"),
    Case("unknown_code", 404, S, body=scan("hello world!"), note="words"),
    Case("unknown_code", 404, S, body=scan("https://example.com/x"), note="url"),
    Case("unknown_code", 404, S, body=scan("积分卡"), note="chinese"),
    Case("unknown_code", 404, S, body=scan("A" * 33), note="long-code"),
    # Cards.
    Case("unknown_card", 404, S, body=scan("EKC:" + "A" * 26), note="well-formed"),
    Case("unknown_card", 404, S, body=scan("EKC:SHORT"), note="malformed"),
    Case("unknown_card", 404, S, body=scan("EKC:" + "A" * 26), given=_shopping, note="mid"),
    Case("revoked_card", 403, S, body=_card("王建国"), given=_reissued, note="reissued"),
    Case("revoked_card", 403, S, body=_card("李德福"), given=_revoked, note="revoked"),
    # Goods.
    Case("unknown_product", 404, S, body=scan("EKP:NOPE"), given=_shopping, note="label"),
    Case("unknown_product", 404, S, body=scan("NOPE"), given=_shopping, note="bare"),
    Case("unknown_product", 404, C, body=cart("NOPE", 1), given=_shopping, note="cart"),
    Case("unknown_product", 404, C, body=cart(5, 1), given=_shopping, note="number"),
    Case("unknown_product", 404, C, body={"qty": 1}, given=_shopping, note="missing"),
    Case("unknown_product", 404, C, body=cart("SALT!", 1), given=_shopping, note="symbol"),
    Case("inactive_product", 409, S, body=scan("EKP:OIL18"), given=_oil_withdrawn, note="scan"),
    Case("inactive_product", 409, C, body=cart("OIL18", 1), given=_oil_withdrawn, note="cart"),
    Case("inactive_product", 409, X, body={}, given=_oil_withdrawn_from_cart, note="checkout"),
    # No session, or the wrong one.
    Case("no_session", 409, C, body=cart("SALT", 1), note="cart"),
    Case("no_session", 409, S, body=scan("EKP:SALT"), note="label"),
    Case("no_session", 409, X, body={}, note="checkout"),
    Case("no_session", 409, B, body={"resident_id": "H0001-2"}, note="beneficiary"),
    Case("no_session", 409, X, body={"session_id": "nope"}, given=_shopping, note="unknown-id"),
    Case("no_session", 409, X, body={"session_id": 123}, given=_shopping, note="number-id"),
    Case("empty_cart", 409, X, body={}, given=_shopping),
    Case("already_checked_out", 409, X, body={}, given=_checked_out, note="latest"),
    Case(
        "already_checked_out",
        409,
        X,
        body=lambda card, ctx: {"session_id": ctx["session_id"]},
        given=_checked_out,
        note="named",
    ),
    # Points and stock.
    Case("insufficient_points", 409, C, body=cart("OIL18", 1), given=_poor, note="cart"),
    Case("insufficient_points", 409, S, body=scan("EKP:OIL5L"), given=_poor, note="label"),
    Case("insufficient_points", 409, C, body=cart("OIL5L", 3), given=_shopping, note="qty"),
    Case("insufficient_points", 409, X, body={}, given=_price_rise, note="checkout"),
    Case("out_of_stock", 409, C, body=cart("BASIN", 3), given=_shopping, note="cart"),
    Case("out_of_stock", 409, S, body=scan("EKP:UMBR"), given=_shopping, note="label"),
    Case("out_of_stock", 409, X, body={}, given=_stock_shrinks, note="checkout"),
    Case("bad_quantity", 400, C, body=cart("SALT", -1), given=_shopping, note="negative"),
    Case("bad_quantity", 400, C, body=cart("SALT", 1.5), given=_shopping, note="fraction"),
    Case("bad_quantity", 400, C, body=cart("SALT", 10**9), given=_shopping, note="huge"),
    Case("bad_quantity", 400, C, body=cart("SALT", 10**30), given=_shopping, note="huger"),
    Case("bad_quantity", 400, C, body=cart("SALT", 100), given=_shopping, note="above-max"),
    Case("bad_quantity", 400, C, body=cart("SALT", "abc"), given=_shopping, note="string"),
    Case("bad_quantity", 400, C, body=cart("SALT", "1e3"), given=_shopping, note="exponent"),
    Case("bad_quantity", 400, C, body=cart("SALT", True), given=_shopping, note="bool"),
    Case("bad_quantity", 400, C, body=cart("SALT", None), given=_shopping, note="null"),
    Case("bad_quantity", 400, C, body=cart("SALT", [1]), given=_shopping, note="list"),
    Case("bad_quantity", 400, C, body=cart("SALT", 2.0), given=_shopping, note="float-whole"),
    # Receipts and routes.
    Case("unknown_receipt", 404, "/api/receipts/999999", method="GET", note="missing"),
    Case("unknown_receipt", 404, "/api/receipts/" + "9" * 30, method="GET", note="huge-id"),
    Case("not_found", 404, "/api/nope", method="GET", note="get"),
    Case("not_found", 404, "/api/nope", body={}, note="post"),
    Case("not_found", 404, "/api/receipts/abc", method="GET", note="receipt-id"),
    Case("method_not_allowed", 405, S, method="GET", note="get-scan"),
    Case("method_not_allowed", 405, "/api/session", method="DELETE", note="delete-session"),
    Case("method_not_allowed", 405, X, method="GET", note="get-checkout"),
    Case("method_not_allowed", 405, "/api/products", body={}, note="post-products"),
    Case("too_large", 413, S, raw=b'{"code": "' + b"A" * 70_000 + b'"}', note="scan"),
    Case("too_large", 413, C, raw=b" " * (65 * 1024), given=_shopping, note="cart"),
    # Activities.
    Case("activity_at_screen", 403, S, body=scan("EKA:SORT"), note="known"),
    Case("activity_at_screen", 403, S, body=scan("EKA:NOPE"), note="unknown"),
    Case("activity_at_screen", 403, S, body=scan("EKA:SORT"), given=_shopping, note="shopping"),
    Case("unknown_activity", 404, S, body=scan("EKA:NO PE"), note="malformed"),
    Case("already_checked_in", 409, S, body=_card("张伟"), given=_checked_in),
    Case("wrong_mode", 409, C, body=cart("SALT", 1), given=_checkin, note="cart"),
    Case("wrong_mode", 409, S, body=scan("EKP:SALT"), given=_checkin, note="label"),
    Case("wrong_mode", 409, X, body={}, given=_checkin, note="checkout"),
    Case("wrong_mode", 409, B, body={"resident_id": "H0001-2"}, given=_checkin, note="benef"),
    Case("not_in_household", 409, B, body={"resident_id": "H0002-1"}, given=_shopping),
    Case("unknown_resident", 404, B, body={"resident_id": "H9999-1"}, given=_shopping),
]

# Every error code the brief names must be exercised above.
REQUIRED = {
    "bad_request",
    "bad_code",
    "code_too_long",
    "unknown_code",
    "unknown_card",
    "revoked_card",
    "unknown_product",
    "inactive_product",
    "no_session",
    "empty_cart",
    "already_checked_out",
    "insufficient_points",
    "out_of_stock",
    "bad_quantity",
    "unknown_receipt",
    "not_found",
    "method_not_allowed",
    "too_large",
    "unknown_activity",
    "already_checked_in",
    "wrong_mode",
    "not_in_household",
}


def send(client, case: Case, card, ctx: Context, lang: str | None = None):
    path = case.path + (f"?lang={lang}" if lang else "")
    if case.raw is not None:
        return client.open(path, method=case.method, data=case.raw, content_type=case.content_type)
    body = case.body(card, ctx) if callable(case.body) else case.body
    if body is None:
        return client.open(path, method=case.method)
    return client.open(path, method=case.method, json=body)


def test_every_error_code_is_covered():
    assert {case.code for case in CASES} >= REQUIRED


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_refused_request_says_why_in_chinese_and_english_and_changes_nothing(
    case, client, card, runtime, snapshot
):
    ctx = case.given(client, card, runtime)
    before = snapshot()

    response = send(client, case, card, ctx)

    assert response.status_code == case.status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == case.code
    chinese = error["message"]
    assert CJK.search(chinese), chinese
    assert "{" not in chinese
    assert snapshot() == before

    english = send(client, case, card, ctx, lang="en")

    assert english.status_code == case.status
    error = english.get_json()["error"]
    assert error["code"] == case.code
    assert re.search(r"[A-Za-z]{3,}", error["message"]), error["message"]
    assert error["message"] != chinese
    assert "{" not in error["message"]
    assert snapshot() == before


def test_a_second_checkout_of_the_same_session_deducts_only_once(client, card, balance):
    session_id = client.post("/api/scan", json={"code": card("王建国")["code"]}).get_json()[
        "session_id"
    ]
    client.post("/api/session/cart", json={"product_code": "CUP", "qty": 2})
    first = client.post("/api/session/checkout", json={"session_id": session_id})

    again = [
        client.post("/api/session/checkout", json={"session_id": session_id}),
        client.post("/api/session/checkout", json={}),
    ]

    assert first.status_code == 200
    assert [r.status_code for r in again] == [409, 409]
    assert {r.get_json()["error"]["code"] for r in again} == {"already_checked_out"}
    assert balance("H0001") == 320 - 80


def test_a_refused_line_leaves_the_rest_of_the_cart_alone(client, card):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cart", json={"product_code": "OIL18", "qty": 2})

    refused = client.post("/api/session/cart", json={"product_code": "OIL5L", "qty": 2})

    assert refused.get_json()["error"]["code"] == "insufficient_points"
    view = client.get("/api/session").get_json()
    assert [(ln["product_code"], ln["qty"]) for ln in view["cart"]] == [("OIL18", 2)]
    assert view["total"] == 120


def test_the_insufficient_points_message_names_what_is_needed_and_available(client, card):
    client.post("/api/scan", json={"code": card("宋明亮")["code"]})

    zh = client.post("/api/session/cart", json={"product_code": "OIL18", "qty": 1}).get_json()
    en = client.post(
        "/api/session/cart?lang=en", json={"product_code": "OIL18", "qty": 1}
    ).get_json()

    assert zh["error"]["message"] == "积分不足：需要 60 分，可用 5 分。"
    assert en["error"]["message"] == "Not enough points: 60 needed, 5 available."


def test_the_language_cookie_of_the_screen_also_applies_to_api_errors(client):
    client.get("/?lang=en")

    response = client.post("/api/scan", json={"code": ""})

    assert response.get_json()["error"]["message"] == "This code cannot be read. Please try again."


def test_an_unparseable_event_timeout_is_not_a_server_error(client):
    response = client.get("/api/events?timeout=abc", buffered=False)
    try:
        assert response.status_code == 200
        assert response.mimetype == "text/event-stream"
    finally:
        response.close()
