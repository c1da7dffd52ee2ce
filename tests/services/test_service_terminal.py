"""The resident's side of the terminal on SQLite: scan, cart, beneficiary and cancel."""

from __future__ import annotations

import pytest
from service_helpers import card, count, snapshot
from sqlalchemy import select

from core.domain import codes, errors
from kiosk.services import admin, catalog, inventory, queries, terminal
from kiosk.storage import models as m


@pytest.fixture
def k(seeded):
    return seeded[0].kiosk


@pytest.fixture
def cards(seeded):
    return seeded[1]


# --- scan ---------------------------------------------------------------------------------


def test_scanning_a_card_starts_a_session_for_its_household(k, cards):
    outcome = terminal.scan(k, card(cards, "H0001-2"))
    assert outcome == terminal.ScanOutcome("card", {"resident_id": "H0001-2"})
    view = queries.session_view(k)
    assert view["mode"] == "exchange"
    assert view["resident"] == {"id": "H0001-2", "name": "李秀英"}
    assert view["household"] == {
        "id": "H0001",
        "name": "王建国家",
        "balance": 320,
        "available": 320,
        "limited_by": None,
        "expiring": None,
    }
    assert view["cart"] == []
    assert [p["id"] for p in view["members"]] == ["H0001-1", "H0001-2", "H0001-3"]


def test_a_card_read_without_its_prefix_still_starts_the_session(k, cards):
    bare = card(cards, "H0002-1").removeprefix(codes.CARD_PREFIX)
    outcome = terminal.scan(k, " " + bare.lower() + "\n")
    assert outcome == terminal.ScanOutcome("card", {"resident_id": "H0002-1"})
    assert queries.session_view(k)["household"]["id"] == "H0002"


