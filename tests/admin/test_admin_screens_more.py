"""Stocktake and write-off, sync now, a void that asks first, the demo PIN's warning."""

from __future__ import annotations

import httpx

from kiosk.services import staff, terminal
from kiosk.sync.client import SyncClient
from tests.admin.conftest import PIN, post


def text(answer) -> str:
    return answer.get_data(as_text=True)


def follow(admin, answer) -> str:
    assert answer.status_code == 302, text(answer)[:800]
    return text(admin.get(answer.headers["Location"]))


def test_the_menu_leads_to_stocktake_and_write_off(admin):
    home = text(admin.get("/admin/"))
    assert "/admin/stocktake" in home and "盘点与报损" in home
    page = text(admin.get("/admin/stocktake"))
    assert 'id="stocktake-form"' in page and 'id="write-off-form"' in page
    assert "损坏" in page and "过期" in page


def test_a_stocktake_sets_stock_to_what_was_counted(admin, stock, audit_actions):
    page = follow(
        admin,
        post(
            admin,
            "/admin/stocktake",
            {"product_code": "SOAP", "counted": "57", "reason": "月底盘点"},
        ),
    )
    assert stock("SOAP") == 57
    assert "雕牌肥皂" in page and "57" in page and "少了 3" in page
    assert "stocktake" in audit_actions()


def test_a_stocktake_without_a_reason_says_so_in_chinese(admin, stock):
    answer = post(admin, "/admin/stocktake", {"product_code": "SOAP", "counted": "57"})
    assert answer.status_code == 400
    assert "请填写原因" in text(answer) or "原因" in text(answer)
    assert stock("SOAP") == 60


def test_a_write_off_takes_broken_or_expired_goods_out_of_stock(admin, stock, audit_actions):
    page = follow(
        admin,
        post(admin, "/admin/write-off", {"product_code": "SOAP", "qty": "2", "kind": "breakage"}),
    )
    assert stock("SOAP") == 58
    assert "已报损 雕牌肥皂 ×2（损坏）" in page
    page = follow(
        admin,
        post(
            admin,
            "/admin/write-off",
            {"product_code": "SOAP", "qty": "1", "kind": "expiry", "note": "过期一周"},
        ),
    )
    assert stock("SOAP") == 57
    assert "过期" in page
    assert audit_actions()[-1] == "write_off"
    log = text(admin.get("/admin/audit"))
    assert "报损" in log and "write_off" not in log.replace('value="write_off"', "").replace(
        'data-action="write_off"', ""
    )


def test_a_write_off_of_more_than_in_stock_is_refused_in_words(admin, stock):
    answer = post(
        admin, "/admin/write-off", {"product_code": "SOAP", "qty": "999", "kind": "breakage"}
    )
    assert answer.status_code == 400
    assert "库存只剩 60 件" in text(answer)
    assert stock("SOAP") == 60


def test_sync_now_reports_a_failure_in_words(admin, rt):
    def down(request):
        raise httpx.ConnectError("refused")

    rt.sync = SyncClient(rt.kiosk, "http://c.test", "t", transport=httpx.MockTransport(down))
    status = text(admin.get("/admin/status"))
    assert 'id="sync-now"' in status and "立即同步" in status
    page = follow(admin, post(admin, "/admin/status/sync"))
    assert "同步没有成功" in page and "连不上中心" in page
    assert "ConnectError" not in page


def test_sync_now_reports_success(admin, rt, monkeypatch):
    rt.sync = SyncClient(rt.kiosk, "http://c.test", "t", transport=httpx.MockTransport(None))
    monkeypatch.setattr(rt.sync, "sync_once", lambda: rt.sync._succeeded())
    page = follow(admin, post(admin, "/admin/status/sync"))
    assert "已与中心同步" in page


def test_sync_now_on_a_stand_alone_kiosk_says_there_is_nothing_to_do(admin):
    assert 'id="sync-now"' not in text(admin.get("/admin/status"))
    page = follow(admin, post(admin, "/admin/status/sync"))
    assert "不连中心" in page


def test_a_void_asks_first_and_shows_what_comes_back(admin, rt, card, balance, stock):
    terminal.scan(rt.kiosk, card("王建国")["code"])
    terminal.set_cart_line(rt.kiosk, "OIL18", 1)
    done = terminal.checkout(rt.kiosk)
    asked = post(admin, f"/admin/exchanges/{done.exchange_id}/void", {"reason": "拿错了"})
    page = text(asked)
    assert asked.status_code == 200
    assert 'id="void-confirm"' in page
    assert "退回 60 分" in page and "260 → 320" in page and "鲁花花生油" in page
    assert balance("H0001") == 260 and stock("OIL18") == 11
    page = follow(
        admin,
        post(
            admin,
            f"/admin/exchanges/{done.exchange_id}/void",
            {"reason": "拿错了", "confirm": "1"},
        ),
    )
    assert "已撤销" in page
    assert balance("H0001") == 320 and stock("OIL18") == 12


def test_the_demo_pin_is_warned_about_until_it_is_changed(client, rt):
    staff.set_pin(rt.kiosk, staff.DEMO_PIN, actor="demo")
    post(client, "/admin/login", {"pin": staff.DEMO_PIN})
    page = text(client.get("/admin/"))
    assert 'id="demo-pin-warning"' in page and "演示密码" in page
    staff.set_pin(rt.kiosk, PIN, actor="test")
    post(client, "/admin/login", {"pin": PIN})
    assert 'id="demo-pin-warning"' not in text(client.get("/admin/"))
