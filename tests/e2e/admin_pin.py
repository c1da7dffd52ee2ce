"""Signing in on the admin screen as a shopkeeper does: the PIN on the pad, then 登录."""

from __future__ import annotations


def type_pin(page, pin: str) -> None:
    """Tap the PIN's digits on the sign-in page's pad and sign in."""
    for digit in pin:
        page.locator(f".pinpad button[data-digit='{digit}']").click()
    page.locator("#sign-in").click()
