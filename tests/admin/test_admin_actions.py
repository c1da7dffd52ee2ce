"""Each admin action through the Flask client: what it changes, prints and audits."""

from __future__ import annotations

import pytest

from kiosk.services import day_report, inventory, print_jobs, queries, terminal, times
from kiosk.storage.models import AuditEntry, Product
from tests.admin.conftest import PIN, post

SHOPKEEPER = "staff:1"  # the audit log names the person signed in: the first shopkeeper


def text(answer) -> str:
    return answer.get_data(as_text=True)


def follow(admin, answer) -> str:
    assert answer.status_code == 302, text(answer)[:800]
    return text(admin.get(answer.headers["Location"]))


def last_audit(rt, action: str) -> dict | None:
    with rt.kiosk.uow(write=False) as uow:
        entry = (
            uow.session.query(AuditEntry)
            .filter(AuditEntry.action == action)
            .order_by(AuditEntry.id.desc())
            .first()
        )
        if entry is None:
            return None
        return {"actor": entry.actor, "target": entry.target, "details": entry.details}


def exchange(rt, card_code: str, *lines: tuple[str, int]):
    terminal.scan(rt.kiosk, card_code)
    for code, qty in lines:
        terminal.set_cart_line(rt.kiosk, code, qty)
    return terminal.checkout(rt.kiosk)


def test_restock_records_the_batch_prints_the_slip_and_is_audited(admin, rt, stock):
    page = follow(
        admin,
        post(
            admin,
            "/admin/restock",
            {
                "product_code": "BASIN",
                "qty": "10",
                "source": "donation",
                "donor": "县妇联",
                "unit_value": "9.9",
            },
        ),
    )
    assert "已入库 塑料脸盆 ×10，现有库存 12。" in page
    assert "入库单已打印。" in page
    assert stock("BASIN") == 12
    assert "县妇联".encode("gb18030") in rt.printer.jobs[-1]
    entry = last_audit(rt, "restock")
    assert (entry["actor"], entry["target"], entry["details"]["donor"]) == (
        SHOPKEEPER,
        "BASIN",
        "县妇联",
    )


def test_a_donation_without_a_donor_is_refused_in_words(admin, stock, snapshot_rows):
    before = snapshot_rows()
    answer = post(
        admin, "/admin/restock", {"product_code": "SOAP", "qty": "5", "source": "donation"}
    )
    assert answer.status_code == 400
    assert "请填写捐赠人" in text(answer)
    assert 'value="5"' in text(answer)  # what was typed is kept
    assert snapshot_rows() == before


def test_a_restock_slip_that_did_not_print_says_so(admin, rt):
    rt.printer.fail("paper_out")
    page = follow(
        admin,
        post(admin, "/admin/restock", {"product_code": "SOAP", "qty": "5", "source": "purchase"}),
    )
    assert "入库单未能打印" in page
    assert "缺纸" in text(admin.get("/admin/"))


def test_a_new_product_is_added_and_offered(admin, rt):
    page = follow(
        admin,
        post(
            admin,
            "/admin/goods",
            {
                "new": "1",
                "code": "rice5",
                "name": "五常大米 5斤",
                "category": "粮油",
                "unit": "袋",
                "points": "45",
                "active": "on",
            },
        ),
    )
    assert "已保存：五常大米 5斤。" in page
    offered = {p["code"]: p for p in queries.products(rt.kiosk)}
    assert offered["RICE5"]["points"] == 45
    assert last_audit(rt, "product_add")["actor"] == SHOPKEEPER


def test_a_code_already_taken_is_not_overwritten(admin, rt):
    answer = post(
        admin,
        "/admin/goods",
        {
            "new": "1",
            "code": "SOAP",
            "name": "别的肥皂",
            "category": "日用",
            "unit": "块",
            "points": "3",
        },
    )
    assert answer.status_code == 400
    assert "已有相同编码的商品" in text(answer)
    assert inventory.product(rt.kiosk, "SOAP")["name"] == "雕牌肥皂"


