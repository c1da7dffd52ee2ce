"""Who gets into the admin screen: PIN, lockout, idle expiry, sign-out, CSRF, separate cookie."""

from __future__ import annotations

from kiosk.services import staff
from tests.admin.conftest import PIN, csrf_of, post

PAGES = [
    "/admin/",
    "/admin/stock",
    "/admin/restock",
    "/admin/goods",
    "/admin/goods/new",
    "/admin/goods/SOAP",
    "/admin/labels",
    "/admin/checkin",
    "/admin/checkin/ACT-SORT",
    "/admin/history",
    "/admin/exchanges/nothing",
    "/admin/receipts",
    "/admin/receipts/1",
    "/admin/status",
    "/admin/status.json",
    "/admin/summary",
    "/admin/audit",
    "/admin/settings",
    "/admin/claims",
    "/admin/claims/new",
]
ACTIONS = [
    "/admin/restock",
    "/admin/goods",
    "/admin/goods/SOAP/active",
    "/admin/labels",
    "/admin/checkin/start",
    "/admin/checkin/ACT-SORT/scan",
    "/admin/checkin/end",
    "/admin/exchanges/x/void",
    "/admin/receipts/1/reprint",
    "/admin/receipts/1/retry",
    "/admin/summary/print",
    "/admin/settings",
    "/admin/pin",
    "/admin/claims",
    "/admin/claims/photo",
    "/admin/claims/photo/0/remove",
]


def test_every_admin_page_asks_for_the_pin_first(client):
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].endswith("/admin/login"), path


def test_every_admin_page_opens_once_signed_in(admin):
    for path in PAGES:
        answer = admin.get(path)
        assert answer.status_code == (404 if "nothing" in path else 200), path


def test_every_admin_action_is_refused_without_the_pin(client, snapshot_rows):
    before = snapshot_rows()
    for path in ACTIONS:
        answer = post(client, path, {"product_code": "SOAP", "qty": "5", "source": "purchase"})
        assert answer.status_code == 302, path
        assert answer.headers["Location"].endswith("/admin/login"), path
    assert snapshot_rows() == before


def test_a_form_without_its_csrf_token_is_refused(admin, snapshot_rows):
    before = snapshot_rows()
    for path in ["/admin/login", *ACTIONS, "/admin/logout"]:
        answer = admin.post(path, data={"pin": PIN, "product_code": "SOAP", "qty": "5"})
        assert answer.status_code == 400, path
        assert "页面已过期" in answer.get_data(as_text=True)
        forged = admin.post(path, data={"csrf_token": "forged", "qty": "5"})
        assert forged.status_code == 400, path
    assert snapshot_rows() == before
    assert admin.get("/admin/").status_code == 200  # still signed in: nothing was done


def test_a_csrf_token_in_a_header_is_taken_for_scripts(admin, stock):
    answer = admin.post(
        "/admin/restock",
        data={"product_code": "SOAP", "qty": "5", "source": "purchase"},
        headers={"X-CSRF-Token": csrf_of(admin)},
    )
    assert answer.status_code == 302
    assert stock("SOAP") == 65


def test_the_right_pin_signs_in_and_is_audited(client, audit_actions):
    answer = post(client, "/admin/login", {"pin": PIN})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/admin/")
    assert audit_actions()[-1] == "login"


def test_a_wrong_pin_says_how_many_tries_are_left(client, audit_actions):
    answer = post(client, "/admin/login", {"pin": "000000"})
    assert answer.status_code == 401
    assert "密码不对，还可以试 4 次。" in answer.get_data(as_text=True)
    assert audit_actions()[-1] == "login_failed"


