"""The resident's happy path through the JSON API: card, goods, checkout, receipt."""

from __future__ import annotations

import base64

from sqlalchemy import func, select

from kiosk.services import terminal
from kiosk.storage.models import Exchange, OutboxRow

ESC_AT = b"\x1b@"


def test_scanning_a_card_starts_a_session_showing_resident_household_and_balance(client, card):
    wang = card("王建国")

    response = client.post("/api/scan", json={"code": wang["code"]})

    assert response.status_code == 200
    view = response.get_json()
    assert view["mode"] == "exchange"
    assert view["scan"]["kind"] == "card"
    assert view["resident"] == {"id": wang["resident_id"], "name": "王建国"}
    assert view["household"] == {
        "id": "H0001",
        "name": "王建国家",
        "balance": 320,
        "available": 320,
        "limited_by": None,
        "expiring": None,  # no notice from central of points about to be cleared
    }
    assert view["cart"] == []
    assert view["total"] == 0
    assert client.get("/api/session").get_json()["household"]["balance"] == 320


def test_the_session_is_empty_before_any_card(client):
    view = client.get("/api/session").get_json()

    assert view["mode"] == "idle"
    assert view["resident"] is None
    assert view["household"] is None
    assert view["cart"] == []
    assert view["total"] == 0


def test_a_card_code_is_read_in_lower_case_and_with_surrounding_spaces(client, card):
    code = card("王建国")["code"]

    response = client.post("/api/scan", json={"code": f"  {code.lower()}\n"})

    assert response.status_code == 200
    assert response.get_json()["resident"]["name"] == "王建国"


def test_scanning_product_labels_fills_the_cart(client, card):
    client.post("/api/scan", json={"code": card("王建国")["code"]})

    client.post("/api/scan", json={"code": "EKP:OIL18"})
    client.post("/api/scan", json={"code": "EKP:OIL18"})
    response = client.post("/api/scan", json={"code": "tissue"})

    assert response.status_code == 200
    view = response.get_json()
    assert view["scan"] == {"kind": "product", "product_code": "TISSUE", "qty": 1}
    lines = {line["product_code"]: line for line in view["cart"]}
    assert lines["OIL18"]["qty"] == 2
    assert lines["OIL18"]["points"] == 120
    assert lines["OIL18"]["name"] == "鲁花花生油 1.8升"
    assert lines["TISSUE"] == {
        "product_code": "TISSUE",
        "name": "清风抽纸 3包装",
        "qty": 1,
        "points": 15,
        "points_each": 15,
    }
    assert view["total"] == 135
    assert client.get("/api/session").get_json()["cart"] == view["cart"]


def test_the_cart_endpoint_sets_and_removes_lines(client, card):
    client.post("/api/scan", json={"code": card("王建国")["code"]})

    client.post("/api/session/cart", json={"product_code": "SALT", "qty": 3})
    view = client.post("/api/session/cart", json={"product_code": "SOAP", "qty": "2"}).get_json()
    assert [(ln["product_code"], ln["qty"]) for ln in view["cart"]] == [("SALT", 3), ("SOAP", 2)]
    assert view["total"] == 3 * 5 + 2 * 8

    view = client.post("/api/session/cart", json={"product_code": "salt", "qty": 0}).get_json()
    assert [(ln["product_code"], ln["qty"]) for ln in view["cart"]] == [("SOAP", 2)]
    assert view["total"] == 16

    view = client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1}).get_json()
    assert view["cart"][0]["qty"] == 1
    assert view["total"] == 8


def test_removing_a_line_not_in_the_cart_is_harmless(client, card):
    client.post("/api/scan", json={"code": card("王建国")["code"]})

    response = client.post("/api/session/cart", json={"product_code": "SALT", "qty": 0})

    assert response.status_code == 200
    assert response.get_json()["cart"] == []


def test_checkout_deducts_the_total_prints_a_receipt_and_ends_the_session(
    client, card, runtime, printer, balance, stock
):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/scan", json={"code": "EKP:OIL18"})
    client.post("/api/session/cart", json={"product_code": "SALT", "qty": 3})
    oil, salt = stock("OIL18"), stock("SALT")

    response = client.post("/api/session/checkout", json={})

    assert response.status_code == 200
    done = response.get_json()
    assert {"exchange_id", "total", "balance_after", "receipt_id", "printed"} <= done.keys()
    assert done["total"] == 60 + 15
    assert done["balance_after"] == 320 - 75
    assert done["printed"] is True
    assert balance("H0001") == 245
    assert (stock("OIL18"), stock("SALT")) == (oil - 1, salt - 3)
    assert client.get("/api/session").get_json()["mode"] == "idle"
    with runtime.kiosk.uow(write=False) as uow:
        exchange = uow.session.get(Exchange, done["exchange_id"])
        assert (exchange.total, exchange.balance_after) == (75, 245)
        kinds = uow.session.scalars(select(OutboxRow.kind)).all()
        assert kinds.count("exchange") == 1
    assert len(printer.jobs) == 1


def test_scanning_the_card_again_shows_the_new_balance(client, card):
    code = card("王建国")["code"]
    client.post("/api/scan", json={"code": code})
    client.post("/api/session/cart", json={"product_code": "CUP", "qty": 2})
    client.post("/api/session/checkout", json={})

    view = client.post("/api/scan", json={"code": code}).get_json()

    assert view["household"]["balance"] == 320 - 80


