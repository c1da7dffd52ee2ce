"""Offline, the session tells the points usable now and why, not only the balance."""

from __future__ import annotations

import pytest

GUO = "郭永福"  # 郭永福家, 350 points


@pytest.fixture
def offline(runtime):
    """Make the kiosk one that syncs, cannot reach central, and may spend 100 points unconfirmed."""
    runtime.kiosk.synced = True
    runtime.kiosk.is_online = lambda: False
    runtime.kiosk.offline_allowance = 100
    return runtime


def test_offline_the_session_shows_the_points_usable_now_and_that_the_network_limits_them(
    client, card, offline
):
    view = client.post("/api/scan", json={"code": card(GUO)["code"]}).get_json()

    assert view["household"]["balance"] == 350
    assert view["household"]["available"] == 100
    assert view["household"]["limited_by"] == "offline"

    view = client.post("/api/session/cart", json={"product_code": "RICE10", "qty": 1}).get_json()
    assert view["household"]["available"] == 100
    assert view["total"] == 80
    assert view["remaining"] == 350 - 80


def test_online_the_points_usable_are_the_balance_and_nothing_limits_them(client, card):
    view = client.post("/api/scan", json={"code": card(GUO)["code"]}).get_json()

    assert view["household"]["available"] == 350
    assert view["household"]["limited_by"] is None


def test_offline_a_refusal_names_the_network(client, card, offline):
    client.post("/api/scan", json={"code": card(GUO)["code"]})

    answer = client.post("/api/session/cart", json={"product_code": "OIL5L", "qty": 1})

    assert answer.status_code >= 400
    assert "网络中断" in answer.get_json()["error"]["message"]
