"""A resident at the touch screen: card, goods, confirm; and what goes wrong on the way."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from kiosk.services import inventory, queries, terminal
from tests.e2e.idle import tap_card as tap_demo_card
from tests.e2e.wedge import wedge

pytestmark = pytest.mark.browser


def tap_card(page, card) -> None:
    tap_demo_card(page, card["code"])


def add(page, code: str) -> None:
    page.locator(f".good[data-code='{code}'] .add").click()


def in_thread(target, *args) -> None:
    worker = threading.Thread(target=target, args=args, name="camera")
    worker.start()
    worker.join(timeout=10)


def test_a_resident_exchanges_two_goods_and_gets_a_receipt(
    page, card, printer, balance, stock, screenshot
):
    wang = card("王建国")
    page.goto("/")
    expect(page.locator("#idle")).to_be_visible()
    expect(page.locator("#idle .prompt")).to_have_text("请出示积分码")
    expect(page.locator("#idle .demo-card").first).to_be_visible()
    screenshot(page, "idle")

    tap_card(page, wang)
    expect(page.locator("#shop")).to_be_visible()
    expect(page.locator("#household-name")).to_have_text("王建国家")
    expect(page.locator("#resident-name")).to_have_text("王建国")
    expect(page.locator("#balance")).to_have_text("320")
    expect(page.locator("#confirm")).to_be_disabled()

    add(page, "OIL18")
    expect(page.locator("#total")).to_have_text("60")
    add(page, "TOWEL")
    expect(page.locator("#total")).to_have_text("72")
    expect(page.locator("#remaining")).to_have_text("248")
    expect(page.locator("#cart-lines li")).to_have_count(2)
    expect(page.locator("#cart-lines")).to_contain_text("鲁花花生油 1.8升")
    expect(page.locator("#cart-lines")).to_contain_text("纯棉毛巾")
    screenshot(page, "shop")

    page.locator("#confirm").click()
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#done .ok")).to_contain_text("兑换成功")
    expect(page.locator("#new-balance")).to_have_text("248")
    expect(page.locator("#print-state")).to_have_text("凭条已打印")
    screenshot(page, "done")

    assert len(printer.jobs) == 1
    assert "鲁花花生油".encode("gb18030") in printer.jobs[0]
    assert balance("H0001") == 320 - 72
    assert (stock("OIL18"), stock("TOWEL")) == (11, 34)

    page.locator("#done-button").click()
    expect(page.locator("#idle")).to_be_visible()


def test_the_done_screen_stays_while_stock_changes_and_gives_way_to_a_new_card(page, card, runtime):
    page.goto("/")
    tap_card(page, card("王建国"))
    add(page, "SOAP")
    expect(page.locator("#total")).to_have_text("8")
    page.locator("#confirm").click()
    expect(page.locator("#done")).to_be_visible()

    with page.expect_response("**/api/products*"):
        in_thread(inventory.restock, runtime.kiosk, "SOAP", 10, "purchase")
    page.wait_for_timeout(200)
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#new-balance")).to_have_text("312")

    in_thread(terminal.scan, runtime.kiosk, card("李德福")["code"])
    expect(page.locator("#shop")).to_be_visible()
    expect(page.locator("#household-name")).to_have_text("李德福家")


def test_more_of_a_good_and_less_again_with_the_cart_buttons(page, card, balance):
    page.goto("/")
    tap_card(page, card("王建国"))
    add(page, "SOAP")
    line = page.locator("#cart-lines li[data-code='SOAP']")

    line.get_by_role("button", name="加一件 雕牌肥皂").click()
    expect(line.locator(".qty span")).to_have_text("2")
    expect(page.locator("#total")).to_have_text("16")
    line.get_by_role("button", name="减 雕牌肥皂").click()
    page.wait_for_timeout(300)  # a repeat within a quarter second is taken for a double tap
    line.get_by_role("button", name="减 雕牌肥皂").click()

    expect(page.locator("#cart-lines li")).to_have_count(0)
    expect(page.locator("#cart-empty")).to_be_visible()
    expect(page.locator("#confirm")).to_be_disabled()
    assert balance("H0001") == 320


def test_taps_a_moment_apart_each_count(page, card, runtime):
    page.goto("/")
    tap_card(page, card("王建国"))
    add(page, "SOAP")
    line = page.locator("#cart-lines li[data-code='SOAP']")
    expect(line.locator(".qty span")).to_have_text("1")

    # Deliberate taps 0.3 s apart: more than a double tap's quarter second, so each counts.
    for _ in range(3):
        page.wait_for_timeout(300)
        line.get_by_role("button", name="加一件 雕牌肥皂").click()
    expect(line.locator(".qty span")).to_have_text("4")
    expect(page.locator("#total")).to_have_text("32")
    for _ in range(2):
        page.wait_for_timeout(300)
        page.locator("#goods .good[data-code='SOAP'] button.less").click()
    expect(line.locator(".qty span")).to_have_text("2")
    page.wait_for_timeout(300)
    expect(page.locator("#total")).to_have_text("16")
    cart = queries.session_view(runtime.kiosk)["cart"]
    assert [(line["product_code"], line["qty"]) for line in cart] == [("SOAP", 2)]


def test_a_tap_answered_after_a_later_reload_still_shows_in_the_cart(page, card, runtime):
    """A change event (the camera's, say) reloads the session while a tap is on its way; the
    server answers the reload first, with the cart as it was, and the tap's own answer arrives
    behind it. The screen must still come to show the line, whether or not a later event
    reloads it again: a busy kiosk had left the cart empty on screen with the good in it."""
    streams = []  # the screen's event streams, held: no event reaches it but the one sent below
    page.route("**/api/events*", lambda route: streams.append(route))
    page.goto("/")
    tap_card(page, card("王建国"))
    expect(page.locator("#shop")).to_be_visible()
    taps = []
    page.route("**/api/session/cart*", lambda route: taps.append(route))
    add(page, "SOAP")
    for _ in range(100):
        if taps and streams:
            break
        page.wait_for_timeout(50)
    assert taps and streams, "the tap or the event stream never left the page"
    with page.expect_response(lambda r: "/api/session?" in r.url):
        streams[0].fulfill(  # the screen reloads the session: the cart still empty
            status=200,
            headers={"Content-Type": "text/event-stream"},
            body='event: change\ndata: {"version": 1, "what": "camera"}\n\n',
        )
    taps[0].continue_()

    expect(page.locator("#cart-lines li[data-code='SOAP']")).to_be_visible(timeout=5_000)
    expect(page.locator("#total")).to_have_text("8")
    expect(page.locator("#confirm")).to_be_enabled()
    cart = queries.session_view(runtime.kiosk)["cart"]
    assert [(line["product_code"], line["qty"]) for line in cart] == [("SOAP", 1)]


def wait(page, condition) -> None:
    for _ in range(100):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("never happened")


def test_a_read_answered_before_a_tap_but_arriving_after_it_does_not_hide_the_tap(
    page, card, runtime
):
    """The mirror case: a read asked after the tap, answered by the server before the tap was
    made, reaches the page after the tap's answer. It is the newest asked, so it is shown: the
    screen must read again rather than leave the cart empty with the good in it."""
    streams = []  # the screen's event streams, held
    page.route("**/api/events*", lambda route: streams.append(route))
    page.goto("/")
    tap_card(page, card("王建国"))
    expect(page.locator("#shop")).to_be_visible()
    taps, reads = [], []
    page.route("**/api/session/cart*", lambda route: taps.append(route))

    def session_read(url: str) -> bool:
        return "/api/session?" in url

    page.route(session_read, lambda route: reads.append(route))
    add(page, "SOAP")
    wait(page, lambda: taps and streams)
    streams[0].fulfill(  # a camera event: the screen reads the session (asked after the tap)
        status=200,
        headers={"Content-Type": "text/event-stream"},
        body='event: change\ndata: {"version": 1, "what": "camera"}\n\n',
    )
    wait(page, lambda: reads)
    stale = reads[0].fetch()  # the server answers the read now: the tap is not made yet
    page.unroute(session_read)  # later reads go straight through
    with page.expect_response(lambda r: "/api/session/cart" in r.url):
        taps[0].continue_()
    reads[0].fulfill(response=stale)  # then the read's answer reaches the page

    expect(page.locator("#cart-lines li[data-code='SOAP']")).to_be_visible(timeout=5_000)
    page.wait_for_timeout(300)
    expect(page.locator("#cart-lines li[data-code='SOAP']")).to_be_visible()
    expect(page.locator("#total")).to_have_text("8")
    cart = queries.session_view(runtime.kiosk)["cart"]
    assert [(line["product_code"], line["qty"]) for line in cart] == [("SOAP", 1)]


def shop_at_rest(page, card) -> None:
    """Open 王建国's session and wait until the page has nothing more on its way."""
    page.goto("/")
    tap_card(page, card("王建国"))
    expect(page.locator(".good[data-code='SOAP'] .add")).to_be_visible()
    page.wait_for_load_state("networkidle")


def middle(button) -> tuple[float, float]:
    """Return the middle of a button (a locator), scrolled into view."""
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def middle_of(page, code: str) -> tuple[float, float]:
    """Return the middle of a good's 加一件 button, scrolled into view."""
    return middle(page.locator(f".good[data-code='{code}'] .add"))


def test_a_tap_held_while_the_screen_reloads_still_counts(page, card, runtime):
    """A finger is down on 加一件 when an event reloads the session and the goods (nothing in
    them changed). Redrawing the goods then replaced the button under the finger, and a press
    that ends on another element is no click: the tap was lost."""
    shop_at_rest(page, card)
    page.mouse.move(*middle_of(page, "SOAP"))
    page.mouse.down()
    with page.expect_response(lambda r: "/api/products" in r.url):
        runtime.changes.publish("camera")  # the screen reloads the session and the goods
    page.wait_for_timeout(100)
    page.mouse.up()

    expect(page.locator("#cart-lines li[data-code='SOAP']")).to_be_visible(timeout=5_000)
    expect(page.locator("#total")).to_have_text("8")


class Finger:
    """A press and a release apart, by mouse or by a touch screen's own touch events. A mouse's
    click needs the press and the release on one element; a touch's tap is made into a click on
    what is under the finger at the release. The screen must count either once."""

    def __init__(self, page, kind: str):
        self.page = page
        self.cdp = page.context.new_cdp_session(page) if kind == "touch" else None

    def down(self, x: float, y: float) -> None:
        if self.cdp is None:
            self.page.mouse.move(x, y)
            self.page.mouse.down()
        else:
            self.cdp.send(
                "Input.dispatchTouchEvent",
                {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]},
            )

    def up(self) -> None:
        if self.cdp is None:
            self.page.mouse.up()
        else:
            self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


