"""The office reads its figures from a real streaming replica, says how fresh they are, and falls
back to the primary when the replica is gone; writes and kiosk pushes stay on the primary."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from office_helpers import ADMIN_PASSWORD, VIEWER_PASSWORD, csrf, seed_office
from sqlalchemy import func, select

from sync.central.app import create_central_app
from sync.central.context import Central
from sync.central.models import Batch
from sync.central.queries.stats import household
from sync.central.replica import Freshness, Source
from sync.central.server import open_central
from sync.central.services import goods, kiosks, tokens
from tests.pg import PG_URL, StreamingReplica, new_database

pytestmark = pytest.mark.slow  # a copy of the test server, then its replay

FIGURE = re.compile(r'data-figure="points_issued"><span class="value">([\d,]+)<')
LAG_ZH = re.compile(r"数据来自只读副本，比主库晚 (\d+) 秒。")
UP_TO_DATE_ZH = "数据来自只读副本：已是最新。"
FALLBACK_ZH = "只读副本无法连接：以下数据来自主库。"


@dataclass
class Pair:
    """Central on the test server, reading the office's figures from its replica."""

    central: Central
    replica: StreamingReplica
    kiosk_token: str
    office_token: str

    def client(self, user: str = "viewer", password: str = VIEWER_PASSWORD):
        client = create_central_app(self.central).test_client()
        answer = client.post(
            "/login",
            data={"csrf_token": csrf(client), "username": user, "password": password},
        )
        assert answer.status_code == 302
        return client


@pytest.fixture
def pair(pg_replica: StreamingReplica, office_pg_template: str) -> Iterator[Pair]:
    with new_database("kt_replica", template=office_pg_template) as name:
        primary = seed_office(open_central(PG_URL.format(name=name)))
        goods.add_product(primary, "OIL", "食用油", "粮油", 10, "瓶")
        kiosk_token = kiosks.enroll(primary, "东村爱心超市", "K002").token
        office_token = tokens.office_token(primary, user="viewer")
        primary.close()
        pg_replica.caught_up()
        c = open_central(PG_URL.format(name=name), read_url=pg_replica.url(name))
        try:
            yield Pair(c, pg_replica, kiosk_token, office_token)
        finally:
            c.close()  # before the database is dropped, which the replica replays too


def says_fresh(page: str) -> bool:
    """The page says the replica is up to date (or, as other databases of the test server
    stream in, only moments behind), and not paused."""
    lag = LAG_ZH.search(page)
    moments = lag is not None and int(lag.group(1)) < 5
    return (UP_TO_DATE_ZH in page or moments) and "副本回放已暂停" not in page


def points_issued(page: str) -> int:
    return int(FIGURE.search(page).group(1).replace(",", ""))


def award(client, resident: str = "H000001-1") -> None:
    token = csrf(client, "/activities/ACT-SORT")
    answer = client.post(
        "/activities/ACT-SORT/award", data={"csrf_token": token, "resident": [resident]}
    )
    assert answer.status_code == 200  # the award's report


