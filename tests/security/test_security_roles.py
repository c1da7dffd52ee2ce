"""Each office role is refused every write its grants do not hold, on the web and through the API,
and nothing changes; no one approves a claim they recorded themselves."""

from __future__ import annotations

import pytest
from security_helpers import bearer, csrf, sign_in, state_of
from sqlalchemy import select
from test_security_access import SESSION_ONLY, form_for_everything, office_writes, write_rules

from kiosk.demo import claim_photo
from sync.central import models as cm
from sync.central.services import tokens as tokens_service
from sync.central.services.claims import record_claim
from sync.central.services.rules import check_rule, save_rules
from sync.central.services.users import add_user
from sync.central.states import GRANTS, Role

PASSWORD = "role-password-1"
ROLES = [Role.VIEWER, Role.GROUP_LEADER, Role.APPROVER]
RULE = {"code": "SWEEP", "name": "打扫公共区域", "category": "环境", "points": 20}


@pytest.fixture
def staffed(office):
    """The office fixture with a group leader, two approvers and a rule."""
    for name, role in (
        ("leader", "group_leader"),
        ("approver", "approver"),
        ("second", "approver"),
    ):
        add_user(office.central, name, PASSWORD, role)
    save_rules(office.central, [check_rule(RULE)], actor="test")
    return office


def user_of(role: Role) -> tuple[str, str]:
    from security_helpers import VIEWER_PASSWORD

    return {
        Role.VIEWER: ("viewer", VIEWER_PASSWORD),
        Role.GROUP_LEADER: ("leader", PASSWORD),
        Role.APPROVER: ("approver", PASSWORD),
    }[role]


def asks(app, endpoint: str):
    return app.view_functions[endpoint].asks


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_each_role_is_refused_every_office_write_it_is_not_granted(staffed, app, role):
    client = app.test_client()
    assert sign_in(client, *user_of(role)).status_code == 302
    before = state_of(staffed.central)
    walked = 0
    for endpoint, url, methods in office_writes(app):
        if endpoint in SESSION_ONLY or asks(app, endpoint) in GRANTS[role]:
            continue
        for method in methods:
            answer = client.open(url, method=method, data=form_for_everything(csrf(client, "/")))
            assert answer.status_code == 403, (role, endpoint, answer.status_code)
            assert "无权" in answer.text, endpoint
            walked += 1
    assert walked >= 20
    assert state_of(staffed.central) == before


OFFICE_API_WRITES = {
    "api_v1.adjust": {"points": 5, "reason": "核对"},
    "api_v1.rule_save": {**RULE, "points": 30},
    "api_v1.claim_record": {"rule": "SWEEP", "household_id": "H000001", "residents": []},
    "api_v1.claim_approve": {},
    "api_v1.claim_reject": {"reason": "不符"},
    "api_v1.announce": {"text": "通知", "starts": "2026-11-01", "ends": "2026-11-30"},
    "api_v1.exchange_day": {"store": "东村爱心超市", "day": "2026-11-20", "hours": "9-12"},
}


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_each_roles_token_is_refused_every_api_write_it_is_not_granted(staffed, app, role):
    client = app.test_client()
    token = tokens_service.office_token(staffed.central, role, "script", user=user_of(role)[0])
    before = state_of(staffed.central)
    routes = {e: (url, m) for e, url, m in write_rules(app, "/api/v1/") if e in OFFICE_API_WRITES}
    assert set(routes) == set(OFFICE_API_WRITES)
    for endpoint, (url, methods) in routes.items():
        if asks(app, endpoint) in GRANTS[role]:
            continue
        answer = client.open(
            url, method=methods[0], json=OFFICE_API_WRITES[endpoint], headers=bearer(token)
        )
        assert answer.status_code == 403, (role, endpoint, answer.status_code)
    assert state_of(staffed.central) == before


def _balance(office) -> int:
    with office.central.uow(write=False) as uow:
        return uow.session.get(cm.Household, "H000001").balance


def _status(office, claim_id: str) -> str:
    with office.central.uow(write=False) as uow:
        return uow.session.scalar(select(cm.Claim.status).where(cm.Claim.id == claim_id))


def test_an_approver_cannot_approve_a_claim_they_recorded_in_the_page(staffed, app):
    own = record_claim(
        staffed.central,
        "SWEEP",
        "H000001",
        ["H000001-1"],
        "扫街",
        [claim_photo("#90a4ae")],
        "approver",
    )
    approver = app.test_client()
    sign_in(approver, "approver", PASSWORD)
    before = _balance(staffed)
    answer = approver.post(
        f"/claims/{own}/approve", data={"csrf_token": csrf(approver, "/")}, follow_redirects=True
    )
    assert "未能审核" in answer.text and "录入人以外" in answer.text
    english = approver.post(
        f"/claims/{own}/approve?lang=en",
        data={"csrf_token": csrf(approver, "/")},
        follow_redirects=True,
    )
    assert "recorded" in english.text
    assert (_balance(staffed), _status(staffed, own)) == (before, "pending")
    second = app.test_client()
    sign_in(second, "second", PASSWORD)
    second.post(f"/claims/{own}/approve", data={"csrf_token": csrf(second, "/")})
    assert (_balance(staffed), _status(staffed, own)) == (before + 20, "approved")


def test_an_approver_cannot_approve_their_own_claim_through_the_api(staffed, app):
    client = app.test_client()
    token = tokens_service.office_token(staffed.central, "approver", "phone", user="approver")
    recorded = client.post(
        "/api/v1/claims",
        json={"rule": "SWEEP", "household_id": "H000001", "residents": ["H000001-1"]},
        headers=bearer(token),
    )
    assert recorded.status_code == 201
    claim_id = recorded.json["id"]
    before = _balance(staffed)
    # Neither with the token that recorded it, nor with another token of the same person,
    # nor signed in to the page as that person.
    other_token = tokens_service.office_token(
        staffed.central, "approver", "laptop", user="approver"
    )
    for headers in (bearer(token), bearer(other_token)):
        answer = client.post(f"/api/v1/claims/{claim_id}/approve", headers=headers)
        assert answer.status_code == 409 and answer.json["error"]["code"] == "claim_own"
    page = app.test_client()
    sign_in(page, "approver", PASSWORD)
    page.post(f"/claims/{claim_id}/approve", data={"csrf_token": csrf(page, "/")})
    assert (_balance(staffed), _status(staffed, claim_id)) == (before, "pending")
