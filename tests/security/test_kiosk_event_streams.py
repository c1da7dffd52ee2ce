"""The event streams the kiosk's own screens live on cannot all be taken from the network.

The resident screen learns of camera scans, and the shopkeeper's screen of a resident's call,
only through /api/events; the kiosk serves a few streams at once. When the configuration lets
other machines in (`[ui] allowed_hosts`, behind a proxy or on a trusted LAN), they may hold only
some of the streams: the kiosk's own screens (loopback) always find one.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from kiosk_helpers import LAN_PEER

from terminal_ui import create_app


@pytest.fixture
def lan_app(kiosk_rt, seeded):
    ui = replace(kiosk_rt.settings.ui, allowed_hosts=("kiosk.lan",))
    kiosk_rt.settings = replace(kiosk_rt.settings, ui=ui)
    return create_app(kiosk_rt, {"DEMO_CARDS": seeded[1]})


def test_streams_held_from_the_network_leave_the_kiosks_screens_theirs(lan_app):
    lan = lan_app.test_client()
    held = []
    refused = 0
    for _ in range(lan_app.config["EVENT_STREAMS"] + 2):
        answer = lan.get("/api/events", headers={"Host": "kiosk.lan"}, environ_base=LAN_PEER)
        if answer.status_code == 200:
            held.append(answer)
        else:
            assert answer.status_code == 429
            assert answer.get_json()["error"]["message"] == "终端繁忙，请稍后再试。"
            refused += 1
    try:
        assert refused > 0 and held  # some served, not all
        own = lan_app.test_client()
        for _ in range(2):  # the resident screen and the shopkeeper's, on the kiosk itself
            answer = own.get("/api/events")
            assert answer.status_code == 200
            held.append(answer)
    finally:
        for answer in reversed(held):  # each stream holds its request context: last in, first out
            answer.close()
    again = lan.get("/api/events", headers={"Host": "kiosk.lan"}, environ_base=LAN_PEER)
    assert again.status_code == 200  # every slot came back
    again.close()