def test_a_token_shaped_text_that_is_no_card_stays_an_unknown_product(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    before = snapshot(k)
    with pytest.raises(errors.UnknownProduct):
        terminal.scan(k, codes.new_card_token())
    assert snapshot(k) == before


def test_a_product_whose_code_looks_like_a_token_is_still_that_product(k, cards):
    code = codes.new_card_token()
    catalog.save_product(k, code, "长编码商品", 3)
    inventory.restock(k, code, 2, "purchase", "", "1")
    terminal.scan(k, card(cards, "H0001-1"))
    assert terminal.scan(k, code).kind == "product"
    assert [ln["product_code"] for ln in queries.session_view(k)["cart"]] == [code]


def test_a_revoked_card_read_without_its_prefix_is_refused_as_revoked(k, cards):
    code = card(cards, "H0003-1")
    with k.uow(write=False) as uow:
        card_id = uow.session.scalar(select(m.Card.id).where(m.Card.resident_id == "H0003-1"))
    admin.revoke_card(k, card_id, "lost")
    with pytest.raises(errors.RevokedCard):
        terminal.scan(k, code.removeprefix(codes.CARD_PREFIX))


def test_scanning_the_same_card_again_keeps_the_session_and_its_cart(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SALT", 2)
    first = queries.session_view(k)["session_id"]
    terminal.scan(k, card(cards, "H0001-1"))
    view = queries.session_view(k)
    assert view["session_id"] == first
    assert [(ln["product_code"], ln["qty"]) for ln in view["cart"]] == [("SALT", 2)]
    assert count(k, m.TerminalSession) == 1


def test_scanning_another_card_asks_first_and_keeps_the_session_and_its_cart(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SALT", 2)
    first = queries.session_view(k)["session_id"]

    outcome = terminal.scan(k, card(cards, "H0002-1"))

    assert outcome.kind == "another_card"
    view = queries.session_view(k)
    assert view["session_id"] == first and view["household"]["id"] == "H0001"
    assert [(ln["product_code"], ln["qty"]) for ln in view["cart"]] == [("SALT", 2)]
    assert view["switch"]["household"] == "李德福家"


def test_a_confirmed_switch_replaces_the_session_and_empties_the_cart(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SALT", 2)
    first = queries.session_view(k)["session_id"]
    terminal.scan(k, card(cards, "H0002-1"))

    terminal.switch_card(k, True)

    view = queries.session_view(k)
    assert view["session_id"] != first
    assert view["household"]["id"] == "H0002"
    assert view["cart"] == []
    with k.uow(write=False) as uow:
        assert uow.session.get(m.TerminalSession, first).status == "cancelled"
    assert count(k, m.TerminalSession, m.TerminalSession.status == "open") == 1


def test_another_member_of_the_same_household_is_asked_about_too(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    first = queries.session_view(k)["session_id"]

    assert terminal.scan(k, card(cards, "H0001-3")).kind == "another_card"
    terminal.switch_card(k, True)

    view = queries.session_view(k)
    assert view["session_id"] != first
    assert view["resident"]["id"] == "H0001-3"


@pytest.mark.parametrize("label", ["EKP:SALT", "SALT", "ekp:salt", " salt\n"])
def test_scanning_a_product_label_adds_one_to_the_cart(k, cards, label):
    terminal.scan(k, card(cards, "H0001-1"))
    assert terminal.scan(k, label) == terminal.ScanOutcome(
        "product", {"product_code": "SALT", "qty": 1}
    )
    assert terminal.scan(k, label).detail["qty"] == 2
    view = queries.session_view(k)
    assert [(ln["product_code"], ln["qty"], ln["points"]) for ln in view["cart"]] == [
        ("SALT", 2, 10)
    ]
    assert view["total"] == 10
    assert view["remaining"] == 310


def test_scanning_a_product_label_beyond_the_stock_is_refused(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.scan(k, "EKP:BASIN")
    terminal.scan(k, "EKP:BASIN")
    with pytest.raises(errors.OutOfStock):
        terminal.scan(k, "EKP:BASIN")
    assert queries.session_view(k)["cart"][0]["qty"] == 2


def test_scanning_an_unknown_card_is_refused_and_starts_nothing(k):
    with pytest.raises(errors.UnknownCard):
        terminal.scan(k, codes.card_code(codes.new_card_token()))
    assert queries.session_view(k)["mode"] == "idle"


def test_scanning_a_revoked_card_is_refused(k, cards):
    with k.uow(write=False) as uow:
        card_id = uow.session.scalar(select(m.Card.id).where(m.Card.resident_id == "H0003-1"))
    admin.revoke_card(k, card_id, "lost")
    with pytest.raises(errors.RevokedCard) as caught:
        terminal.scan(k, card(cards, "H0003-1"))
    assert caught.value.code == "revoked_card"
    assert queries.session_view(k)["mode"] == "idle"


def test_scanning_a_product_without_a_session_is_refused(k):
    with pytest.raises(errors.NoSession):
        terminal.scan(k, "EKP:SALT")
    assert count(k, m.SessionLine) == 0


def test_scanning_an_unknown_product_is_refused(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    with pytest.raises(errors.UnknownProduct):
        terminal.scan(k, "EKP:NOPE")


@pytest.mark.parametrize("raw", ["", "王建国", "x" * 5000, None, "\x00"])
def test_scanning_garbage_is_refused_with_a_domain_error(k, raw):
    with pytest.raises(errors.DomainError):
        terminal.scan(k, raw)


def test_the_shopkeeper_starting_check_in_ends_an_open_exchange(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SALT", 1)
    terminal.start_checkin(k, "ACT-SORT", "admin")
    view = queries.session_view(k)
    assert view["mode"] == "checkin"
    assert view["activity"]["id"] == "ACT-SORT"
    assert view["cart"] == []
    assert count(k, m.TerminalSession, m.TerminalSession.status == "cancelled") == 1


def test_scanning_a_card_in_check_in_mode_credits_the_resident(k, cards):
    terminal.start_checkin(k, "ACT-SCREEN", "admin")
    outcome = terminal.scan(k, card(cards, "H0002-2"))
    assert outcome.kind == "checkin"
    assert outcome.detail["points"] == 30
    assert outcome.detail["balance"] == 210
    assert queries.session_view(k)["mode"] == "checkin"
    with pytest.raises(errors.AlreadyCheckedIn):
        terminal.scan(k, card(cards, "H0002-2"))


def test_scanning_a_product_in_check_in_mode_is_refused(k):
    terminal.start_checkin(k, "ACT-SORT", "admin")
    with pytest.raises(errors.WrongMode):
        terminal.scan(k, "EKP:SALT")
    with pytest.raises(errors.WrongMode):
        terminal.set_cart_line(k, "SALT", 1)


def test_starting_check_in_for_an_unknown_activity_is_refused(k):
    with pytest.raises(errors.UnknownActivity):
        terminal.start_checkin(k, "ACT-NOPE", "admin")
    assert queries.session_view(k)["mode"] == "idle"


# --- cart ---------------------------------------------------------------------------------


def test_set_cart_line_sets_the_quantity_rather_than_adding(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "NOODLE", 3)
    terminal.set_cart_line(k, "salt", "2")
    terminal.set_cart_line(k, "NOODLE", 1)
    view = queries.session_view(k)
    assert [(ln["product_code"], ln["qty"]) for ln in view["cart"]] == [("NOODLE", 1), ("SALT", 2)]
    assert view["total"] == 15 + 10


def test_set_cart_line_with_zero_removes_the_line(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "NOODLE", 3)
    terminal.set_cart_line(k, "NOODLE", 0)
    assert queries.session_view(k)["cart"] == []
    terminal.set_cart_line(k, "NOODLE", 0)  # removing what is not there is harmless
    assert queries.session_view(k)["cart"] == []


def test_set_cart_line_beyond_the_stock_is_refused_as_out_of_stock(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "BASIN", 1)
    with pytest.raises(errors.OutOfStock) as caught:
        terminal.set_cart_line(k, "BASIN", 3)
    assert caught.value.params["available"] == 2
    with pytest.raises(errors.OutOfStock):
        terminal.set_cart_line(k, "UMBR", 1)
    assert [(ln["product_code"], ln["qty"]) for ln in queries.session_view(k)["cart"]] == [
        ("BASIN", 1)
    ]


def test_set_cart_line_beyond_the_balance_is_refused_as_insufficient_points(k, cards):
    terminal.scan(k, card(cards, "H0006-1"))  # 40 points
    terminal.set_cart_line(k, "SALT", 6)  # 30
    with pytest.raises(errors.InsufficientPoints) as caught:
        terminal.set_cart_line(k, "NOODLE", 1)  # 30 + 15 > 40
    assert caught.value.params == {"needed": 45, "available": 40}
    terminal.set_cart_line(k, "SALT", 8)  # the line's own points are replaced, not added: 40
    assert queries.session_view(k)["total"] == 40
    with pytest.raises(errors.InsufficientPoints):
        terminal.set_cart_line(k, "SALT", 9)


def test_set_cart_line_refuses_an_inactive_product_but_lets_it_be_removed(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SOAP", 2)
    catalog.save_product(k, "SOAP", "雕牌肥皂", 8, unit="块", category="日用", active=False)
    with pytest.raises(errors.InactiveProduct):
        terminal.set_cart_line(k, "SOAP", 3)
    terminal.set_cart_line(k, "SOAP", 0)
    assert queries.session_view(k)["cart"] == []


@pytest.mark.parametrize("qty", [-1, 100, 2.5, "abc", "", None, True, [1]])
def test_set_cart_line_refuses_a_bad_quantity(k, cards, qty):
    terminal.scan(k, card(cards, "H0001-1"))
    with pytest.raises(errors.BadQuantity):
        terminal.set_cart_line(k, "SALT", qty)
    assert queries.session_view(k)["cart"] == []


def test_set_cart_line_refuses_an_unknown_product(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    with pytest.raises(errors.UnknownProduct):
        terminal.set_cart_line(k, "NOPE", 1)
    with pytest.raises(errors.UnknownProduct):
        terminal.set_cart_line(k, None, 1)


def test_set_cart_line_without_a_session_is_refused(k):
    with pytest.raises(errors.NoSession):
        terminal.set_cart_line(k, "SALT", 1)


# --- beneficiary --------------------------------------------------------------------------


def test_set_beneficiary_records_a_member_of_the_household_on_the_exchange(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_beneficiary(k, "H0001-3")
    assert queries.session_view(k)["beneficiary"] == {"id": "H0001-3", "name": "王小红"}
    terminal.set_cart_line(k, "SALT", 1)
    result = terminal.checkout(k)
    with k.uow(write=False) as uow:
        exchange = uow.session.get(m.Exchange, result.exchange_id)
        assert (exchange.resident_id, exchange.beneficiary_id) == ("H0001-1", "H0001-3")
    assert "代领对象：王*红" in queries.receipt(k, result.receipt_id)["text"]


def test_set_beneficiary_refuses_a_resident_of_another_household(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    with pytest.raises(errors.NotInHousehold):
        terminal.set_beneficiary(k, "H0002-1")
    with pytest.raises(errors.UnknownResident):
        terminal.set_beneficiary(k, "H9999-1")
    with pytest.raises(errors.UnknownResident):
        terminal.set_beneficiary(k, 42)
    assert queries.session_view(k)["beneficiary"] is None


def test_set_beneficiary_to_nobody_or_oneself_clears_it(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_beneficiary(k, "H0001-2")
    terminal.set_beneficiary(k, None)
    assert queries.session_view(k)["beneficiary"] is None
    terminal.set_beneficiary(k, "H0001-2")
    terminal.set_beneficiary(k, "H0001-1")
    assert queries.session_view(k)["beneficiary"] is None


def test_set_beneficiary_without_a_session_is_refused(k):
    with pytest.raises(errors.NoSession):
        terminal.set_beneficiary(k, "H0001-2")


# --- cancel -------------------------------------------------------------------------------


def test_cancel_ends_the_session_without_changing_points_or_stock(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "OIL5L", 2)
    before = snapshot(k)
    assert terminal.cancel(k) is True
    after = snapshot(k)
    assert after["balances"] == before["balances"]
    assert after["stock"] == before["stock"]
    assert after["counts"] == before["counts"]
    assert queries.session_view(k)["mode"] == "idle"
    with pytest.raises(errors.NoSession):
        terminal.checkout(k)


def test_cancel_with_no_session_says_so(k):
    assert terminal.cancel(k) is False