@pytest.mark.parametrize("kind", ["mouse", "touch"])
def test_a_tap_held_while_the_goods_really_change_still_counts(page, card, runtime, kind):
    """The same press, but what the goods show changes under the finger: the shopkeeper restocks
    the good being pressed (its stock figure changes), so the goods must be redrawn and the button
    under the finger is a new one when it is released. The press began and ended on 加一件 of the
    same good: it is a tap, and counts once."""
    shop_at_rest(page, card)
    where = middle_of(page, "SOAP")
    stock_before = page.locator(".good[data-code='SOAP'] .stock").inner_text()
    finger = Finger(page, kind)
    finger.down(*where)
    with page.expect_response(lambda r: "/api/products" in r.url):
        in_thread(inventory.restock, runtime.kiosk, "SOAP", 10, "purchase")
    expect(page.locator(".good[data-code='SOAP'] .stock")).not_to_have_text(stock_before)
    finger.up()

    expect(page.locator("#cart-lines li[data-code='SOAP']")).to_be_visible(timeout=5_000)
    page.wait_for_timeout(400)
    expect(page.locator("#cart-lines li[data-code='SOAP'] .qty span")).to_have_text("1")
    expect(page.locator("#total")).to_have_text("8")
    cart = queries.session_view(runtime.kiosk)["cart"]
    assert [(line["product_code"], line["qty"]) for line in cart] == [("SOAP", 1)]


