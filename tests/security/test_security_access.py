"""Who may change what: viewers only read, every form needs its CSRF token, a kiosk only its own."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

import pytest
from security_helpers import (
    ADMIN_PASSWORD,
    CSRF,
    EAST,
    VIEWER_PASSWORD,
    WEST,
    audit_entry,
    bearer,
    csrf,
    sign_in,
    state_of,
)
from sqlalchemy import func, select

from core.domain.ledger import wire_time
from kiosk.services import shop_settings, staff
from sync.central import models as cm
from sync.central.services import goods, kiosks
from terminal_ui import create_app

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that write no records: signing in and out only touch the caller's own session.
SESSION_ONLY = {"office.login_submit", "office.logout"}
# Sample values for the routes' parameters, naming records that exist.
PARAMS = {
    "activity_id": "ACT-SORT",
    "resident_id": "H000001-1",
    "household_id": "H000001",
    "card_id": 1,
    "alert_id": 1,
    "store_id": 1,
    "claim_id": "00000000-0000-4000-8000-000000000001",
    "user_id": 2,
    "code": "OIL",
}
ROSTER = "household,resident,phone,opening_points\n新家,新人,,5\n".encode()


def write_rules(app, prefix: str):
    """Return the app's routes that accept a state-changing method, with sample URLs."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            methods = (rule.methods or set()) & WRITES
            if not methods or not rule.rule.startswith(prefix):
                continue
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<{name}>", str(PARAMS[name]))
                url = url.replace(f"<int:{name}>", str(PARAMS[name]))
            found.append((rule.endpoint, url, sorted(methods)))
    return found


def form_for_everything(token: str) -> dict:
    """Return a form that every office write would act on if it were allowed to."""
    return {
        "csrf_token": token,
        "code": "NEWACT",
        "name": "新活动",
        "type": "清洁",
        "day": "2026-11-03",
        "points": "5",
        "allowance": "50",
        "resident": "H000001-1",
        "skip_bad": "1",
        "reason": "核对",
        "file": (io.BytesIO(ROSTER), "roster.csv", "text/csv"),
    }


def office_writes(app):
    return [r for r in write_rules(app, "/") if r[0].startswith("office.")]


def test_the_walk_covers_the_office_writes_we_know_of(app):
    endpoints = {endpoint for endpoint, _, _ in office_writes(app)}
    assert {
        "office.import_roster",
        "office.cards_issue",
        "office.card_reissue",
        "office.card_revoke",
        "office.activity_define",
        "office.activity_award",
        "office.store_allowance",
        "office.alert_resolve",
        "office.household_adjust",
        "office.card_confirm",
        "office.rule_save",
        "office.claim_record",
        "office.claim_approve",
        "office.claim_reject",
    } <= endpoints


def test_an_office_viewer_is_refused_every_write_and_nothing_changes(client, office, app):
    assert sign_in(client, "viewer", VIEWER_PASSWORD).status_code == 302
    before = state_of(office.central)
    walked = 0
    for endpoint, url, methods in office_writes(app):
        if endpoint in SESSION_ONLY:
            continue
        for method in methods:
            token = csrf(client, "/")
            answer = client.open(url, method=method, data=form_for_everything(token))
            assert answer.status_code == 403, (endpoint, answer.status_code)
            assert "无权" in answer.text, endpoint
            walked += 1
    assert walked >= 8
    assert state_of(office.central) == before


def test_the_same_writes_are_open_to_an_office_admin(office, app):
    # So the viewer's 403s come from the role, not from a form the routes would refuse anyway.
    for endpoint, url, methods in office_writes(app):
        if endpoint in SESSION_ONLY:
            continue
        client = app.test_client()
        sign_in(client, "admin", ADMIN_PASSWORD)
        answer = client.open(url, method=methods[0], data=form_for_everything(csrf(client, "/")))
        assert answer.status_code not in (400, 403), endpoint
        assert answer.status_code < 500, endpoint  # revoking a card was a 500


def test_every_office_form_without_its_csrf_token_is_refused_and_changes_nothing(
    client, office, app
):
    assert sign_in(client, "admin", ADMIN_PASSWORD).status_code == 302
    before = state_of(office.central)
    for endpoint, url, methods in office_writes(app):
        for method in methods:
            for token in (None, "forged-token"):
                form = form_for_everything(token or "")
                if token is None:
                    del form["csrf_token"]
                answer = client.open(url, method=method, data=form)
                assert answer.status_code == 400, endpoint
                assert "表单已过期" in answer.text, endpoint
    assert state_of(office.central) == before
    assert client.get("/").status_code == 200  # the refused sign-out did not sign out


