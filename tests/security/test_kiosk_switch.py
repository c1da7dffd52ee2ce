"""POST /api/session/switch: only the question the screen asked, for the session it asked in."""

from __future__ import annotations

import pytest


def _asked(client, cards) -> None:
    by_name = {c["name"]: c for c in cards}
    client.post("/api/scan", json={"code": by_name["王建国"]["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 2})
    view = client.post("/api/scan", json={"code": by_name["张伟"]["code"]}).get_json()
    assert view["switch"] == {"resident": "张伟", "household": "张伟家"}


def test_a_yes_after_the_session_ended_opens_no_session_for_the_other_card(kiosk_client, seeded):
    _asked(kiosk_client, seeded[1])
    kiosk_client.post("/api/session/cancel")

    view = kiosk_client.post("/api/session/switch", json={"confirm": True}).get_json()

    assert view["resident"] is None and view["switch"] is None


@pytest.mark.parametrize("confirm", ["true", 1, [True], {"confirm": True}, None])
def test_anything_but_a_plain_yes_keeps_the_resident_and_the_cart(kiosk_client, seeded, confirm):
    _asked(kiosk_client, seeded[1])

    view = kiosk_client.post("/api/session/switch", json={"confirm": confirm}).get_json()

    assert view["resident"]["name"] == "王建国" and view["cart"][0]["qty"] == 2
    again = kiosk_client.post("/api/session/switch", json={"confirm": True}).get_json()
    assert again["resident"]["name"] == "王建国"  # the question was answered: it is gone


@pytest.mark.parametrize(
    "request_kw",
    [
        {"headers": {"Origin": "http://evil.example"}, "json": {"confirm": True}},
        {"headers": {"Sec-Fetch-Site": "cross-site"}, "data": '{"confirm": true}'},
        {"data": '{"confirm": true}', "content_type": "text/plain"},
        {"data": {"confirm": "true"}},  # a form a page elsewhere may post without asking
    ],
    ids=["cors-fetch", "cross-site-no-origin", "text-plain", "form"],
)
def test_another_page_cannot_answer_the_question(kiosk_client, seeded, request_kw):
    _asked(kiosk_client, seeded[1])

    answer = kiosk_client.post("/api/session/switch", **request_kw)

    assert answer.status_code in (400, 403)
    assert answer.get_json()["error"]["message"]
    view = kiosk_client.get("/api/session").get_json()
    assert view["resident"]["name"] == "王建国" and view["switch"] is not None
