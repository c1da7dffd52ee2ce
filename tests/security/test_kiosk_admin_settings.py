"""The shopkeeper's settings form (voice, volume) against odd input, and the page it draws."""

from __future__ import annotations

import re

import pytest
from kiosk_helpers import CSRF, sign_in

from kiosk.services import shop_settings


def _save(client, **form):
    token = CSRF.search(client.get("/admin/settings").get_data(as_text=True)).group(1)
    return client.post("/admin/settings", data={"csrf_token": token, **form})


@pytest.mark.parametrize("volume", ["²", "１０１", "1e2", "9" * 5000, "5\x00", "٣٣٣"])
def test_a_volume_no_screen_can_play_is_refused_in_chinese_and_changes_nothing(
    kiosk_client, kiosk_rt, volume
):
    admin = sign_in(kiosk_client)
    answer = _save(admin, voice="on", low_stock="5", volume=volume)
    assert answer.status_code == 400
    assert "音量必须是 0 到 100 之间的整数。" in answer.get_data(as_text=True)
    assert shop_settings.current(kiosk_rt.kiosk).volume == shop_settings.VOLUME_DEFAULT


def test_the_settings_page_is_well_formed_its_script_loaded_once(kiosk_client):
    page = sign_in(kiosk_client).get("/admin/settings").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<" not in title  # a script tag inside <title> is shown as text in the tab
    assert re.search(r'<body [^>]*data-page="settings"', page)
    assert page.count("/static/voice.js") == 1
