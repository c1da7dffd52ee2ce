"""Only the kiosk's own pages may use its API: other sites and rebound names are refused."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from terminal_ui import create_app

CJK = re.compile(r"[\u4e00-\u9fff]")
CHECKOUT = "/api/session/checkout"

# Requests a page elsewhere can make a browser send to the kiosk (Host is what the browser asked
# for: a DNS-rebinding page asks for its own name, which now points at 127.0.0.1).
FOREIGN = {
    "another-site": {"Origin": "http://evil.example"},
    "opaque-origin": {"Origin": "null"},
    "another-local-port": {"Origin": "http://localhost:3000"},
    "another-scheme-downgrade": {"Origin": "http://localhost"},
    "rebound-name": {"Host": "evil.example", "Origin": "http://evil.example"},
    "rebound-name-with-port": {"Host": "evil.example:8000", "Origin": "http://evil.example:8000"},
    "rebound-name-no-origin": {"Host": "evil.example"},
    "loopback-on-another-port": {"Host": "127.0.0.1:9999"},
    "foreign-referer": {"Referer": "http://evil.example/prize.html"},
    "cross-site-fetch": {"Sec-Fetch-Site": "cross-site"},
    "same-site-other-port": {"Sec-Fetch-Site": "same-site"},
}


def _shopping(client, card) -> None:
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    assert client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1}).is_json


@pytest.mark.parametrize("headers", FOREIGN.values(), ids=FOREIGN.keys())
def test_a_checkout_asked_for_by_another_site_is_refused_and_spends_nothing(
    client, card, snapshot, headers
):
    _shopping(client, card)
    before = snapshot()
    base = "https://localhost" if headers.get("Origin") == "http://localhost" else None

    answer = client.post(CHECKOUT, json={}, headers=headers, base_url=base)

    assert answer.status_code == 403
    error = answer.get_json()["error"]
    assert error["code"] == "forbidden_origin"
    assert CJK.search(error["message"]), error["message"]
    english = client.post(f"{CHECKOUT}?lang=en", json={}, headers=headers, base_url=base)
    assert english.get_json()["error"]["message"].startswith("This request came from another")
    assert snapshot() == before


def test_a_checkout_from_the_kiosks_own_page_still_goes_through(client, card, balance):
    _shopping(client, card)
    same = {
        "Origin": "http://localhost",
        "Referer": "http://localhost/",
        "Sec-Fetch-Site": "same-origin",
    }

    answer = client.post(CHECKOUT, json={}, headers=same)

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert balance("H0001") == 320 - answer.get_json()["total"]


@pytest.mark.parametrize(
    "host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST:8000", "127.0.0.5:8000"]
)
def test_the_kiosk_answers_on_every_loopback_name_at_the_port_it_serves(client, card, host):
    environ = {"SERVER_PORT": "8000"}
    origin = {"Origin": f"http://{host}"}

    page = client.get("/", headers={"Host": host}, environ_overrides=environ)
    scanned = client.post(
        "/api/scan",
        json={"code": card("王建国")["code"]},
        headers={"Host": host, **origin},
        environ_overrides=environ,
    )

    assert page.status_code == 200
    assert scanned.status_code == 200 and scanned.get_json()["resident"]["name"] == "王建国"


def test_a_navigation_typed_or_linked_to_the_resident_screen_is_served(client):
    for fetch_site in ("none", "cross-site"):
        assert client.get("/", headers={"Sec-Fetch-Site": fetch_site}).status_code == 200


@pytest.mark.parametrize("path", ["/", "/admin/login", "/static/terminal.js", "/screen/config"])
def test_a_page_asked_for_under_a_rebound_name_is_refused_with_a_plain_page(client, path):
    answer = client.get(path, headers={"Host": "evil.example:80"})

    assert answer.status_code == 403
    assert answer.mimetype == "text/plain"
    assert "其他网站" in answer.get_data(as_text=True)


def test_an_admin_form_posted_from_another_site_is_refused_before_its_pin_is_tried(client):
    answer = client.post(
        "/admin/login", data={"pin": "0000"}, headers={"Origin": "http://evil.example"}
    )

    assert answer.status_code == 403 and answer.mimetype == "text/plain"


@pytest.mark.parametrize("kind", ["application/x-www-form-urlencoded", "text/plain"])
def test_a_bodiless_form_post_without_origin_cannot_check_out(client, card, snapshot, kind):
    # An old browser may send neither Origin nor Sec-Fetch-Site with a form: the API still
    # takes only JSON, so a form (or text) it is sent changes nothing.
    _shopping(client, card)
    before = snapshot()

    for path in (CHECKOUT, "/api/session/cancel"):
        answer = client.post(path, data=b"", content_type=kind)
        assert answer.status_code == 400, path
        assert answer.get_json()["error"]["code"] == "bad_request"
    assert snapshot() == before


def test_a_host_the_configuration_allows_is_served(runtime, cards, card):
    runtime.settings = replace(
        runtime.settings, ui=replace(runtime.settings.ui, allowed_hosts=("kiosk.lan",))
    )
    client = create_app(runtime, {"DEMO_CARDS": cards}).test_client()
    allowed = {"Host": "kiosk.lan:8000", "Origin": "http://kiosk.lan:8000"}

    scanned = client.post("/api/scan", json={"code": card("王建国")["code"]}, headers=allowed)
    other = client.post(
        "/api/scan", json={"code": card("王建国")["code"]}, headers={"Host": "kiosk.evil:8000"}
    )

    assert scanned.status_code == 200
    assert other.status_code == 403


def test_allowed_hosts_are_read_from_a_toml_list_or_a_comma_separated_variable(tmp_path):
    from kiosk import config

    toml = tmp_path / "kiosk.toml"
    toml.write_text('[ui]\nallowed_hosts = ["kiosk.lan", "192.168.1.20:8000"]\n', "utf-8")

    assert config.load(toml, env={}).ui.allowed_hosts == ("kiosk.lan", "192.168.1.20:8000")
    from_env = config.load(None, env={"KIOSK_UI_ALLOWED_HOSTS": "kiosk.lan, shop.lan"})
    assert from_env.ui.allowed_hosts == ("kiosk.lan", "shop.lan")
    assert config.load(None, env={}).ui.allowed_hosts == ()
