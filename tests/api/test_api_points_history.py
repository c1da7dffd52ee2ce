"""查积分: the open session's household's history as JSON, in words, marked where unconfirmed,
and printed as a slip."""

from __future__ import annotations

import pytest

from kiosk.services import admin, checkin, terminal
from kiosk.storage.models import Receipt
from kiosk.storage.states import OutboxStatus
from terminal_ui import create_app

RICH = "王建国"


@pytest.fixture
def rt(seeded):
    return seeded[0]


@pytest.fixture
def cards(seeded):
    return {c["name"]: c for c in seeded[1]}


@pytest.fixture
def client(rt, seeded):
    return create_app(rt, {"DEMO_CARDS": seeded[1], "VOICE_DEFAULT": False}).test_client()


def test_history_needs_an_open_session(client):
    answer = client.get("/api/session/history")
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "no_session"
    assert client.post("/api/session/history/print").status_code == 409


def test_history_says_what_was_earned_spent_and_given_back_newest_first(rt, client, cards):
    checkin.check_in(rt.kiosk, "ACT-CLEAN", card_code=cards[RICH]["code"], actor="staff:1")
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 2})
    done = client.post("/api/session/checkout").get_json()
    admin.void_exchange(rt.kiosk, done["exchange_id"], "拿错了", actor="staff:1")
    client.post("/api/scan", json={"code": cards[RICH]["code"]})

    found = client.get("/api/session/history").get_json()
    assert found["household"]["name"] == "王建国家"
    whats = [e["what"] for e in found["entries"]]
    assert whats[:3] == ["void", "exchange", "checkin"]
    void, spend, earned = found["entries"][:3]
    assert (void["points"], spend["points"], earned["points"]) == (16, -16, 20)
    assert "兑换 2 件商品，用去 16 分" in spend["text"]
    assert "参加“为五保户义务打扫”，获得 20 分" in earned["text"]
    assert "撤销兑换，退回 16 分" in void["text"]
    # Nothing here has reached the office yet: each of this kiosk's entries says so.
    assert not any(e["confirmed"] for e in found["entries"][:3])
    assert found["unconfirmed_label"] == "中心尚未确认"
    english = client.get("/api/session/history?lang=en").get_json()
    assert "exchanged 2 goods at" in english["entries"][1]["text"]


def test_an_entry_central_confirmed_is_no_longer_marked(rt, client, cards):
    checkin.check_in(rt.kiosk, "ACT-CLEAN", card_code=cards[RICH]["code"], actor="staff:1")
    with rt.kiosk.uow() as uow:
        from kiosk.storage.models import OutboxRow

        for row in uow.session.query(OutboxRow):
            row.status = OutboxStatus.SENT
        uow.commit()
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    first = client.get("/api/session/history").get_json()["entries"][0]
    assert (first["what"], first["confirmed"]) == ("checkin", True)


def test_history_is_printed_as_a_slip_with_the_name_masked(rt, client, cards):
    checkin.check_in(rt.kiosk, "ACT-CLEAN", card_code=cards[RICH]["code"], actor="staff:1")
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    answer = client.post("/api/session/history/print")
    assert answer.status_code == 200
    with rt.kiosk.uow(write=False) as uow:
        slip = uow.session.get(Receipt, answer.get_json()["receipt_id"])
        assert slip.kind == "history"
        assert "积分明细" in slip.text and "+20" in slip.text and "待确认" in slip.text
        assert "王建国家" not in slip.text  # masked, as on every slip
        assert slip.escpos


def test_history_of_a_session_in_check_in_mode_is_refused(rt, client):
    terminal.start_checkin(rt.kiosk, "ACT-CLEAN", "staff:1")
    assert client.get("/api/session/history").status_code == 409
