"""An announcement for a village reaches that village's stores only, through the real feed, and
its picture is kept and served by their kiosks for the idle screen."""

from __future__ import annotations

import base64
import io
import os
from datetime import timedelta

import orjson
from PIL import Image
from sqlalchemy import select
from sync_helpers import EAST, quiet_sync

from sync.central.context import emit
from sync.central.models import Change, Store
from sync.central.queries import feed
from sync.central.services import areas, notices
from terminal_ui import create_app

VILLAGE = "平江县/三市镇/东村"
WEST_VILLAGE = "平江县/三市镇/西村"


def picture(kind: str = "PNG", side: int = 96, noise: bool = False) -> bytes:
    """Return a real image file; with noise it barely compresses."""
    if noise:
        image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    else:
        image = Image.new("RGB", (side, side), (30, 120, 200))
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def place_east_store(c) -> None:
    areas.save_areas(
        c,
        [
            areas.AreaRow(2, ("平江县", "三市镇", "东村", "一组")),
            areas.AreaRow(3, ("平江县", "三市镇", "西村", "一组")),
        ],
    )
    areas.set_store_area(c, EAST, VILLAGE)


def test_a_village_announcement_and_its_picture_reach_only_that_villages_kiosks(programme):
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")  # east (in 东村), west (in none)
    c = programme.central
    place_east_store(c)
    png, jpeg = picture("PNG"), picture("JPEG", 200)
    village = notices.post_announcement(
        c, "东村：周六集中兑换", "2025-03-01", "2025-03-10", villages=[VILLAGE], picture=png
    ).id
    everyone = notices.post_announcement(c, "全体：妇女节活动", "2025-03-01", "2025-03-10").id
    photo = notices.post_announcement(
        c, "全体：新到货", "2025-03-01", "2025-03-10", picture=jpeg
    ).id
    quiet_sync(k1, k2)

    east = create_app(k1, {}).test_client()
    shown = {a["id"]: a for a in east.get("/api/announcements").get_json()["announcements"]}
    assert set(shown) == {village, everyone, photo}
    assert shown[village]["picture"] == f"/api/announcements/{village}/picture"
    assert shown[everyone]["picture"] is None
    answer = east.get(shown[village]["picture"])
    assert answer.status_code == 200 and answer.data == png
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    answer = east.get(f"/api/announcements/{photo}/picture")
    assert answer.data == jpeg and answer.headers["Content-Type"] == "image/jpeg"
    none = east.get(f"/api/announcements/{everyone}/picture")
    assert none.status_code == 404 and none.get_json()["error"]["code"] == "no_picture"
    assert east.get("/api/announcements/nothing-here/picture").status_code == 404

    west = create_app(k2, {}).test_client()
    texts = [a["text"] for a in west.get("/api/announcements").get_json()["announcements"]]
    assert sorted(texts) == ["全体：妇女节活动", "全体：新到货"]  # not 东村's
    assert west.get(f"/api/announcements/{village}/picture").status_code == 404


def test_pictures_spread_over_feed_pages_that_keep_to_their_budget(programme, monkeypatch):
    k1 = programme.kiosk("K1")
    c = programme.central
    pictures = [picture("PNG", 140, noise=True) for _ in range(3)]  # about 60 KB each
    for n, data in enumerate(pictures):
        notices.post_announcement(c, f"通知{n}", "2025-03-01", "2025-03-10", picture=data)
    monkeypatch.setattr(feed, "PAGE_BYTES", 100_000)
    with c.uow(write=False) as uow:
        store_id = uow.session.scalar(select(Store.id).where(Store.name == EAST))
    page = orjson.loads(feed.store_changes_json(c, "K1", store_id, 0, 1000))
    kinds = [change["kind"] for change in page["changes"]]
    assert page["more"] and kinds.count("announcement") < 3  # the rest on the next page
    quiet_sync(k1)
    shown = create_app(k1, {}).test_client().get("/api/announcements").get_json()
    assert sorted(a["text"] for a in shown["announcements"]) == ["通知0", "通知1", "通知2"]
    client = create_app(k1, {}).test_client()
    served = sorted(client.get(a["picture"]).data for a in shown["announcements"])
    assert served == sorted(pictures)


def test_a_kiosk_keeps_no_picture_that_is_not_a_jpeg_or_png(programme):
    k1 = programme.kiosk("K1")
    c = programme.central
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with c.uow() as uow:
        for n, (data, kind) in enumerate(
            [(base64.b64encode(svg).decode(), "image/png"), ("%%% not base64", "image/jpeg")]
        ):
            change = {
                "id": f"FORGED-{n}",
                "text": f"伪造的图片{n}",
                "starts": "2025-03-01",
                "ends": "2025-03-10",
                "active": True,
                "villages": [],
                "picture_type": kind,
                "picture": data,
            }
            emit(uow.session, "announcement", change, c.clock.now())
        uow.commit()
    quiet_sync(k1)
    client = create_app(k1, {}).test_client()
    shown = client.get("/api/announcements").get_json()["announcements"]
    assert sorted((a["text"], a["picture"]) for a in shown) == [
        ("伪造的图片0", None),
        ("伪造的图片1", None),
    ]
    assert client.get("/api/announcements/FORGED-0/picture").status_code == 404


def test_a_store_placed_in_the_village_later_receives_its_announcements_still_showing(programme):
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")  # east, west
    c = programme.central
    today = c.clock.now().date()  # central's own clock; the kiosks are moved to it below
    programme.clock.advance(seconds=(c.clock.now() - programme.clock.now()).total_seconds())
    place_east_store(c)
    village = notices.post_announcement(
        c, "东村：周六集中兑换", today, today + timedelta(days=9), villages=[VILLAGE]
    ).id
    over = notices.post_announcement(
        c,
        "东村：上月通知",
        today - timedelta(days=30),
        today - timedelta(days=20),
        villages=[VILLAGE],
    ).id
    quiet_sync(k1, k2)
    west = create_app(k2, {}).test_client()
    assert west.get("/api/announcements").get_json()["announcements"] == []

    areas.set_store_area(c, "西村爱心超市", VILLAGE)  # the west store is in 东村 after all
    areas.set_store_area(c, "西村爱心超市", VILLAGE)  # placed again where it is: nothing new
    quiet_sync(k1, k2)

    with c.uow(write=False) as uow:
        west_id = uow.session.scalar(select(Store.id).where(Store.name == "西村爱心超市"))
        sent = [
            change.data["id"]
            for change in uow.session.scalars(
                select(Change).where(Change.store_id == west_id, Change.kind == "announcement")
            )
        ]
    assert sent == [village]  # once, and not the one that has stopped showing
    assert over not in sent
    shown = [a["id"] for a in west.get("/api/announcements").get_json()["announcements"]]
    assert shown == [village]

    # Moved on to 西村: 东村's announcement leaves its idle screen; what names both stays.
    both = notices.post_announcement(
        c, "两村：联合义诊", today, today + timedelta(days=9), villages=[VILLAGE, WEST_VILLAGE]
    ).id
    quiet_sync(k2)
    areas.set_store_area(c, "西村爱心超市", WEST_VILLAGE)
    quiet_sync(k1, k2)
    shown = [a["id"] for a in west.get("/api/announcements").get_json()["announcements"]]
    assert shown == [both]
    east = create_app(k1, {}).test_client()
    shown = {a["id"] for a in east.get("/api/announcements").get_json()["announcements"]}
    assert shown == {village, both}
