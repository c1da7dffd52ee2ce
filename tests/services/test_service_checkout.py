"""Checkout on SQLite: one transaction holding ledger, stock, exchange, receipt and outbox."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from service_helpers import (
    balance,
    batches,
    card,
    count,
    ledger_sum,
    scalar,
    snapshot,
    stock,
)
from sqlalchemy import func, select

from core.domain import errors
from kiosk.services import catalog, doctor, inventory, queries, terminal
from kiosk.storage import models as m


@pytest.fixture
def k(seeded):
    return seeded[0].kiosk


@pytest.fixture
def cards(seeded):
    return seeded[1]


def fill(k, cards, resident_id: str, **lines: int) -> str:
    """Scan a resident's card, fill the cart and return the session id."""
    terminal.scan(k, card(cards, resident_id))
    for code, qty in lines.items():
        terminal.set_cart_line(k, code, qty)
    return queries.session_view(k)["session_id"]


def test_checkout_commits_ledger_stock_exchange_receipt_and_one_outbox_row(k, cards):
    session_id = fill(k, cards, "H0001-1", NOODLE=2, SALT=3)
    outbox_before = count(k, m.OutboxRow)
    last_seq = _last_seq(k)

    result = terminal.checkout(k)

    assert (result.total, result.balance_after) == (45, 275)
    assert balance(k, "H0001") == ledger_sum(k, "H0001") == 275
    with k.uow(write=False) as uow:
        s = uow.session
        exchange = s.get(m.Exchange, result.exchange_id)
        assert exchange.number == result.number == f"T01-{last_seq + 1:06d}"
        assert (exchange.status, exchange.session_id) == ("completed", session_id)
        assert (exchange.total, exchange.balance_before, exchange.balance_after) == (45, 320, 275)
        entry = s.get(m.LedgerEntry, exchange.ledger_entry_id)
        assert (entry.kind, entry.points, entry.ref, entry.seq) == (
            "spend",
            -45,
            exchange.id,
            last_seq + 1,
        )
        lines = s.scalars(
            select(m.ExchangeLine)
            .where(m.ExchangeLine.exchange_id == exchange.id)
            .order_by(m.ExchangeLine.product_code)
        ).all()
        assert [(ln.product_code, ln.qty, ln.points_each, ln.points) for ln in lines] == [
            ("NOODLE", 2, 15, 30),
            ("SALT", 3, 5, 15),
        ]
        moves = s.scalars(
            select(m.StockMovement)
            .where(m.StockMovement.ref == exchange.id)
            .order_by(m.StockMovement.product_code)
        ).all()
        assert [(mv.product_code, mv.kind, mv.qty) for mv in moves] == [
            ("NOODLE", "issue", -2),
            ("SALT", "issue", -3),
        ]
        receipt = s.get(m.Receipt, result.receipt_id)
        assert (receipt.kind, receipt.ref, receipt.number) == (
            "exchange",
            exchange.id,
            exchange.number,
        )
        assert receipt.escpos and "合计" in receipt.text
        rows = s.scalars(select(m.OutboxRow).order_by(m.OutboxRow.id)).all()
        assert len(rows) == outbox_before + 1
        payload = rows[-1].payload
        assert rows[-1].kind == "exchange"
        assert payload["exchange_id"] == exchange.id
        assert payload["total"] == 45
        assert payload["ledger"]["id"] == entry.id
        assert payload["ledger"]["hash"] == entry.hash
        assert sorted((x["product_code"], x["qty"]) for x in payload["stock"]) == [
            ("NOODLE", -2),
            ("SALT", -3),
        ]
        assert s.get(m.TerminalSession, session_id).status == "checked_out"
    assert (stock(k, "NOODLE"), stock(k, "SALT")) == (38, 47)
    assert queries.session_view(k)["mode"] == "idle"
    assert doctor.check(k) == []


def test_checkout_issues_stock_from_the_oldest_batch_first(k, cards, clock):
    clock.advance(days=1)
    inventory.restock(k, "SALT", 10, "purchase")
    (old_id, _, _), (new_id, _, _) = batches(k, "SALT")
    fill(k, cards, "H0001-1", SALT=52)
    result = terminal.checkout(k)
    with k.uow(write=False) as uow:
        moves = uow.session.execute(
            select(m.StockMovement.batch_id, m.StockMovement.qty)
            .where(m.StockMovement.ref == result.exchange_id)
            .order_by(m.StockMovement.id)
        ).all()
    assert [tuple(x) for x in moves] == [(old_id, -50), (new_id, -2)]
    assert batches(k, "SALT") == [(old_id, "transfer", 0), (new_id, "purchase", 8)]
    assert stock(k, "SALT") == 8


def test_a_second_checkout_of_the_same_session_is_refused_and_changes_nothing(k, cards):
    session_id = fill(k, cards, "H0001-1", SALT=2)
    terminal.checkout(k)
    before = snapshot(k)
    with pytest.raises(errors.AlreadyCheckedOut) as caught:
        terminal.checkout(k)
    assert caught.value.code == "already_checked_out"
    with pytest.raises(errors.AlreadyCheckedOut):
        terminal.checkout(k, session_id)
    assert snapshot(k) == before


