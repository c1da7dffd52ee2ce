"""The doctor finds nothing wrong with a healthy database and names each tampering."""

from __future__ import annotations

import sqlite3

import pytest
from service_helpers import card

from kiosk.services import admin, checkin, doctor, terminal


@pytest.fixture
def k(seeded):
    """Return a seeded kiosk with an exchange, a void and a check-in on its ledger."""
    k, cards = seeded[0].kiosk, seeded[1]
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SALT", 2)
    first = terminal.checkout(k)
    terminal.scan(k, card(cards, "H0002-1"))
    terminal.set_cart_line(k, "NOODLE", 1)
    terminal.checkout(k)
    admin.void_exchange(k, first.exchange_id, "mistake", actor="admin")
    checkin.check_in(k, "ACT-SORT", resident_id="H0003-1")
    return k


def tamper(k, sql: str) -> None:
    """Change the database file behind the kiosk's back, as an outside tool would."""
    conn = sqlite3.connect(k.engine.url.database)  # foreign keys are off by default
    try:
        with conn:
            conn.execute(sql)
    finally:
        conn.close()


def test_doctor_finds_nothing_wrong_with_a_healthy_database(k):
    assert doctor.check(k) == []


def test_doctor_finds_nothing_wrong_with_an_empty_database(kiosk):
    assert doctor.check(kiosk.kiosk) == []


def test_doctor_names_a_balance_cache_that_differs_from_the_ledger(k):
    tamper(k, "UPDATE households SET balance = balance + 100 WHERE id = 'H0002'")
    problems = doctor.check(k)
    assert problems == ["household H0002: balance 265 != ledger sum 165"]


def test_doctor_names_a_stock_cache_that_differs_from_the_movements(k):
    tamper(k, "UPDATE products SET stock = stock - 1 WHERE code = 'NOODLE'")
    problems = doctor.check(k)
    assert "product NOODLE: stock 38 != movement sum 39" in problems
    assert any("NOODLE: batches hold 39" in p for p in problems)
    assert all("NOODLE" in p for p in problems)


def test_doctor_names_a_batch_below_zero(k):
    tamper(k, "UPDATE stock_batches SET remaining = -1 WHERE product_code = 'BASIN'")
    problems = doctor.check(k)
    assert "1 stock batches below zero" in problems


def test_doctor_names_a_ledger_entry_whose_points_were_changed(k):
    tamper(k, "UPDATE ledger_entries SET points = points + 5 WHERE seq = 3")
    problems = doctor.check(k)
    assert "kiosk T01 seq 3: hash does not match contents" in problems
    assert any(p.startswith("household H0003: balance") for p in problems)


def test_doctor_names_a_deleted_ledger_entry_as_a_gap(k):
    tamper(k, "DELETE FROM ledger_entries WHERE seq = 3")
    problems = doctor.check(k)
    assert any(p.startswith("kiosk T01 seq 4: sequence gap") for p in problems)
    assert "kiosk T01 seq 4: previous hash does not match" in problems


def test_doctor_names_a_deleted_last_entry_as_a_broken_chain_head(k):
    tamper(k, "DELETE FROM ledger_entries WHERE seq = (SELECT max(seq) FROM ledger_entries)")
    problems = doctor.check(k)
    assert "kiosk T01: chain head does not match the last entry" in problems


def test_doctor_names_a_rewritten_entry_even_if_its_balance_was_fixed_up(k):
    tamper(
        k,
        "UPDATE ledger_entries SET household_id = 'H0004' WHERE seq = 3",
    )
    tamper(k, "UPDATE households SET balance = balance - 95 WHERE id = 'H0003'")
    tamper(k, "UPDATE households SET balance = balance + 95 WHERE id = 'H0004'")
    assert doctor.check(k) == ["kiosk T01 seq 3: hash does not match contents"]
