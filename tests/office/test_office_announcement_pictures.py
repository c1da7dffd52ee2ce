"""An announcement may name villages and carry a picture, from the office's page, the API and
the CLI alike; an unknown village or a bad picture is refused in words and nothing is saved."""

from __future__ import annotations

import base64
import io

import pytest
from area_helpers import VILLAGE_A, VILLAGE_B, seed_towns
from office_helpers import ADMIN_PASSWORD, csrf, sign_in
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from kiosk.cli import main
from sync.central.app import create_central_app
from sync.central.models import Announcement, AuditEntry, Change, Store
from sync.central.services import notices, tokens
from sync.central.services.errors import Refusal, RegistryError

STORE_A, STORE_B = "东村爱心超市", "南村爱心超市"


def picture(kind: str = "PNG", size: tuple[int, int] = (120, 80), noise: bool = False) -> bytes:
    """Return a real image file; with noise it barely compresses (a large file)."""
    if noise:
        import os

        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 40, 40))
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def counts(c) -> tuple[int, int]:
    with c.uow(write=False) as uow:
        s = uow.session
        return (
            s.scalar(select(func.count()).select_from(Announcement)),
            s.scalar(select(func.count()).select_from(Change)),
        )


def announcement_changes(c) -> list[tuple[str | None, dict]]:
    """Return the announcement changes in the feed: the store each is for, and its data."""
    with c.uow(write=False) as uow:
        s = uow.session
        names = dict(s.execute(select(Store.id, Store.name)).all())
        return [
            (names.get(store_id), data)
            for store_id, data in s.execute(
                select(Change.store_id, Change.data)
                .where(Change.kind == "announcement")
                .order_by(Change.id)
            )
        ]


@pytest.fixture
def towns(office_central):
    return seed_towns(office_central)


def test_a_village_announcement_reaches_only_that_villages_stores_with_its_picture(
    office_central, towns
):
    png = picture()
    done = notices.post_announcement(
        office_central,
        "东村：周六集中兑换",
        "2026-12-01",
        "2026-12-10",
        villages=[VILLAGE_A],
        picture=png,
    )
    assert done.stores == (STORE_A,) and done.villages == (VILLAGE_A,)
    ((store, data),) = announcement_changes(office_central)
    assert store == STORE_A  # 南村's store gets nothing
    assert data["villages"] == [VILLAGE_A] and data["picture_type"] == "image/png"
    assert base64.b64decode(data["picture"]) == png
    with office_central.uow(write=False) as uow:
        row = uow.session.get(Announcement, done.id)
        assert (row.picture, row.picture_type, row.store_ids) == (png, "image/png", [])


def test_stores_and_villages_may_both_be_named_and_neither_reaches_every_store(
    office_central, towns
):
    done = notices.post_announcement(
        office_central, "通知", "2026-12-01", "2026-12-02", [STORE_A], villages=[VILLAGE_B]
    )
    assert sorted(done.stores) == sorted([STORE_A, STORE_B])
    notices.post_announcement(office_central, "全体通知", "2026-12-01", "2026-12-02")
    changes = announcement_changes(office_central)
    assert sorted(store for store, _ in changes[:2]) == sorted([STORE_A, STORE_B])
    assert changes[2][0] is None and changes[2][1]["picture"] is None  # for every store


