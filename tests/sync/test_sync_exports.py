"""Text typed at a kiosk or into the catalogue leaves the office's exports as text, not formulas."""

from __future__ import annotations

import inspect
import re

import pytest
from sqlalchemy import select
from sync_helpers import EAST, SQLITE_ONLY, buy

from kiosk.services import inventory
from sync.central import models as cm
from sync.central.app import create_central_app
from sync.central.server import open_central
from sync.central.services import goods
from sync.central.services.users import add_user
from tests.spreadsheet_checks import (
    TYPED_ATTACKS,
    assert_csv_cannot_run,
    assert_xlsx_cannot_run,
    csv_rows,
    csv_typed_rows,
    xlsx_cells,
)

# Every download the office web offers as a table: endpoint -> (URL, text columns, number
# columns, the column that carries text typed at a kiosk or into the catalogue, if any).
EXPORTS = {
    "office.report_donors": ("/reports/donors.{fmt}", [0], [1, 2, 3, 4, 5], 0),
    "office.report_statement": (
        "/reports/statement.{fmt}?store={store}&from=2025-03-01&to=2025-03-31",
        [0, 1],
        [2, 3],
        1,
    ),
    "office.report_monthly": ("/reports/monthly.{fmt}", [0], [1, 2, 3, 4, 5], None),
}
# Newer downloads written by the same cell writer (sync.central.spreadsheet) but not yet in the
# typed-formula walk above: the areas roll-up, the settlement statement and the donor
# certificate (a PDF). A download added beyond these fails the test below.
NOT_YET_WALKED = {"office.report_areas", "office.report_settlement", "office.donor_certificate"}
CODES = [f"EVIL{i}" for i in range(len(TYPED_ATTACKS))]


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash the office user's password with a cheaper scrypt cost (each hash keeps its cost)."""
    from core.domain import passwords

    monkeypatch.setattr(passwords, "_N", 2**10)


def office_client(central):
    """Return a test client of the office web, signed in as a viewer."""
    add_user(central, "viewer", "viewer-password", "viewer")
    client = create_central_app(central).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post(
        "/login",
        data={"csrf_token": token, "username": "viewer", "password": "viewer-password"},
    )
    assert answer.status_code == 302
    return client


@SQLITE_ONLY
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("endpoint", sorted(EXPORTS))
def test_text_typed_as_a_formula_leaves_every_office_export_as_text(programme, endpoint, fmt):
    c = programme.central
    # Goods named like formulas in the catalogue (as `import-products` would save them) ...
    goods.save_products(
        c,
        [
            goods.ProductRow(i, code, name, "日用", 1, "个")
            for i, (code, name) in enumerate(zip(CODES, TYPED_ATTACKS, strict=True), start=2)
        ],
        actor="test",
    )
    k1 = programme.kiosk("K1")
    # ... restocked at a kiosk from donors typed like formulas, and handed out.
    for code, donor in zip(CODES, TYPED_ATTACKS, strict=True):
        inventory.restock(k1.kiosk, code, 5, "donation", donor, "1.5", actor="test")
    buy(k1, programme.codes["王建国"], dict.fromkeys(CODES, 1), online=True)
    k1.sync.sync_once()
    with c.uow(write=False) as uow:
        store = uow.session.scalar(select(cm.Store.id).where(cm.Store.name == EAST))

    path, texts, numbers, typed = EXPORTS[endpoint]
    answer = office_client(c).get(path.format(fmt=fmt, store=store))
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]

    if fmt == "csv":
        rows = csv_rows(answer.data)
        assert len(rows) > 1
        assert_csv_cannot_run(rows)
        # Text is quoted and numbers are bare, so a spreadsheet reads numbers as numbers.
        for row in csv_typed_rows(answer.data)[1:]:
            assert all(isinstance(row[i], str) for i in texts), row
            assert all(isinstance(row[i], float) for i in numbers), row
        if typed is not None:
            shown = {row[typed] for row in rows[1:]}
            assert {"'" + text for text in TYPED_ATTACKS} <= shown
    else:
        cells = xlsx_cells(answer.data)
        assert len(cells) > 1
        assert_xlsx_cannot_run(cells)
        for row in cells[1:]:
            assert all(row[i].data_type == "s" or row[i].value is None for i in texts), row
            assert all(row[i].data_type == "n" for i in numbers), row
        if typed is not None:
            shown = {row[typed].value for row in cells[1:]}
            assert set(TYPED_ATTACKS) <= shown


def test_every_office_export_is_in_the_list_checked_for_formulas(tmp_path):
    central = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    try:
        app = create_central_app(central)
    finally:
        central.engine.dispose()
    # A table download is a view with a format in its URL, or one that builds a table response.
    by_format = {rule.endpoint for rule in app.url_map.iter_rules() if "fmt" in rule.arguments}
    by_source = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if "_response(" in inspect.getsource(inspect.unwrap(view))
    }
    assert by_format | by_source == set(EXPORTS) | NOT_YET_WALKED
