"""What the shopkeeper reads is plain Chinese: no field names, raw ids, UTC times or English."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC

import httpx

from kiosk.services import terminal
from kiosk.sync.client import SyncClient
from tests.admin.conftest import post

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def text(answer) -> str:
    return answer.get_data(as_text=True)


def test_a_donation_without_a_donor_says_what_to_write(admin):
    answer = post(
        admin, "/admin/restock", {"product_code": "SOAP", "qty": "5", "source": "donation"}
    )
    page = text(answer)
    assert answer.status_code == 400
    assert "请填写捐赠人" in page
    assert "donor" not in page.replace('name="donor"', "").replace('id="donor"', "").replace(
        'for="donor"', ""
    ).replace('list="donors"', "").replace('id="donors"', "")
    assert "missing" not in page


def test_a_value_that_is_not_an_amount_says_how_to_write_it(admin):
    answer = post(
        admin,
        "/admin/restock",
        {"product_code": "SOAP", "qty": "5", "source": "purchase", "unit_value": "abc"},
    )
    page = text(answer)
    assert answer.status_code == 400
    assert "单价" in page and "9.9" in page
    assert "unit_value 无效" not in page and "not a number" not in page


def _offline_client(rt) -> SyncClient:
    def down(request):
        raise httpx.ConnectError("refused")

    return SyncClient(rt.kiosk, "http://central.test", "t", transport=httpx.MockTransport(down))


def test_the_status_page_says_sync_problems_in_chinese_and_local_time(admin, rt):
    rt.sync = _offline_client(rt)
    with contextlib.suppress(Exception):
        rt.sync.sync_once()
    page = text(admin.get("/admin/status"))
    assert "ConnectError" not in page and "central unreachable" not in page
    assert "连不上中心" in page
    at = rt.sync.status.last_error_at
    local = at.replace(tzinfo=UTC).astimezone(rt.kiosk.zone)
    assert local.strftime("%Y-%m-%d %H:%M") in page
    assert "Z<" not in page and not re.search(r"\d{4}-\d\d-\d\dT\d\d:", page)


def test_the_sync_problem_clears_once_sync_succeeds(admin, rt):
    rt.sync = _offline_client(rt)
    rt.sync._failed("central unreachable: ConnectError")
    rt.sync._succeeded()
    page = text(admin.get("/admin/status"))
    assert "连不上中心" not in page and "ConnectError" not in page
    assert rt.sync.status.last_error is None


def test_the_audit_log_names_households_residents_products_and_exchanges(admin, rt, card):
    holder = card("王建国")
    terminal.scan(rt.kiosk, holder["code"])
    terminal.set_cart_line(rt.kiosk, "SOAP", 1)
    result = terminal.checkout(rt.kiosk)
    page = text(admin.get("/admin/audit"))
    assert not UUID.search(page)
    assert "household=" not in page and "H0000" not in page
    assert "王建国" in page
    assert result.number in page
    assert "雕牌肥皂" in page


def test_every_audited_action_and_actor_has_a_chinese_name():
    from pathlib import Path

    import kiosk
    from terminal_ui.admin.base import ACTIONS, ACTORS

    found = set()
    for path in Path(kiosk.__file__).parent.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'audit\(\s*s,\s*[^,]+,\s*[^,]+,\s*"([a-z_]+)"', source))
        found |= set(re.findall(r'audit_log\.record\(\s*k,\s*"([a-z_]+)"', source))
    assert found and found <= set(ACTIONS)
    assert {"admin", "terminal", "central"} <= set(ACTORS)


def test_an_entry_the_office_refused_is_explained_in_chinese_with_its_household(admin, rt):
    from kiosk.storage.models import OutboxRow
    from kiosk.storage.states import OutboxStatus

    with rt.kiosk.uow() as uow:
        uow.session.add(
            OutboxRow(
                entry_id="0b7c1f0e-1111-4222-8333-444455556666",
                kind="checkin",
                payload={},
                created_at=rt.kiosk.clock.now(),
                household_id="H0001",
                points=0,
                status=OutboxStatus.REJECTED,
                reason="activity ACT-X is not open on this day",
            )
        )
        uow.commit()
    page = text(admin.get("/admin/status"))
    row = page[page.index('id="refused"') :]
    row = row[: row.index("</table>")]
    assert "王建国家" in row and "H0001" not in row
    assert "不符合中心的规则" in row
    assert "给中心看的说明" in row  # the office's own words stay, folded away for the office


def test_the_status_json_carries_the_problem_in_the_shopkeepers_words(admin, rt):
    rt.sync = _offline_client(rt)
    with contextlib.suppress(Exception):
        rt.sync.sync_once()
    sync = admin.get("/admin/status.json").get_json()["sync"]
    assert "连不上中心" in sync["problem"]
    assert not re.search(r"\d{4}-\d\d-\d\dT", sync["last_error_shown"])
    rt.sync._succeeded()
    sync = admin.get("/admin/status.json").get_json()["sync"]
    assert sync["problem"] is None and sync["last_error"] is None


def test_a_pause_central_asked_for_is_said_as_such(admin, rt):
    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "60"}, json={"error": {}})

    rt.sync = SyncClient(rt.kiosk, "http://central.test", "t", transport=httpx.MockTransport(busy))
    with contextlib.suppress(Exception):
        rt.sync.sync_once()
    page = text(admin.get("/admin/status"))
    assert "中心那边正忙" in page and "429" not in page
    with contextlib.suppress(Exception):
        rt.sync.sync_once()  # within the pause: nothing sent, the same words
    assert "中心那边正忙" in text(admin.get("/admin/status"))