def test_checkout_of_an_empty_cart_is_refused(k, cards):
    fill(k, cards, "H0001-1")
    before = snapshot(k)
    with pytest.raises(errors.EmptyCart):
        terminal.checkout(k)
    assert snapshot(k) == before
    assert queries.session_view(k)["mode"] == "exchange"


def test_checkout_without_a_session_is_refused(k, cards):
    with pytest.raises(errors.NoSession):
        terminal.checkout(k)
    with pytest.raises(errors.NoSession):
        terminal.checkout(k, "no-such-session")
    fill(k, cards, "H0001-1", SALT=1)
    terminal.cancel(k)
    with pytest.raises(errors.NoSession):
        terminal.checkout(k)


def test_checkout_in_check_in_mode_is_refused(k):
    terminal.start_checkin(k, "ACT-SORT", "admin")
    with pytest.raises(errors.WrongMode):
        terminal.checkout(k)


def test_checkout_refuses_more_points_than_balance_when_it_dropped_after_the_cart_was_filled(
    k, cards
):
    fill(k, cards, "H0001-1", OIL5L=2)  # 240 of 320
    elsewhere = replace(k, kiosk_id="T02", on_change=None)
    terminal.scan(elsewhere, card(cards, "H0001-2"))
    terminal.set_cart_line(elsewhere, "OIL5L", 1)
    terminal.checkout(elsewhere)  # 320 - 120 = 200 left
    before = snapshot(k)
    with pytest.raises(errors.InsufficientPoints) as caught:
        terminal.checkout(k)
    assert caught.value.params == {"needed": 240, "available": 200}
    assert snapshot(k) == before
    assert queries.session_view(k)["cart"][0]["qty"] == 2  # the resident can still choose less
    assert doctor.check(k) == []


def test_checkout_refuses_stock_that_ran_out_after_the_cart_was_filled(k, cards):
    fill(k, cards, "H0001-1", NOODLE=1, BASIN=2)
    inventory.stocktake(k, "BASIN", 1, "broken")
    before = snapshot(k)
    with pytest.raises(errors.OutOfStock):
        terminal.checkout(k)
    assert snapshot(k) == before


def test_checkout_refuses_a_product_withdrawn_after_it_was_chosen(k, cards):
    fill(k, cards, "H0001-1", SALT=1, SOAP=1)
    catalog.save_product(k, "SOAP", "雕牌肥皂", 8, unit="块", category="日用", active=False)
    before = snapshot(k)
    with pytest.raises(errors.InactiveProduct):
        terminal.checkout(k)
    assert snapshot(k) == before
    assert doctor.check(k) == []


def test_checkout_rolls_everything_back_when_its_last_step_fails(k, cards, monkeypatch):
    fill(k, cards, "H0001-1", SALT=2)
    before = snapshot(k)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(terminal, "audit", broken)
    with pytest.raises(RuntimeError):
        terminal.checkout(k)
    assert snapshot(k) == before
    monkeypatch.undo()
    result = terminal.checkout(k)  # the sequence number was not used up by the failed attempt
    assert result.number == f"T01-{_last_seq(k):06d}"
    assert doctor.check(k) == []


def test_checkout_within_the_offline_allowance_may_go_below_zero(k, cards):
    k.offline_allowance = 200
    fill(k, cards, "H0006-1", OIL5L=1)  # 120 points on a balance of 40
    result = terminal.checkout(k)
    assert result.balance_after == balance(k, "H0006") == ledger_sum(k, "H0006") == -80
    assert doctor.check(k) == []


def test_an_overdraft_counts_against_the_offline_allowance(k, cards):
    k.offline_allowance = 200
    fill(k, cards, "H0006-1", OIL5L=1)
    terminal.checkout(k)  # 40 - 120 = -80: 120 of the allowance left
    fill(k, cards, "H0006-1", OIL18=2)
    with pytest.raises(errors.InsufficientPoints):
        terminal.set_cart_line(k, "SALT", 1)  # 125 > 120
    assert terminal.checkout(k).balance_after == -200
    fill(k, cards, "H0006-1")
    with pytest.raises(errors.InsufficientPoints):
        terminal.set_cart_line(k, "SALT", 1)


