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
# The downloads laid out as documents, walked below with names typed as formulas: the areas
# roll-up (area names from the areas file), a partner store's settlement (the store's and the
# goods' names) and a donor's certificate (the donor as typed at a kiosk's restock).
DOCUMENTS = {
    "office.report_areas": ["/reports/areas.csv", "/reports/areas.xlsx"],
    "office.report_settlement": [
        "/reports/settlement.xlsx?store={store}&month=2025-03",
        "/reports/settlement.pdf?store={store}&month=2025-03",
    ],
    "office.donor_certificate": [
        "/reports/donors/certificate.pdf?donor={donor}&from=2025-03-01&to=2025-03-31"
    ],
    # the village's 公示 sheet: its county named like a formula
    "office.board_sheet": ["/notices/board.pdf?village={village}&month=2025-03"],
}
# What a PDF could do beyond showing text: links, scripts, launching, forms, embedded files.
PDF_ACTIONS = (b"/URI", b"/JavaScript", b"/JS", b"/Launch", b"/AcroForm", b"/EmbeddedFile")
CODES = [f"EVIL{i}" for i in range(len(TYPED_ATTACKS))]


def office_client(central, role: str = "viewer"):
    """Return a test client of the office web, signed in as a user of this role."""
    add_user(central, "viewer", "viewer-password", role)
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
    assert by_format | by_source == set(EXPORTS) | set(DOCUMENTS)


def _pdf_text(data: bytes) -> str:
    import subprocess

    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("endpoint", "path"), [(e, p) for e, paths in sorted(DOCUMENTS.items()) for p in paths]
)
def test_names_typed_as_formulas_leave_every_document_download_inert(programme, endpoint, path):
    from urllib.parse import quote

    from sync.central.services.areas import AreaRow, save_areas
    from sync.central.services.settlement import set_settlement

    c = programme.central
    goods.save_products(
        c,
        [
            goods.ProductRow(i, code, name, "日用", 1, "个")
            for i, (code, name) in enumerate(zip(CODES, TYPED_ATTACKS, strict=True), start=2)
        ],
        actor="test",
    )
    k1 = programme.kiosk("K1")
    donor = TYPED_ATTACKS[0]
    for code in CODES:
        inventory.restock(k1.kiosk, code, 5, "donation", donor, "1.5", actor="test")
    buy(k1, programme.codes["王建国"], dict.fromkeys(CODES, 1), online=True)
    k1.sync.sync_once()
    # Counties named like formulas ("/" divides an area's path, so none is in a name) ...
    names = [text.replace("/", "|") for text in TYPED_ATTACKS]
    save_areas(c, [AreaRow(i, (name, "镇", "村")) for i, name in enumerate(names, start=2)])
    # ... and the partner store named like one (as an older release let `enroll --store` save it).
    set_settlement(c, EAST, "0.01", "monthly", actor="test")
    with c.uow() as uow:
        store = uow.session.scalar(select(cm.Store).where(cm.Store.name == EAST))
        store.name, store_id = TYPED_ATTACKS[1], store.id
        uow.commit()

    village = quote(f"{names[0]}/镇/村")
    answer = office_client(c, "admin").get(
        path.format(store=store_id, donor=quote(donor), village=village)
    )
    assert answer.status_code == 200, answer.text[:300]
    assert "attachment" in answer.headers["Content-Disposition"]
    if path.split("?")[0].endswith(".csv"):
        rows = csv_rows(answer.data)
        assert_csv_cannot_run(rows)
        assert {"'" + name for name in names} <= {row[0] for row in rows[1:]}
    elif ".xlsx" in path:
        cells = xlsx_cells(answer.data)
        assert_xlsx_cannot_run(cells)
        shown = {cell.value for row in cells for cell in row}
        expected = set(names) if endpoint == "office.report_areas" else set(TYPED_ATTACKS[:2])
        assert expected <= shown
    else:
        assert answer.data.startswith(b"%PDF")
        assert not any(action in answer.data for action in PDF_ACTIONS)
        text = _pdf_text(answer.data)
        shown = {
            "office.donor_certificate": donor,
            "office.board_sheet": "村",  # the sheet names the village, not its county
        }.get(endpoint, TYPED_ATTACKS[1])
        assert shown in text.replace("\n", "")  # drawn as the text it is
