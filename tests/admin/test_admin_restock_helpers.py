"""Restock helpers: donors offered from past deliveries, a product picked by scanning its label."""

from __future__ import annotations

from kiosk.services import inventory
from tests.admin.conftest import post


def text(answer) -> str:
    return answer.get_data(as_text=True)


def test_known_donors_are_offered_and_typing_stays_possible(admin, rt):
    inventory.restock(rt.kiosk, "SOAP", 3, "donation", "县妇联")
    page = text(admin.get("/admin/restock"))
    assert 'list="donors"' in page and '<datalist id="donors">' in page
    assert '<option value="县妇联">' in page
    assert '<option value="村企共建·华丰纸业">' in page
    assert page.count('<option value="村企共建·华丰纸业">') == 1  # each donor once
    assert '<input id="donor" name="donor"' in page  # still a text field
    assert inventory.known_donors(rt.kiosk)[0] == "县妇联"  # the latest first


def test_a_scanned_label_picks_the_product(admin, stock):
    for scanned, before in (("EKP:SOAP", 60), ("soap", 62)):
        answer = post(
            admin,
            "/admin/restock",
            {"product_scan": scanned, "qty": "2", "source": "purchase"},
        )
        assert answer.status_code == 302, text(answer)[:500]
        assert stock("SOAP") == before + 2


def test_the_restock_page_has_a_scan_field_and_opens_on_a_scanned_code(admin):
    page = text(admin.get("/admin/restock?code=EKP:SOAP"))
    assert 'id="product-scan"' in page and "扫描" in page
    assert '<option value="SOAP" selected>' in page


def test_an_unknown_scanned_label_is_said_in_words(admin):
    answer = post(
        admin, "/admin/restock", {"product_scan": "EKP:NOPE", "qty": "2", "source": "purchase"}
    )
    assert answer.status_code == 400
    assert "没有此商品" in text(answer)