def cart_posts(page) -> list[str]:
    """Return the list the page's cart changes are counted into, as they are sent."""
    posts: list[str] = []
    page.on(
        "request", lambda r: posts.append(r.post_data) if "/api/session/cart" in r.url else None
    )
    return posts


def test_a_right_button_press_held_while_the_goods_change_is_no_tap(page, card, runtime):
    """A press of another mouse button opens a context menu and is no click, with or without a
    redraw under it: the release on the redrawn 加一件 must not add the good."""
    shop_at_rest(page, card)
    posts = cart_posts(page)
    page.mouse.move(*middle_of(page, "SOAP"))
    page.mouse.down(button="right")
    with page.expect_response(lambda r: "/api/products" in r.url):
        in_thread(inventory.restock, runtime.kiosk, "SOAP", 10, "purchase")
    page.mouse.up(button="right")
    page.wait_for_timeout(600)
    assert posts == []
    assert queries.session_view(runtime.kiosk)["cart"] == []


def test_a_touch_held_while_the_goods_change_counts_once_on_a_slow_screen(page, card, runtime):
    """The browser clicks a touch's tap where the finger lifts, redrawn button or not; the
    screen must not tap it again itself. With the page's processor slowed a hundredfold the
    click comes well after the quarter second that takes a repeat for a trembling finger."""
    shop_at_rest(page, card)
    posts = cart_posts(page)
    finger = Finger(page, "touch")
    finger.down(*middle_of(page, "SOAP"))
    with page.expect_response(lambda r: "/api/products" in r.url):
        in_thread(inventory.restock, runtime.kiosk, "SOAP", 10, "purchase")
    finger.cdp.send("Emulation.setCPUThrottlingRate", {"rate": 100})
    try:
        finger.up()
        page.wait_for_timeout(3_000)
    finally:
        finger.cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    expect(page.locator("#total")).to_have_text("8")
    page.wait_for_timeout(300)
    assert posts == ['{"product_code":"SOAP","qty":1}']
    cart = queries.session_view(runtime.kiosk)["cart"]
    assert [(line["product_code"], line["qty"]) for line in cart] == [("SOAP", 1)]


