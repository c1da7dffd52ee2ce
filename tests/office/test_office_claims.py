"""The office web's rule book and claims: an admin edits rules, a group leader records a claim
with photos, an approver approves or rejects it; photos are served only to signed-in users."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from office_helpers import csrf, sign_in
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from sync.central.app import create_central_app
from sync.central.models import AuditEntry, Claim, ClaimPhoto, Household
from sync.central.services.rules import check_rule, save_rules
from sync.central.services.users import add_user

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from claim_photos import photo

PASSWORD = "claims-password"


@pytest.fixture
def central(office_central):
    c = office_central
    save_rules(
        c,
        [
            check_rule({"code": "SWEEP", "name": "打扫公共区域", "category": "环境", "points": 20}),
            check_rule({"code": "LITTER", "name": "乱扔垃圾", "category": "环境", "points": -50}),
        ],
        actor="test",
    )
    add_user(c, "leader", PASSWORD, "group_leader")
    add_user(c, "approver", PASSWORD, "approver")
    return c


@pytest.fixture
def app(central):
    return create_central_app(central)


def signed(app, user: str, password: str = PASSWORD):
    client = app.test_client()
    assert sign_in(client, user, password).status_code == 302
    return client


def balance(c, household_id: str = "H000001") -> int:
    with c.uow(write=False) as uow:
        return uow.session.get(Household, household_id).balance


def record(client, rule: str = "SWEEP", photos=(), household: str = "H000001"):
    token = csrf(client, f"/claims/new?household={household}")
    fields = MultiDict(
        {
            "csrf_token": token,
            "household": household,
            "rule": rule,
            "resident": f"{household}-1",
            "note": "打扫村口",
        }
    )
    for i, data in enumerate(photos):
        fields.add("photos", FileStorage(io.BytesIO(data), f"p{i}.jpg", "photos", "image/jpeg"))
    # Encoded here, in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart(fields)
    return client.post(  # the form's address carries the token too (read before the upload)
        f"/claims?csrf_token={token}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def claim_ids(c) -> list[str]:
    with c.uow(write=False) as uow:
        return list(uow.session.scalars(select(Claim.id).order_by(Claim.recorded_at)))


def test_an_admin_adds_and_edits_a_rule_in_the_page(app, central):
    admin = signed(app, "admin", "admin-password")
    form = {
        "csrf_token": csrf(admin, "/rules"),
        "code": "help",
        "name": "帮扶五保户",
        "category": "邻里互助",
        "points": "15",
        "evidence": "photo",
        "approver": "town",
        "cap_scope": "resident",
        "cap_period": "month",
        "cap_count": "2",
        "active": "1",
    }
    assert "细则 HELP 已新增" in admin.post("/rules", data=form, follow_redirects=True).text
    page = admin.get("/rules?edit=HELP").text
    assert 'value="帮扶五保户"' in page and "编辑细则 HELP" in page
    changed = admin.post(
        "/rules", data={**form, "points": "-5", "active": ""}, follow_redirects=True
    )
    assert "细则 HELP 已保存" in changed.text
    bad = admin.post("/rules", data={**form, "points": "0"}, follow_redirects=True)
    assert "未保存" in bad.text and "不能为 0" in bad.text
    from sync.central.queries.rules import rule

    assert (rule(central, "HELP")["points"], rule(central, "HELP")["active"]) == (-5, False)


def test_a_viewer_and_a_group_leader_may_read_rules_but_not_write_them(app, central):
    for user, password in (("viewer", "viewer-password"), ("leader", PASSWORD)):
        client = signed(app, user, password)
        assert client.get("/rules").status_code == 200
        form = {"csrf_token": csrf(client, "/rules"), "code": "X", "name": "x", "category": "x"}
        assert client.post("/rules", data={**form, "points": "5"}).status_code == 403
    from sync.central.queries.rules import rules

    assert {r["code"] for r in rules(central)} == {"SWEEP", "LITTER"}


def test_a_group_leader_records_a_claim_with_photos_and_an_approver_approves_it(app, central):
    leader = signed(app, "leader", PASSWORD)
    answer = record(leader, photos=[photo("JPEG"), photo("PNG")])
    assert answer.status_code == 302
    [claim_id] = claim_ids(central)
    page = leader.get(answer.headers["Location"]).text
    assert "申报已记录" in page and "待审核" in page
    assert 'id="approve-form"' not in page  # a group leader does not approve
    assert (
        leader.post(
            f"/claims/{claim_id}/approve", data={"csrf_token": csrf(leader, "/claims")}
        ).status_code
        == 403
    )
    assert balance(central) == 100
    approver = signed(app, "approver")
    shown = approver.get(f"/claims/{claim_id}").text
    assert 'id="approve-form"' in shown and shown.count("/photos/") == 4  # two links, two images
    done = approver.post(
        f"/claims/{claim_id}/approve",
        data={"csrf_token": csrf(approver, f"/claims/{claim_id}")},
        follow_redirects=True,
    )
    assert "已通过：记入 +20 分" in done.text
    assert balance(central) == 120
    again = approver.post(
        f"/claims/{claim_id}/approve",
        data={"csrf_token": csrf(approver, f"/claims/{claim_id}")},
        follow_redirects=True,
    )
    assert "未能审核" in again.text and balance(central) == 120
    household = approver.get("/households/H000001").text
    assert "打扫公共区域: 打扫村口" in household and "approver" in household


def test_a_deduction_beyond_the_balance_shows_what_was_not_deducted(app, central):
    leader = signed(app, "leader", PASSWORD)
    record(leader, rule="LITTER", household="H000002")  # 张伟家 holds 30
    [claim_id] = claim_ids(central)
    approver = signed(app, "approver")
    done = approver.post(
        f"/claims/{claim_id}/approve",
        data={"csrf_token": csrf(approver, f"/claims/{claim_id}")},
        follow_redirects=True,
    )
    assert "扣除 30 分" in done.text and "20 分未能扣除" in done.text
    assert balance(central, "H000002") == 0
    household = approver.get("/households/H000002").text
    assert "未扣分数" in household and re.search(r'class="n shortfall">20<', household)


def test_an_approver_rejects_with_a_reason_and_nothing_is_booked(app, central):
    record(signed(app, "leader", PASSWORD))
    [claim_id] = claim_ids(central)
    approver = signed(app, "approver")
    token = csrf(approver, f"/claims/{claim_id}")
    empty = approver.post(f"/claims/{claim_id}/reject", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 302 and balance(central) == 100
    done = approver.post(
        f"/claims/{claim_id}/reject",
        data={"csrf_token": token, "reason": "照片不清楚"},
        follow_redirects=True,
    )
    assert "已驳回" in done.text and "照片不清楚" in done.text
    assert balance(central) == 100
    with central.uow(write=False) as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target == claim_id)
        )
        assert list(actions) == ["claim_record", "claim_reject"]


def test_a_viewer_cannot_record_or_decide(app, central):
    viewer = signed(app, "viewer", "viewer-password")
    assert viewer.get("/claims/new").status_code == 403
    assert record(viewer).status_code in (400, 403)
    assert claim_ids(central) == []
    record(signed(app, "leader", PASSWORD))
    [claim_id] = claim_ids(central)
    token = csrf(viewer, "/claims")
    assert viewer.post(f"/claims/{claim_id}/approve", data={"csrf_token": token}).status_code == 403
    assert (
        viewer.post(
            f"/claims/{claim_id}/reject", data={"csrf_token": token, "reason": "x"}
        ).status_code
        == 403
    )
    assert viewer.get("/claims").status_code == 200  # a viewer reads the list


@pytest.mark.parametrize(
    ("photos", "shown"),
    [
        ([b"<script>alert(1)</script>"], "照片必须是 JPEG、PNG 或 WebP 图片"),
        ([photo("GIF")], "照片必须是 JPEG、PNG 或 WebP 图片"),
        ([b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024)], "每张照片不能超过 2 MB"),
        ([photo()] * 5, "最多 4 张照片"),
    ],
)
def test_a_photo_that_is_not_a_small_image_is_refused_in_the_page(app, central, photos, shown):
    leader = signed(app, "leader", PASSWORD)
    answer = record(leader, photos=photos)
    assert answer.status_code == 302
    assert shown in leader.get(answer.headers["Location"]).text
    with central.uow(write=False) as uow:
        assert uow.session.scalar(select(ClaimPhoto.id)) is None
    assert claim_ids(central) == []


def test_photos_are_served_only_to_signed_in_users_as_the_type_checked(app, central):
    record(signed(app, "leader", PASSWORD), photos=[photo("PNG")])
    [claim_id] = claim_ids(central)
    anonymous = app.test_client()
    assert anonymous.get(f"/claims/{claim_id}/photos/1").status_code == 302  # to sign in
    viewer = signed(app, "viewer", "viewer-password")
    served = viewer.get(f"/claims/{claim_id}/photos/1")
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert viewer.get(f"/claims/{claim_id}/photos/2").status_code == 404
    assert viewer.get("/claims/nope/photos/1").status_code == 404


def test_claims_are_listed_by_state_and_rule(app, central):
    leader = signed(app, "leader", PASSWORD)
    record(leader, rule="SWEEP")
    record(leader, rule="LITTER")
    listed = leader.get("/claims").text
    assert listed.count('class="claim pending"') == 2
    only = leader.get("/claims?status=pending&rule=LITTER").text
    assert only.count('class="claim pending"') == 1 and "乱扔垃圾" in only
    assert leader.get("/claims?status=approved").text.count('class="claim ') == 0
    assert leader.get("/claims?status=bogus").status_code == 200


def test_an_activity_names_the_rule_it_applies(app, central):
    admin = signed(app, "admin", "admin-password")
    form = {
        "csrf_token": csrf(admin, "/activities"),
        "code": "CLEAN",
        "name": "清洁日",
        "type": "清洁",
        "day": "2026-11-03",
        "points": "5",
        "rule": "SWEEP",
    }
    page = admin.get("/activities").text
    assert '<option value="SWEEP">' in page
    admin.post("/activities", data=form)
    assert re.search(r"清洁日</a>.*?<td>SWEEP</td>", admin.get("/activities").text, re.S)
    refused = admin.post(
        "/activities", data={**form, "code": "OTHER", "rule": "NOPE"}, follow_redirects=True
    )
    assert "没有细则 NOPE" in refused.text


def test_an_office_correction_shows_who_made_it_and_why_in_the_household_page(app, central):
    admin = signed(app, "admin", "admin-password")
    token = csrf(admin, "/households/H000001")
    form = {"csrf_token": token, "points": "-7", "reason": "多领一桶油"}
    admin.post("/households/H000001/adjust", data=form)
    viewer = signed(app, "viewer", "viewer-password")
    page = viewer.get("/households/H000001").text
    row = re.search(r"<tr><td>[^<]*</td><td>[^<]*</td><td class=\"n\">-7</td>.*?</tr>", page)
    assert row and "多领一桶油" in row.group(0) and "<td>admin</td>" in row.group(0)
    assert balance(central) == 93
