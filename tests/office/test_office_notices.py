"""The office posts announcements and schedules exchange days from its web page; a viewer may
read them but not post, and a bad form changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from sync.central.app import create_central_app
from sync.central.models import Announcement, Change, ExchangeDay
from tests.office.office_helpers import ADMIN_PASSWORD, VIEWER_PASSWORD, csrf, sign_in


def _count(c, model) -> int:
    with c.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_an_admin_posts_an_announcement_and_an_exchange_day_from_the_page(sqlite_central):
    client = create_central_app(sqlite_central).test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    page = client.get("/notices")
    assert page.status_code == 200 and "发布通知" in page.text
    token = csrf(client, "/notices")
    answer = client.post(
        "/notices/announcements",
        data={
            "csrf_token": token,
            "text": "周五停水",
            "starts": "2026-12-01",
            "ends": "2026-12-05",
            "store": "东村爱心超市",
        },
    )
    assert answer.status_code == 302
    client.post(
        "/notices/exchange-days",
        data={
            "csrf_token": token,
            "store": "东村爱心超市",
            "day": "2026-12-10",
            "hours": "09:00-12:00",
            "note": "带好积分卡",
        },
    )
    page = client.get("/notices").text
    assert "周五停水" in page and "2026-12-10" in page and "09:00-12:00" in page
    with sqlite_central.uow(write=False) as uow:
        kinds = list(uow.session.scalars(select(Change.kind).order_by(Change.id.desc()).limit(2)))
    assert kinds == ["exchange_day", "announcement"]


def test_a_bad_form_is_refused_in_words_and_changes_nothing(sqlite_central):
    client = create_central_app(sqlite_central).test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    token = csrf(client, "/notices")
    changes = _count(sqlite_central, Change)
    answer = client.post(
        "/notices/exchange-days",
        data={"csrf_token": token, "store": "东村爱心超市", "day": "2026-12-10", "hours": "9-12"},
        follow_redirects=True,
    )
    assert "未发布" in answer.text
    client.post(
        "/notices/announcements",
        data={"csrf_token": token, "text": "x", "starts": "2026-12-05", "ends": "2026-12-01"},
    )
    assert _count(sqlite_central, ExchangeDay) == _count(sqlite_central, Announcement) == 0
    assert _count(sqlite_central, Change) == changes


def test_a_viewer_reads_the_notices_but_cannot_post(sqlite_central):
    client = create_central_app(sqlite_central).test_client()
    sign_in(client, "viewer", VIEWER_PASSWORD)
    page = client.get("/notices")
    assert page.status_code == 200 and "发布通知" not in page.text
    answer = client.post(
        "/notices/announcements",
        data={
            "csrf_token": csrf(client, "/notices"),
            "text": "x",
            "starts": "2026-12-01",
            "ends": "2026-12-02",
        },
    )
    assert answer.status_code in (302, 403)
    assert _count(sqlite_central, Announcement) == 0
