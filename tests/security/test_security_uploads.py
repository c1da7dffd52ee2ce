"""Uploads are limited in size and type, refused with a localised reason, and change nothing."""

from __future__ import annotations

import io
from dataclasses import replace

import cv2
import numpy as np
import pytest
from security_helpers import ADMIN_PASSWORD, csrf, sign_in, state_of
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from kiosk.camera.scans import start_camera
from terminal_ui import create_app

PNG = cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes()
ROSTER = "household,resident,phone,opening_points\n新家,新人,,5\n".encode()


@pytest.fixture
def office_admin(client):
    assert sign_in(client, "admin", ADMIN_PASSWORD).status_code == 302
    return client


def upload(client, path: str, data: bytes, name: str, kind: str, lang: str = "zh_CN"):
    """Post a file the way the page's form does (encoded in memory: big bodies included)."""
    file = FileStorage(io.BytesIO(data), filename=name, content_type=kind)
    token = csrf(client, "/households")
    form = {"csrf_token": token, "file": file}
    boundary, body = encode_multipart(form)
    return client.post(
        f"{path}?lang={lang}&csrf_token={token}",  # the form's address carries it too
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


ROUTES = ["/households/import", "/activities/ACT-SORT/award"]


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (
            ROSTER,
            "roster.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (PNG, "roster.csv", "image/png"),
        (PNG, "photo.png", "image/png"),
        (PNG, "roster.csv", "text/csv"),  # a picture named .csv: not UTF-8 text
        ("户,人\n".encode("gb18030") + b"\xff\xfe", "roster.csv", "text/csv"),
    ],
)
def test_an_office_upload_of_the_wrong_type_is_refused_and_changes_nothing(
    office_admin, office, path, data, name, kind
):
    before = state_of(office.central)
    answer = upload(office_admin, path, data, name, kind)
    assert answer.status_code == 415
    assert "CSV" in answer.text and ("只能导入" in answer.text or "UTF-8 文本" in answer.text)
    assert state_of(office.central) == before


def test_the_refusal_of_a_wrong_type_reads_in_english_too(office_admin):
    answer = upload(office_admin, ROUTES[0], PNG, "photo.png", "image/png", lang="en")
    assert answer.status_code == 415 and "Only CSV files (UTF-8)" in answer.text


def test_an_award_csv_over_its_limit_is_refused_whole_not_cut_short(office_admin, office):
    before = state_of(office.central)
    ids = b"resident\n" + b"H000001-1\n" * (2 * 2**20 // 10 + 10)
    answer = upload(office_admin, ROUTES[1], ids, "ids.csv", "text/csv")
    assert answer.status_code == 413
    assert "文件过大" in answer.text and "2 MB" in answer.text
    assert state_of(office.central) == before


def test_a_body_over_the_servers_limit_is_refused_with_a_localised_page(office_admin, office):
    before = state_of(office.central)
    big = ROSTER + b"x" * (8 * 2**20 + 1)
    answer = upload(office_admin, ROUTES[0], big, "roster.csv", "text/csv")
    assert answer.status_code == 413 and "请求内容过大" in answer.text
    english = upload(office_admin, ROUTES[0], big, "roster.csv", "text/csv", lang="en")
    assert english.status_code == 413 and "The request is too large." in english.text
    assert state_of(office.central) == before


def test_a_good_roster_csv_is_still_imported(office_admin, office):
    answer = upload(office_admin, ROUTES[0], ROSTER, "roster.CSV", "application/vnd.ms-excel")
    assert answer.status_code == 302
    assert state_of(office.central)["rows"]["households"] == 3


# -- the kiosk's simulated camera -----------------------------------------------------------------


@pytest.fixture
def camera_client(seeded):
    rt, cards = seeded
    rt.settings = replace(rt.settings, camera=replace(rt.settings.camera, source="sim"))
    start_camera(rt)
    return create_app(rt, {"DEMO_CARDS": cards}).test_client()


def test_a_camera_frame_too_big_is_refused_with_413(camera_client):
    big = PNG + b"\0" * (12 * 1024 * 1024)
    answer = camera_client.post(
        "/api/camera/frame", data=big, content_type="image/png", headers={"Accept-Language": "zh"}
    )
    assert answer.status_code == 413
    assert answer.json["error"] == {"code": "too_large", "message": "请求内容过大。"}


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"%PDF-1.4\n" + b"0" * 100])
def test_a_camera_frame_that_is_not_an_image_is_refused_with_400(camera_client, data):
    answer = camera_client.post("/api/camera/frame", data=data, content_type="image/png")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "unreadable_image"
    assert answer.json["error"]["message"] == "无法读取这张图片。"


def test_a_real_frame_is_still_accepted(camera_client):
    answer = camera_client.post(
        "/api/camera/frame", data={"image": (io.BytesIO(PNG), "frame.png", "image/png")}
    )
    assert answer.status_code == 200
    assert answer.json["camera"]["codes"] == 0


def _label_png() -> bytes:
    from kiosk.scan.synth import render_qr

    return cv2.imencode(".png", render_qr("EKP:SOAP"))[1].tobytes()


def _cart(client) -> list:
    return [(line["product_code"], line["qty"]) for line in client.get("/api/session").json["cart"]]


@pytest.fixture
def shopping_camera(camera_client, seeded):
    _, cards = seeded
    assert camera_client.post("/api/scan", json={"code": cards[0]["code"]}).status_code == 200
    return camera_client


@pytest.mark.parametrize(
    "kind", ["text/plain", "application/x-www-form-urlencoded", "application/octet-stream", ""]
)
def test_a_camera_frame_sent_as_a_simple_form_body_is_refused_and_adds_nothing(
    shopping_camera, kind
):
    # text/plain and forms are what a page elsewhere may send without asking (CORS-simple).
    answer = shopping_camera.post("/api/camera/frame", data=_label_png(), content_type=kind)

    assert answer.status_code == 415
    assert answer.json["error"]["code"] == "unsupported_media_type"
    assert "图片" in answer.json["error"]["message"]
    assert _cart(shopping_camera) == []


def test_a_camera_frame_whose_part_is_not_an_image_is_refused_and_adds_nothing(shopping_camera):
    form = {"image": (io.BytesIO(_label_png()), "label.txt", "text/plain")}

    answer = shopping_camera.post("/api/camera/frame", data=form)

    assert answer.status_code == 415
    assert answer.json["error"]["code"] == "unsupported_media_type"
    assert _cart(shopping_camera) == []


@pytest.mark.parametrize("as_form", [False, True], ids=["image-body", "multipart-image"])
def test_a_camera_frame_sent_as_an_image_still_adds_the_goods_it_shows(shopping_camera, as_form):
    if as_form:
        form = {"image": (io.BytesIO(_label_png()), "label.png", "image/png")}
        answer = shopping_camera.post("/api/camera/frame", data=form)
    else:
        answer = shopping_camera.post(
            "/api/camera/frame", data=_label_png(), content_type="image/png"
        )

    assert answer.status_code == 200
    assert _cart(shopping_camera) == [("SOAP", 1)]