def test_checkout_of_a_named_session_is_accepted(client, card):
    session_id = client.post("/api/scan", json={"code": card("王建国")["code"]}).get_json()[
        "session_id"
    ]
    client.post("/api/session/cart", json={"product_code": "MUG", "qty": 1})

    response = client.post("/api/session/checkout", json={"session_id": session_id})

    assert response.status_code == 200
    assert response.get_json()["balance_after"] == 310


def test_the_receipt_holds_the_number_the_items_and_the_printed_bytes(client, card, printer):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/scan", json={"code": "EKP:OIL18"})
    client.post("/api/session/cart", json={"product_code": "TOWEL", "qty": 2})
    done = client.post("/api/session/checkout", json={}).get_json()

    response = client.get(f"/api/receipts/{done['receipt_id']}")

    assert response.status_code == 200
    receipt = response.get_json()
    number = done["number"]
    assert number in receipt["text"]
    assert "鲁花花生油 1.8升" in receipt["text"]
    assert "纯棉毛巾" in receipt["text"]
    assert done["total"] == 60 + 2 * 12
    assert "84" in receipt["text"]
    data = base64.b64decode(receipt["escpos_base64"], validate=True)
    assert data.startswith(ESC_AT)
    assert "鲁花花生油".encode("gb18030") in data
    assert "纯棉毛巾".encode("gb18030") in data
    assert printer.jobs == [data]


def test_a_failing_printer_does_not_undo_the_exchange(client, card, printer, balance):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})
    printer.fail("paper_out")

    done = client.post("/api/session/checkout", json={}).get_json()

    assert done["printed"] is False
    assert balance("H0001") == 312
    assert client.get(f"/api/receipts/{done['receipt_id']}").get_json()["status"] == "failed"


def test_cancel_ends_the_session_without_changing_points_or_stock(client, card, balance, stock):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 2})

    response = client.post("/api/session/cancel")

    assert response.status_code == 200
    assert response.get_json()["mode"] == "idle"
    assert balance("H0001") == 320
    assert stock("SOAP") == 60


def test_the_product_list_has_code_name_points_stock_and_category(client):
    response = client.get("/api/products")

    assert response.status_code == 200
    products = response.get_json()
    assert isinstance(products, list)
    assert len(products) == 18
    for product in products:
        assert {"code", "name", "points", "stock", "category"} <= product.keys()
        assert isinstance(product["code"], str)
        assert isinstance(product["name"], str)
        assert isinstance(product["points"], int)
        assert isinstance(product["stock"], int)
        assert isinstance(product["category"], str)
    oil = next(p for p in products if p["code"] == "OIL5L")
    assert (oil["name"], oil["points"], oil["stock"]) == ("金龙鱼食用油 5升", 120, 10)
    assert oil["category"] == "粮油"


def test_the_product_list_follows_stock_after_checkout(client, card):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cart", json={"product_code": "BASIN", "qty": 2})
    client.post("/api/session/checkout", json={})

    products = {p["code"]: p for p in client.get("/api/products").get_json()}

    assert products["BASIN"]["stock"] == 0


def test_a_deactivated_product_leaves_the_list(client, runtime):
    from kiosk.services import catalog

    catalog.save_product(
        runtime.kiosk, "MUG", "陶瓷杯", 10, unit="个", category="日用", active=False
    )

    codes = {p["code"] for p in client.get("/api/products").get_json()}

    assert "MUG" not in codes


def test_a_member_may_take_goods_for_another_member_of_the_household(client, card, runtime):
    client.post("/api/scan", json={"code": card("王建国")["code"]})

    view = client.post("/api/session/beneficiary", json={"resident_id": "H0001-2"}).get_json()
    assert view["beneficiary"] == {"id": "H0001-2", "name": "李秀英"}
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})
    done = client.post("/api/session/checkout", json={}).get_json()

    with runtime.kiosk.uow(write=False) as uow:
        assert uow.session.get(Exchange, done["exchange_id"]).beneficiary_id == "H0001-2"


def test_a_check_in_credits_the_household_and_prints_a_slip(
    client, card, balance, printer, runtime
):
    terminal.start_checkin(runtime.kiosk, "ACT-SORT", "admin")  # the shopkeeper, behind the PIN
    view = client.get("/api/session").get_json()
    assert view["mode"] == "checkin"
    assert view["activity"]["name"] == "垃圾分类积分日"

    scanned = client.post("/api/scan", json={"code": card("张伟")["code"]}).get_json()

    assert scanned["scan"]["kind"] == "checkin"
    assert scanned["scan"]["points"] == 10
    assert scanned["scan"]["printed"] is True
    assert balance("H0003") == 95 + 10
    assert len(printer.jobs) == 1


def test_each_exchange_is_committed_once(client, card, runtime):
    for name in ("王建国", "李德福"):
        client.post("/api/scan", json={"code": card(name)["code"]})
        client.post("/api/session/cart", json={"product_code": "SALT", "qty": 1})
        assert client.post("/api/session/checkout", json={}).status_code == 200

    with runtime.kiosk.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Exchange)) == 2
