"""Every route decides what it asks of its user and how it keeps to the user's area.

The table below names each route of the app; a route added without a decision fails here. Then
a town's user (signed in, or with a token of that user) meets the other town's household,
resident, card, store, alert and user through every route that names one, and finds nothing:
404, never a 403 that would confirm the id, and nothing changes.
"""

from __future__ import annotations

import pytest
from area_helpers import PASSWORD, seed_towns
from office_helpers import csrf, sign_in
from sqlalchemy import select

from kiosk.demo import claim_photo
from sync.central.app import create_central_app
from sync.central.models import Alert, Card, Claim, Household, OfficeUser, Resident, Store
from sync.central.services.cards import issue_cards
from sync.central.services.claims import record_claim
from sync.central.services.rules import check_rule, save_rules
from sync.central.states import Permission

READ, MANAGE = Permission.READ, Permission.MANAGE
RECORD, APPROVE = Permission.RECORD_CLAIMS, Permission.APPROVE_CLAIMS
# endpoint → (what it asks, how it keeps to the user's area):
#   household / resident / card / store / alert / user: the one record it names, 404 outside;
#   listing: shows only what lies inside the area; programme: shared by the whole programme
#   (activities), changed only by users without an area; own: the caller's own session;
#   public: no user; kiosk: a kiosk's token, which is bound to its store.
ROUTES: dict[str, tuple[Permission | None, str]] = {
    "api_v1.adjust": (MANAGE, "household"),
    "api_v1.household": (READ, "household"),
    "api_v1.programme_stats": (READ, "listing"),
    "api_v1.changes": (None, "kiosk"),
    "api_v1.push": (None, "kiosk"),
    "api_v1.heartbeat": (None, "kiosk"),
    "api_v1.sync_round": (None, "kiosk"),
    "api_v1.health": (None, "public"),
    "api_v1.openapi": (None, "public"),
    "fonts.font": (None, "public"),
    "static": (None, "public"),
    "office.static": (None, "public"),
    "office.login_page": (None, "own"),
    "office.login_submit": (None, "own"),
    "office.logout": (None, "own"),
    "office.dashboard": (READ, "listing"),
    "office.households": (READ, "listing"),
    "office.household": (READ, "household"),
    "office.household_adjust": (MANAGE, "household"),
    "office.household_group": (MANAGE, "household"),
    "office.import_roster": (MANAGE, "listing"),
    "office.cards_issue": (MANAGE, "listing"),
    "office.card_reissue": (MANAGE, "resident"),
    "office.card_revoke": (MANAGE, "resident"),
    "office.card_confirm": (MANAGE, "card"),
    "office.activities": (READ, "programme"),
    "office.activity": (READ, "listing"),
    "office.activity_define": (MANAGE, "programme"),
    "office.activity_award": (MANAGE, "resident"),
    "office.kiosks": (READ, "listing"),
    "office.store_allowance": (MANAGE, "store"),
    "office.store_village": (MANAGE, "store"),
    "office.alerts": (READ, "listing"),
    "office.alert_resolve": (MANAGE, "alert"),
    "office.report_donors": (READ, "listing"),
    "office.report_statement": (READ, "store"),
    "office.report_monthly": (READ, "listing"),
    "office.report_areas": (READ, "listing"),
    "office.users_page": (MANAGE, "listing"),
    "office.user_add": (MANAGE, "user"),
    "office.user_change": (MANAGE, "user"),
    "office.user_deactivate": (MANAGE, "user"),
    "office.activity_edit": (MANAGE, "programme"),
    "office.activity_close": (MANAGE, "programme"),
    "office.household_add": (MANAGE, "programme"),
    "office.household_rename": (MANAGE, "household"),
    "office.resident_add": (MANAGE, "household"),
    "office.resident_edit": (MANAGE, "resident"),
    "office.resident_move": (MANAGE, "resident"),
    "office.products": (READ, "programme"),
    "office.product_add": (MANAGE, "programme"),
    "office.product_edit": (MANAGE, "programme"),
    "office.product_active": (MANAGE, "programme"),
    "office.report_settlement": (READ, "programme"),
    "office.store_settlement": (MANAGE, "programme"),
    "office.donor_certificate": (READ, "programme"),
    "api_v1.announce": (MANAGE, "programme"),
    "api_v1.exchange_day": (MANAGE, "programme"),
    "api_v1.card": (None, "kiosk"),
    "office.notices_page": (READ, "programme"),
    "office.announcement_post": (MANAGE, "programme"),
    "office.exchange_day_post": (MANAGE, "programme"),
    "office.board_sheet": (READ, "listing"),
    "office.board_settings": (MANAGE, "programme"),
    "api_v1.rules_list": (READ, "programme"),
    "api_v1.rule_save": (MANAGE, "programme"),
    "office.rules": (READ, "programme"),
    "office.rule_save": (MANAGE, "programme"),
    "api_v1.claims_list": (READ, "listing"),
    "api_v1.claim_record": (RECORD, "household"),
    "api_v1.claim_approve": (APPROVE, "claim"),
    "api_v1.claim_reject": (APPROVE, "claim"),
    "office.claims": (READ, "listing"),
    "office.claim_new": (RECORD, "listing"),
    "office.claim_record": (RECORD, "household"),
    "office.claim": (READ, "claim"),
    "office.claim_photo": (READ, "claim"),
    "office.claim_approve": (APPROVE, "claim"),
    "office.claim_reject": (APPROVE, "claim"),
}