def restock_push(client, token: str) -> dict:
    entry = {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "kind": "restock",
        "created_at": "2026-11-02T02:00:00.000000Z",
        "payload": {
            "batch_id": 7001,
            "product_code": "OIL",
            "qty": 5,
            "source": "donation",
            "donor": "县妇联",
            "unit_value_cents": 990,
            "received_at": "2026-11-02T02:00:00.000000Z",
        },
    }
    answer = client.post(
        "/api/v1/push",
        json={"kiosk_id": "K002", "version": "test", "entries": [entry]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json


def batches_on_primary(c: Central) -> int:
    with c.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(Batch))


def test_an_award_on_the_primary_shows_on_the_replicas_dashboard_after_replay(pair):
    viewer, admin = pair.client(), pair.client("admin", ADMIN_PASSWORD)
    page = viewer.get("/").text
    before = points_issued(page)
    assert says_fresh(page)

    award(admin)
    assert household(pair.central, "H000001")["balance"] == 110
    pair.replica.caught_up()

    page = viewer.get("/").text
    assert points_issued(page) == before + 10
    assert says_fresh(page)
    english = viewer.get("/?lang=en").text
    assert "Figures from the read replica" in english and "paused" not in english


def test_with_replay_paused_the_office_shows_the_lag_and_the_stale_figure(pair):
    viewer, admin = pair.client(), pair.client("admin", ADMIN_PASSWORD)
    before = points_issued(viewer.get("/").text)
    api = {"Authorization": f"Bearer {pair.office_token}"}
    pair.replica.pause()
    try:
        time.sleep(1.2)  # the last commit the replica replayed is now over a second old
        award(admin)  # a write: on the primary, which the household's own page reads back
        pushed = restock_push(admin, pair.kiosk_token)
        assert [r["status"] for r in pushed["results"]] == ["applied"]
        assert batches_on_primary(pair.central) == 1
        assert household(pair.central, "H000001")["balance"] == 110
        assert "110" in admin.get("/households/H000001").text

        page = viewer.get("/").text
        assert points_issued(page) == before  # the replica has not replayed the award
        lag = LAG_ZH.search(page)
        assert lag is not None and int(lag.group(1)) >= 1, page
        assert "副本回放已暂停。" in page
        assert "县妇联" not in viewer.get("/reports/donors").text
        english = viewer.get("/?lang=en").text
        assert re.search(r"Figures from the read replica, \d+ seconds behind", english)

        stats = viewer.get("/api/v1/stats", headers=api)
        assert stats.status_code == 200
        assert stats.json["points_issued"] == before
        assert stats.headers["X-Read-From"] == "replica"
        assert float(stats.headers["X-Replica-Lag"]) >= 1.0
    finally:
        pair.replica.resume()

    pair.replica.caught_up()
    page = viewer.get("/?lang=zh_CN").text
    assert points_issued(page) == before + 10
    assert says_fresh(page)
    assert "县妇联" in viewer.get("/reports/donors").text
    stats = viewer.get("/api/v1/stats", headers=api)
    assert stats.json["points_issued"] == before + 10
    assert float(stats.headers["X-Replica-Lag"]) < 5


def test_a_stopped_replica_leaves_the_office_on_the_primary_with_a_notice(pair, monkeypatch):
    admin = pair.client("admin", ADMIN_PASSWORD)
    before = points_issued(admin.get("/").text)
    pair.replica.stop()
    try:
        award(admin)
        viewer = pair.client()  # signing in needs only the primary
        page = viewer.get("/")
        assert page.status_code == 200
        assert FALLBACK_ZH in page.text
        assert points_issued(page.text) == before + 10  # read from the primary
        assert "cannot be reached" in viewer.get("/?lang=en").text
        listing = viewer.get("/households?lang=zh_CN")
        assert listing.status_code == 200 and FALLBACK_ZH in listing.text
        for path in ("/reports/monthly", "/reports/monthly.csv", "/reports/areas"):
            assert viewer.get(path).status_code == 200, path
        stats = viewer.get(
            "/api/v1/stats", headers={"Authorization": f"Bearer {pair.office_token}"}
        )
        assert stats.status_code == 200
        assert stats.headers["X-Read-From"] == "primary"
        assert stats.json["points_issued"] == before + 10

        # The replica answers how fresh it is, then fails the reads: the page comes again,
        # from the primary, with the notice.
        real, asked = pair.central.replica.freshness, []

        def fresh_once() -> Freshness:
            asked.append(1)
            return Freshness(Source.REPLICA) if len(asked) == 1 else real()

        monkeypatch.setattr(pair.central.replica, "freshness", fresh_once)
        again = viewer.get("/reports/monthly?lang=zh_CN")
        assert again.status_code == 302
        assert again.headers["Location"].endswith("/reports/monthly?lang=zh_CN")
        shown = viewer.get(again.headers["Location"])
        assert shown.status_code == 200 and FALLBACK_ZH in shown.text
    finally:
        pair.replica.start()


def test_pages_that_show_a_write_read_the_primary_and_say_nothing_of_a_replica(pair):
    admin = pair.client("admin", ADMIN_PASSWORD)
    page = admin.get("/households/H000001").text
    assert "只读副本" not in page  # a household's own page shows what was just written to it


def test_without_a_replica_the_office_says_nothing_of_one(sqlite_central):
    client = create_central_app(sqlite_central).test_client()
    client.post(
        "/login",
        data={"csrf_token": csrf(client), "username": "viewer", "password": VIEWER_PASSWORD},
    )
    page = client.get("/").text
    assert 'data-figure="points_issued"' in page and "只读副本" not in page
    token = tokens.office_token(sqlite_central, user="viewer")
    stats = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    assert stats.status_code == 200 and "X-Read-From" not in stats.headers


def test_a_read_database_that_is_not_postgresql_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="PostgreSQL"):
        open_central(f"sqlite:///{tmp_path / 'c.db'}", read_url=f"sqlite:///{tmp_path / 'r.db'}")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "central",
            "--database-url",
            f"sqlite:///{tmp_path / 'c.db'}",
            "--read-database-url",
            f"sqlite:///{tmp_path / 'r.db'}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "PostgreSQL" in done.stderr


def test_kiosk_central_serves_the_office_from_the_replica_it_is_given(pair, tmp_path):
    primary_url = pair.central.engine.url.render_as_string(hide_password=False)
    name = pair.central.engine.url.database
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "kiosk.cli", "central", "--port", str(port),
            "--database-url", primary_url, "--read-database-url", pair.replica.url(name),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        first = proc.stdout.readline()
        assert f"replica 127.0.0.1:{pair.replica.port}/{name}" in first, first
        headers = {"Authorization": f"Bearer {pair.office_token}"}
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/stats", headers=headers, timeout=10
                )
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert answer.status_code == 200
        assert answer.headers["X-Read-From"] == "replica"
        assert answer.json()["households"] == 2
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()


def test_the_wsgi_app_takes_its_read_database_from_the_environment(tmp_path):
    env = {
        **os.environ,
        "KIOSK_CENTRAL_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "KIOSK_CENTRAL_READ_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import sync.central.wsgi"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "the read database must be a PostgreSQL streaming replica" in done.stderr


@pytest.mark.parametrize(
    ("lang", "seconds", "said"),
    [
        ("zh_CN", 7, "数据来自只读副本，比主库晚 7 秒。"),
        ("zh_CN", 600, "数据来自只读副本，比主库晚 10 分钟。"),
        ("zh_CN", 7300, "数据来自只读副本，比主库晚 2 小时。"),
        ("zh_CN", None, "数据来自只读副本，尚未赶上主库。"),
        ("en", 600, "Figures from the read replica, 10 minutes behind the main database."),
    ],
)
def test_the_lag_is_said_in_the_unit_that_reads_best(sqlite_central, lang, seconds, said):
    from flask import g

    from sync.central.web.office.base import freshness_note

    app = create_central_app(sqlite_central)
    with app.test_request_context(f"/?lang={lang}"):
        g.lang = lang
        g.freshness = Freshness(Source.REPLICA, up_to_date=False, lag_seconds=seconds)
        assert freshness_note() == said
        g.freshness = Freshness(Source.REPLICA, up_to_date=False, lag_seconds=30, paused=True)
        assert freshness_note().endswith(("副本回放已暂停。", "Replay on the replica is paused."))