SHOWN_BESIDE = """(code) => {
  const grid = document.getElementById("goods").getBoundingClientRect();
  for (const card of document.querySelectorAll("#goods .good")) {
    const r = card.querySelector(".add").getBoundingClientRect();
    if (card.dataset.code !== code && r.top >= grid.top && r.bottom <= grid.bottom) {
      return card.dataset.code;
    }
  }
  return null;
}"""


def test_a_press_that_slides_off_to_another_good_is_no_tap(page, card, runtime):
    """A finger pressed on one good's 加一件 and lifted on another's is not a tap on either,
    whether or not the screen redrew in between."""
    shop_at_rest(page, card)
    page.mouse.move(*middle_of(page, "SOAP"))
    other = page.evaluate(SHOWN_BESIDE, "SOAP")  # another good's button, in full view
    assert other, "no other good's button is in view beside SOAP's"
    b = page.locator(f".good[data-code='{other}'] .add").bounding_box()
    page.mouse.down()
    with page.expect_response(lambda r: "/api/products" in r.url):
        in_thread(inventory.restock, runtime.kiosk, "SOAP", 10, "purchase")
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=4)
    page.mouse.up()
    page.wait_for_timeout(600)
    assert queries.session_view(runtime.kiosk)["cart"] == []
    expect(page.locator("#total")).to_have_text("0")