def test_every_route_has_a_decision_on_permission_and_scope(sqlite_central):
    app = create_central_app(sqlite_central)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) == set(), "a route without a scope decision"
    assert set(ROUTES) - endpoints == set(), "a decision for a route that is gone"
    for endpoint, (asks, _how) in ROUTES.items():
        view = app.view_functions[endpoint]
        assert getattr(view, "asks", None) == asks, endpoint


@pytest.fixture
def towns(office_central):
    return seed_towns(office_central)


@pytest.fixture
def app(office_central, towns):
    return create_central_app(office_central)


@pytest.fixture
def town_b(app):
    """A browser signed in as town B's admin."""
    client = app.test_client()
    assert sign_in(client, "town_b", PASSWORD).status_code == 302
    return client


def _records(c, towns) -> dict[str, str]:
    """The ids of town A's records that town B's user must not reach."""
    issue_cards(c)
    with c.uow() as uow:
        s = uow.session
        resident = s.scalar(select(Resident.id).where(Resident.household_id == towns.household_a))
        card = s.scalar(select(Card.id).where(Card.resident_id == resident))
        store = s.scalar(select(Store.id).where(Store.name == towns.store_a))
        s.add(
            Alert(
                kind="overdraft",
                household_id=towns.household_a,
                detail="A",
                created_at=c.clock.now(),
            )
        )
        s.flush()
        alert = s.scalar(select(Alert.id).where(Alert.household_id == towns.household_a))
        user = s.scalar(select(OfficeUser.id).where(OfficeUser.username == "town_a"))
        uow.commit()
    save_rules(c, [check_rule(RULE)], "test")
    claim = record_claim(
        c, "CLEAN", towns.household_a, [resident], "扫街", [claim_photo("#90a4ae")]
    )
    return {
        "claim": claim,
        "household": towns.household_a,
        "resident": resident,
        "card": str(card),
        "store": str(store),
        "alert": str(alert),
        "user": str(user),
    }


RULE = {
    "code": "CLEAN",
    "name": "清扫公共区域",
    "category": "环境",
    "points": 5,
    "evidence": "none",
    "approver": "village",
    "cap_scope": "household",
    "cap_period": "none",
    "cap_count": None,
    "active": True,
}


