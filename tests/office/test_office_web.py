"""The office web: sign-in and roles, CSRF, records, cards, awards, reports and exports."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from core.domain.codes import token_hash
from sync.central.app import create_central_app
from sync.central.queries import totals
from sync.central.server import open_central
from sync.central.services import activities as activities_service
from sync.central.services import kiosks as kiosks_service
from sync.central.services import roster as roster_service
from sync.central.services.users import add_user


@pytest.fixture
def central(tmp_path):
    c = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    roster_service.add_roster(
        c,
        [
            roster_service.RosterRow(2, "王建国家", "王建国", "", 100),
            roster_service.RosterRow(3, "王建国家", "李秀英", "", 100),
            roster_service.RosterRow(4, "张伟家", "张伟", "", 30),
        ],
    )
    kiosks_service.enroll(c, "东村爱心超市", "K001")
    activities_service.define_activity(
        c, "SORT", "垃圾分类积分日", "垃圾分类", date(2026, 11, 1), 10
    )
    add_user(c, "admin", "admin-password", "admin")
    add_user(c, "viewer", "viewer-password", "viewer")
    yield c
    c.engine.dispose()


@pytest.fixture
def client(central):
    return create_central_app(central).test_client()


def csrf(client, path="/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def sign_in(client, user: str, password: str):
    return client.post(
        "/login", data={"csrf_token": csrf(client), "username": user, "password": password}
    )


def test_pages_need_a_signed_in_user(client):
    assert client.get("/").status_code == 302
    assert "/login" in client.get("/households").headers["Location"]


def test_a_wrong_password_is_refused_and_five_lock_the_account(client):
    for _ in range(5):
        assert sign_in(client, "admin", "wrong-password").status_code == 401
    locked = sign_in(client, "admin", "admin-password")
    assert locked.status_code == 401
    assert "锁定" in locked.text


def test_a_form_without_the_csrf_token_is_refused(client):
    sign_in(client, "admin", "admin-password")
    answer = client.post(
        "/activities",
        data={"code": "X", "name": "x", "type": "x", "day": "2026-11-02", "points": "5"},
    )
    assert answer.status_code == 400


def test_the_dashboard_shows_the_programme_figures(client):
    assert sign_in(client, "viewer", "viewer-password").status_code == 302
    page = client.get("/").text
    assert "注册居民" in page and "<svg" in page
    assert re.search(r'data-figure="registered_residents"><span class="value">3<', page)


def test_a_viewer_may_read_but_not_award(client, central):
    sign_in(client, "viewer", "viewer-password")
    token = csrf(client, "/activities/ACT-SORT")
    answer = client.post(
        "/activities/ACT-SORT/award", data={"csrf_token": token, "resident": ["H000001-1"]}
    )
    assert answer.status_code == 403
    with central.uow(write=False) as uow:
        from sqlalchemy import func, select

        from sync.central.models import CheckIn

        assert uow.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_an_admin_awards_points_once_per_resident(client, central):
    sign_in(client, "admin", "admin-password")
    token = csrf(client, "/activities/ACT-SORT")
    for _ in range(2):
        client.post(
            "/activities/ACT-SORT/award",
            data={"csrf_token": token, "resident": ["H000001-1", "H000002-1"]},
        )
    from sync.central.queries.stats import household

    assert household(central, "H000001")["balance"] == 110
    assert household(central, "H000002")["balance"] == 40


def test_a_roster_upload_with_a_bad_row_imports_nothing(client, central):
    sign_in(client, "admin", "admin-password")
    roster = "household,resident,phone,opening_points\n赵家,赵一,,10\n钱家,,,5\n".encode()
    answer = client.post(
        "/households/import",
        follow_redirects=True,
        data={
            "csrf_token": csrf(client, "/households"),
            "file": (io.BytesIO(roster), "roster.csv"),
        },
        content_type="multipart/form-data",
    )
    assert "line 3" in answer.text
    from sync.central.queries.stats import stats

    assert stats(central)["households"] == 2


def test_issuing_cards_downloads_a_pdf_and_the_cards_work(client, central):
    sign_in(client, "admin", "admin-password")
    answer = client.post("/cards/issue", data={"csrf_token": csrf(client, "/households")})
    assert answer.status_code == 200
    assert answer.data.startswith(b"%PDF")
    from sqlalchemy import select

    from sync.central.models import Card

    with central.uow(write=False) as uow:
        hashes = set(uow.session.scalars(select(Card.token_hash)))
    assert len(hashes) == 3
    assert token_hash("A" * 26) not in hashes


def test_reports_export_as_csv_and_xlsx(client):
    sign_in(client, "viewer", "viewer-password")
    csv = client.get("/reports/monthly.csv")
    assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode())
    assert "月份" in csv.data.decode("utf-8-sig").splitlines()[0]
    xlsx = client.get("/reports/donors.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(1, 1).value == "捐赠方"
    assert client.get("/reports/statement").status_code == 200
    assert client.get("/kiosks").status_code == 200 and "K001" in client.get("/kiosks").text


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-02", "9999-12-30"),  # past the last month the calendar can reach
        ("2026-01-01", "9999-12-31"),
        ("0500-01-01", "0500-03-31"),  # years the month keys could not sort
        ("2026-03-01", "2026-02-01"),  # ends before it starts
        ("2026-02-30", "2026-03-01"),  # no such day
    ],
)
def test_a_statement_for_an_impossible_period_is_refused_with_a_message(client, start, end):
    sign_in(client, "viewer", "viewer-password")
    answer = client.get(f"/reports/statement?from={start}&to={end}")
    assert answer.status_code == 200
    assert '<p class="flash error" role="alert">请选择 1900 年至 9000 年之间的日期' in answer.text


def test_times_are_shown_in_the_programmes_time_zone(client, central, monkeypatch):
    from datetime import datetime

    from sync.central.models import Kiosk

    with central.uow() as uow:
        uow.session.get(Kiosk, "K001").last_seen = datetime(2026, 3, 1, 20, 30)  # stored in UTC
        uow.commit()
    sign_in(client, "viewer", "viewer-password")
    assert "2026-03-02 04:30" in client.get("/kiosks").text  # Beijing time by default
    # The programme's zone is kept with its data: the environment only seeds a new database.
    monkeypatch.setenv("KIOSK_CENTRAL_TIMEZONE", "Europe/London")
    assert "2026-03-02 04:30" in client.get("/kiosks").text
    with central.engine.begin() as conn:
        totals.set_zone(conn, "Europe/London")
    assert "2026-03-01 20:30" in client.get("/kiosks").text  # the running server follows


def test_the_activities_list_comes_a_page_at_a_time_newest_first(client, central):
    from datetime import timedelta

    first = date(2025, 1, 1)
    for i in range(60):
        activities_service.define_activity(
            central, f"A{i:03d}", f"活动{i:03d}", "义务打扫", first + timedelta(days=i), 5
        )
    sign_in(client, "viewer", "viewer-password")
    page1 = client.get("/activities").text
    assert "活动059" in page1 and "活动010" not in page1 and "1 / 2" in page1
    page2 = client.get("/activities?page=2").text
    assert "活动009" in page2 and "活动059" not in page2
    assert "垃圾分类积分日" in page1  # the fixture's 2026 activity is the newest


def test_an_admin_adjusts_a_households_points_with_a_reason_shown_in_its_history(client, central):
    from sync.central.queries.stats import household

    sign_in(client, "admin", "admin-password")
    token = csrf(client, "/households/H000001")
    done = client.post(
        "/households/H000001/adjust",
        data={"csrf_token": token, "points": "-30", "reason": "重复登记，扣回"},
        follow_redirects=True,
    )
    assert "已调整 -30 分，现余额 70 分" in done.text
    assert "重复登记，扣回" in done.text  # the reason beside the entry
    assert household(central, "H000001")["balance"] == 70
    for bad in ({"points": "0", "reason": "x"}, {"points": "5", "reason": " "}, {"points": "x"}):
        refused = client.post(
            "/households/H000001/adjust",
            data={"csrf_token": token, **bad},
            follow_redirects=True,
        )
        assert "未调整" in refused.text
    assert household(central, "H000001")["balance"] == 70


def test_a_viewer_cannot_adjust_points(client, central):
    from sync.central.queries.stats import household

    sign_in(client, "viewer", "viewer-password")
    page = client.get("/households/H000001")
    assert "调整积分" not in page.text
    token = csrf(client, "/households/H000001")
    answer = client.post(
        "/households/H000001/adjust", data={"csrf_token": token, "points": "50", "reason": "x"}
    )
    assert answer.status_code == 403
    assert household(central, "H000001")["balance"] == 100


@pytest.mark.parametrize(
    ("path", "form", "shown"),
    [
        (
            "/activities",
            {"code": "SORT", "name": "再来一次", "type": "x", "day": "2026-11-02", "points": "5"},
            "编码为 SORT 的活动已存在",
        ),
        (
            "/activities",
            {"code": "NEW", "name": "新活动", "type": "x", "day": "2026-11-02", "points": "lots"},
            "积分须为 1 到 100000 之间的整数",
        ),
        (
            "/activities",
            {"code": "NEW", "name": "新活动", "type": "x", "day": "tomorrow", "points": "5"},
            "日期格式须如 2026-11-01",
        ),
        ("/stores/1/allowance", {"allowance": "-5"}, "额度须为 0 到 100000 之间的整数"),
        ("/stores/1/allowance", {"allowance": "many"}, "额度须为 0 到 100000 之间的整数"),
        (
            "/households/H000001/adjust",
            {"points": "999999", "reason": "x"},
            "未调整：积分须在 -100000 到 100000 之间，且不能为 0",
        ),
    ],
)
def test_a_refused_office_request_says_why_in_chinese(client, path, form, shown):
    sign_in(client, "admin", "admin-password")
    answer = client.post(
        path, data={"csrf_token": csrf(client, "/"), **form}, follow_redirects=True
    )
    assert answer.status_code == 200
    assert f'<p class="flash error" role="alert">{shown}' in answer.text


def test_a_refused_office_request_says_why_in_english_when_asked(client):
    sign_in(client, "admin", "admin-password")
    client.set_cookie("lang", "en")
    answer = client.post(
        "/stores/1/allowance",
        data={"csrf_token": csrf(client, "/"), "allowance": "-5"},
        follow_redirects=True,
    )
    assert "the allowance must be a whole number from 0 to 100000" in answer.text
