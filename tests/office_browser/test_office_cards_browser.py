"""The office's card forms, submitted through the page: revoke, re-issue, confirm."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Card, Change
from sync.central.services.cards import issue_cards
from sync.central.states import CardStatus

pytestmark = pytest.mark.browser


def _cards(central: Central, resident_id: str) -> list[tuple[str, str]]:
    with central.uow(write=False) as uow:
        return [
            (c.token_hash, c.status)
            for c in uow.session.scalars(
                select(Card).where(Card.resident_id == resident_id).order_by(Card.id)
            )
        ]


def test_revoking_a_card_in_the_page_stops_it_and_tells_every_kiosk(admin: Any, central: Central):
    issue_cards(central)
    [(lost, _)] = _cards(central, "H000001-1")
    admin.goto("/households/H000001")
    admin.once("dialog", lambda d: d.accept())
    admin.locator("tr", has_text="H000001-1").get_by_role("button", name="作废积分卡").click()
    admin.wait_for_load_state()
    assert "已作废 1 张积分卡" in admin.locator("[role=alert]").inner_text()
    assert _cards(central, "H000001-1") == [(lost, CardStatus.REVOKED)]
    with central.uow(write=False) as uow:
        last = uow.session.scalars(
            select(Change.data).where(Change.kind == "card").order_by(Change.id.desc())
        ).first()
    assert last == {
        "token_hash": lost,
        "resident_id": "H000001-1",
        "status": CardStatus.REVOKED,
    }
    assert admin.locator("tr", has_text="H000001-1").locator(".tag.revoked").count() == 1
