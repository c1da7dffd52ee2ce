"""Rate limits: kiosk sync per token, wrong tokens and office sign-ins per address, PIN lock."""

from __future__ import annotations

import itertools
import re
import threading
import time
from datetime import datetime

import httpx
import pytest
from security_helpers import (
    ADMIN_PASSWORD,
    CSRF,
    VIEWER_PASSWORD,
    audit_entry,
    bearer,
    csrf,
    sign_in,
)

from core.clock import FixedClock
from core.domain import passwords
from kiosk.services import staff
from kiosk.sync.client import SyncClient, SyncError, retry_after_seconds
from sync.central.context import Central
from sync.central.limits import RateLimiter
from terminal_ui import create_app

PIN = "135790"


def test_a_kiosk_over_its_rate_gets_429_with_retry_after_and_a_reason(office):
    client = office.app(SYNC_RATE_BURST=3, SYNC_RATE_PER_SECOND=0.01).test_client()
    k1 = bearer(office.kiosk_tokens["K001"])
    assert client.post("/api/v1/heartbeat", json={}, headers=k1).status_code == 200
    assert client.get("/api/v1/changes", headers=k1).status_code == 200
    assert client.post("/api/v1/push", json=audit_entry("K001", 1), headers=k1).status_code == 200
    for method, path, body in (
        ("POST", "/api/v1/push", audit_entry("K001", 2)),
        ("GET", "/api/v1/changes", None),
        ("POST", "/api/v1/heartbeat", {}),
    ):
        answer = client.open(path, method=method, json=body, headers=k1)
        assert answer.status_code == 429, path
        assert answer.json["error"]["code"] == "rate_limited"
        assert "Retry-After" in answer.json["error"]["message"]
        assert 1 <= int(answer.headers["Retry-After"]) <= 101
    # The refused push changed nothing: seq 2 was never applied.
    client_ok = office.app().test_client()
    again = client_ok.post("/api/v1/push", json=audit_entry("K001", 2), headers=k1)
    assert again.status_code == 200 and again.json["contiguous_seq"] == 2
    # Another kiosk has its own allowance.
    k2 = bearer(office.kiosk_tokens["K002"])
    assert client.post("/api/v1/heartbeat", json={}, headers=k2).status_code == 200


def test_a_kiosk_catching_up_a_long_backlog_is_never_refused_at_the_default_rate(client, office):
    k1 = bearer(office.kiosk_tokens["K001"])
    # A week offline at a busy store: a few thousand entries, pushed 500 at a time, with a pull
    # and a heartbeat between rounds, as fast as the test client can go.
    for seq in range(1, 61):
        assert (
            client.post("/api/v1/push", json=audit_entry("K001", seq), headers=k1).status_code
            == 200
        )
        assert client.get("/api/v1/changes", headers=k1).status_code == 200
    assert client.post("/api/v1/heartbeat", json={}, headers=k1).status_code == 200


def test_a_client_that_waits_as_asked_always_gets_through_in_the_end():
    now = [0.0]
    limiter = RateLimiter(burst=5, per_second=0.5, clock=lambda: now[0])
    served = 0
    for _ in range(200):
        wait = limiter.take("K001")
        if wait:
            assert wait <= 2.0 + 1e-9
            now[0] += wait
            assert limiter.take("K001") == 0.0  # after waiting as told, it is served
        served += 1
    assert served == 200
    assert now[0] == pytest.approx((200 - 5) / 0.5)  # progress at the configured rate


def test_wrong_tokens_from_one_address_are_refused_for_a_while_without_hashing(office, monkeypatch):
    client = office.app(AUTH_FAIL_BURST=3, AUTH_FAIL_PER_SECOND=0.001).test_client()
    office.central.tokens.clear()
    token_id = office.kiosk_tokens["K001"].removeprefix("ekt_").partition(".")[0]
    wrong = bearer(f"ekt_{token_id}.{'B' * 43}")
    for _ in range(3):
        assert client.post("/api/v1/heartbeat", json={}, headers=wrong).status_code == 401
    calls: list[int] = []
    real = passwords.hashlib.scrypt
    monkeypatch.setattr(
        passwords.hashlib, "scrypt", lambda *a, **kw: calls.append(1) or real(*a, **kw)
    )
    refused = client.post("/api/v1/heartbeat", json={}, headers=wrong)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert calls == []  # refused before the slow hash: guessing cannot burn the CPU
    # Another address is not held back.
    right = bearer(office.kiosk_tokens["K001"])
    elsewhere = {"REMOTE_ADDR": "10.0.0.9"}
    ok = client.post("/api/v1/heartbeat", json={}, headers=right, environ_base=elsewhere)
    assert ok.status_code == 200


