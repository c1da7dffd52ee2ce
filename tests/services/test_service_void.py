"""Voiding an exchange: points and stock come back as new entries, once."""

from __future__ import annotations

import pytest
from service_helpers import balance, batches, card, count, ledger_sum, snapshot, stock
from sqlalchemy import select

from core.domain import errors
from kiosk.services import admin, doctor, inventory, terminal
from kiosk.storage import models as m


@pytest.fixture
def k(seeded):
    return seeded[0].kiosk


@pytest.fixture
def exchange(seeded, clock):
    """Return the checkout of 52 salt (two batches) and 1 noodle by household H0001."""
    k, cards = seeded[0].kiosk, seeded[1]
    clock.advance(hours=1)
    inventory.restock(k, "SALT", 10, "purchase")
    clock.advance(hours=1)
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SALT", 52)
    terminal.set_cart_line(k, "NOODLE", 1)
    return terminal.checkout(k)


def test_void_returns_points_and_stock_as_new_entries_to_the_same_batches(k, exchange, clock):
    clock.advance(minutes=5)
    salt_batches_after_checkout = batches(k, "SALT")
    entries_before = count(k, m.LedgerEntry)
    moves_before = count(k, m.StockMovement)

    result = admin.void_exchange(k, exchange.exchange_id, "选错了商品", actor="admin")

    assert result.points_returned == 275
    assert result.balance_after == balance(k, "H0001") == ledger_sum(k, "H0001") == 320
    assert (stock(k, "SALT"), stock(k, "NOODLE")) == (60, 40)
    assert [b[2] for b in salt_batches_after_checkout] == [0, 8]
    assert [b[2] for b in batches(k, "SALT")] == [50, 10]
    assert count(k, m.LedgerEntry) == entries_before + 1
    with k.uow(write=False) as uow:
        s = uow.session
        row = s.get(m.Exchange, exchange.exchange_id)
        assert (row.status, row.void_reason) == ("voided", "选错了商品")
        void_entry = s.get(m.LedgerEntry, row.void_entry_id)
        assert (void_entry.kind, void_entry.points, void_entry.ref) == ("void", 275, row.id)
        spend = s.get(m.LedgerEntry, row.ledger_entry_id)
        assert (spend.kind, spend.points) == ("spend", -275)  # the original stays as it was
        moves = s.execute(
            select(m.StockMovement.kind, m.StockMovement.batch_id, m.StockMovement.qty)
            .where(m.StockMovement.ref == row.id)
            .order_by(m.StockMovement.id)
        ).all()
        issued = sorted((b, -q) for kind, b, q in moves if kind == "issue")
        returned = sorted((b, q) for kind, b, q in moves if kind == "void")
        assert issued == returned
        assert len(issued) == 3
        receipt = s.get(m.Receipt, result.receipt_id)
        assert (receipt.kind, receipt.ref) == ("void", row.id)
        out = s.scalars(select(m.OutboxRow).where(m.OutboxRow.kind == "void")).all()
        assert len(out) == 1
        assert out[0].payload["ledger"]["id"] == void_entry.id
    assert count(k, m.StockMovement) == moves_before + 3
    assert doctor.check(k) == []


def test_a_second_void_is_refused_and_changes_nothing(k, exchange):
    admin.void_exchange(k, exchange.exchange_id, "mistake", actor="admin")
    before = snapshot(k)
    with pytest.raises(errors.AlreadyVoided):
        admin.void_exchange(k, exchange.exchange_id, "again", actor="admin")
    assert snapshot(k) == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_void_requires_a_reason(k, exchange, reason):
    before = snapshot(k)
    with pytest.raises(errors.ReasonRequired):
        admin.void_exchange(k, exchange.exchange_id, reason, actor="admin")
    assert snapshot(k) == before


def test_void_by_receipt_number_works(k, exchange):
    result = admin.void_exchange(k, exchange.number, "mistake", actor="admin")
    assert result.exchange_id == exchange.exchange_id
    assert balance(k, "H0001") == 320


@pytest.mark.parametrize("ref", ["T01-999999", "", None, 12, "x" * 61])
def test_void_of_an_unknown_exchange_is_refused(k, exchange, ref):
    with pytest.raises(errors.UnknownExchange):
        admin.void_exchange(k, ref, "mistake", actor="admin")


def test_void_after_later_spending_may_leave_stock_in_the_original_batch(k, exchange, seeded):
    cards = seeded[1]
    terminal.scan(k, card(cards, "H0002-1"))
    terminal.set_cart_line(k, "SALT", 8)  # empties the newer batch too
    terminal.checkout(k)
    admin.void_exchange(k, exchange.exchange_id, "mistake", actor="admin")
    assert [b[2] for b in batches(k, "SALT")] == [50, 2]
    assert stock(k, "SALT") == 52
    assert doctor.check(k) == []
