"""The shopkeeper sets how loud prompts are spoken and can hear a sample before saving."""

from __future__ import annotations

import re

from kiosk.services import shop_settings
from tests.admin.conftest import post


def _text(answer) -> str:
    return answer.get_data(as_text=True)


def test_the_volume_is_saved_and_reaches_the_resident_screen(admin, client, rt):
    assert client.get("/screen/config").get_json()["volume"] == shop_settings.VOLUME_DEFAULT
    answer = post(admin, "/admin/settings", {"voice": "on", "low_stock": "5", "volume": "35"})
    assert answer.status_code == 302
    assert client.get("/screen/config").get_json()["volume"] == 35
    assert shop_settings.current(rt.kiosk).volume == 35
    assert 'id="volume" name="volume" type="range" min="0" max="100" step="5" value="35"' in (
        _text(admin.get("/admin/settings"))
    )


def test_a_form_without_the_volume_keeps_the_one_saved(admin, client):
    post(admin, "/admin/settings", {"voice": "on", "low_stock": "5", "volume": "40"})
    post(admin, "/admin/settings", {"voice": "on", "low_stock": "6"})
    assert client.get("/screen/config").get_json()["volume"] == 40


def test_a_volume_out_of_range_is_refused_in_chinese(admin, client):
    for bad in ("101", "-1", "loud", "50.5"):
        answer = post(admin, "/admin/settings", {"voice": "on", "low_stock": "5", "volume": bad})
        assert answer.status_code == 400
        assert "音量必须是 0 到 100 之间的整数。" in _text(answer)
    assert client.get("/screen/config").get_json()["volume"] == shop_settings.VOLUME_DEFAULT


def test_the_settings_page_has_a_voice_test_playing_a_catalogue_prompt(admin, client):
    page = _text(admin.get("/admin/settings"))
    assert 'id="voice-test"' in page
    assert "/static/voice.js" in page
    sample = re.search(r'id="voice-test"[^>]*data-text="([^"]+)"', page).group(1)
    assert sample == "请出示积分码"
    # The sample is a prompt the kiosk speaks: its audio is served.
    answer = client.get("/api/speech", query_string={"text": sample, "lang": "zh_CN"})
    assert answer.status_code == 200
    assert answer.mimetype == "audio/wav"
