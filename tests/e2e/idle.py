"""Tapping a demo card on the resident screen's idle page, as a person would: once it is still."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def tap_card(page: Page, code: str) -> None:
    """Tap the demo card of code on the idle screen, once what it loads has arrived.

    The board and the notices arrive after the page and move the cards below them down: a tap
    aimed before then can land on the board instead (Playwright aims at where the card was).
    The page marks its body data-settled when they have (asked from here, not by a poll in
    the page, whose timers a test may have stopped with page.clock).
    """
    expect(page.locator("body[data-settled='1']")).to_be_attached()
    page.locator(f"#idle .demo-card[data-code='{code}']").click()