def test_a_category_press_held_while_the_goods_change_still_counts(page, card, runtime):
    """The category bar is drawn with the goods: a press on 粮油 while a restock redraws them
    ended on a new button, and the category was not chosen."""
    shop_at_rest(page, card)
    page.mouse.move(*middle(page.locator("#categories button", has_text="粮油")))
    page.mouse.down()
    with page.expect_response(lambda r: "/api/products" in r.url):
        in_thread(inventory.restock, runtime.kiosk, "SOAP", 10, "purchase")
    page.wait_for_timeout(100)
    page.mouse.up()
    expect(page.locator("#categories button.current")).to_have_text("粮油")
    expect(page.locator("#goods .good[data-code='SOAP']")).to_have_count(0)


def test_goods_taken_for_another_member_are_chosen_with_a_tap(page, card, runtime):
    """王建国 takes goods on behalf of 李秀英, of his household: the member buttons say whose
    turn it is, and the session records her."""
    page.goto("/")
    tap_card(page, card("王建国"))
    members = page.locator("#members button")
    expect(members).to_have_count(3)
    expect(page.locator("#members button.current")).to_have_text("王建国（本人）")
    members.filter(has_text="李秀英").click()
    expect(page.locator("#members button.current")).to_have_text("李秀英")
    expect(members.filter(has_text="李秀英")).to_have_attribute("aria-pressed", "true")
    assert queries.session_view(runtime.kiosk)["beneficiary"]["name"] == "李秀英"


def test_a_member_tap_held_while_the_screen_reloads_still_counts(page, card, runtime):
    """The member buttons were drawn afresh at every reload of the session, as the goods were:
    a finger on 李秀英 when a camera event reloaded the screen pressed a button that was gone."""
    shop_at_rest(page, card)
    page.mouse.move(*middle(page.locator("#members button", has_text="李秀英")))
    page.mouse.down()
    with page.expect_response(lambda r: "/api/session?" in r.url):
        runtime.changes.publish("camera")  # the screen reloads the session
    page.wait_for_timeout(100)
    page.mouse.up()
    expect(page.locator("#members button.current")).to_have_text("李秀英")
    assert queries.session_view(runtime.kiosk)["beneficiary"]["name"] == "李秀英"


def test_too_few_points_is_said_in_words_and_changes_nothing(page, card, balance, stock):
    page.goto("/")
    tap_card(page, card("宋明亮"))
    expect(page.locator("#balance")).to_have_text("5")

    add(page, "OIL5L")

    message = page.locator("#message")
    expect(message).to_be_visible()
    expect(message).to_have_text("积分不足：需要 120 分，可用 5 分。")
    expect(page.locator("#cart-lines li")).to_have_count(0)
    expect(page.locator("#total")).to_have_text("0")
    expect(page.locator("#confirm")).to_be_disabled()
    assert balance("H0021") == 5
    assert stock("OIL5L") == 10


def test_a_keyboard_wedge_scanner_starts_a_session(page, card):
    page.goto("/")
    expect(page.locator("#idle")).to_be_visible()

    wedge(page, card("李德福")["code"])

    expect(page.locator("#shop")).to_be_visible()
    expect(page.locator("#household-name")).to_have_text("李德福家")
    expect(page.locator("#balance")).to_have_text("180")


def test_a_keyboard_wedge_scan_of_a_label_adds_it_to_the_cart(page, card):
    page.goto("/")
    tap_card(page, card("王建国"))
    expect(page.locator("#shop")).to_be_visible()

    wedge(page, "EKP:SALT")

    expect(page.locator("#cart-lines li[data-code='SALT'] .qty span")).to_have_text("1")
    expect(page.locator("#total")).to_have_text("5")


