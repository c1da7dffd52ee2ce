"""Claims on the admin screen: a shopkeeper or a volunteer finds the household by its card or
its name, picks a rule from the rule book the kiosk holds, takes photos with the camera and
records the claim; it waits in the outbox for central. Bad choices are told in words, and
change nothing."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from sqlalchemy import select

from kiosk.camera import CameraLoop, SimulatedCamera
from kiosk.services import staff
from kiosk.storage.models import Claim, OutboxRow
from kiosk.sync.apply import apply_changes
from tests.admin.conftest import post

VOLUNTEER_PIN = "246802"
RULES = [
    {
        "code": "SWEEP",
        "name": "打扫村道",
        "category": "环境",
        "points": 15,
        "evidence": "photo",
        "approver": "village",
        "cap_scope": "household",
        "cap_period": "none",
        "cap_count": None,
        "active": True,
    },
    {
        "code": "OLD",
        "name": "停用的细则",
        "category": "环境",
        "points": 5,
        "evidence": "none",
        "approver": "village",
        "cap_scope": "household",
        "cap_period": "none",
        "cap_count": None,
        "active": False,
    },
]


def street_scene(seed: int = 0) -> np.ndarray:
    """A picture with no code in it: a swept lane, as far as the camera can tell."""
    rng = np.random.default_rng(seed)
    frame = np.linspace(40, 220, 1280 * 720 * 3).reshape(720, 1280, 3).astype(np.uint8)
    frame[300:420, 200:1080] = rng.integers(0, 256, (120, 880, 3), dtype=np.uint8)
    return frame


@pytest.fixture
def with_rules(rt):
    apply_changes(rt.kiosk, [{"kind": "rule", "data": r} for r in RULES], 0)
    loop = CameraLoop(SimulatedCamera(), on_code=lambda code: None)
    rt.camera = loop
    yield rt
    rt.camera = None


def household_of(client, code: str) -> str:
    """Find a household by its card, as the page does; return its id."""
    found = client.get(f"/admin/claims/new?q={code}")
    assert found.status_code == 302, found.get_data(as_text=True)
    return found.headers["Location"].split("household=")[1].split("&")[0]


def outbox_claims(rt) -> list[dict]:
    with rt.kiosk.uow(write=False) as uow:
        return [
            r.payload
            for r in uow.session.scalars(select(OutboxRow).where(OutboxRow.kind == "claim"))
        ]


def test_a_shopkeeper_records_a_claim_with_two_camera_photos(admin, with_rules, cards):
    rt = with_rules
    code = cards[0]["code"]
    found = admin.get(f"/admin/claims/new?q={code}")
    assert found.status_code == 302  # one household: straight to its form
    page = admin.get(found.headers["Location"]).get_data(as_text=True)
    assert "打扫村道" in page and "停用的细则" not in page
    household = found.headers["Location"].split("household=")[1].split("&")[0]
    rt.camera.scan_frame(street_scene(1))
    form = {"household": household, "rule": "SWEEP", "note": "打扫村口"}
    took = post(admin, "/admin/claims/photo", form)
    assert took.status_code == 302 and "rule=SWEEP" in took.headers["Location"]
    rt.camera.scan_frame(street_scene(2))
    post(admin, "/admin/claims/photo", form)
    shown = admin.get("/admin/claims/photo/1")
    assert shown.status_code == 200 and shown.data.startswith(b"\xff\xd8\xff")
    assert shown.headers["Content-Type"] == "image/jpeg"
    done = post(admin, "/admin/claims", form, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "申报已提交" in text and "等待项目办审核" in text
    [payload] = outbox_claims(rt)
    assert payload["rule_code"] == "SWEEP" and payload["household_id"] == household
    assert payload["note"] == "打扫村口"
    photos = [base64.b64decode(p) for p in payload["photos"]]
    assert len(photos) == 2 and all(p.startswith(b"\xff\xd8\xff") for p in photos)
    assert photos[0] != photos[1]
    assert admin.get("/admin/claims/photo/0").status_code == 404  # the draft is gone


def test_a_claim_without_the_photo_its_rule_needs_is_refused_in_words(admin, with_rules, cards):
    rt = with_rules
    found = admin.get(f"/admin/claims/new?q={cards[0]['code']}")
    household = found.headers["Location"].split("household=")[1].split("&")[0]
    form = {"household": household, "rule": "SWEEP", "note": ""}
    page = post(admin, "/admin/claims", form, follow_redirects=True).get_data(as_text=True)
    assert "未能申报" in page and "这条细则需要照片" in page
    for bad in ({**form, "rule": "OLD"}, {**form, "rule": "NOSUCH"}):
        page = post(admin, "/admin/claims", bad, follow_redirects=True).get_data(as_text=True)
        assert "积分细则中没有这一条" in page
    english = post(admin, "/admin/claims?lang=en", form, follow_redirects=True)
    assert "This rule needs a photo" in english.get_data(as_text=True)
    assert outbox_claims(rt) == []
    with rt.kiosk.uow(write=False) as uow:
        assert uow.session.scalars(select(Claim)).all() == []


def test_a_photo_without_a_camera_picture_is_refused_and_at_most_four_are_kept(
    admin, with_rules, cards
):
    rt = with_rules
    form = {"household": household_of(admin, cards[0]["code"]), "rule": "SWEEP", "note": ""}
    page = post(admin, "/admin/claims/photo", form, follow_redirects=True).get_data(as_text=True)
    assert "摄像头还没有画面" in page
    rt.camera.scan_frame(street_scene(3))
    for _ in range(4):
        post(admin, "/admin/claims/photo", form)
    page = post(admin, "/admin/claims/photo", form, follow_redirects=True).get_data(as_text=True)
    assert "一次申报最多 4 张照片" in page
    assert admin.get("/admin/claims/photo/3").status_code == 200
    assert admin.get("/admin/claims/photo/4").status_code == 404


def test_an_unknown_card_or_name_is_told_in_words(admin, with_rules):
    page = admin.get("/admin/claims/new?q=没有这个人")
    assert page.status_code == 400 and "没有找到该户" in page.get_data(as_text=True)


def test_a_volunteer_may_record_claims_but_not_open_the_shopkeepers_pages(
    client, with_rules, rt, cards
):
    staff.add_member(rt.kiosk, "志愿者小李", "volunteer", VOLUNTEER_PIN, actor="test")
    answer = post(client, "/admin/login", {"pin": VOLUNTEER_PIN})
    assert answer.status_code == 302
    assert client.get("/admin/claims").status_code == 200
    assert client.get("/admin/claims/new").status_code == 200
    assert client.get("/admin/stock").status_code == 403
    form = {"household": household_of(client, cards[0]["code"]), "rule": "SWEEP", "note": ""}
    rt.camera.scan_frame(street_scene(4))
    post(client, "/admin/claims/photo", form)
    post(client, "/admin/claims", form)
    [payload] = outbox_claims(rt)
    assert payload["staff"].startswith("志愿者小李")


def test_claims_need_a_signed_in_person(client, with_rules):
    assert client.get("/admin/claims").status_code in (302, 401)
    answer = post(client, "/admin/claims", {"household": "H000001", "rule": "SWEEP"})
    assert answer.status_code in (302, 401, 403)
    assert outbox_claims(with_rules) == []


@pytest.fixture
def camera_scans(rt):
    """The camera as the kiosk runs it: what it decodes goes through the camera's scan path."""
    from kiosk.camera.scans import CameraScans

    apply_changes(rt.kiosk, [{"kind": "rule", "data": r} for r in RULES], 0)
    rt.camera_scans = CameraScans(rt)
    rt.camera = CameraLoop(SimulatedCamera(), on_code=rt.camera_scans)
    yield rt
    rt.camera = rt.camera_scans = None


