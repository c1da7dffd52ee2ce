"""Secure headers on every kind of answer of both apps, and the session cookies' flags."""

from __future__ import annotations

import re

import pytest
from security_helpers import ADMIN_PASSWORD, bearer, sign_in

from kiosk import config
from kiosk.services import staff
from terminal_ui import create_app

PIN = "135790"


def assert_secure_headers(response, where: str) -> None:
    """Check the headers every answer must carry."""
    h = response.headers
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("X-Frame-Options") == "DENY", where
    assert h.get("Referrer-Policy") in ("same-origin", "no-referrer"), where
    policy = {}
    for part in h.get("Content-Security-Policy", "").split(";"):
        name, *sources = part.split()
        policy[name] = sources
    assert policy.get("default-src") == ["'self'"], where
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("object-src") == ["'none'"], where
    for directive, sources in policy.items():
        for source in sources:
            # Only our own origin (and inline data: images): no external host, scheme or wildcard.
            assert source in ("'self'", "'none'", "data:"), f"{where}: {directive} {source}"


def test_every_kind_of_central_answer_carries_the_secure_headers(client, office):
    answers = {
        "login page": client.get("/login"),
        "redirect": client.get("/households"),
        "not found page": client.get("/no-such-page"),
        "stylesheet": client.get("/office-static/office.css"),
        "api health": client.get("/api/v1/health"),
        "api refusal": client.post("/api/v1/push", json={}),
        "api figures": client.get("/api/v1/stats", headers=bearer(office.viewer_token)),
    }
    sign_in(client, "admin", ADMIN_PASSWORD)
    answers["dashboard"] = client.get("/")
    answers["export"] = client.get("/reports/monthly.csv")
    for where, response in answers.items():
        assert_secure_headers(response, where)
        response.close()
    assert answers["dashboard"].headers["Cache-Control"] == "no-store"


def central_cookie(client, base_url: str = "http://localhost") -> str:
    page = client.get("/login", base_url=base_url).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "username": "admin", "password": ADMIN_PASSWORD}
    answer = client.post("/login", data=form, base_url=base_url)
    assert answer.status_code == 302
    cookies = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, answer.headers
    return cookies[-1]


def test_the_office_session_cookie_is_httponly_and_samesite_and_not_secure_over_plain_http(client):
    cookie = central_cookie(client)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_office_session_cookie_is_secure_over_tls_or_when_configured(office):
    assert "Secure" in central_cookie(office.app().test_client(), "https://localhost")
    configured = office.app(SESSION_COOKIE_SECURE=True).test_client()
    assert "Secure" in central_cookie(configured)
    # Behind nginx (PROXIES=1), X-Forwarded-Proto tells the app the client used TLS.
    proxied = office.app(PROXIES=1).test_client()
    proxied.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    assert "Secure" in central_cookie(proxied)
    # ... but without that setting a forwarded header is not believed.
    direct = office.app().test_client()
    direct.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    assert "Secure" not in central_cookie(direct)


def test_secure_cookies_can_be_asked_for_from_the_environment(office, monkeypatch):
    monkeypatch.setenv("KIOSK_CENTRAL_SESSION_COOKIE_SECURE", "1")
    assert "Secure" in central_cookie(office.app().test_client())


# -- the kiosk ------------------------------------------------------------------------------------


@pytest.fixture
def kiosk_app(seeded):
    rt, cards = seeded
    staff.set_pin(rt.kiosk, PIN, actor="test")
    return create_app(rt, {"DEMO_CARDS": cards})


def test_every_kind_of_kiosk_answer_carries_the_secure_headers(kiosk_app):
    client = kiosk_app.test_client()
    answers = {
        "resident screen": client.get("/"),
        "screen config": client.get("/screen/config"),
        "products": client.get("/api/products"),
        "api refusal": client.post("/api/scan", json={"code": "nothing-we-know"}),
        "api not found": client.get("/api/receipts/999999"),
        "script": client.get("/static/terminal.js"),
        "admin sign-in": client.get("/admin/login"),
        "admin refused form": client.post("/admin/login", data={"pin": PIN}),
    }
    for where, response in answers.items():
        assert_secure_headers(response, where)
        response.close()


def admin_cookie(client, base_url: str = "http://localhost") -> str:
    page = client.get("/admin/login", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/admin/login", data={"csrf_token": token, "pin": PIN}, base_url=base_url)
    assert answer.status_code == 302
    return [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("kiosk_admin=")][-1]


def test_the_admin_cookie_is_httponly_strict_and_only_sent_to_admin(kiosk_app):
    cookie = admin_cookie(kiosk_app.test_client())
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie


def test_the_admin_cookie_is_secure_over_tls_or_when_configured(seeded, kiosk_app):
    assert "Secure" in admin_cookie(kiosk_app.test_client(), "https://localhost")
    rt, _ = seeded
    configured = create_app(rt, {"SESSION_COOKIE_SECURE": True}).test_client()
    assert "Secure" in admin_cookie(configured)
    settings = config.load(None, env={"KIOSK_UI_SECURE_COOKIES": "true"})
    assert settings.ui.secure_cookies is True
    assert config.load(None, env={}).ui.secure_cookies is False


def test_the_language_cookie_is_httponly_and_strict(kiosk_app):
    answer = kiosk_app.test_client().get("/?lang=en")
    cookie = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("lang=")][-1]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