def test_no_office_token_may_push_or_beat_for_a_kiosk(client, office, app):
    before = state_of(office.central)
    # Every API write is a kiosk's, but the office's own: corrections, rules, claims,
    # announcements and exchange days.
    own = {
        "api_v1.adjust",
        "api_v1.rule_save",
        "api_v1.claim_record",
        "api_v1.claim_approve",
        "api_v1.claim_reject",
        "api_v1.announce",
        "api_v1.exchange_day",
    }
    routes = [r for r in write_rules(app, "/api/v1/") if r[0] not in own]
    assert {endpoint for endpoint, _, _ in routes} >= {
        "api_v1.push",
        "api_v1.heartbeat",
        "api_v1.sync_round",
    }
    for token in (office.viewer_token, office.admin_token):
        for endpoint, url, methods in routes:
            for method in methods:
                body = {"version": "x"}
                if endpoint == "api_v1.push":
                    body = audit_entry("K001")
                elif endpoint == "api_v1.sync_round":
                    body = {**audit_entry("K001"), "after": 0, "heartbeat": {"backlog": 0}}
                answer = client.open(url, method=method, json=body, headers=bearer(token))
                assert answer.status_code in (401, 403), endpoint
    assert state_of(office.central) == before


def test_office_api_reads_are_open_to_a_viewer_token(client, office):
    assert client.get("/api/v1/stats", headers=bearer(office.viewer_token)).status_code == 200
    answer = client.get("/api/v1/households/H000001", headers=bearer(office.viewer_token))
    assert answer.status_code == 200 and answer.json["balance"] == 100


# -- a kiosk only its own store -------------------------------------------------------------------


def test_a_kiosk_cannot_push_entries_in_another_kiosks_name(client, office):
    before = state_of(office.central)
    k1 = bearer(office.kiosk_tokens["K001"])
    answer = client.post("/api/v1/push", json=audit_entry("K002"), headers=k1)
    assert answer.status_code == 403 and answer.json["error"]["code"] == "forbidden"
    assert state_of(office.central) == before


def test_an_entry_cannot_name_a_store_or_kiosk_of_its_own(client, office):
    k1 = bearer(office.kiosk_tokens["K001"])
    before = state_of(office.central)
    body = audit_entry("K001")
    body["entries"][0]["kiosk_id"] = "K002"
    assert client.post("/api/v1/push", json=body, headers=k1).status_code == 400
    assert state_of(office.central) == before
    body = audit_entry("K001")
    body["entries"][0]["payload"]["store_id"] = 2
    answer = client.post("/api/v1/push", json=body, headers=k1)
    assert answer.status_code == 200  # the batch is read; the entry is refused on its own
    assert answer.json["results"][0]["status"] == "rejected"
    assert "store_id" in answer.json["results"][0]["reason"]
    with office.central.uow(write=False) as uow:
        booked = uow.session.scalars(
            select(cm.AuditEntry).where(cm.AuditEntry.actor.like("K001:%"))
        ).all()
    assert booked == []


def test_what_a_kiosk_pushes_is_booked_to_its_own_kiosk_and_store(client, office):
    goods.save_products(
        office.central, [goods.ProductRow(1, "OIL", "食用油 5升", "粮油", 60, "桶")]
    )
    at = wire_time(datetime(2026, 11, 2, 2, 0, 0))
    restock = {
        "batch_id": 1,
        "product_code": "OIL",
        "qty": 5,
        "source": "donation",
        "donor": "县妇联",
        "received_at": at,
    }
    entry = {"id": str(uuid.uuid4()), "seq": 1, "kind": "restock", "created_at": at}
    body = {"kiosk_id": "K002", "entries": [{**entry, "payload": restock}]}
    answer = client.post("/api/v1/push", json=body, headers=bearer(office.kiosk_tokens["K002"]))
    assert answer.status_code == 200 and answer.json["results"][0]["status"] == "applied"
    with office.central.uow(write=False) as uow:
        s = uow.session
        west = s.scalar(select(cm.Store.id).where(cm.Store.name == WEST))
        batches = s.execute(select(cm.Batch.kiosk_id, cm.Batch.store_id)).all()
    assert batches == [("K002", west)]