def test_a_price_change_is_audited_with_the_old_price(admin, rt):
    follow(
        admin,
        post(
            admin,
            "/admin/goods",
            {
                "code": "SOAP",
                "name": "雕牌肥皂",
                "category": "日用",
                "unit": "块",
                "points": "9",
                "active": "on",
            },
        ),
    )
    change = last_audit(rt, "price_change")
    assert (change["actor"], change["target"], change["details"]) == (
        SHOPKEEPER,
        "SOAP",
        {"old": 8, "new": 9},
    )


def test_a_bad_price_is_refused_and_the_form_kept(admin, rt):
    answer = post(
        admin,
        "/admin/goods",
        {
            "code": "SOAP",
            "name": "雕牌肥皂",
            "category": "日用",
            "unit": "块",
            "points": "0",
            "active": "on",
        },
    )
    assert answer.status_code == 400
    assert "积分必须是 1 到" in text(answer)
    assert inventory.product(rt.kiosk, "SOAP")["points"] == 8


def test_a_product_taken_off_the_screen_and_offered_again(admin, rt):
    page = follow(admin, post(admin, "/admin/goods/CUP/active", {"active": "0"}))
    assert "保温杯 已下架。" in page
    assert "CUP" not in {p["code"] for p in queries.products(rt.kiosk)}
    page = follow(admin, post(admin, "/admin/goods/CUP/active", {"active": "1"}))
    assert "保温杯 已重新上架。" in page
    assert "CUP" in {p["code"] for p in queries.products(rt.kiosk)}


def test_the_stock_page_warns_of_low_stock_at_the_chosen_level(admin):
    page = text(admin.get("/admin/stock"))
    assert "2 种商品库存不足（不多于 5）。" in page  # BASIN 2, UMBR 0
    follow(admin, post(admin, "/admin/settings", {"low_stock": "10", "voice": "on"}))
    page = text(admin.get("/admin/stock"))
    assert "3 种商品库存不足（不多于 10）。" in page  # and OIL5L, 10


def test_history_finds_exchanges_by_household_and_number(admin, rt, card):
    first = exchange(rt, card("王建国")["code"], ("SOAP", 1))
    exchange(rt, card("李德福")["code"], ("SALT", 2))
    page = text(admin.get("/admin/history?q=李德福"))
    assert "找到 1 笔兑换。" in page and "食用盐 400克 ×2" in page
    page = text(admin.get(f"/admin/history?q={first.number}"))
    assert "找到 1 笔兑换。" in page and "雕牌肥皂 ×1" in page
    assert "找到 2 笔兑换。" in text(admin.get("/admin/history"))
    assert "找到 0 笔兑换。" in text(admin.get("/admin/history?q=nobody&day=2001-01-01"))


def test_a_void_needs_a_reason_then_returns_points_and_stock(admin, rt, card, balance, stock):
    done = exchange(rt, card("王建国")["code"], ("OIL18", 1))
    assert balance("H0001") == 260
    refused = post(admin, f"/admin/exchanges/{done.exchange_id}/void", {"reason": "  "})
    assert refused.status_code == 400
    assert "请填写原因。" in text(refused)
    assert balance("H0001") == 260

    page = follow(
        admin,
        post(
            admin,
            f"/admin/exchanges/{done.exchange_id}/void",
            {"reason": "拿错了", "confirm": "1"},
        ),
    )
    assert f"兑换 {done.number} 已撤销：退回 60 分，现余额 320 分。" in page
    assert (balance("H0001"), stock("OIL18")) == (320, 12)
    assert "撤销".encode("gb18030") in rt.printer.jobs[-1]
    assert last_audit(rt, "void")["details"]["reason"] == "拿错了"

    again = post(
        admin, f"/admin/exchanges/{done.exchange_id}/void", {"reason": "again", "confirm": "1"}
    )
    assert again.status_code == 400
    assert "此兑换已撤销过。" in text(again)