@pytest.mark.parametrize(
    "villages, data, code",
    [
        (["平江县/三市镇/北村"], None, Refusal.NO_VILLAGE),
        (["平江县/三市镇"], None, Refusal.NO_VILLAGE),  # a town is not a village
        ([VILLAGE_A], b"not an image, just text\n" * 10, Refusal.PICTURE_TYPE),
        ([VILLAGE_A], b"\xff\xd8\xff" + b"x" * 2000, Refusal.PICTURE_TYPE),  # a JPEG's start only
        ([VILLAGE_A], "GIF", Refusal.PICTURE_TYPE),
        ([VILLAGE_A], "BIG", Refusal.PICTURE_SIZE),
    ],
)
def test_an_unknown_village_or_a_bad_picture_is_refused_and_nothing_is_saved(
    office_central, towns, villages, data, code
):
    if data == "GIF":
        data = picture("GIF")
    elif data == "BIG":
        data = picture("PNG", (350, 300), noise=True)
        assert len(data) > 300 * 1024
    before = counts(office_central)
    with pytest.raises(RegistryError) as refused:
        notices.post_announcement(
            office_central, "通知", "2026-12-01", "2026-12-02", villages=villages, picture=data
        )
    assert refused.value.code == code
    assert counts(office_central) == before


def test_the_office_page_posts_a_picture_for_a_village(sqlite_central):
    seed_towns(sqlite_central)
    client = create_central_app(sqlite_central).test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    page = client.get("/notices").text
    assert 'enctype="multipart/form-data"' in page and f"<option>{VILLAGE_B}</option>" in page
    token = csrf(client, "/notices")
    jpeg = picture("JPEG", (640, 480))
    answer = client.post(
        f"/notices/announcements?csrf_token={token}",
        data={
            "csrf_token": token,
            "text": "南村：停电通知",
            "starts": "2026-12-01",
            "ends": "2026-12-05",
            "village": VILLAGE_B,
            "picture": (io.BytesIO(jpeg), "notice.jpg"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "通知已发布" in answer.text
    assert VILLAGE_B in answer.text and "南村：停电通知" in answer.text
    ((store, data),) = announcement_changes(sqlite_central)
    assert store == STORE_B and base64.b64decode(data["picture"]) == jpeg
    with sqlite_central.uow(write=False) as uow:
        entry = uow.session.execute(
            select(AuditEntry.actor, AuditEntry.details).where(
                AuditEntry.action == "announcement_post"
            )
        ).one()
    assert entry.actor == "admin" and entry.details["villages"] == [VILLAGE_B]


@pytest.mark.parametrize(
    "village, upload, words",
    [
        ("平江县/三市镇/北村", None, "区域中没有村 平江县/三市镇/北村"),
        (VILLAGE_A, (b"<script>alert(1)</script>" * 20, "photo.jpg"), "图片必须是 JPEG 或 PNG"),
        (VILLAGE_A, ("BIG", "big.png"), "图片不能超过 300 KB"),
    ],
)
def test_the_office_page_refuses_a_bad_village_or_picture_in_words(
    sqlite_central, village, upload, words
):
    seed_towns(sqlite_central)
    client = create_central_app(sqlite_central).test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    token = csrf(client, "/notices")
    before = counts(sqlite_central)
    form = {
        "csrf_token": token,
        "text": "通知",
        "starts": "2026-12-01",
        "ends": "2026-12-05",
        "village": village,
    }
    if upload:
        data, name = upload
        if data == "BIG":
            data = picture("PNG", (350, 300), noise=True)
        form["picture"] = (io.BytesIO(data), name)
    answer = client.post(
        f"/notices/announcements?csrf_token={token}",
        data=form,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert answer.status_code == 200 and "未发布" in answer.text and words in answer.text
    assert counts(sqlite_central) == before


def test_an_upload_beyond_the_routes_body_limit_is_refused_before_it_is_read(sqlite_central):
    client = create_central_app(sqlite_central).test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    token = csrf(client, "/notices")
    before = counts(sqlite_central)
    huge = FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 2**20), "huge.png", "image/png")
    form = {"csrf_token": token, "text": "通知", "starts": "2026-12-01", "ends": "2026-12-05"}
    boundary, body = encode_multipart({**form, "picture": huge})  # in memory: no spooled file
    answer = client.post(
        f"/notices/announcements?csrf_token={token}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert answer.status_code == 413
    assert counts(sqlite_central) == before


def test_the_api_takes_villages_and_a_base64_picture_and_refuses_bad_ones(office_central, towns):
    client = create_central_app(office_central).test_client()
    admin = {"Authorization": f"Bearer {tokens.office_token(office_central)}"}
    png = picture()
    body = {"text": "通知", "starts": "2026-12-01", "ends": "2026-12-02"}
    posted = client.post(
        "/api/v1/announcements",
        json={**body, "villages": [VILLAGE_A], "picture": base64.b64encode(png).decode()},
        headers=admin,
    )
    assert posted.status_code == 201
    assert posted.json["stores"] == [STORE_A] and posted.json["villages"] == [VILLAGE_A]
    before = counts(office_central)
    zh = {**admin, "Accept-Language": "zh-CN"}
    unknown = client.post(
        "/api/v1/announcements", json={**body, "villages": ["平江县/三市镇/北村"]}, headers=zh
    )
    assert unknown.status_code == 400
    assert unknown.json["error"] == {
        "code": "no_village",
        "message": "区域中没有村 平江县/三市镇/北村",
    }
    text_file = base64.b64encode(b"just some words, named picture.jpg").decode()
    wrong = client.post("/api/v1/announcements", json={**body, "picture": text_file}, headers=admin)
    assert wrong.status_code == 400 and wrong.json["error"]["code"] == "picture_type"
    assert "JPEG or PNG" in wrong.json["error"]["message"]
    big = base64.b64encode(picture("PNG", (350, 300), noise=True)).decode()
    large = client.post("/api/v1/announcements", json={**body, "picture": big}, headers=admin)
    assert large.status_code == 400 and large.json["error"]["code"] == "picture_size"
    huge = base64.b64encode(picture("PNG", (600, 400), noise=True)).decode()
    beyond = client.post("/api/v1/announcements", json={**body, "picture": huge}, headers=admin)
    assert beyond.status_code == 413 and beyond.json["error"]["code"] == "too_large"
    for nul in ({"villages": ["平江县/三市镇/东\x00村"]}, {"stores": ["东村\x00"]}):
        answer = client.post("/api/v1/announcements", json={**body, **nul}, headers=admin)
        assert answer.status_code in (400, 404), answer.json  # never a 500 on PostgreSQL
    for bad in ({"picture": "not base64!"}, {"picture": 5}, {"villages": "东村"}):
        answer = client.post("/api/v1/announcements", json={**body, **bad}, headers=admin)
        assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid"
    assert counts(office_central) == before


def test_the_cli_posts_for_villages_with_a_picture_and_refuses_a_bad_one(
    sqlite_central, tmp_path, capsys
):
    seed_towns(sqlite_central)
    url = sqlite_central.engine.url.render_as_string(hide_password=False)
    good = tmp_path / "notice.png"
    good.write_bytes(picture())
    args = ["central", "announce", "--text", "东村通知", "--from", "2026-12-01"]
    args += ["--to", "2026-12-03", "--database-url", url]
    assert main([*args, "--village", VILLAGE_A, "--picture", str(good)]) == 0
    out = capsys.readouterr().out
    assert f"stores {STORE_A}" in out and f"villages {VILLAGE_A}" in out
    before = counts(sqlite_central)
    fake = tmp_path / "photo.jpg"
    fake.write_text("这不是图片", encoding="utf-8")
    assert main([*args, "--village", VILLAGE_A, "--picture", str(fake)]) == 2
    assert "JPEG or PNG" in capsys.readouterr().err
    assert main([*args, "--village", "平江县/三市镇/北村"]) == 2
    assert "no village 平江县/三市镇/北村" in capsys.readouterr().err
    assert main([*args, "--picture", str(tmp_path / "missing.png")]) == 2
    assert counts(sqlite_central) == before
    ((store, data),) = announcement_changes(sqlite_central)
    assert store == STORE_A and base64.b64decode(data["picture"]) == good.read_bytes()
