"""Staff at the kiosk: each person signs in with their own PIN and role, and is named for what
they do."""

from __future__ import annotations

import pytest

from kiosk.services import day_report, staff, times
from kiosk.storage.models import AuditEntry
from printer.receipt import DailySummary
from tests.admin.conftest import PIN, post

VOLUNTEER_PIN = "864213"


def _add_volunteer(admin, name="志愿者小李", pin=VOLUNTEER_PIN):
    return post(
        admin,
        "/admin/staff",
        {"name": name, "role": "volunteer", "pin": pin, "pin_again": pin},
    )


def _signed_in(app, pin):
    client = app.test_client()
    answer = post(client, "/admin/login", {"pin": pin})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client, answer


def _actors(rt, action):
    with rt.kiosk.uow(write=False) as uow:
        return [
            a.actor
            for a in uow.session.query(AuditEntry)
            .filter(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        ]


def test_a_shopkeeper_adds_a_volunteer_who_signs_in_with_their_own_pin(admin, app, rt):
    answer = _add_volunteer(admin)
    assert answer.status_code == 302
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert "志愿者小李" in page and "店主" in page
    _, signed = _signed_in(app, VOLUNTEER_PIN)
    assert signed.headers["Location"].endswith("/admin/checkin")
    people = {p.name: p for p in staff.members(rt.kiosk)}
    assert people["志愿者小李"].role == "volunteer"
    assert _actors(rt, "login")[-1] == people["志愿者小李"].actor
    assert _actors(rt, "staff_add") == [people["店主"].actor]


@pytest.mark.parametrize(
    "path, form",
    [
        ("/admin/restock", {"product_code": "SOAP", "qty": "5", "source": "purchase"}),
        ("/admin/exchanges/X/void", {"reason": "mistake"}),
        ("/admin/summary/print", {}),
        ("/admin/staff", {"name": "x", "role": "shopkeeper", "pin": "1111", "pin_again": "1111"}),
        ("/admin/staff/1/remove", {}),
        ("/admin/settings", {"voice": "on", "low_stock": "1"}),
        ("/admin/window", {"enabled": "on", "hours": "09:00-11:00"}),
    ],
)
def test_a_volunteer_is_refused_everything_but_check_ins_and_nothing_changes(
    admin, app, rt, snapshot_rows, path, form
):
    _add_volunteer(admin)
    volunteer, _ = _signed_in(app, VOLUNTEER_PIN)
    before = snapshot_rows()
    answer = post(volunteer, path, form)
    assert answer.status_code == 403
    assert "只有店主能做这件事" in answer.get_data(as_text=True)
    assert snapshot_rows() == before
    assert volunteer.get("/admin/stock").status_code == 403
    assert volunteer.get("/admin/checkin").status_code == 200


def test_a_volunteer_runs_a_check_in_and_the_credit_names_them(admin, app, rt, card):
    _add_volunteer(admin)
    volunteer, _ = _signed_in(app, VOLUNTEER_PIN)
    answer = post(volunteer, "/admin/checkin/ACT-CLEAN/scan", {"code": card("张伟")["code"]})
    assert answer.status_code == 302
    helper = next(p for p in staff.members(rt.kiosk) if p.name == "志愿者小李")
    assert _actors(rt, "checkin") == [helper.actor]


def test_two_people_cannot_share_a_pin_and_a_bad_pin_is_refused(admin, rt):
    taken = _add_volunteer(admin, pin=PIN)
    assert taken.status_code == 400
    assert "名单上已有人用这个密码" in taken.get_data(as_text=True)
    short = _add_volunteer(admin, pin="12")
    assert short.status_code == 400
    odd = post(
        admin, "/admin/staff", {"name": "x", "role": "boss", "pin": "5555", "pin_again": "5555"}
    )
    assert odd.status_code == 400 and "请选择店主或志愿者" in odd.get_data(as_text=True)
    assert [p.name for p in staff.members(rt.kiosk)] == ["店主"]


def test_the_last_shopkeeper_cannot_be_removed(admin, rt):
    first = staff.members(rt.kiosk)[0]
    answer = post(admin, f"/admin/staff/{first.id}/remove")
    assert answer.status_code == 400
    assert "不能移除最后一位店主" in answer.get_data(as_text=True)
    assert staff.members(rt.kiosk) == [first]


def test_removing_someone_ends_their_session_and_their_pin(admin, app, rt):
    _add_volunteer(admin)
    volunteer, _ = _signed_in(app, VOLUNTEER_PIN)
    helper = next(p for p in staff.members(rt.kiosk) if p.name == "志愿者小李")
    assert post(admin, f"/admin/staff/{helper.id}/remove").status_code == 302
    assert volunteer.get("/admin/checkin").status_code == 302  # back to the sign-in page
    refused = post(app.test_client(), "/admin/login", {"pin": VOLUNTEER_PIN})
    assert refused.status_code == 401


def test_wrong_pins_of_anyone_lock_the_screen_as_before(app, rt):
    client = app.test_client()
    for _ in range(staff.MAX_FAILURES):
        answer = post(client, "/admin/login", {"pin": "000000"})
    assert answer.status_code == 401
    assert staff.lock_seconds_left(rt.kiosk) > 0
    assert post(client, "/admin/login", {"pin": PIN}).status_code == 401


def test_the_daily_summary_lists_who_did_what_on_screen_and_on_the_slip(admin, app, rt, card):
    _add_volunteer(admin)
    volunteer, _ = _signed_in(app, VOLUNTEER_PIN)
    post(volunteer, "/admin/checkin/ACT-CLEAN/scan", {"code": card("张伟")["code"]})
    post(admin, "/admin/restock", {"product_code": "SOAP", "qty": "5", "source": "purchase"})
    day = times.today(rt.kiosk)
    figures = day_report.day_figures(rt.kiosk, day)
    assert ("志愿者小李", "checkin", 1) in figures["staff_work"]
    assert ("店主", "restock", 1) in figures["staff_work"]
    assert not any(action == "login" for _, action, _ in figures["staff_work"])
    page = admin.get("/admin/summary").get_data(as_text=True)
    assert "谁做了什么" in page and "志愿者小李" in page
    slip = day_report.summary_figures(rt.kiosk, day)
    assert isinstance(slip, DailySummary)
    from printer.layout import layout, to_text

    text = to_text(layout(slip, 32), 32)
    assert "店员操作" in text and "志愿者小李 活动签到" in text and "店主 入库" in text


def test_the_demo_volunteer_pin_warns_like_the_demo_shopkeeper_pin(admin, app, rt):
    staff.add_member(rt.kiosk, "小李", "volunteer", staff.DEMO_VOLUNTEER_PIN, actor="demo")
    volunteer, _ = _signed_in(app, staff.DEMO_VOLUNTEER_PIN)
    page = volunteer.get("/admin/checkin").get_data(as_text=True)
    assert 'id="demo-pin-warning"' in page