def test_office_sign_in_failures_from_one_address_are_limited(office):
    app = office.app(LOGIN_FAIL_BURST=3, LOGIN_FAIL_PER_SECOND=0.001)
    client = app.test_client()
    for user in ("admin", "viewer", "nobody"):  # spraying across accounts counts too
        assert sign_in(client, user, "wrong-password").status_code == 401
    refused = sign_in(client, "admin", ADMIN_PASSWORD)
    assert refused.status_code == 429
    assert "登录失败次数过多" in refused.text
    assert int(refused.headers["Retry-After"]) >= 60
    english = client.post(
        "/login?lang=en",
        data={"csrf_token": csrf(client), "username": "admin", "password": ADMIN_PASSWORD},
    )
    assert english.status_code == 429 and "Too many failed sign-ins" in english.text
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.1.1"  # another computer is not held back
    assert sign_in(other, "viewer", VIEWER_PASSWORD).status_code == 302


def test_an_office_account_locks_after_five_wrong_passwords_from_any_address(office):
    clock = FixedClock(datetime(2026, 11, 22, 8, 0, 0))
    app = office.app()
    app.extensions["central"] = Central(office.central.engine, clock)
    addresses = [f"10.0.0.{i}" for i in range(1, 7)]
    clients = [app.test_client() for _ in addresses]
    for c, address in zip(clients, addresses, strict=True):
        c.environ_base["REMOTE_ADDR"] = address
    for c in clients[:5]:
        assert sign_in(c, "admin", "wrong-password").status_code == 401
    locked = sign_in(clients[5], "admin", ADMIN_PASSWORD)
    assert locked.status_code == 401 and "锁定" in locked.text
    clock.advance(minutes=5, seconds=1)
    assert sign_in(clients[5], "admin", ADMIN_PASSWORD).status_code == 302


# -- the shopkeeper's PIN -------------------------------------------------------------------------


@pytest.fixture
def admin_client(seeded):
    rt, cards = seeded
    staff.set_pin(rt.kiosk, PIN, actor="test")
    return create_app(rt, {"DEMO_CARDS": cards}).test_client()


def pin_post(client, pin: str):
    page = client.get("/admin/login").get_data(as_text=True)
    token = CSRF.search(page).group(1) if CSRF.search(page) else ""
    with client.session_transaction("/admin/") as sess:
        token = sess.get("csrf") or token
    return client.post("/admin/login", data={"csrf_token": token, "pin": pin})


def test_five_wrong_pins_lock_the_admin_screen_for_five_minutes(admin_client, seeded, clock):
    for tries_left in (4, 3, 2, 1):
        wrong = pin_post(admin_client, "000000")
        assert wrong.status_code == 401
        assert re.search(rf"\b{tries_left}\b", wrong.get_data(as_text=True))
    locked = pin_post(admin_client, "000000")
    assert locked.status_code == 401 and "锁定" in locked.get_data(as_text=True)
    assert pin_post(admin_client, PIN).status_code == 401  # the right PIN waits too
    with admin_client.session_transaction("/admin/") as sess:
        assert not sess.get("admin")
    clock.advance(minutes=5, seconds=1)
    assert pin_post(admin_client, PIN).status_code == 302


# -- the kiosk's sync worker ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("0", 0.0), ("99999", 3600.0), ("soon", None), ("", None), ("-3", None)],
)
def test_retry_after_is_read_as_seconds_and_capped(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_the_sync_worker_waits_as_long_as_central_asks_even_when_woken(kiosk):
    asked: list[float] = []
    lock = threading.Lock()

    def central(request: httpx.Request) -> httpx.Response:
        with lock:
            asked.append(time.monotonic())
        body = {"error": {"code": "rate_limited", "message": "too many requests"}}
        return httpx.Response(429, json=body, headers={"Retry-After": "1"})

    sync = SyncClient(
        kiosk.kiosk, "http://central", "ekt_x", transport=httpx.MockTransport(central)
    )
    with pytest.raises(SyncError) as refused:
        sync.sync_once()
    refused_at = time.monotonic()
    assert refused.value.retry_after == 1.0
    asked.clear()
    sync.start(interval=0.01)  # started within the pause: its first round sends nothing
    try:
        deadline = time.monotonic() + 0.7
        while time.monotonic() < deadline:  # a checkout wakes it again and again
            sync.wake()
            time.sleep(0.02)
        assert asked == []
        time.sleep(1.5)
        assert len(asked) >= 1  # and it does try again afterwards
        assert asked[0] - refused_at >= 0.9
        gaps = [b - a for a, b in itertools.pairwise(asked)]
        assert all(gap >= 0.95 for gap in gaps)
    finally:
        sync.stop(timeout=5)
