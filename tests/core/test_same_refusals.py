"""The kiosk and central refuse the same inputs, and both accept the limits' boundary values."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.domain import errors, limits
from kiosk import config
from kiosk.bootstrap import bootstrap
from kiosk.services import catalog, inventory
from printer.simulator import SimulatedPrinter
from sync import protocol
from sync.central import imports
from sync.central.server import open_central
from sync.central.services import activities as central_activities
from sync.central.services.errors import RegistryError
from sync.schema import Invalid

DAY = date(2025, 3, 1)
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def k(tmp_path_factory: pytest.TempPathFactory):
    """Return one kiosk for the module, holding product P1."""
    data_dir = tmp_path_factory.mktemp("kiosk")
    settings = config.load(
        None, env={}, kiosk={"data_dir": str(data_dir), "id": "T01", "store": "测试超市"}
    )
    runtime = bootstrap(
        settings, clock=FixedClock(datetime(2025, 3, 1, 2)), printer=SimulatedPrinter()
    )
    catalog.save_product(runtime.kiosk, "P1", "大米", 5, unit="袋", category="粮油")
    yield runtime.kiosk
    runtime.close()


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory):
    """Return one central server on SQLite for the module."""
    c = open_central(f"sqlite:///{tmp_path_factory.mktemp('central') / 'central.db'}")
    yield c
    c.engine.dispose()


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[[dict[str, object]], Path]:
    """Return a writer of a one-row UTF-8 CSV file."""

    def write(row: dict[str, object]) -> Path:
        path = tmp_path / f"{next(_serial)}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
        return path

    return write


def _refused(action: Callable[[], object], *refusals: type[Exception]) -> bool:
    try:
        outcome = action()
    except refusals:
        return True
    return bool(getattr(outcome, "problems", False))


# -- activities: the kiosk's catalogue and the office's -------------------------------------


def _activity(**change: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "code": f"OK{next(_serial)}",
        "name": "植树",
        "kind": "志愿",
        "points": 10,
        "cap": None,
    }
    return {**fields, **change}


ACTIVITY_BAD = [
    {"code": ""},
    {"code": "A" * (limits.MAX_CODE + 1)},
    {"code": "植树"},
    {"code": "A B"},
    {"code": "A:B"},
    {"name": ""},
    {"name": "x" * (limits.MAX_NAME + 1)},
    {"name": "a\x00b"},
    {"kind": "x" * (limits.MAX_ACTIVITY_TYPE + 1)},
    {"points": 0},
    {"points": limits.ACTIVITY_POINTS.high + 1},
    {"points": 1_000_000},  # the kiosk's old limit
    {"points": True},
    {"cap": 0},
    {"cap": limits.ACTIVITY_CAP.high + 1},
]
ACTIVITY_GOOD = [
    {"code": "Z" * limits.MAX_CODE},
    {"code": "tree.day-1_a"},
    {"name": "x" * limits.MAX_NAME},
    {"kind": "x" * limits.MAX_ACTIVITY_TYPE},
    {"kind": ""},
    {"points": limits.ACTIVITY_POINTS.low},
    {"points": limits.ACTIVITY_POINTS.high},
    {"cap": limits.ACTIVITY_CAP.low},
    {"cap": limits.ACTIVITY_CAP.high},
]


def _define_at_kiosk(k, a: dict[str, object]) -> Callable[[], object]:
    return lambda: catalog.define_activity(
        k, f"ACT-{next(_serial)}", a["code"], a["name"], a["kind"], DAY, a["points"], a["cap"]
    )


def _define_at_central(c, a: dict[str, object]) -> Callable[[], object]:
    return lambda: central_activities.define_activity(
        c, a["code"], a["name"], a["kind"], DAY, a["points"], a["cap"]
    )


@pytest.mark.parametrize("change", ACTIVITY_BAD, ids=repr)
def test_both_sides_refuse_a_bad_activity(k, central, change):
    a = _activity(**change)
    assert _refused(_define_at_kiosk(k, a), errors.DomainError)
    assert _refused(_define_at_central(central, a), RegistryError)


@pytest.mark.parametrize("change", ACTIVITY_GOOD, ids=repr)
def test_both_sides_accept_an_activity_at_the_limits(k, central, change):
    a = _activity(**change)
    assert not _refused(_define_at_kiosk(k, a), errors.DomainError)
    assert not _refused(_define_at_central(central, a), RegistryError)


# -- goods: the kiosk's product form and the office's catalogue import ----------------------


def _product(**change: object) -> dict[str, object]:
    fields = {"code": f"G{next(_serial)}", "name": "食盐", "points": 5, "unit": "袋"}
    return {**fields, "category": "调料", **change}


PRODUCT_BAD = [
    {"code": "A" * (limits.MAX_CODE + 1)},
    {"code": "食盐"},
    {"code": "A B"},
    {"name": ""},
    {"name": "x" * (limits.MAX_NAME + 1)},
    {"points": 0},
    {"points": limits.PRODUCT_POINTS.high + 1},
    {"unit": ""},
    {"unit": "x" * (limits.MAX_UNIT + 1)},
    {"category": ""},
    {"category": "x" * (limits.MAX_CATEGORY + 1)},
]
PRODUCT_GOOD = [
    {"code": "Y" * limits.MAX_CODE},
    {"name": "x" * limits.MAX_NAME},
    {"points": limits.PRODUCT_POINTS.low},
    {"points": limits.PRODUCT_POINTS.high},
    {"unit": "x" * limits.MAX_UNIT},
    {"category": "x" * limits.MAX_CATEGORY},
]


def _product_sides(k, csv_file, p: dict[str, object]) -> tuple[Callable, Callable]:
    at_kiosk = lambda: catalog.save_product(  # noqa: E731
        k, p["code"], p["name"], p["points"], unit=p["unit"], category=p["category"]
    )
    return at_kiosk, lambda: imports.parse_products(csv_file(p))


@pytest.mark.parametrize("change", PRODUCT_BAD, ids=repr)
def test_both_sides_refuse_a_bad_product(k, csv_file, change):
    at_kiosk, at_central = _product_sides(k, csv_file, _product(**change))
    assert _refused(at_kiosk, errors.DomainError)
    assert _refused(at_central, ValueError)


@pytest.mark.parametrize("change", PRODUCT_GOOD, ids=repr)
def test_both_sides_accept_a_product_at_the_limits(k, csv_file, change):
    at_kiosk, at_central = _product_sides(k, csv_file, _product(**change))
    assert not _refused(at_kiosk, errors.DomainError)
    assert not _refused(at_central, ValueError)


# -- households: the kiosk's registration and the office's roster import --------------------


def _household(**change: object) -> dict[str, object]:
    fields = {"household": f"户{next(_serial)}", "resident": "王一", "phone": ""}
    return {**fields, "opening_points": 0, **change}


HOUSEHOLD_BAD = [
    {"household": ""},
    {"household": "x" * (limits.MAX_NAME + 1)},
    {"resident": ""},
    {"resident": "x" * (limits.MAX_NAME + 1)},
    {"phone": "call me"},
    {"phone": "1" * 21},
    {"opening_points": -1},
    {"opening_points": limits.OPENING_POINTS.high + 1},
]
HOUSEHOLD_GOOD = [
    {"household": "x" * limits.MAX_NAME},
    {"resident": "x" * limits.MAX_NAME},
    {"phone": "1" * 20},
    {"phone": "+86 138-0000-0000"},
    {"opening_points": limits.OPENING_POINTS.high},
]


def _household_sides(k, csv_file, h: dict[str, object]) -> tuple[Callable, Callable]:
    hid = f"H{next(_serial)}"
    member = (f"{hid}-1", h["resident"], h["phone"] or None)
    at_kiosk = lambda: catalog.register_household(  # noqa: E731
        k, hid, h["household"], [member], h["opening_points"]
    )
    return at_kiosk, lambda: imports.parse_roster(csv_file(h))


@pytest.mark.parametrize("change", HOUSEHOLD_BAD, ids=repr)
def test_both_sides_refuse_a_bad_household(k, csv_file, change):
    at_kiosk, at_central = _household_sides(k, csv_file, _household(**change))
    assert _refused(at_kiosk, errors.DomainError)
    assert _refused(at_central, ValueError)


@pytest.mark.parametrize("change", HOUSEHOLD_GOOD, ids=repr)
def test_both_sides_accept_a_household_at_the_limits(k, csv_file, change):
    at_kiosk, at_central = _household_sides(k, csv_file, _household(**change))
    assert not _refused(at_kiosk, errors.DomainError)
    assert not _refused(at_central, ValueError)


# -- ids: a resident registered at the kiosk, and named in a push central checks -------------

ID_BAD = ["", "A" * (limits.MAX_ID + 1), "H 1", "户1", "H1/2"]
ID_GOOD = ["A" * limits.MAX_ID, "H000001-1", "a.b_c-d"]


def _id_sides(k, resident_id: str) -> tuple[Callable, Callable]:
    at_kiosk = lambda: catalog.register_household(  # noqa: E731
        k, f"H{next(_serial)}", "新户", [(resident_id, "新人", None)]
    )
    payload = {"token_hash": "0" * 64, "resident_id": resident_id}
    return at_kiosk, lambda: protocol.validate_payload("card_issue", payload, "T01")


@pytest.mark.parametrize("resident_id", ID_BAD, ids=repr)
def test_both_sides_refuse_a_bad_resident_id(k, resident_id):
    at_kiosk, at_central = _id_sides(k, resident_id)
    assert _refused(at_kiosk, errors.DomainError)
    assert _refused(at_central, Invalid)


@pytest.mark.parametrize("resident_id", ID_GOOD, ids=repr)
def test_both_sides_accept_a_resident_id_at_the_limits(k, resident_id):
    at_kiosk, at_central = _id_sides(k, resident_id)
    assert not _refused(at_kiosk, errors.DomainError)
    assert not _refused(at_central, Invalid)


# -- stock: the kiosk's restock and stocktake, and the pushes central checks -----------------


def _restock(**change: object) -> dict[str, object]:
    return {"qty": 5, "source": "purchase", "donor": "", "unit_value_cents": 250, **change}


RESTOCK_BAD = [
    {"qty": 0},
    {"qty": limits.RESTOCK_QTY.high + 1},
    {"source": "gift"},
    {"donor": "x" * (limits.MAX_NAME + 1)},
    {"unit_value_cents": limits.MAX_UNIT_VALUE_CENTS + 1},
]
RESTOCK_GOOD = [
    {"qty": limits.RESTOCK_QTY.low},
    {"qty": limits.RESTOCK_QTY.high},
    {"source": "donation", "donor": "x" * limits.MAX_NAME},
    {"unit_value_cents": limits.MAX_UNIT_VALUE_CENTS},
]


def _restock_sides(k, r: dict[str, object]) -> tuple[Callable, Callable]:
    yuan = str(Decimal(r["unit_value_cents"]) / 100)
    at_kiosk = lambda: inventory.restock(k, "P1", r["qty"], r["source"], r["donor"], yuan)  # noqa: E731
    payload = {"batch_id": 1, "product_code": "P1", "received_at": "2025-03-01T02:00:00", **r}
    return at_kiosk, lambda: protocol.validate_payload("restock", payload, "T01")


@pytest.mark.parametrize("change", RESTOCK_BAD, ids=repr)
def test_both_sides_refuse_a_bad_restock(k, change):
    at_kiosk, at_central = _restock_sides(k, _restock(**change))
    assert _refused(at_kiosk, errors.DomainError)
    assert _refused(at_central, Invalid)


@pytest.mark.parametrize("change", RESTOCK_GOOD, ids=repr)
def test_both_sides_accept_a_restock_at_the_limits(k, change):
    at_kiosk, at_central = _restock_sides(k, _restock(**change))
    assert not _refused(at_kiosk, errors.DomainError)
    assert not _refused(at_central, Invalid)


STOCKTAKE_BAD = [
    {"counted": -1},
    {"counted": limits.COUNTED.high + 1},
    {"reason": "x" * (limits.MAX_REASON + 1)},
]
STOCKTAKE_GOOD = [
    {"counted": limits.COUNTED.high},
    {"counted": limits.COUNTED.low},
    {"reason": "x" * limits.MAX_REASON},
]


def _stocktake_sides(k, change: dict[str, object]) -> tuple[Callable, Callable]:
    t = {"counted": 3, "reason": "盘点", **change}
    at_kiosk = lambda: inventory.stocktake(k, "P1", t["counted"], t["reason"])  # noqa: E731
    payload = {"product_code": "P1", "stock": [], **t}
    return at_kiosk, lambda: protocol.validate_payload("stocktake", payload, "T01")


@pytest.mark.parametrize("change", STOCKTAKE_BAD, ids=repr)
def test_both_sides_refuse_a_bad_stocktake(k, change):
    at_kiosk, at_central = _stocktake_sides(k, change)
    assert _refused(at_kiosk, errors.DomainError)
    assert _refused(at_central, Invalid)


@pytest.mark.parametrize("change", STOCKTAKE_GOOD, ids=repr)
def test_both_sides_accept_a_stocktake_at_the_limits(k, change):
    at_kiosk, at_central = _stocktake_sides(k, change)
    assert not _refused(at_kiosk, errors.DomainError)
    assert not _refused(at_central, Invalid)