def test_a_card_held_to_the_camera_on_the_claim_page_names_the_household(
    admin, camera_scans, cards
):
    from kiosk.camera.sim import render_card_frame
    from kiosk.services import queries

    rt = camera_scans
    page = admin.get("/admin/claims/new").get_data(as_text=True)
    assert "也可以把该户的积分卡对准摄像头" in page
    assert admin.get("/admin/claims/camera-card").get_json()["seq"] is None

    assert rt.camera.scan_frame(render_card_frame(cards[0]["code"], seed=3)) == [cards[0]["code"]]

    found = admin.get("/admin/claims/camera-card").get_json()
    assert found["household"] == household_of(admin, cards[0]["code"])
    assert found["url"].endswith(f"household={found['household']}")
    assert cards[0]["code"] not in str(found)  # the page learns the household, never the card
    assert queries.session_view(rt.kiosk)["resident"] is None  # no resident's session opened
    assert rt.camera_scans.last is None  # and the resident's screen heard of no scan


def test_once_the_household_is_chosen_a_card_at_the_camera_opens_a_session_again(
    admin, camera_scans, cards
):
    from kiosk.camera.sim import render_card_frame
    from kiosk.services import queries

    rt = camera_scans
    household = household_of(admin, cards[0]["code"])
    assert admin.get(f"/admin/claims/new?household={household}").status_code == 200
    rt.camera.scan_frame(render_card_frame(cards[1]["code"], seed=4))
    assert queries.session_view(rt.kiosk)["resident"] is not None
    assert admin.get("/admin/claims/camera-card").get_json()["seq"] is None