def test_a_receipt_that_failed_is_printed_again_and_a_copy_reprinted(admin, rt, card):
    done = exchange(rt, card("王建国")["code"], ("SOAP", 1))
    rt.printer.fail("offline")
    assert print_jobs.print_receipt(rt.kiosk, rt.printer, done.receipt_id) is False
    home = text(admin.get("/admin/"))
    assert "1 张凭条未打印。" in home and "打印机未连接" in home
    rt.printer.fail(None)

    page = follow(admin, post(admin, f"/admin/receipts/{done.receipt_id}/retry"))
    assert f"凭条 {done.number} 已打印。" in page
    assert len(rt.printer.jobs) == 1
    assert "1 张凭条未打印" not in text(admin.get("/admin/"))

    follow(admin, post(admin, f"/admin/receipts/{done.receipt_id}/reprint"))
    assert len(rt.printer.jobs) == 2
    assert "重打".encode("gb18030") in rt.printer.jobs[-1]
    assert last_audit(rt, "print_retry")["actor"] == SHOPKEEPER
    assert last_audit(rt, "reprint")["actor"] == SHOPKEEPER
    assert "雕牌肥皂" in text(admin.get(f"/admin/receipts/{done.receipt_id}"))

    refused = follow(admin, post(admin, f"/admin/receipts/{done.receipt_id}/retry"))
    assert "⚠" in refused  # it printed already: a copy is a reprint


def test_a_receipt_that_failed_can_be_taken_off_the_list(admin, rt, card):
    done = exchange(rt, card("王建国")["code"], ("SOAP", 1))
    rt.printer.fail("paper_out")
    print_jobs.print_receipt(rt.kiosk, rt.printer, done.receipt_id)
    follow(admin, post(admin, f"/admin/receipts/{done.receipt_id}/dismiss"))
    assert "凭条未打印" not in text(admin.get("/admin/"))
    assert last_audit(rt, "print_dismiss")["actor"] == SHOPKEEPER


def test_check_in_credits_a_card_once_and_prints_a_slip(admin, rt, card, balance):
    answer = post(admin, "/admin/checkin/start", {"activity_id": "ACT-CLEAN"})
    assert answer.headers["Location"].endswith("/admin/checkin/ACT-CLEAN")
    assert queries.session_view(rt.kiosk)["mode"] == "checkin"

    page = follow(
        admin, post(admin, "/admin/checkin/ACT-CLEAN/scan", {"code": card("张伟")["code"]})
    )
    assert "签到成功：张伟（张伟家）+20 分，余额 115 分。" in page
    assert balance("H0003") == 115
    assert "张伟".encode("gb18030") not in rt.printer.jobs[-1]  # names are masked on slips
    assert "签到".encode("gb18030") in rt.printer.jobs[-1]

    page = follow(
        admin, post(admin, "/admin/checkin/ACT-CLEAN/scan", {"code": card("张伟")["code"]})
    )
    assert "张伟 已签到过“为五保户义务打扫”。" in page
    assert balance("H0003") == 115
    page = follow(admin, post(admin, "/admin/checkin/ACT-CLEAN/scan", {"code": "EKC:NOPE"}))
    assert "此积分卡未登记" in page

    follow(admin, post(admin, "/admin/checkin/end"))
    assert queries.session_view(rt.kiosk)["mode"] == "idle"
    assert last_audit(rt, "checkin")["actor"] == SHOPKEEPER


def test_check_in_does_not_take_the_screen_from_a_resident(admin, rt, card):
    terminal.scan(rt.kiosk, card("王建国")["code"])
    page = follow(admin, post(admin, "/admin/checkin/start", {"activity_id": "ACT-SORT"}))
    assert "有居民正在终端上兑换" in page
    assert queries.session_view(rt.kiosk)["mode"] == "exchange"


def test_settings_switch_the_spoken_prompts(admin, client, rt):
    assert '"voice": false' in text(client.get("/"))
    page = follow(admin, post(admin, "/admin/settings", {"voice": "on", "low_stock": "5"}))
    assert "设置已保存。" in page
    assert client.get("/screen/config").get_json()["voice"] is True
    follow(admin, post(admin, "/admin/settings", {"low_stock": "5"}))
    assert client.get("/screen/config").get_json()["voice"] is False
    assert last_audit(rt, "settings")["details"] == {"voice": False, "low_stock": 5, "volume": 80}