def test_keys_with_long_pauses_are_not_taken_for_a_scan(page):
    page.goto("/")

    wedge(page, "SALT", gap=0.35)  # a person typing, not a scanner

    page.wait_for_timeout(300)
    expect(page.locator("#idle")).to_be_visible()
    expect(page.locator("#message")).to_be_hidden()


def test_cancel_returns_to_the_card_prompt_without_spending(page, card, balance, runtime):
    page.goto("/")
    tap_card(page, card("王建国"))
    add(page, "CUP")
    expect(page.locator("#total")).to_have_text("40")

    page.locator("#shop .cancel").click()

    expect(page.locator("#idle")).to_be_visible()
    expect(page.locator("#shop")).to_be_hidden()
    assert balance("H0001") == 320
    from kiosk.services import queries

    assert queries.session_view(runtime.kiosk)["mode"] == "idle"


def test_a_card_seen_by_the_camera_appears_without_reloading(page, card, runtime):
    page.goto("/")
    expect(page.locator("#idle")).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.evaluate("window.__notReloaded = true")

    in_thread(terminal.scan, runtime.kiosk, card("刘淑珍")["code"])

    expect(page.locator("#shop")).to_be_visible()
    expect(page.locator("#household-name")).to_have_text("刘淑珍家")
    expect(page.locator("#balance")).to_have_text("260")

    in_thread(terminal.scan, runtime.kiosk, "EKP:TISSUE")

    expect(page.locator("#cart-lines li[data-code='TISSUE']")).to_be_visible()
    expect(page.locator("#total")).to_have_text("15")
    assert page.evaluate("window.__notReloaded") is True


def test_an_activity_code_at_the_resident_screen_is_refused_in_words(page, runtime):
    page.goto("/")
    wedge(page, "EKA:SORT")
    expect(page.locator("#message")).to_have_text(
        "活动签到要由店长在管理页面开启，这里不能扫活动码。"
    )
    expect(page.locator("#idle")).to_be_visible()
    assert queries.session_view(runtime.kiosk)["mode"] == "idle"


def test_check_in_started_by_the_shopkeeper_shows_a_banner_and_credits_cards(
    page, runtime, card, balance
):
    page.goto("/")
    in_thread(terminal.start_checkin, runtime.kiosk, "ACT-SORT", "admin")
    expect(page.locator("#checkin")).to_be_visible()
    expect(page.locator("#activity-name")).to_have_text("垃圾分类积分日")
    banner = page.locator(".checkin-banner")
    expect(banner).to_contain_text("签到模式（店长已开启）")
    expect(banner).to_contain_text("无人签到5分钟后自动结束")
    box = banner.bounding_box()
    assert box["height"] >= 100 and box["width"] >= 600  # impossible to miss

    page.locator(f"#checkin .demo-card[data-code='{card('张伟')['code']}']").click()

    expect(page.locator("#checkin-last")).to_contain_text("张伟")
    expect(page.locator("#checkin-last")).to_contain_text("+10")
    assert balance("H0003") == 95 + 10
    page.locator("#checkin .cancel").click()
    expect(page.locator("#idle")).to_be_visible()


def test_the_screen_speaks_english_when_asked(page, card):
    page.goto("/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#idle .prompt")).to_have_text("Please show your points card")
    expect(page.get_by_role("heading", name="Demo cards")).to_be_visible()

    tap_card(page, card("宋明亮"))
    expect(page.locator("#shop")).to_contain_text("Balance")
    expect(page.locator("#confirm")).to_have_text("Confirm exchange")
    expect(page.locator("#shop .cancel")).to_have_text("Cancel")
    add(page, "OIL5L")
    expect(page.locator("#message")).to_have_text("Not enough points: 120 needed, 5 available.")

    page.goto("/")  # the choice is remembered
    expect(page.locator("#shop .cancel")).to_have_text("Cancel")
