"""Restock and stocktake on SQLite: stock moves only by movements, never below zero."""

from __future__ import annotations

import pytest
from service_helpers import batches, count, snapshot, stock
from sqlalchemy import select

from core.domain import errors
from kiosk.services import doctor, inventory
from kiosk.storage import models as m


@pytest.fixture
def k(seeded):
    return seeded[0].kiosk


# --- restock ------------------------------------------------------------------------------


def test_restock_records_a_batch_with_donor_source_and_unit_value_in_cents(k, clock):
    clock.advance(days=2)
    result = inventory.restock(k, "oil5l", "6", " Donation ", "  湘农银行 ", "12.50", actor="clerk")
    assert (result.product_code, result.qty, result.stock) == ("OIL5L", 6, 16)
    assert stock(k, "OIL5L") == 16
    with k.uow(write=False) as uow:
        s = uow.session
        batch = s.get(m.StockBatch, result.batch_id)
        assert (batch.source, batch.donor, batch.unit_value_cents) == ("donation", "湘农银行", 1250)
        assert (batch.qty_in, batch.remaining, batch.received_at) == (6, 6, clock.now())
        move = s.scalar(select(m.StockMovement).where(m.StockMovement.batch_id == batch.id))
        assert (move.kind, move.qty, move.ref) == ("restock", 6, f"batch-{batch.id}")
        receipt = s.get(m.Receipt, result.receipt_id)
        assert (receipt.kind, receipt.ref) == ("restock", f"batch-{batch.id}")
        out = s.scalars(select(m.OutboxRow).where(m.OutboxRow.kind == "restock")).all()[-1]
        assert out.payload["batch_id"] == batch.id
        assert out.payload["unit_value_cents"] == 1250
    assert doctor.check(k) == []


def test_restock_of_a_purchase_needs_no_donor_or_value(k):
    result = inventory.restock(k, "UMBR", 3, "purchase")
    with k.uow(write=False) as uow:
        batch = uow.session.get(m.StockBatch, result.batch_id)
        assert (batch.donor, batch.unit_value_cents) == ("", None)
    assert stock(k, "UMBR") == 3


@pytest.mark.parametrize("donor", ["", "   ", None])
def test_a_donation_without_a_donor_is_refused(k, donor):
    before = snapshot(k)
    with pytest.raises(errors.BadValue) as caught:
        inventory.restock(k, "SALT", 5, "donation", donor)
    assert caught.value.params["field"] == "donor"
    assert snapshot(k) == before


def test_restock_of_an_unknown_product_is_refused(k):
    before = snapshot(k)
    with pytest.raises(errors.UnknownProduct):
        inventory.restock(k, "NOPE", 5, "purchase")
    assert snapshot(k) == before


@pytest.mark.parametrize("source", ["gift", "", None, "stocktake"])
def test_restock_with_a_bad_source_is_refused(k, source):
    with pytest.raises(errors.BadSource):
        inventory.restock(k, "SALT", 5, source)


@pytest.mark.parametrize("qty", [0, -3, "1.5", 2.5, True, "", "many", 100_001])
def test_restock_with_a_bad_quantity_is_refused(k, qty):
    before = snapshot(k)
    with pytest.raises(errors.BadQuantity):
        inventory.restock(k, "SALT", qty, "purchase")
    assert snapshot(k) == before


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        ("12.50", 1250),
        ("8", 800),
        (" 0.5 ", 50),
        (45, 4500),
        (12.5, 1250),
        ("", None),
        (None, None),
    ],
)
def test_unit_values_are_read_as_yuan_and_kept_in_cents(value, cents):
    assert inventory.parse_unit_value(value) == cents


@pytest.mark.parametrize(
    "value",
    ["abc", "12,50", "-1", "0.001", "NaN", "sNaN", "Infinity", "1e999999999", "1e-999999999",
     "1000000.01", True, 0.1 + 0.2],
)  # fmt: skip
def test_unit_values_that_are_not_amounts_in_yuan_are_refused(value):
    with pytest.raises(errors.BadValue) as caught:
        inventory.parse_unit_value(value)
    assert caught.value.params["field"] == "unit_value"


def test_restock_with_a_bad_unit_value_changes_nothing(k):
    before = snapshot(k)
    with pytest.raises(errors.BadValue):
        inventory.restock(k, "SALT", 5, "purchase", "", "abc")
    assert snapshot(k) == before


# --- a delivery list ----------------------------------------------------------------------


def row(code: str, qty: str, source: str = "purchase", donor: str = "", value: str = ""):
    return {"product_code": code, "qty": qty, "source": source, "donor": donor, "unit_value": value}