def test_racing_checkouts_of_one_session_make_exactly_one_exchange(k, cards):
    rounds = 4
    for round_no in range(rounds):
        session_id = fill(k, cards, "H0005-1", SALT=2)
        barrier = threading.Barrier(3)
        outcomes: list[object] = []

        def attempt(sid=session_id, barrier=barrier, outcomes=outcomes):
            barrier.wait()
            try:
                outcomes.append(terminal.checkout(k, sid))
            except errors.DomainError as exc:
                outcomes.append(exc)

        def attempt_latest(barrier=barrier, outcomes=outcomes):
            barrier.wait()
            try:
                outcomes.append(terminal.checkout(k))
            except errors.DomainError as exc:
                outcomes.append(exc)

        threads = [
            threading.Thread(target=attempt),
            threading.Thread(target=attempt),
            threading.Thread(target=attempt_latest),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        wins = [o for o in outcomes if isinstance(o, terminal.CheckoutResult)]
        losses = [o for o in outcomes if isinstance(o, errors.DomainError)]
        assert len(wins) == 1, outcomes
        assert len(losses) == 2
        assert all(isinstance(e, errors.AlreadyCheckedOut | errors.NoSession) for e in losses)
        assert count(k, m.Exchange) == round_no + 1
    assert balance(k, "H0005") == ledger_sum(k, "H0005") == 410 - rounds * 10
    assert stock(k, "SALT") == 50 - rounds * 2
    assert count(k, m.OutboxRow, m.OutboxRow.kind == "exchange") == rounds
    assert doctor.check(k) == []


def test_a_checkout_tells_the_screen_after_it_commits(seeded):
    runtime, cards = seeded
    k = runtime.kiosk
    fill(k, cards, "H0001-1", SALT=1)
    seen = runtime.changes.version
    terminal.checkout(k)
    assert runtime.changes.version > seen
    assert runtime.changes.last in ("session", "stock")


def _last_seq(k) -> int:
    return scalar(k, select(func.max(m.LedgerEntry.seq)).where(m.LedgerEntry.kiosk_id == "T01"))


def test_an_exchange_too_big_for_one_sync_entry_is_refused_whole(k, cards, monkeypatch):
    from sync import protocol

    fill(k, cards, "H0005-1", SALT=1, SOAP=2, MUG=1)
    terminal.checkout(k)
    with k.uow(write=False) as uow:
        three = uow.session.scalar(
            select(m.OutboxRow.payload).where(m.OutboxRow.kind == "exchange")
        )
    monkeypatch.setattr(protocol, "MAX_ENTRY_BYTES", len(protocol.canonical(three)) + 100)

    fill(k, cards, "H0005-1", SALT=1, SOAP=2, MUG=1, TOWEL=1, NOODLE=1, SOY=1)
    before = snapshot(k)
    with pytest.raises(errors.TooMuchInOneGo):
        terminal.checkout(k)
    assert snapshot(k) == before
    for code in ("TOWEL", "NOODLE", "SOY"):
        terminal.set_cart_line(k, code, 0)
    assert terminal.checkout(k).total == 5 + 16 + 10


def test_a_cart_of_every_good_in_the_store_fits_one_sync_entry_many_times_over(k, cards):
    from sync import protocol

    terminal.scan(k, card(cards, "H0005-1"))
    for p in queries.products(k):
        if p["stock"] > 0 and p["points"] <= 30:
            terminal.set_cart_line(k, p["code"], 1)
    terminal.checkout(k)
    with k.uow(write=False) as uow:
        entry = uow.session.scalar(
            select(m.OutboxRow.payload).where(m.OutboxRow.kind == "exchange")
        )
    assert len(entry["lines"]) >= 8
    assert len(protocol.canonical(entry)) * 8 < protocol.MAX_ENTRY_BYTES


def test_session_started_names_only_the_open_exchange_session_a_checkout_would_commit(
    k, cards, clock
):
    assert terminal.session_started(k) is None  # no session yet
    session_id = fill(k, cards, "H0001-1", SALT=1)
    began = terminal.session_started(k)
    assert began == clock.now()
    assert terminal.session_started(k, session_id) == began
    assert terminal.session_started(k, "no-such-session") is None
    terminal.checkout(k)
    assert terminal.session_started(k) is None  # checked out: nothing left to commit
    assert terminal.session_started(k, session_id) is None
    fill(k, cards, "H0001-1", SALT=1)
    terminal.cancel(k)
    assert terminal.session_started(k) is None
    terminal.start_checkin(k, "ACT-SORT", "admin")
    assert terminal.session_started(k) is None  # check-in mode: no checkout


def test_the_quota_check_counts_every_quota_d_good_of_the_cart_at_once(k, cards):
    with k.uow() as uow:
        for code, limit in (("SALT", 2), ("SOAP", 1)):
            product = uow.session.get(m.Product, code)
            product.quota_limit, product.quota_period = limit, "month"
        uow.commit()
    fill(k, cards, "H0001-1", SALT=2, SOAP=1)
    terminal.checkout(k)
    products = {p["code"]: p for p in queries.products(k)}
    assert products["SALT"].get("quota") == {"limit": 2, "period": "month", "left": None}
    fill(k, cards, "H0001-1")
    products = {p["code"]: p for p in queries.products(k)}
    assert products["SALT"]["quota"]["left"] == 0
    assert products["SOAP"]["quota"]["left"] == 0
    with pytest.raises(errors.DomainError) as caught:
        terminal.set_cart_line(k, "SOAP", 1)
    assert caught.value.code == "quota_exceeded"
    terminal.cancel(k)
    fill(k, cards, "H0002-1")  # another household has all of both left
    products = {p["code"]: p for p in queries.products(k)}
    assert (products["SALT"]["quota"]["left"], products["SOAP"]["quota"]["left"]) == (2, 1)
