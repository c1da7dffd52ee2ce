"""A keyboard-wedge scanner that reads a label twice in a blink adds the product once."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.wedge import wedge


def test_a_label_scanned_twice_in_a_blink_adds_one_item(page, base_url, card):
    page.goto(base_url + "/")
    wedge(page, card("王建国")["code"])
    expect(page.locator("#household-name")).to_have_text("王建国家")
    end = wedge(page, "EKP:SOAP")
    wedge(page, "EKP:SOAP", start=end + 0.1)  # the same label again, a tenth of a second on
    expect(page.locator("#cart-lines li[data-code='SOAP']")).to_have_count(1)
    page.wait_for_timeout(500)
    expect(page.locator("#total")).to_have_text("8")
    page.wait_for_timeout(1200)  # a deliberate second scan, later, does add one
    wedge(page, "EKP:SOAP")
    expect(page.locator("#total")).to_have_text("16")