def test_a_delivery_list_is_received_whole_in_one_go(k):
    before = snapshot(k)
    results = inventory.restock_delivery(
        k, [row("oil5l", "6", "donation", "湘农银行", "12.50"), row("SOAP", "10")], actor="cli"
    )
    assert [(r.product_code, r.qty) for r in results] == [("OIL5L", 6), ("SOAP", 10)]
    assert stock(k, "OIL5L") == before["stock"]["OIL5L"] + 6
    assert stock(k, "SOAP") == before["stock"]["SOAP"] + 10
    assert doctor.check(k) == []


def test_a_delivery_list_names_every_bad_row_and_receives_nothing(k):
    before = snapshot(k)
    rows = [row("OIL5L", "6"), row("NOSUCH", "1"), row("OIL5L", "-3"), row("SOAP", "2", "donation")]
    with pytest.raises(inventory.DeliveryRefused) as refused:
        inventory.restock_delivery(k, rows)
    assert [problem.split(":")[0] for problem in refused.value.problems] == [
        "line 3",
        "line 4",
        "line 5",
    ]
    assert "NOSUCH" in refused.value.problems[0]
    assert snapshot(k) == before


def test_a_delivery_list_whose_later_row_fails_when_received_receives_nothing(k, monkeypatch):
    before = snapshot(k)
    real = inventory.store_receipt
    calls = []

    def fails_on_the_second_slip(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise errors.TooMuchInOneGo()
        return real(*args, **kwargs)

    monkeypatch.setattr(inventory, "store_receipt", fails_on_the_second_slip)
    with pytest.raises(inventory.DeliveryRefused) as refused:
        inventory.restock_delivery(k, [row("OIL5L", "6"), row("SOAP", "10"), row("SALT", "1")])
    assert len(calls) == 2
    assert refused.value.problems[0].startswith("line 3: ")
    assert snapshot(k) == before  # the first row's batch, slip and outbox row are gone too


# --- stocktake ----------------------------------------------------------------------------


def test_stocktake_down_takes_from_the_oldest_batch_first(k, clock):
    clock.advance(days=1)
    inventory.restock(k, "SALT", 10, "purchase")
    assert inventory.stocktake(k, "SALT", 55, "受潮") == -5
    assert [b[2] for b in batches(k, "SALT")] == [45, 10]
    clock.advance(minutes=1)
    assert inventory.stocktake(k, "SALT", "5", "受潮") == -50
    assert [b[2] for b in batches(k, "SALT")] == [0, 5]
    assert stock(k, "SALT") == 5
    with k.uow(write=False) as uow:
        kinds = set(
            uow.session.scalars(
                select(m.StockMovement.kind).where(m.StockMovement.ref.like("stocktake-%"))
            )
        )
    assert kinds == {"adjust"}
    assert doctor.check(k) == []


def test_stocktake_to_zero_empties_every_batch(k):
    assert inventory.stocktake(k, "BASIN", 0, "丢失") == -2
    assert stock(k, "BASIN") == 0
    assert all(b[2] == 0 for b in batches(k, "BASIN"))


def test_stocktake_up_creates_a_stocktake_batch(k):
    before_batches = batches(k, "TOWEL")
    assert inventory.stocktake(k, "TOWEL", 38, "找到一箱", actor="clerk") == 3
    after = batches(k, "TOWEL")
    assert after[: len(before_batches)] == before_batches
    assert after[-1][1:] == ("stocktake", 3)
    assert stock(k, "TOWEL") == 38
    assert doctor.check(k) == []


def test_stocktake_with_nothing_to_change_writes_no_movement(k):
    before = snapshot(k)
    assert inventory.stocktake(k, "TOWEL", 35, "盘点") == 0
    assert snapshot(k) == before
    assert count(k, m.OutboxRow, m.OutboxRow.kind == "stocktake") == 0


def test_stocktake_writes_one_outbox_row_per_change(k):
    inventory.stocktake(k, "TOWEL", 30, "盘点")
    inventory.stocktake(k, "TOWEL", 31, "盘点")
    rows = count(k, m.OutboxRow, m.OutboxRow.kind == "stocktake")
    assert rows == 2


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_stocktake_requires_a_reason(k, reason):
    before = snapshot(k)
    with pytest.raises(errors.ReasonRequired):
        inventory.stocktake(k, "SALT", 10, reason)
    assert snapshot(k) == before


@pytest.mark.parametrize("counted", [-1, "x", 1.5, None, 100_001])
def test_stocktake_refuses_a_bad_count(k, counted):
    with pytest.raises(errors.BadQuantity):
        inventory.stocktake(k, "SALT", counted, "盘点")


def test_stocktake_of_an_unknown_product_is_refused(k):
    with pytest.raises(errors.UnknownProduct):
        inventory.stocktake(k, "NOPE", 1, "盘点")
