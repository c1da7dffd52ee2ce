"""A rule names who approves its claims: a village's approver decides village-level rules only,
a town's approver decides both, for the villages of their own town; the API and the office web
refuse alike, in words, and change nothing."""

from __future__ import annotations

import pytest
from area_helpers import PASSWORD, TOWN_A, TOWN_B, VILLAGE_A, seed_towns
from office_helpers import csrf, sign_in

from sync.central.app import create_central_app
from sync.central.models import AuditEntry, Claim, Household
from sync.central.services import tokens
from sync.central.services.claims import record_claim
from sync.central.services.rules import check_rule, save_rules
from sync.central.services.users import add_user


@pytest.fixture
def towns(office_central):
    c = office_central
    towns = seed_towns(c)
    save_rules(
        c,
        [
            check_rule({"code": "SWEEP", "name": "打扫村道", "category": "环境", "points": 10}),
            check_rule(
                {
                    "code": "RESCUE",
                    "name": "见义勇为",
                    "category": "文明",
                    "points": 200,
                    "approver": "town",
                }
            ),
        ],
        actor="test",
    )
    add_user(c, "village_ok", PASSWORD, "approver", area=VILLAGE_A)
    add_user(c, "town_ok", PASSWORD, "approver", area=TOWN_A)
    add_user(c, "other_town", PASSWORD, "approver", area=TOWN_B)
    return towns


def _claim(c, rule: str, household: str) -> str:
    return record_claim(c, rule, household, note="村口", actor="leader_a")


def _state(c, claim_id: str) -> tuple[str, int, int]:
    with c.uow(write=False) as uow:
        s = uow.session
        claim = s.get(Claim, claim_id)
        balance = s.get(Household, claim.household_id).balance
        audits = s.query(AuditEntry).filter(AuditEntry.target == claim_id).count()
        return claim.status, balance, audits


def test_a_village_approver_may_not_approve_or_reject_a_town_rule_through_the_api(
    office_central, towns
):
    c = office_central
    claim_id = _claim(c, "RESCUE", towns.household_a)
    before = _state(c, claim_id)
    client = create_central_app(c).test_client()
    auth = {"Authorization": f"Bearer {tokens.office_token(c, user='village_ok')}"}
    zh = {**auth, "Accept-Language": "zh-CN,zh;q=0.9"}
    refused = client.post(f"/api/v1/claims/{claim_id}/approve", headers=zh)
    assert refused.status_code == 403
    error = refused.get_json()["error"]
    assert error["code"] == "approver_level"
    assert "细则 RESCUE 由镇级审核" in error["message"]
    english = client.post(f"/api/v1/claims/{claim_id}/approve", headers=auth)
    assert english.status_code == 403
    assert "decided by the town" in english.get_json()["error"]["message"]
    rejected = client.post(
        f"/api/v1/claims/{claim_id}/reject", json={"reason": "不像"}, headers=auth
    )
    assert rejected.status_code == 403
    assert _state(c, claim_id) == before == ("pending", before[1], 1)


def test_a_village_approver_still_approves_a_village_rule(office_central, towns):
    c = office_central
    claim_id = _claim(c, "SWEEP", towns.household_a)
    client = create_central_app(c).test_client()
    auth = {"Authorization": f"Bearer {tokens.office_token(c, user='village_ok')}"}
    done = client.post(f"/api/v1/claims/{claim_id}/approve", headers=auth)
    assert done.status_code == 200, done.text
    assert done.get_json()["status"] == "approved"


def test_a_town_approver_approves_both_levels_for_villages_of_their_town_only(
    office_central, towns
):
    c = office_central
    town_rule = _claim(c, "RESCUE", towns.household_a)
    village_rule = _claim(c, "SWEEP", towns.household_a)
    elsewhere = _claim(c, "RESCUE", towns.household_b)
    client = create_central_app(c).test_client()
    auth = {"Authorization": f"Bearer {tokens.office_token(c, user='town_ok')}"}
    for claim_id in (town_rule, village_rule):
        done = client.post(f"/api/v1/claims/{claim_id}/approve", headers=auth)
        assert done.status_code == 200, done.text
    assert _state(c, town_rule)[0] == _state(c, village_rule)[0] == "approved"
    # Another town's household is not there for this approver.
    assert client.post(f"/api/v1/claims/{elsewhere}/approve", headers=auth).status_code == 404
    assert _state(c, elsewhere)[0] == "pending"


def test_the_office_web_refuses_a_village_approver_a_town_rule_in_words(office_central, towns):
    c = office_central
    claim_id = _claim(c, "RESCUE", towns.household_a)
    before = _state(c, claim_id)
    client = create_central_app(c).test_client()
    assert sign_in(client, "village_ok", PASSWORD).status_code == 302
    shown = client.get(f"/claims/{claim_id}").text
    assert "本条细则由镇级审核" in shown and 'id="approve-form"' not in shown
    token = csrf(client, "/claims")
    page = client.post(
        f"/claims/{claim_id}/approve", data={"csrf_token": token}, follow_redirects=True
    )
    assert page.status_code == 200
    assert "未能审核" in page.text
    assert "细则 RESCUE 由镇级审核" in page.text
    page = client.post(
        f"/claims/{claim_id}/reject",
        data={"csrf_token": token, "reason": "不像"},
        follow_redirects=True,
    )
    assert "细则 RESCUE 由镇级审核" in page.text
    english = client.post(
        f"/claims/{claim_id}/approve?lang=en", data={"csrf_token": token}, follow_redirects=True
    )
    assert "decided by the town" in english.text
    assert _state(c, claim_id) == before


def test_the_office_web_lets_a_town_approver_approve_a_town_rule(office_central, towns):
    c = office_central
    claim_id = _claim(c, "RESCUE", towns.household_a)
    client = create_central_app(c).test_client()
    assert sign_in(client, "town_ok", PASSWORD).status_code == 302
    shown = client.get(f"/claims/{claim_id}").text
    assert 'id="approve-form"' in shown and "镇级" in shown
    token = csrf(client, f"/claims/{claim_id}")
    page = client.post(
        f"/claims/{claim_id}/approve", data={"csrf_token": token}, follow_redirects=True
    )
    assert "+200" in page.text
    assert _state(c, claim_id)[0] == "approved"
