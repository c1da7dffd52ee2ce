"""Office sessions end on the server: at sign-out, a new password, a new role, deactivation."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from office_helpers import ADMIN_PASSWORD, VIEWER_PASSWORD, csrf, sign_in
from sqlalchemy import func, select, update

from core.clock import FixedClock
from sync.central.app import create_central_app
from sync.central.context import Central
from sync.central.models import Alert, AuditEntry, OfficeUser
from sync.central.services import users


@pytest.fixture
def app(office_central: Central) -> Flask:
    return create_central_app(office_central)


def signed_in(app: Flask, user: str = "admin", password: str = ADMIN_PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, user, password).status_code == 302
    assert client.get("/").status_code == 200
    return client


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Return another browser holding a copy of client's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def is_signed_in(client: FlaskClient) -> bool:
    answer = client.get("/")
    assert answer.status_code in (200, 302)
    return answer.status_code == 200


def resolved(c: Central, alert_id: int = 1) -> bool:
    with c.uow(write=False) as uow:
        return uow.session.get(Alert, alert_id).resolved_at is not None


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(app):
    client = signed_in(app)
    thief = copy_of(app, client)
    assert is_signed_in(thief)  # the copy is the same session while it lasts
    token = csrf(thief, "/")
    assert client.post("/logout", data={"csrf_token": csrf(client, "/")}).status_code == 302
    assert not is_signed_in(thief)
    answer = thief.post("/alerts/1/resolve", data={"csrf_token": token})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_signing_out_ends_only_the_session_that_signs_out(app):
    office, home = signed_in(app), signed_in(app)
    office.post("/logout", data={"csrf_token": csrf(office, "/")})
    assert not is_signed_in(office)
    assert is_signed_in(home)


def test_a_new_password_ends_the_users_open_sessions(app, office_central):
    client, other = signed_in(app), signed_in(app, "viewer", VIEWER_PASSWORD)
    users.add_user(office_central, "admin", "a-new-password", "admin")
    assert not is_signed_in(client)
    assert is_signed_in(other)  # another user's session is untouched
    assert sign_in(app.test_client(), "admin", ADMIN_PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "admin", "a-new-password").status_code == 302


def test_a_demoted_admin_loses_admin_rights_at_once(app, office_central):
    client = signed_in(app)
    token = csrf(client, "/alerts")
    users.add_user(office_central, "admin", ADMIN_PASSWORD, "viewer")
    answer = client.post("/alerts/1/resolve", data={"csrf_token": token})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert not resolved(office_central)


def test_a_role_changed_in_the_database_applies_to_the_very_next_request(app, office_central):
    client = signed_in(app)
    token = csrf(client, "/alerts")
    with office_central.uow() as uow:
        uow.session.execute(
            update(OfficeUser).where(OfficeUser.username == "admin").values(role="viewer")
        )
        uow.commit()
    answer = client.post("/alerts/1/resolve", data={"csrf_token": token})
    assert answer.status_code == 403
    assert not resolved(office_central)
    assert "查看者" in client.get("/").text  # the page shows the role the database holds


def test_a_deactivated_user_is_signed_out_at_once_and_cannot_sign_in(app, office_central):
    client = signed_in(app)
    thief = copy_of(app, client)
    users.deactivate_user(office_central, "admin", actor="test")
    assert not is_signed_in(client) and not is_signed_in(thief)
    assert sign_in(app.test_client(), "admin", ADMIN_PASSWORD).status_code == 401
    users.add_user(office_central, "admin", ADMIN_PASSWORD, "admin")  # saving a user revives it
    assert sign_in(app.test_client(), "admin", ADMIN_PASSWORD).status_code == 302


def test_a_user_marked_inactive_in_the_database_is_signed_out_at_once(app, office_central):
    client = signed_in(app)
    with office_central.uow() as uow:
        uow.session.execute(
            update(OfficeUser).where(OfficeUser.username == "admin").values(active=False)
        )
        uow.commit()
    assert not is_signed_in(client)


def test_deactivating_an_unknown_user_says_so(office_central):
    with pytest.raises(users.RegistryError, match="no office user"):
        users.deactivate_user(office_central, "nobody", actor="test")


def test_a_session_ends_after_eight_idle_hours_and_after_twelve_hours_in_any_case(
    office_central,
):
    clock = FixedClock(datetime(2026, 11, 22, 8, 0, 0))
    app = create_central_app(office_central)
    app.extensions["central"] = Central(office_central.engine, clock)
    idle = signed_in(app)
    clock.advance(hours=8, seconds=1)
    assert not is_signed_in(idle)

    busy = signed_in(app)
    for _ in range(11):  # used every hour of a long day
        clock.advance(hours=1)
        assert is_signed_in(busy)
    clock.advance(hours=1)
    assert not is_signed_in(busy)


def test_signing_in_starts_a_new_session_and_a_new_csrf_token(app):
    client = app.test_client()
    before_token = csrf(client)
    planted = copy_of(app, client)  # a cookie an attacker got the browser to hold
    assert sign_in(client, "admin", ADMIN_PASSWORD).status_code == 302
    assert csrf(client, "/") != before_token
    assert client.get_cookie("session").value != planted.get_cookie("session").value
    assert not is_signed_in(planted)


def test_the_database_holds_only_a_digest_of_each_session_token(app, office_central):
    client = signed_in(app)
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    token = serializer.loads(client.get_cookie("session").value)["sid"]
    with office_central.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT id FROM office_sessions").scalars().all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_twenty_parallel_wrong_passwords_lock_the_account(office_central):
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def guess() -> None:
        start.wait()
        try:
            users.login(office_central, "admin", "wrong-password")
        except users.LoginRefused as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 20 and set(outcomes) <= {"wrong", "locked"}
    with pytest.raises(users.LoginRefused) as refused:
        users.login(office_central, "admin", ADMIN_PASSWORD)
    assert refused.value.code == "locked"
    with office_central.uow(write=False) as uow:
        locks = uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login_locked")
        )
    assert locks >= 1


def test_an_unknown_user_name_costs_one_password_hash_like_a_known_one(office_central, monkeypatch):
    from core.domain import passwords

    calls = []
    real = passwords.hashlib.scrypt
    monkeypatch.setattr(
        passwords.hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    with pytest.raises(users.LoginRefused):
        users.login(office_central, "nobody", "wrong-password")  # a first decoy may be made
    for name in ("nobody", "admin"):
        calls.clear()
        with pytest.raises(users.LoginRefused):
            users.login(office_central, name, "wrong-password")
        assert len(calls) == 1, name


def test_a_sign_in_posted_without_the_pages_token_signs_no_one_in(app):
    # Login CSRF: another site posting its own account's name and password into this browser.
    victim = app.test_client()
    victim.get("/login")
    answer = victim.post("/login", data={"username": "viewer", "password": VIEWER_PASSWORD})
    assert answer.status_code == 400 and "表单已过期" in answer.text
    forged = victim.post(
        "/login",
        data={"csrf_token": "a-token-of-the-attackers", "username": "viewer", "password": "x"},
    )
    assert forged.status_code == 400
    assert not is_signed_in(victim)


def test_signing_in_again_ends_the_browsers_previous_session(app):
    client = signed_in(app)
    thief = copy_of(app, client)
    assert sign_in(client, "viewer", VIEWER_PASSWORD).status_code == 302
    assert not is_signed_in(thief)
    assert "查看者" in client.get("/").text
