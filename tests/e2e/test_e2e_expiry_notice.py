"""Central's notice of points about to be cleared: shown and said when the card is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.services.times import today as local_today
from kiosk.storage.models import ExpiryNotice, Household, Resident
from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser


def notice(runtime, resident: str, points: int, days: int):
    """Store central's notice for the resident's household; return the day it names."""
    k = runtime.kiosk
    on = local_today(k) + timedelta(days=days)
    with k.uow() as uow:
        s = uow.session
        household = s.scalar(
            select(Household)
            .join(Resident, Resident.household_id == Household.id)
            .where(Resident.name == resident)
        )
        s.merge(ExpiryNotice(household_id=household.id, points=points, on=on))
        uow.commit()
    return on


def test_the_household_is_told_how_many_points_go_and_when(page, card, runtime, screenshot):
    on = notice(runtime, "王建国", 500, days=20)  # more than the 320 left: only 320 can go
    page.goto("/")
    tap_card(page, card("王建国")["code"])
    row = page.locator("#expiring-row")
    expect(row).to_be_visible()
    expect(row).to_have_text(f"您家有 320 分将于 {on.month} 月 {on.day} 日清零，请在此之前使用。")
    screenshot(page, "expiry-notice")

    page.locator("#shop .cancel").click()
    # The cancel must reach the kiosk before the page goes: a navigation at once could drop
    # the request, and the session left open would show the shop instead of the idle screen.
    expect(page.locator("#idle")).to_be_visible()
    page.goto("/?lang=en")
    tap_card(page, card("王建国")["code"])
    expect(page.locator("#expiring-row")).to_have_text(
        f"320 points will be cleared on {on.month}/{on.day}."
    )


def test_a_notice_whose_day_has_passed_is_not_shown(page, card, runtime):
    notice(runtime, "王建国", 100, days=-1)
    page.goto("/")
    tap_card(page, card("王建国")["code"])
    expect(page.locator("#balance")).to_have_text("320")
    expect(page.locator("#expiring-row")).to_be_hidden()