def test_five_wrong_pins_lock_the_screen_for_five_minutes(client, clock, audit_actions):
    for _ in range(5):
        answer = post(client, "/admin/login", {"pin": "000000"})
    assert "管理页面锁定 5 分钟" in answer.get_data(as_text=True)
    assert audit_actions()[-1] == "pin_locked"

    clock.advance(minutes=4, seconds=59)
    refused = post(client, "/admin/login", {"pin": PIN})
    assert refused.status_code == 401
    assert "锁定 1 分钟" in refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302

    clock.advance(seconds=2)
    assert post(client, "/admin/login", {"pin": PIN}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_lock_counts_wrong_pins_from_any_browser(app, client, audit_actions):
    other = app.test_client()
    for attempt in range(5):
        post(client if attempt % 2 else other, "/admin/login", {"pin": "999999"})
    answer = post(client, "/admin/login", {"pin": PIN})
    assert answer.status_code == 401
    assert "锁定" in answer.get_data(as_text=True)


def test_a_session_left_alone_expires(admin, clock, audit_actions):
    clock.advance(minutes=9)
    assert admin.get("/admin/stock").status_code == 200  # still in use: the clock starts again
    clock.advance(minutes=9)
    assert admin.get("/admin/stock").status_code == 200
    clock.advance(minutes=10, seconds=1)

    answer = admin.get("/admin/stock")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/admin/login")
    assert "长时间没有操作，已自动退出登录。" in admin.get("/admin/login").get_data(as_text=True)
    assert audit_actions()[-1] == "logout"


def test_the_idle_time_can_be_set_for_tests(app, admin, clock):
    app.config["ADMIN_IDLE_SECONDS"] = 30
    clock.advance(seconds=31)
    assert admin.get("/admin/").status_code == 302


def test_signing_out_ends_the_session_even_for_a_copied_cookie(app, admin, audit_actions):
    with admin.session_transaction("/admin/") as sess:
        copied = dict(sess)
    assert post(admin, "/admin/logout").status_code == 302
    assert audit_actions()[-1] == "logout"
    assert admin.get("/admin/").status_code == 302

    thief = app.test_client()
    with thief.session_transaction("/admin/") as sess:
        sess.update(copied)
    assert thief.get("/admin/").status_code == 302


def test_the_admin_cookie_is_kept_to_admin_pages_and_the_resident_screen_sets_none(client):
    page = client.get("/admin/login")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("kiosk_admin=")
    assert "Path=/admin" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie

    assert "Set-Cookie" not in client.get("/").headers
    assert "Set-Cookie" not in client.get("/api/session").headers
    assert "Set-Cookie" not in client.post("/api/scan", json={"code": "EKP:SALT"}).headers


def test_without_a_pin_the_admin_screen_says_how_to_set_one(rt, cards):
    from kiosk.storage.models import StaffMember
    from terminal_ui import create_app

    with rt.kiosk.uow() as uow:
        uow.session.query(StaffMember).delete()
        uow.commit()
    client = create_app(rt, {"DEMO_CARDS": cards}).test_client()
    page = client.get("/admin/login")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "还没有设置密码" in text and "kiosk set-pin" in text
    with client.session_transaction("/admin/") as sess:
        sess["csrf"] = "token"
    answer = client.post("/admin/login", data={"csrf_token": "token", "pin": staff.DEMO_PIN})
    assert answer.status_code == 503
    assert client.get("/admin/").status_code == 302


def test_admin_pages_forbid_framing_and_caching(admin):
    answer = admin.get("/admin/")
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]


def test_the_admin_screen_speaks_english_when_asked(admin):
    page = admin.get("/admin/?lang=en").get_data(as_text=True)
    assert "What would you like to do?" in page
    assert "Receive goods" in admin.get("/admin/stock").get_data(as_text=True)  # remembered


def test_a_background_refresh_neither_counts_as_use_nor_rewrites_the_cookie(admin, clock):
    clock.advance(minutes=9)
    answer = admin.get("/admin/checkin/ACT-SORT/list")
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    clock.advance(minutes=2)
    assert admin.get("/admin/status.json").status_code == 302  # 11 minutes since real use