def test_the_pin_is_changed_with_the_current_one(admin, client):
    wrong = post(
        admin, "/admin/pin", {"current_pin": "000000", "new_pin": "8642", "new_pin_again": "8642"}
    )
    assert "当前密码不对。" in text(wrong)
    mismatch = post(
        admin, "/admin/pin", {"current_pin": PIN, "new_pin": "8642", "new_pin_again": "8643"}
    )
    assert "两次输入的新密码不一样。" in text(mismatch)
    short = post(admin, "/admin/pin", {"current_pin": PIN, "new_pin": "12", "new_pin_again": "12"})
    assert "密码为 4 到 12 位数字。" in text(short)

    page = follow(
        admin,
        post(admin, "/admin/pin", {"current_pin": PIN, "new_pin": "8642", "new_pin_again": "8642"}),
    )
    assert "密码已修改。" in page
    assert admin.get("/admin/").status_code == 200  # this session goes on
    assert post(client, "/admin/login", {"pin": PIN}).status_code == 401
    assert post(client, "/admin/login", {"pin": "8642"}).status_code == 302


def test_the_daily_summary_counts_the_day(admin, rt, card):
    exchange(rt, card("王建国")["code"], ("SOAP", 2))
    voided = exchange(rt, card("李德福")["code"], ("SALT", 1))
    post(admin, f"/admin/exchanges/{voided.exchange_id}/void", {"reason": "错了", "confirm": "1"})
    figures = day_report.day_figures(rt.kiosk, times.today(rt.kiosk))
    assert (figures["exchanges"], figures["points_spent"], figures["voids"]) == (1, 16, 1)
    assert figures["goods_out"] == [("雕牌肥皂", 2)]
    page = text(admin.get("/admin/summary"))
    assert 'id="f-spent">16<' in page


def test_the_summary_slip_prints(admin, rt):
    page = follow(admin, post(admin, "/admin/summary/print", {"day": "2025-03-01"}))
    assert "日结单已打印。" in page
    assert "日结汇总".encode("gb18030") in rt.printer.jobs[-1]
    assert last_audit(rt, "daily_summary")["target"] == "2025-03-01"


def test_labels_download_as_a_pdf_when_the_sheet_maker_is_there(admin, monkeypatch):
    try:
        from core import sheets
    except ImportError:
        page = follow(admin, post(admin, "/admin/labels", {"code": ["SOAP"]}))
        assert "本终端暂不能生成标签页。" in page
        return
    if not hasattr(sheets, "label_sheet"):
        pytest.skip("core.sheets has no label_sheet yet")
    answer = post(admin, "/admin/labels", {"code": ["SOAP", "SALT"], "copies-SOAP": "2"})
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF")


def test_no_labels_chosen_is_said_in_words(admin):
    page = follow(admin, post(admin, "/admin/labels", {}))
    assert "请至少选择一种商品。" in page


def test_the_status_page_shows_printer_camera_and_sync(admin, rt):
    page = text(admin.get("/admin/status"))
    assert "打印机正常" in page
    assert "模拟（演示）" in page
    assert "未使用（单机终端）" in page
    assert admin.get("/admin/status.json").get_json()["sync"] is None


def test_the_audit_log_shows_who_did_what(admin, rt):
    post(admin, "/admin/restock", {"product_code": "SOAP", "qty": "5", "source": "purchase"})
    page = text(admin.get("/admin/audit?mine=1"))
    assert "商品入库" in page and "登录" in page and "店员" in page
    page = text(admin.get("/admin/audit?action=restock"))
    assert "雕牌肥皂" in page
    with rt.kiosk.uow(write=False) as uow:
        assert uow.session.get(Product, "SOAP").stock == 65


def test_a_receipt_preview_shows_its_qr_as_printed(admin, rt, card):
    import cv2
    import numpy as np

    from kiosk.scan import decode
    from kiosk.services import terminal

    terminal.scan(rt.kiosk, card("王建国")["code"])
    terminal.set_cart_line(rt.kiosk, "SALT", 1)
    done = terminal.checkout(rt.kiosk)
    page = admin.get(f"/admin/receipts/{done.receipt_id}")
    assert f"/admin/receipts/{done.receipt_id}/preview.png" in page.text
    png = admin.get(f"/admin/receipts/{done.receipt_id}/preview.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    image = cv2.imdecode(np.frombuffer(png.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert decode(image) == [done.number]
    assert admin.get("/admin/receipts/999999/preview.png").status_code == 404
