"""GET /api/camera/preview shows whoever stands at the kiosk: for the kiosk's own screen only.

A page elsewhere (open in the kiosk's browser, or any site the browser visits) may put the preview
in an <img>. It cannot read the pixels through CORS, but it would have the kiosk encode a picture
of a resident for it, into its own process, at every request. The kiosk refuses such requests
and tells browsers not to hand the picture to other origins; nothing keeps a copy of a frame.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

JPEG = b"\xff\xd8\xff\xe0 a resident's face \xff\xd9"


class LiveCamera:
    """A real camera's loop, as far as the preview goes: its newest frame as JPEG."""

    def preview_jpeg(self) -> bytes:
        return JPEG

    def stop(self) -> None:
        pass


@pytest.fixture
def live(kiosk_rt):
    kiosk_rt.settings = replace(
        kiosk_rt.settings, camera=replace(kiosk_rt.settings.camera, source="/dev/video0")
    )
    kiosk_rt.camera = LiveCamera()
    return kiosk_rt


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Referer": "http://evil.example/watch.html"},
        {"Origin": "http://evil.example"},
        {"Host": "evil.example"},
    ],
    ids=["cross-site-img", "same-site-img", "foreign-referer", "cors-fetch", "rebound-name"],
)
def test_another_page_cannot_get_the_camera_picture(kiosk_client, live, headers):
    answer = kiosk_client.get("/api/camera/preview", headers=headers)
    assert answer.status_code == 403
    assert JPEG not in answer.data
    error = answer.get_json()["error"]
    assert error["code"] == "forbidden_origin"
    assert "拒绝" in error["message"]


def test_the_kiosks_own_screen_gets_the_picture_kept_nowhere_and_only_for_itself(
    kiosk_client, live
):
    answer = kiosk_client.get(
        "/api/camera/preview",
        headers={"Sec-Fetch-Site": "same-origin", "Referer": "http://localhost/"},
    )
    assert answer.status_code == 200 and answer.data == JPEG
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in answer.headers
