"""The rule book and claims through the office API: a claim waits for an approver; approval
books its points on central's chain and every kiosk receives them; a deduction stops at zero
and keeps what it could not take; refusals change nothing."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from claim_photos import b64, noisy_png, photo
from sqlalchemy import func, select
from sync_helpers import (
    assert_converged,
    central_balances,
    central_count,
    central_ledger_sums,
    household_id,
    quiet_sync,
)
from test_sync_figures import assert_figures_equal_the_rows

from sync.central import models as cm
from sync.central.queries import stats
from sync.central.services import tokens
from sync.central.services.claims import period_bounds

H1, H3 = household_id(1), household_id(3)  # 王建国家 300 points; 张伟家 40 points
SWEEP = {"code": "SWEEP", "name": "打扫公共区域", "category": "环境卫生", "points": 20}
LITTER = {"code": "LITTER", "name": "乱扔垃圾", "category": "环境卫生", "points": -50}
HELP = {
    "code": "HELP",
    "name": "帮扶五保户",
    "category": "邻里互助",
    "points": 15,
    "evidence": "photo",
    "cap_scope": "resident",
    "cap_period": "month",
    "cap_count": 1,
}


class Office:
    """The office API as a client with one token per role."""

    def __init__(self, programme) -> None:
        c = programme.central
        self.base = programme.server.base
        self.tokens = {
            role: tokens.office_token(c, role, f"{role} token", actor="test")
            for role in ("admin", "viewer", "approver", "group_leader")
        }

    def call(self, role: str, method: str, path: str, body=None) -> httpx.Response:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            return http.request(
                method,
                f"/api/v1{path}",
                json=body,
                headers={"Authorization": f"Bearer {self.tokens[role]}"},
            )

    def rule(self, body) -> dict:
        answer = self.call("admin", "POST", "/rules", body)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def claim(self, role: str = "group_leader", **body) -> httpx.Response:
        return self.call(role, "POST", "/claims", body)

    def approve(self, claim_id: str, role: str = "approver") -> httpx.Response:
        return self.call(role, "POST", f"/claims/{claim_id}/approve")

    def reject(self, claim_id: str, reason, role: str = "approver") -> httpx.Response:
        return self.call(role, "POST", f"/claims/{claim_id}/reject", {"reason": reason})


@pytest.fixture
def office(programme) -> Office:
    o = Office(programme)
    for rule in (SWEEP, LITTER, HELP):
        o.rule(rule)
    return o


def claims_and_photos(c) -> tuple[int, int]:
    return central_count(c, cm.Claim), central_count(c, cm.ClaimPhoto)


def test_the_rule_book_is_served_and_an_admin_adds_and_changes_rules(programme, office):
    listed = office.call("viewer", "GET", "/rules").json()["rules"]
    assert {r["code"]: r["points"] for r in listed} == {"SWEEP": 20, "LITTER": -50, "HELP": 15}
    help_rule = next(r for r in listed if r["code"] == "HELP")
    assert (help_rule["evidence"], help_rule["cap_scope"], help_rule["cap_count"]) == (
        "photo",
        "resident",
        1,
    )
    changed = office.call("admin", "POST", "/rules", {**SWEEP, "points": 25})
    assert changed.status_code == 200 and changed.json()["points"] == 25
    with programme.central.uow(write=False) as uow:
        actions = uow.session.scalars(
            select(cm.AuditEntry.action).where(cm.AuditEntry.target == "SWEEP")
        ).all()
    assert actions == ["rule_add", "rule_change"]


@pytest.mark.parametrize(
    "body",
    [
        {**SWEEP, "points": 0},
        {**SWEEP, "points": 100_001},
        {**SWEEP, "points": "20"},
        {**SWEEP, "code": "bad code!"},
        {**SWEEP, "name": ""},
        {**SWEEP, "evidence": "video"},
        {**SWEEP, "approver": "county"},
        {**SWEEP, "cap_period": "month"},  # a period needs a count
        {**SWEEP, "cap_count": 3},  # a count needs a period
        {**SWEEP, "active": "yes"},
        {**SWEEP, "extra": 1},
        ["SWEEP"],
    ],
)
def test_a_bad_rule_is_refused_and_changes_nothing(programme, office, body):
    before = office.call("viewer", "GET", "/rules").json()
    answer = office.call("admin", "POST", "/rules", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"]
    assert office.call("viewer", "GET", "/rules").json() == before


def test_only_an_admin_writes_rules(office):
    for role in ("viewer", "approver", "group_leader"):
        assert office.call(role, "POST", "/rules", {**SWEEP, "code": "X"}).status_code == 403
    assert office.call("viewer", "GET", "/rules").status_code == 200


def test_an_approved_claim_credits_the_household_through_the_ledger_and_reaches_every_kiosk(
    programme, office
):
    c = programme.central
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")
    quiet_sync(k1, k2)
    answer = office.claim(rule="SWEEP", household_id=H1, note="打扫村口", photos=[b64(photo())])
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    assert (claim["status"], claim["points"], claim["photos"]) == ("pending", 20, 1)
    assert central_balances(c)[H1] == 300  # nothing booked while it waits
    decided = office.approve(claim["id"])
    assert decided.status_code == 200, decided.text
    assert decided.json() == {
        "id": claim["id"],
        "status": "approved",
        "household_id": H1,
        "points": 20,
        "booked": 20,
        "shortfall": 0,
        "balance": 320,
        "reason": None,
    }
    assert central_balances(c)[H1] == 320 == central_ledger_sums(c)[H1]
    with c.uow(write=False) as uow:
        s = uow.session
        entry = s.scalar(select(cm.LedgerEntry).where(cm.LedgerEntry.ref == claim["id"]))
        assert (entry.kiosk_id, entry.kind, entry.points) == ("CENTRAL", "earn", 20)
        fed = s.scalars(select(cm.Change.data).where(cm.Change.kind == "ledger")).all()
        assert any(d["id"] == entry.id for d in fed)
        audited = s.scalar(select(cm.AuditEntry).where(cm.AuditEntry.action == "claim_approve"))
        assert audited.target == claim["id"] and audited.actor.startswith("office:")
    quiet_sync(k1, k2)
    assert_converged(c, k1, k2)
    history = office.call("viewer", "GET", f"/households/{H1}").json()["history"]
    assert history[0]["points"] == 20 and history[0]["reason"] == "打扫公共区域: 打扫村口"
    assert history[0]["by"].startswith("office:")


def test_a_deduction_stops_at_zero_and_records_what_it_could_not_take(programme, office):
    c = programme.central
    k1 = programme.kiosk("K1")
    issued_before = stats.stats(c)["points_issued"]
    claim = office.claim(rule="LITTER", household_id=H3, note="河边倒垃圾").json()
    decided = office.approve(claim["id"]).json()
    # 张伟家 holds 40: the rule takes 50, so 40 are deducted and 10 are kept as the shortfall.
    assert (decided["booked"], decided["shortfall"], decided["balance"]) == (-40, 10, 0)
    assert central_balances(c)[H3] == 0 == central_ledger_sums(c)[H3]
    again = office.claim(rule="LITTER", household_id=H3).json()
    nothing_left = office.approve(again["id"]).json()
    assert (nothing_left["booked"], nothing_left["shortfall"]) == (0, 50)
    with c.uow(write=False) as uow:
        s = uow.session
        entries = s.scalars(
            select(cm.LedgerEntry.points).where(cm.LedgerEntry.household_id == H3)
        ).all()
        assert min(entries) == -40 and 0 not in entries  # nothing to deduct: no entry at all
        shortfalls = dict(s.execute(select(cm.Claim.id, cm.Claim.shortfall)).all())
    assert shortfalls == {claim["id"]: 10, again["id"]: 50}
    quiet_sync(k1)
    assert_converged(c, k1)
    assert stats.stats(c)["points_issued"] == issued_before  # a deduction is not an award
    assert_figures_equal_the_rows(c)
    shown = office.call("viewer", "GET", "/claims?rule=LITTER").json()["claims"]
    assert sorted(x["shortfall"] for x in shown) == [10, 50]


def test_figures_equal_the_ledger_sums_after_additions_and_deductions(programme, office):
    c = programme.central
    for rule, household in (("SWEEP", H1), ("LITTER", H1), ("LITTER", H3), ("SWEEP", H3)):
        claim = office.claim(rule=rule, household_id=household).json()
        assert office.approve(claim["id"]).status_code == 200
    assert_figures_equal_the_rows(c)
    with c.uow(write=False) as uow:
        s = uow.session
        added = s.scalar(
            select(func.sum(cm.LedgerEntry.points)).where(
                cm.LedgerEntry.kind.in_(["earn", "adjust"]), cm.LedgerEntry.points > 0
            )
        )
    assert stats.stats(c)["points_issued"] == added
    assert central_balances(c) == central_ledger_sums(c)
    assert central_balances(c)[H1] == 300 + 20 - 50 and central_balances(c)[H3] == 0 + 20


def test_a_rejected_claim_books_nothing_and_keeps_its_reason(programme, office):
    c = programme.central
    claim = office.claim(rule="SWEEP", household_id=H1).json()
    entries = central_count(c, cm.LedgerEntry)
    assert office.reject(claim["id"], "   ").status_code == 400  # a reason is required
    decided = office.reject(claim["id"], "照片与事实不符")
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["reason"]) == ("rejected", "照片与事实不符")
    assert central_count(c, cm.LedgerEntry) == entries
    assert central_balances(c)[H1] == 300
    with c.uow(write=False) as uow:
        audited = uow.session.scalar(
            select(cm.AuditEntry.details).where(cm.AuditEntry.action == "claim_reject")
        )
    assert audited["reason"] == "照片与事实不符"


def test_a_claim_is_decided_once(programme, office):
    c = programme.central
    approved = office.claim(rule="SWEEP", household_id=H1).json()
    rejected = office.claim(rule="SWEEP", household_id=H1).json()
    assert office.approve(approved["id"]).status_code == 200
    assert office.reject(rejected["id"], "重复").status_code == 200
    balance, entries = central_balances(c)[H1], central_count(c, cm.LedgerEntry)
    twice = office.approve(approved["id"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "claim_decided"
    assert office.approve(rejected["id"]).status_code == 409
    assert office.reject(approved["id"], "改主意").status_code == 409
    assert (central_balances(c)[H1], central_count(c, cm.LedgerEntry)) == (balance, entries)
    assert office.approve("00000000-0000-4000-8000-000000000000").status_code == 404
    assert office.approve("not-a-claim").status_code == 404


def test_a_rules_cap_is_enforced_at_approval(programme, office):
    wang = programme.residents["王建国"]
    li = programme.residents["李秀英"]
    png = b64(photo("PNG"))
    first = office.claim(rule="HELP", household_id=H1, residents=[wang], photos=[png]).json()
    second = office.claim(rule="HELP", household_id=H1, residents=[wang], photos=[png]).json()
    other = office.claim(rule="HELP", household_id=H1, residents=[li], photos=[png]).json()
    assert office.approve(first["id"]).status_code == 200
    capped = office.approve(second["id"])
    assert capped.status_code == 409 and capped.json()["error"]["code"] == "claim_cap"
    assert office.approve(other["id"]).status_code == 200  # the cap counts per resident
    assert central_balances(programme.central)[H1] == 300 + 15 + 15


def test_a_claim_is_checked_before_anything_is_written(programme, office):
    c = programme.central
    wang = programme.residents["王建国"]
    zhang = programme.residents["张伟"]
    before = claims_and_photos(c)
    refused = [
        office.claim(rule="NOPE", household_id=H1),
        office.claim(rule="SWEEP", household_id="H999999"),
        office.claim(rule="HELP", household_id=H1, residents=[wang]),  # needs a photo
        office.claim(rule="HELP", household_id=H1, photos=[b64(photo())]),  # needs residents
        office.claim(rule="SWEEP", household_id=H1, residents=[zhang]),  # not a member
        office.claim(rule="SWEEP", household_id=H1, note="x" * 201),
        office.claim(rule="SWEEP", household_id=H1, extra=1),
    ]
    assert [r.status_code for r in refused] == [404, 404, 400, 400, 400, 400, 400]
    assert claims_and_photos(c) == before


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ([b64(b"<?php system($_GET['c']); ?>")], "JPEG, PNG or WebP"),
        ([b64(b"GIF89a" + photo("PNG")[6:])], "JPEG, PNG or WebP"),
        ([b64(photo("JPEG")[:200])], "JPEG, PNG or WebP"),  # a truncated JPEG
        ([b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)], "JPEG, PNG or WebP"),  # a PNG in name only
        ([b64(photo("GIF"))], "JPEG, PNG or WebP"),
        ([b64(noisy_png(2 * 1024 * 1024 + 1))], "at most 2 MB"),
        ([b64(photo())] * 5, "at most 4 photos"),
        (["not base64!"], "base64"),
        ([42], "base64"),
    ],
)
def test_a_photo_that_is_not_a_small_image_is_refused(programme, office, photos, message):
    c = programme.central
    before = claims_and_photos(c)
    answer = office.claim(rule="SWEEP", household_id=H1, photos=photos)
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]["message"]
    assert claims_and_photos(c) == before


def test_jpeg_png_and_webp_photos_are_taken_up_to_four(programme, office):
    kinds = [photo("JPEG"), photo("PNG"), photo("WEBP"), noisy_png(1_500_000)]
    answer = office.claim(rule="SWEEP", household_id=H1, photos=[b64(p) for p in kinds])
    assert answer.status_code == 201, answer.text
    with programme.central.uow(write=False) as uow:
        types = uow.session.scalars(
            select(cm.ClaimPhoto.media_type).order_by(cm.ClaimPhoto.position)
        ).all()
    assert types == ["image/jpeg", "image/png", "image/webp", "image/png"]


def test_each_role_may_only_what_it_is_granted(programme, office):
    c = programme.central
    assert office.claim("viewer", rule="SWEEP", household_id=H1).status_code == 403
    claim = office.claim("group_leader", rule="SWEEP", household_id=H1).json()
    assert office.approve(claim["id"], role="viewer").status_code == 403
    assert office.approve(claim["id"], role="group_leader").status_code == 403
    assert office.reject(claim["id"], "不行", role="group_leader").status_code == 403
    assert central_balances(c)[H1] == 300
    with httpx.Client(base_url=office.base) as http:
        kiosk = {"Authorization": f"Bearer {programme.token('K1')}"}
        assert http.post(f"/api/v1/claims/{claim['id']}/approve", headers=kiosk).status_code == 401
    assert office.call("viewer", "GET", "/claims?status=pending").json()["total"] == 1
    for query in ("status=maybe", "rule=%00", "rule=a%20b", "page=0", "page=x"):
        assert office.call("viewer", "GET", f"/claims?{query}").status_code == 400, query
    assert office.approve(claim["id"], role="admin").status_code == 200
    assert central_balances(c)[H1] == 320


def test_an_office_correction_shows_in_the_households_history_with_who_and_why(programme, office):
    answer = office.call(
        "admin", "POST", f"/households/{H1}/adjust", {"points": -5, "reason": "多领"}
    )
    assert answer.status_code == 201
    shown = office.call("viewer", "GET", f"/households/{H1}").json()
    assert shown["balance"] == 295
    latest = shown["history"][0]
    assert (latest["kind"], latest["points"], latest["reason"]) == ("adjust", -5, "多领")
    assert latest["by"].startswith("office:")


@pytest.mark.parametrize(
    ("at", "period", "start", "end"),
    [
        # 23:30 UTC on 31 March is 07:30 on 1 April in Shanghai: April's day, week and month.
        (datetime(2025, 3, 31, 23, 30), "day", datetime(2025, 3, 31, 16), datetime(2025, 4, 1, 16)),
        (
            datetime(2025, 3, 31, 23, 30),
            "week",
            datetime(2025, 3, 30, 16),
            datetime(2025, 4, 6, 16),
        ),
        (
            datetime(2025, 3, 31, 23, 30),
            "month",
            datetime(2025, 3, 31, 16),
            datetime(2025, 4, 30, 16),
        ),
        (
            datetime(2025, 12, 31, 15, 59),
            "year",
            datetime(2024, 12, 31, 16),
            datetime(2025, 12, 31, 16),
        ),
        (
            datetime(2025, 12, 31, 16, 0),
            "year",
            datetime(2025, 12, 31, 16),
            datetime(2026, 12, 31, 16),
        ),
        (
            datetime(2025, 12, 20, 1, 0),
            "month",
            datetime(2025, 11, 30, 16),
            datetime(2025, 12, 31, 16),
        ),
    ],
)
def test_a_caps_period_is_counted_in_the_programmes_time_zone(at, period, start, end):
    assert period_bounds(at, period, "Asia/Shanghai") == (start, end)
    assert period_bounds(at, "none", "Asia/Shanghai") is None
