"""A keyboard-wedge scanner that reads a label twice in a blink adds the product once."""

from __future__ import annotations

from playwright.sync_api import expect


def test_a_label_scanned_twice_in_a_blink_adds_one_item(page, base_url, card):
    page.goto(base_url + "/")
    page.keyboard.type(card("王建国")["code"], delay=5)
    page.keyboard.press("Enter")
    expect(page.locator("#household-name")).to_have_text("王建国家")
    for _ in range(2):
        page.keyboard.type("EKP:SOAP", delay=5)
        page.keyboard.press("Enter")
    expect(page.locator("#cart-lines li[data-code='SOAP']")).to_have_count(1)
    page.wait_for_timeout(500)
    expect(page.locator("#total")).to_have_text("8")
    page.wait_for_timeout(1200)  # a deliberate second scan, later, does add one
    page.keyboard.type("EKP:SOAP", delay=5)
    page.keyboard.press("Enter")
    expect(page.locator("#total")).to_have_text("16")
