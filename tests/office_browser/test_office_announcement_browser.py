"""An announcement for a village, with a picture, posted through the office page in a real
browser; a text file passed off as a picture is refused in words and nothing is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from sync.central.context import Central
from sync.central.models import Announcement, Change, Store
from sync.central.services.areas import AreaRow, save_areas, set_store_area

pytestmark = pytest.mark.browser

VILLAGE = "清河县/城关镇/东村"


def _flash(page: Any) -> str:
    return page.locator("[role=alert]").first.inner_text()


def _count(central: Central, model) -> int:
    with central.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def _post(admin: Any, text: str, picture: Path) -> None:
    admin.goto("/notices")
    form = admin.locator("form", has=admin.locator("textarea[name=text]"))
    form.locator("textarea[name=text]").fill(text)
    form.locator("input[name=starts]").fill("2026-12-01")
    form.locator("input[name=ends]").fill("2026-12-10")
    form.locator("select[name=village]").select_option(VILLAGE)
    form.locator("input[name=picture]").set_input_files(str(picture))
    form.get_by_role("button", name="发布").click()
    admin.wait_for_load_state()


def test_a_village_announcement_with_a_picture_is_posted_and_a_fake_picture_refused(
    admin: Any, central: Central, tmp_path: Path
):
    save_areas(central, [AreaRow(1, ("清河县", "城关镇", "东村", "一组"))])
    set_store_area(central, "东村爱心超市", VILLAGE)
    poster = tmp_path / "poster.png"
    Image.new("RGB", (320, 200), (200, 40, 40)).save(poster)
    _post(admin, "东村：周六集中兑换", poster)
    assert _flash(admin) == "通知已发布。"
    with central.uow(write=False) as uow:
        s = uow.session
        [a] = s.scalars(select(Announcement))
        assert (a.villages, a.store_ids, a.picture_type) == ([VILLAGE], [], "image/png")
        assert a.picture == poster.read_bytes()
        east = s.scalar(select(Store.id).where(Store.name == "东村爱心超市"))
        targets = list(s.scalars(select(Change.store_id).where(Change.kind == "announcement")))
        assert targets == [east]
    row = admin.locator("table#announcements tr", has_text="东村：周六集中兑换")
    assert VILLAGE in row.inner_text()

    changes = _count(central, Change)
    fake = tmp_path / "photo.jpg"
    fake.write_text("这不是图片，只是文字。", encoding="utf-8")
    _post(admin, "假图片", fake)
    assert _flash(admin) == "未发布：图片必须是 JPEG 或 PNG 格式"
    assert _count(central, Announcement) == 1 and _count(central, Change) == changes
