"""Someone on the shop's network, when the kiosk listens beyond loopback (--host 0.0.0.0).

The Host header is whatever the sender writes: a machine on the LAN that claims to be asking
for "localhost" or "127.0.0.1" is not the kiosk's own browser, and must not read the camera,
the open session or the event stream, nor act on the screen.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from kiosk_helpers import LAN_PEER

from terminal_ui import create_app

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]", "shop.localhost"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/session"),
        ("GET", "/api/camera/preview"),
        ("GET", "/api/events?timeout=1"),
        ("POST", "/api/staff-call"),
        ("POST", "/api/session/switch"),
        ("GET", "/admin/login"),
    ],
)
def test_a_lan_machine_claiming_a_loopback_name_is_refused(kiosk_client, kiosk_rt, method, path):
    for host in LOOPBACK_HOSTS:
        headers = {"Host": host}
        answer = kiosk_client.open(path, method=method, headers=headers, environ_base=LAN_PEER)
        assert answer.status_code == 403, host
        if path.startswith("/api/"):
            error = answer.get_json()["error"]
            assert error["code"] == "forbidden_origin"
            assert "拒绝" in error["message"]  # the shop's language first
        answer.close()
    assert kiosk_rt.kiosk.staff_called_at is None


def test_the_kiosks_own_browser_on_loopback_is_still_served(kiosk_client):
    for peer in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        answer = kiosk_client.get("/api/session", environ_base={"REMOTE_ADDR": peer})
        assert answer.status_code == 200


def test_a_name_the_configuration_allows_is_served_to_the_lan(kiosk_rt, seeded):
    ui = replace(kiosk_rt.settings.ui, allowed_hosts=("kiosk.lan",))
    kiosk_rt.settings = replace(kiosk_rt.settings, ui=ui)
    client = create_app(kiosk_rt, {"DEMO_CARDS": seeded[1]}).test_client()
    answer = client.get("/api/session", headers={"Host": "kiosk.lan"}, environ_base=LAN_PEER)
    assert answer.status_code == 200
    spoofed = client.get("/api/session", headers={"Host": "localhost"}, environ_base=LAN_PEER)
    assert spoofed.status_code == 403
