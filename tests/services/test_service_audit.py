"""Every use case leaves an audit entry saying who did what."""

from __future__ import annotations

from datetime import date

import pytest
from service_helpers import audit_actions, card
from sqlalchemy import select

from core.domain import errors
from kiosk.services import admin, catalog, checkin, inventory, terminal
from kiosk.storage import models as m


@pytest.fixture
def k(seeded):
    return seeded[0].kiosk


@pytest.fixture
def cards(seeded):
    return seeded[1]


def new_actions(k, before: int) -> list[str]:
    return audit_actions(k)[before:]


def last_audit(k) -> m.AuditEntry:
    with k.uow(write=False) as uow:
        return uow.session.scalar(select(m.AuditEntry).order_by(m.AuditEntry.id.desc()))


def test_the_terminal_use_cases_are_audited(k, cards):
    start = len(audit_actions(k))
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.scan(k, "EKP:SALT")
    terminal.set_cart_line(k, "NOODLE", 1)
    terminal.set_beneficiary(k, "H0001-2")
    result = terminal.checkout(k)
    terminal.scan(k, card(cards, "H0002-1"))
    terminal.cancel(k)
    terminal.start_checkin(k, "ACT-SORT", "admin")
    terminal.scan(k, card(cards, "H0002-1"))
    assert new_actions(k, start) == [
        "session_start",
        "cart_set",
        "cart_set",
        "beneficiary",
        "checkout",
        "session_start",
        "session_cancel",
        "checkin_mode",
        "checkin",
    ]
    with k.uow(write=False) as uow:
        row = uow.session.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "checkout"))
        assert (row.actor, row.target, row.details) == (
            "terminal",
            result.exchange_id,
            {"total": 20, "household": "H0001"},
        )


def test_the_shopkeeper_use_cases_are_audited_with_their_actor(k, cards, clock):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SALT", 1)
    exchange = terminal.checkout(k)
    start = len(audit_actions(k))
    admin.void_exchange(k, exchange.exchange_id, "选错", actor="clerk")
    inventory.restock(k, "SALT", 5, "purchase", actor="clerk")
    clock.advance(seconds=1)
    inventory.stocktake(k, "SALT", 40, "盘点", actor="clerk")
    admin.issue_card(k, "H0001-1", actor="clerk")
    card_id = _active_card(k, "H0002-1")
    admin.revoke_card(k, card_id, "遗失", actor="clerk")
    checkin.check_in(k, "ACT-SORT", resident_id="H0003-1", actor="clerk")
    catalog.save_product(k, "SALT", "食用盐 400克", 6, unit="包", category="粮油", actor="clerk")
    catalog.save_product(k, "EGG", "鸡蛋 10个", 12, actor="clerk")
    catalog.register_household(k, "H0100", "新户", [("H0100-1", "新人", None)], 50, actor="clerk")
    catalog.define_activity(k, "ACT-X", "X", "活动", "其他", date(2025, 3, 3), 5, actor="clerk")
    assert new_actions(k, start) == [
        "void",
        "restock",
        "stocktake",
        "card_issue",
        "card_revoke",
        "checkin",
        "price_change",
        "product_edit",
        "product_add",
        "household_register",
        "activity_define",
    ]
    with k.uow(write=False) as uow:
        actors = set(uow.session.scalars(select(m.AuditEntry.actor).where(m.AuditEntry.id > start)))
    assert actors == {"clerk"}


def test_a_refused_use_case_leaves_no_audit_entry(k, cards):
    start = len(audit_actions(k))
    with pytest.raises(errors.DomainError):
        admin.void_exchange(k, "T01-999999", "x", actor="clerk")
    with pytest.raises(errors.DomainError):
        inventory.restock(k, "NOPE", 1, "purchase")
    terminal.scan(k, card(cards, "H0006-1"))
    with pytest.raises(errors.InsufficientPoints):
        terminal.set_cart_line(k, "OIL5L", 1)
    assert new_actions(k, start) == ["session_start"]


def test_a_price_change_is_audited_with_the_old_and_new_price(k):
    catalog.save_product(k, "SALT", "食用盐 400克", 7, unit="包", category="粮油")
    with k.uow(write=False) as uow:
        row = uow.session.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "price_change"))
        assert (row.target, row.details) == ("SALT", {"old": 5, "new": 7})


def _active_card(k, resident_id: str) -> int:
    with k.uow(write=False) as uow:
        return uow.session.scalar(
            select(m.Card.id).where(m.Card.resident_id == resident_id, m.Card.status == "active")
        )
