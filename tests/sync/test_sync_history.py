"""查积分 at the kiosk shows what central did to the household: an approved claim with its rule,
an office correction with its reason, an activity the office credited, an expiry; each arrives
through the store's feed (or with the household's records when it joins the store later)."""

from __future__ import annotations

from datetime import date, datetime

import jsonschema
import pytest
from sync_helpers import EAST, Programme, household_id, quiet_sync
from test_sync_claims import LITTER, SWEEP, Office

from kiosk.services import points_history, terminal
from sync.central.services import activities, adjustments, store_feed
from terminal_ui import create_app
from terminal_ui.openapi import document

H1, H3 = household_id(1), household_id(3)  # 王建国家 300 points; 张伟家 40 points
pytestmark = pytest.mark.parametrize("central_url", ["postgresql"], indirect=True)


@pytest.fixture
def office(programme) -> Office:
    o = Office(programme)
    for rule in (SWEEP, LITTER):
        o.rule(rule)
    return o


def _office_day(programme, office) -> None:
    """Approve a claim for 王建国家, take points from it with a reason, credit an activity."""
    claim = office.claim(rule="SWEEP", household_id=H1, note="打扫村口").json()
    assert office.approve(claim["id"]).status_code == 200
    adjustments.adjust_points(programme.central, H1, -30, "多领了一桶油", actor="office:1")
    activities.award(
        programme.central, programme.activity_id, [programme.residents["王建国"]], actor="office"
    )


def _history(runtime, name_code: str) -> points_history.History:
    terminal.scan(runtime.kiosk, name_code)
    try:
        return points_history.history(runtime.kiosk)
    finally:
        terminal.cancel(runtime.kiosk)


def test_the_kiosk_history_names_the_rule_the_reason_and_the_activity_of_office_entries(
    programme, office
):
    k1 = programme.kiosk("K1")
    _office_day(programme, office)
    quiet_sync(k1)
    found = _history(k1, programme.codes["王建国"])
    assert found.balance == 300 + 20 - 30 + 10
    by_what = {e.what: e for e in found.entries}
    assert (by_what["award"].points, by_what["award"].activity) == (20, "打扫公共区域")
    assert by_what["award"].reason == "打扫村口"
    assert (by_what["office_deduct"].points, by_what["office_deduct"].reason) == (
        -30,
        "多领了一桶油",
    )
    assert (by_what["checkin"].points, by_what["checkin"].activity) == (10, "垃圾分类积分日")
    assert by_what["opening"].points == 300
    assert all(e.confirmed for e in found.entries)
    # The newest first, as the ledger made them.
    assert [e.what for e in found.entries] == ["checkin", "office_deduct", "award", "opening"]


def test_the_history_screen_json_says_each_office_entry_in_words_in_chinese_and_english(
    programme, office
):
    k1 = programme.kiosk("K1")
    _office_day(programme, office)
    quiet_sync(k1)
    client = create_app(k1).test_client()
    assert client.post("/api/scan", json={"code": programme.codes["王建国"]}).status_code == 200
    zh = client.get("/api/session/history").get_json()
    texts = [e["text"] for e in zh["entries"]]
    assert any("打扫公共区域" in t and "打扫村口" in t and "20" in t for t in texts), texts
    assert any("多领了一桶油" in t and "扣" in t and "30" in t for t in texts), texts
    assert any("垃圾分类积分日" in t for t in texts), texts
    en = client.get("/api/session/history?lang=en").get_json()
    for answer in (zh, en):  # as the kiosk's OpenAPI document says
        jsonschema.validate(answer, document()["components"]["schemas"]["PointsHistory"])
    assert any("deducted by the office" in e["text"] for e in en["entries"]), en
    client.post("/api/session/cancel")


def test_a_household_joining_the_store_later_brings_its_office_history(
    central_server, tmp_path, kiosk_template
):
    p = Programme(central_server, tmp_path, kiosk_template=kiosk_template)
    p.seed({"K1": EAST}, assign=False)
    try:
        office = Office(p)
        office.rule(LITTER)
        claim = office.claim(rule="LITTER", household_id=H3, note="河边倒垃圾").json()
        assert office.approve(claim["id"]).status_code == 200
        k1 = p.kiosk("K1")
        # 张伟家 is in no store's set yet: its card is looked up at central on first scan, and
        # the household's notes follow in the store's feed.
        terminal.scan(k1.kiosk, p.codes["张伟"])
        terminal.cancel(k1.kiosk)
        quiet_sync(k1)
        found = _history(k1, p.codes["张伟"])
        deducted = next(e for e in found.entries if e.what == "deduct")
        assert (deducted.points, deducted.activity, deducted.reason) == (
            -40,
            "乱扔垃圾",
            "河边倒垃圾",
        )
        store_feed.assign(p.central, EAST, [H1], actor="test")
        adjustments.adjust_points(p.central, H1, 5, "补录", actor="office:1")
        quiet_sync(k1)
        added = next(e for e in _history(k1, p.codes["王建国"]).entries if e.what == "office_add")
        assert (added.points, added.reason) == (5, "补录")
    finally:
        p.close()


@pytest.fixture
def clocked(central_server, tmp_path, kiosk_template):
    """The seeded programme with central on the kiosks' clock: opening points on 2025-03-01."""
    p = Programme(central_server, tmp_path, kiosk_template=kiosk_template)
    central_server.central.clock = p.clock
    p.seed({"K1": EAST})
    yield p
    p.close()


def test_the_history_tells_what_expires_when_and_then_shows_the_expiry(clocked):
    from core.domain.expiry import Policy
    from sync.central.services import expiry

    programme = clocked
    k1 = programme.kiosk("K1")
    c = programme.central
    expiry.set_policy(c, Policy.clear_on("04-15"), actor="test")
    expiry.run(c, now=datetime(2025, 3, 20, 0, 0))  # the notice, a month ahead
    quiet_sync(k1)
    ahead = _history(k1, programme.codes["李德福"])
    assert ahead.expiring == (100, date(2025, 4, 15))
    client = create_app(k1).test_client()
    client.post("/api/scan", json={"code": programme.codes["李德福"]})
    answer = client.get("/api/session/history").get_json()
    jsonschema.validate(answer, document()["components"]["schemas"]["PointsHistory"])
    said = answer["expiring"]
    assert said["points"] == 100 and said["on"] == "2025-04-15"
    assert "2025-04-15" in said["text"] and "100" in said["text"]
    client.post("/api/session/cancel")

    expiry.run(c, now=datetime(2025, 4, 14, 16, 0))  # local midnight of the 15th
    quiet_sync(k1)
    after = _history(k1, programme.codes["李德福"])
    expired = next(e for e in after.entries if e.what == "expired")
    assert (expired.points, expired.reason) == (-100, "2025-04-15")
    assert after.balance == 0 and after.expiring is None
