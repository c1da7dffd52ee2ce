"""Office corrections: an admin adjusts a household's points with a reason, as a counter-entry
that is audited, reaches every kiosk and counts in every figure."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sync_helpers import (
    assert_converged,
    central_balances,
    central_ledger_sums,
    household_id,
    quiet_sync,
)

from sync.central import models as cm
from sync.central.queries import stats
from sync.central.services import tokens

H1 = household_id(1)  # 王建国家, 300 points


def adjust(programme, token: str, household: str, body) -> httpx.Response:
    with httpx.Client(base_url=programme.server.base, timeout=30) as http:
        return http.post(
            f"/api/v1/households/{household}/adjust",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )


def test_an_office_admin_adjusts_points_with_a_reason_and_every_book_follows(programme):
    c = programme.central
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")
    token = tokens.office_token(c, "admin", "corrections", actor="test")
    issued_before = stats.stats(c)["points_issued"]
    answer = adjust(programme, token, H1, {"points": -25, "reason": "重复签到，扣回"})
    assert answer.status_code == 201, answer.text
    done = answer.json()
    assert (done["points"], done["balance"], done["reason"]) == (-25, 275, "重复签到，扣回")
    assert central_balances(c)[H1] == 275 == central_ledger_sums(c)[H1]
    quiet_sync(k1, k2)
    assert_converged(c, k1, k2)
    with c.uow(write=False) as uow:
        s = uow.session
        entry = s.scalar(select(cm.LedgerEntry).where(cm.LedgerEntry.ref == done["id"]))
        assert (entry.kind, entry.points, entry.kiosk_id) == ("adjust", -25, "CENTRAL")
        row = s.get(cm.Adjustment, done["id"])
        assert (row.reason, row.actor.startswith("office:")) == ("重复签到，扣回", True)
        audited = s.scalar(select(cm.AuditEntry).where(cm.AuditEntry.action == "adjust"))
        assert audited.target == H1 and audited.details["reason"] == "重复签到，扣回"
    assert stats.stats(c)["points_issued"] == issued_before  # a correction is not an award


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"points": 10}, 400),
        ({"points": 10, "reason": "   "}, 400),
        ({"points": 0, "reason": "nothing"}, 400),
        ({"points": 1_000_000, "reason": "too much"}, 400),
        ({"points": "10", "reason": "text"}, 400),
        ({"points": True, "reason": "bool"}, 400),
        ({"points": 10, "reason": "x" * 201}, 400),
        ({"points": 10, "reason": "ok", "extra": 1}, 400),
        (["points", 10], 400),
    ],
)
def test_a_bad_adjustment_is_refused_and_changes_nothing(programme, body, status):
    c = programme.central
    token = tokens.office_token(c, "admin", "corrections", actor="test")
    before = central_balances(c)
    answer = adjust(programme, token, H1, body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["message"]
    assert central_balances(c) == before


def test_only_an_admin_token_adjusts_and_an_unknown_household_is_404(programme):
    c = programme.central
    viewer = tokens.office_token(c, "viewer", "reader", actor="test")
    admin = tokens.office_token(c, "admin", "corrections", actor="test")
    body = {"points": 10, "reason": "补录"}
    assert adjust(programme, viewer, H1, body).status_code == 403
    assert adjust(programme, programme.token("K1"), H1, body).status_code == 401
    assert adjust(programme, admin, "H999999", body).status_code == 404
    assert adjust(programme, admin, "H%00", body).status_code == 404
    assert central_balances(c)[H1] == 300