# Each route that names one record, as town B's user would call it on town A's record.
OUTSIDE = {
    "office.household": ("GET", "/households/{household}", {}),
    "office.household_adjust": (
        "POST",
        "/households/{household}/adjust",
        {"points": "5", "reason": "x"},
    ),
    "office.household_group": ("POST", "/households/{household}/group", {"group": ""}),
    "office.card_reissue": ("POST", "/residents/{resident}/reissue", {}),
    "office.card_revoke": ("POST", "/residents/{resident}/revoke", {}),
    "office.card_confirm": ("POST", "/cards/{card}/confirm", {}),
    "office.activity_award": ("POST", "/activities/ACT-SORT/award", {"resident": "{resident}"}),
    "office.store_allowance": ("POST", "/stores/{store}/allowance", {"allowance": "5"}),
    "office.store_village": ("POST", "/stores/{store}/village", {"village": ""}),
    "office.alert_resolve": ("POST", "/alerts/{alert}/resolve", {}),
    "office.report_statement": ("GET", "/reports/statement?store={store}", {}),
    "office.user_change": ("POST", "/users/{user}/change", {"role": "viewer", "area": ""}),
    "office.user_deactivate": ("POST", "/users/{user}/deactivate", {}),
    "office.user_add": (
        "POST",
        "/users",
        {"username": "town_a", "password": "new-password", "role": "admin", "area": ""},
    ),
    "office.household_rename": ("POST", "/households/{household}/rename", {"name": "冒名家"}),
    "office.resident_add": ("POST", "/households/{household}/residents", {"name": "冒名"}),
    "office.resident_edit": ("POST", "/residents/{resident}/edit", {"name": "冒名"}),
    "office.resident_move": ("POST", "/residents/{resident}/move", {"household": "{household}"}),
    "office.claim": ("GET", "/claims/{claim}", {}),
    "office.claim_photo": ("GET", "/claims/{claim}/photos/1", {}),
    "office.claim_approve": ("POST", "/claims/{claim}/approve", {}),
    "office.claim_reject": ("POST", "/claims/{claim}/reject", {"reason": "不对"}),
    "office.claim_record": (
        "POST",
        "/claims",
        {"rule": "CLEAN", "household": "{household}", "note": "冒领"},
    ),
    "api_v1.claim_record": (
        "POST",
        "/api/v1/claims",
        {"rule": "CLEAN", "household_id": "{household}"},
    ),
    "api_v1.claim_approve": ("POST", "/api/v1/claims/{claim}/approve", {}),
    "api_v1.claim_reject": ("POST", "/api/v1/claims/{claim}/reject", {"reason": "不对"}),
    "api_v1.household": ("GET", "/api/v1/households/{household}", None),
    "api_v1.adjust": (
        "POST",
        "/api/v1/households/{household}/adjust",
        {"points": 5, "reason": "x"},
    ),
}


def test_every_route_that_names_a_record_is_tried_from_outside_its_area():
    named = {e for e, (_, how) in ROUTES.items() if how not in ("listing", "programme")}
    named -= {e for e, (_, how) in ROUTES.items() if how in ("public", "own", "kiosk")}
    assert named <= set(OUTSIDE)


def _state(c, towns) -> tuple:
    """What town B's user must not be able to change in town A."""
    with c.uow(write=False) as uow:
        s = uow.session
        h = s.get(Household, towns.household_a)
        store = s.scalar(select(Store).where(Store.name == towns.store_a))
        cards = s.execute(select(Card.id, Card.status, Card.bound_store_id)).all()
        user = s.scalar(select(OfficeUser).where(OfficeUser.username == "town_a"))
        alerts = s.execute(select(Alert.id, Alert.resolved_at)).all()
        claims = s.execute(select(Claim.id, Claim.status)).all()
        people = s.execute(select(Resident.id, Resident.name, Resident.household_id)).all()
        return (
            h.balance,
            h.area_id,
            store.offline_allowance,
            store.area_id,
            sorted(cards),
            (user.role, user.area_id, user.active, user.password_hash),
            sorted(alerts),
            sorted(claims),
            h.name,
            sorted(people),
        )


