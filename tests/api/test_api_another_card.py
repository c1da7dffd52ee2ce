"""Another card during an open session: the screen asks first; the cart stays unless told."""

from __future__ import annotations

from kiosk.services import terminal


def start_with_soap(client, card) -> None:
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 2})


def test_another_card_asks_first_and_keeps_the_household_and_the_cart(client, card):
    start_with_soap(client, card)

    view = client.post("/api/scan", json={"code": card("张伟")["code"]}).get_json()

    assert view["scan"]["kind"] == "another_card"
    assert view["resident"]["name"] == "王建国"
    assert [(ln["product_code"], ln["qty"]) for ln in view["cart"]] == [("SOAP", 2)]
    assert view["switch"] == {"resident": "张伟", "household": "张伟家"}
    assert client.get("/api/session").get_json()["switch"] == view["switch"]


def test_saying_no_keeps_the_session_and_its_cart(client, card):
    start_with_soap(client, card)
    client.post("/api/scan", json={"code": card("张伟")["code"]})

    view = client.post("/api/session/switch", json={"confirm": False}).get_json()

    assert view["resident"]["name"] == "王建国"
    assert view["cart"][0]["qty"] == 2
    assert view["switch"] is None


def test_saying_yes_starts_the_other_card_with_an_empty_cart(client, card):
    start_with_soap(client, card)
    client.post("/api/scan", json={"code": card("张伟")["code"]})

    view = client.post("/api/session/switch", json={"confirm": True}).get_json()

    assert view["resident"]["name"] == "张伟"
    assert view["household"]["name"] == "张伟家"
    assert view["cart"] == [] and view["switch"] is None


def test_the_same_card_again_asks_nothing(client, card):
    start_with_soap(client, card)

    view = client.post("/api/scan", json={"code": card("王建国")["code"]}).get_json()

    assert view["scan"]["kind"] == "card" and view["switch"] is None
    assert view["cart"][0]["qty"] == 2


def test_a_card_with_no_session_open_starts_one_without_asking(client, card):
    view = client.post("/api/scan", json={"code": card("张伟")["code"]}).get_json()

    assert view["scan"]["kind"] == "card" and view["resident"]["name"] == "张伟"
    assert view["switch"] is None


def test_a_switch_with_nothing_asked_changes_nothing(client, card):
    start_with_soap(client, card)

    view = client.post("/api/session/switch", json={"confirm": True}).get_json()

    assert view["resident"]["name"] == "王建国" and view["cart"][0]["qty"] == 2


def test_a_question_left_unanswered_lapses(client, card, runtime):
    start_with_soap(client, card)
    client.post("/api/scan", json={"code": card("张伟")["code"]})
    runtime.kiosk.pending_card = runtime.kiosk.pending_card._replace(
        asked_at=runtime.kiosk.pending_card.asked_at - terminal.SWITCH_ASK_FOR * 2
    )

    assert client.get("/api/session").get_json()["switch"] is None
    view = client.post("/api/session/switch", json={"confirm": True}).get_json()
    assert view["resident"]["name"] == "王建国"
