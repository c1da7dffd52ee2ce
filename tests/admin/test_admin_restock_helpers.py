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


def test_labels_print_on_the_receipt_printer(admin, rt, audit_actions):
    page = text(admin.get("/admin/labels"))
    assert 'id="labels-print"' in page and "小票打印机" in page
    answer = post(
        admin,
        "/admin/labels/print",
        {"code": ["SOAP", "BASIN"], "copies-SOAP": "2", "copies-BASIN": "1"},
    )
    assert answer.status_code == 302
    page = text(admin.get(answer.headers["Location"]))
    assert "已在小票打印机上打印 3 张标签。" in page
    job = rt.printer.jobs[-1]
    assert job.count("雕牌肥皂".encode("gb18030")) == 2 and "塑料脸盆".encode("gb18030") in job
    assert audit_actions()[-1] == "labels"


def test_labels_that_did_not_print_say_where_to_reprint(admin, rt):
    rt.printer.fail("paper_out")
    answer = post(admin, "/admin/labels/print", {"code": ["SOAP"]})
    page = text(admin.get(answer.headers["Location"]))
    assert "标签没有打印出来" in page