@pytest.mark.parametrize("endpoint", sorted(OUTSIDE))
def test_a_town_user_cannot_see_or_act_on_another_towns_records(
    endpoint, app, office_central, towns, town_b
):
    ids = _records(office_central, towns)
    method, path, body = OUTSIDE[endpoint]
    url = path.format(**ids)
    before = _state(office_central, towns)
    if endpoint.startswith("api_v1."):
        headers = {"Authorization": f"Bearer {towns.token_b}"}
        if method == "GET":
            answer = app.test_client().get(url, headers=headers)
        else:
            sent = {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}
            answer = app.test_client().post(url, json=sent, headers=headers)
        assert answer.status_code == 404
    else:
        form = {k: v.format(**ids) for k, v in body.items()}
        if method == "GET":
            answer = town_b.get(url)
        else:
            answer = town_b.post(url, data={"csrf_token": csrf(town_b, "/"), **form})
        text = answer.get_data(as_text=True)
        if endpoint in (
            "office.user_add",
            "office.report_statement",
            "office.activity_award",
            "office.claim_record",
        ):
            # These name the record in a form or query: refused with a message, not a 404.
            assert answer.status_code in (200, 302)
            assert "王建国" not in text and towns.store_a not in text
        else:
            assert answer.status_code == 404
    assert _state(office_central, towns) == before
    with office_central.uow(write=False) as uow:
        award = uow.session.scalar(
            select(Household.balance).where(Household.id == ids["household"])
        )
    assert award == before[0]


def test_the_same_routes_work_for_the_towns_own_user(app, office_central, towns):
    ids = _records(office_central, towns)
    client = app.test_client()
    assert sign_in(client, "town_a", PASSWORD).status_code == 302
    assert client.get(f"/households/{ids['household']}").status_code == 200
    token = {"Authorization": f"Bearer {towns.token_a}"}
    assert client.get(f"/api/v1/households/{ids['household']}", headers=token).status_code == 200
    answer = client.post(
        f"/api/v1/households/{ids['household']}/adjust",
        json={"points": 5, "reason": "对的"},
        headers=token,
    )
    assert answer.status_code == 201


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/households",
        "/households?q=H000001",
        "/activities/ACT-SORT?q=王",
        "/kiosks",
        "/alerts",
        "/reports/donors",
        "/reports/statement",
        "/reports/monthly",
        "/reports/monthly.csv",
        "/reports/areas",
        "/reports/areas.csv",
        "/users",
    ],
)
def test_a_town_users_lists_reports_and_exports_show_only_their_town(
    path, office_central, towns, town_b
):
    _records(office_central, towns)
    answer = town_b.get(path)
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    for theirs in ("王建国家", "王建国", towns.store_a, "三市镇", "town_a", "K001"):
        assert theirs not in text, (path, theirs)


def test_a_town_users_stats_count_only_their_towns_households_and_stores(app, towns):
    answer = app.test_client().get(
        "/api/v1/stats", headers={"Authorization": f"Bearer {towns.token_b}"}
    )
    figures = answer.get_json()
    assert figures["households"] == 2  # 张伟家 and 李德福家
    assert figures["registered_residents"] == 2
    assert [s["store"] for s in figures["stores"]] == [towns.store_b]
    assert [a["area"] for a in figures["areas"]] == ["南村"]


def test_a_scoped_user_cannot_define_a_programme_wide_activity(app, town_b):
    answer = town_b.post(
        "/activities",
        data={
            "csrf_token": csrf(town_b, "/activities"),
            "code": "X",
            "name": "x",
            "type": "x",
            "day": "2026-12-01",
            "points": "5",
        },
    )
    assert answer.status_code == 403