def test_a_heartbeat_speaks_only_for_the_kiosk_that_sends_it(client, office):
    k1 = bearer(office.kiosk_tokens["K001"])
    refused = client.post("/api/v1/heartbeat", json={"kiosk_id": "K002"}, headers=k1)
    assert refused.status_code == 400
    assert client.post("/api/v1/heartbeat", json={"version": "9.9"}, headers=k1).status_code == 200
    with office.central.uow(write=False) as uow:
        versions = dict(uow.session.execute(select(cm.Kiosk.id, cm.Kiosk.version)).all())
    assert versions == {"K001": "9.9", "K002": None}


def test_a_kiosk_reads_its_own_stores_settings_and_not_another_stores(client, office):
    kiosks.set_allowance(office.central, WEST, 77, actor="office")
    kiosks.set_allowance(office.central, EAST, 33, actor="office")

    def settings_seen(kiosk_id: str) -> list[int]:
        token = bearer(office.kiosk_tokens[kiosk_id])
        feed = client.get("/api/v1/changes?after=0&limit=1000", headers=token).json
        return [c["data"]["offline_allowance"] for c in feed["changes"] if c["kind"] == "settings"]

    assert settings_seen("K001") == [200, 33]
    assert settings_seen("K002") == [200, 77]


def test_a_kiosk_is_not_sent_back_its_own_entries(client, office):
    k1 = bearer(office.kiosk_tokens["K001"])
    with office.central.uow(write=False) as uow:
        start = uow.session.scalar(select(func.max(cm.Change.id))) or 0
    goods.save_products(office.central, [goods.ProductRow(1, "SOAP", "肥皂", "日用", 8, "块")])
    feed = client.get(f"/api/v1/changes?after={start}", headers=k1).json
    assert [c["kind"] for c in feed["changes"]] == ["product"]


# -- the kiosk's admin screen ---------------------------------------------------------------------


@pytest.fixture
def kiosk_admin(seeded):
    rt, cards = seeded
    staff.set_pin(rt.kiosk, "135790", actor="test")
    app = create_app(rt, {"DEMO_CARDS": cards})
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    signed = client.post("/admin/login", data={"csrf_token": token, "pin": "135790"})
    assert signed.status_code == 302
    return rt, app, client


def kiosk_state(rt) -> dict:
    from kiosk.storage.models import Base

    with rt.kiosk.uow(write=False) as uow:
        s = uow.session
        counts = {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
            if t.name != "audit_log"
        }
    return {"rows": counts, "settings": shop_settings.current(rt.kiosk)}


def test_every_kiosk_admin_form_without_its_csrf_token_is_refused(kiosk_admin):
    rt, app, client = kiosk_admin
    with app.test_request_context():
        rules = [
            (r.endpoint, r.rule, sorted((r.methods or set()) & WRITES))
            for r in app.url_map.iter_rules()
            if r.endpoint.startswith("admin.") and (r.methods or set()) & WRITES
        ]
    assert len(rules) >= 15
    before = kiosk_state(rt)
    for endpoint, rule, methods in rules:
        url = (
            rule.replace("<code>", "OIL")
            .replace("<int:receipt_id>", "1")
            .replace("<int:member_id>", "1")
            .replace("<ref>", "1")
            .replace("<activity_id>", "ACT-1")
            .replace("<int:index>", "0")
        )
        for method in methods:
            for form in ({}, {"csrf_token": "forged"}):
                answer = client.open(url, method=method, data={**form, "pin": "135790"})
                assert answer.status_code == 400, endpoint
                assert "页面已过期" in answer.get_data(as_text=True), endpoint
    assert kiosk_state(rt) == before
    assert client.get("/admin/").status_code == 200  # still signed in: the sign-out was refused


def test_only_an_admin_office_token_posts_notices_and_a_bad_one_is_refused(client, office):
    body = {"text": "周五停水", "starts": "2026-12-01", "ends": "2026-12-02"}
    viewer, admin = bearer(office.viewer_token), bearer(office.admin_token)
    assert client.post("/api/v1/announcements", json=body, headers=viewer).status_code == 403
    kiosk = bearer(office.kiosk_tokens["K001"])
    assert client.post("/api/v1/announcements", json=body, headers=kiosk).status_code in (401, 403)
    posted = client.post("/api/v1/announcements", json=body, headers=admin)
    assert posted.status_code == 201 and posted.json["stores"] == []
    bad = client.post("/api/v1/announcements", json={**body, "ends": "2026-11-01"}, headers=admin)
    assert bad.status_code == 400
    day = {"store": "没有这个店", "day": "2026-12-10", "hours": "09:00-12:00"}
    assert client.post("/api/v1/exchange-days", json=day, headers=admin).status_code == 400