def test_an_unknown_card_at_the_claim_camera_is_told_in_words(admin, camera_scans):
    from core.domain.codes import card_code
    from kiosk.camera.sim import render_card_frame

    rt = camera_scans
    admin.get("/admin/claims/new")
    stranger = card_code("A" * 26)
    rt.camera.scan_frame(render_card_frame(stranger, seed=5))
    found = admin.get("/admin/claims/camera-card").get_json()
    assert found["household"] is None and "url" not in found
    assert found["error"]  # in words: unknown card, or no household found
    assert not found["error"].isascii()


def test_another_persons_claim_page_does_not_learn_the_household(admin, camera_scans, cards, app):
    from kiosk.camera.sim import render_card_frame

    rt = camera_scans
    admin.get("/admin/claims/new")
    rt.camera.scan_frame(render_card_frame(cards[0]["code"], seed=6))
    stranger = app.test_client()  # not signed in
    assert stranger.get("/admin/claims/camera-card").status_code in (302, 401, 403)
    assert admin.get("/admin/claims/camera-card").get_json()["household"]


@pytest.mark.parametrize("away", ["/admin/", "/"])
def test_leaving_the_claim_page_gives_the_camera_back_to_residents(
    admin, camera_scans, cards, away
):
    from kiosk.camera.sim import render_card_frame
    from kiosk.services import queries

    rt = camera_scans
    admin.get("/admin/claims/new")
    assert admin.get(away).status_code == 200  # the admin menu, or the resident's screen
    rt.camera.scan_frame(render_card_frame(cards[0]["code"], seed=7))
    assert queries.session_view(rt.kiosk)["resident"] is not None
    assert admin.get("/admin/claims/camera-card").get_json()["seq"] is None


def test_a_claim_page_left_alone_stops_waiting_and_an_open_one_keeps_waiting():
    from kiosk.camera.stills import ClaimCardWait

    wait = ClaimCardWait()
    wait.arm("staff:1", now=100.0)
    assert wait.waiting(100.0 + wait.WAIT_SECONDS - 1)
    assert not wait.waiting(100.0 + wait.WAIT_SECONDS + 1)  # the page was closed: lapsed
    wait.arm("staff:1", now=200.0)
    wait.renew("staff:2", now=220.0)  # another person's page does not keep it
    assert not wait.waiting(200.0 + wait.WAIT_SECONDS + 1)
    wait.arm("staff:1", now=300.0)
    wait.renew("staff:1", now=320.0)  # the page asks again: still open
    assert wait.waiting(300.0 + wait.WAIT_SECONDS + 10)
