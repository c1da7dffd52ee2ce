"""The village's 公示 board: central's ledger, the printed sheet and the kiosk's screen agree.

The digest printed on the sheet is the one the kiosk shows for the same village and month,
after the posting travels the store's feed; an entry more changes both alike.
"""

from __future__ import annotations

import subprocess
import threading

import pytest
from sqlalchemy import select
from sync_helpers import EAST, SQLITE_ONLY, quiet_sync

from kiosk.services import checkin
from sync.central.documents import board_pdf
from sync.central.models import Claim
from sync.central.services import areas, board, claims, rules
from terminal_ui import create_app

VILLAGE = "青山县/石桥镇/东村"
GROUPS = {"H000001": "一组", "H000002": "一组", "H000003": "二组", "H000004": "二组"}


def place_east_village(c) -> None:
    """Put the east store in a village and the programme's households in its two groups."""
    areas.save_areas(
        c,
        [
            areas.AreaRow(2, ("青山县", "石桥镇", "东村", "一组")),
            areas.AreaRow(3, ("青山县", "石桥镇", "东村", "二组")),
            areas.AreaRow(4, ("青山县", "石桥镇", "西村", "一组")),
        ],
    )
    areas.set_store_area(c, EAST, VILLAGE)
    for household_id, group in GROUPS.items():
        areas.set_household_group(c, household_id, f"{VILLAGE}/{group}", "test")
    for code, name, points in (("CLEAN", "庭院整洁", 20), ("BURN", "焚烧秸秆", -10)):
        rules.save_rule(
            c, {"code": code, "name": name, "category": "人居环境", "points": points}, "test"
        )


def approve(c, rule: str, household_id: str) -> None:
    claim_id = claims.record_claim(c, rule, household_id, actor="test")
    claims.approve_claim(c, claim_id, "approver")  # not the recorder: no one approves their own


def pdf_text(found: dict, tmp_path) -> str:
    path = tmp_path / "board.pdf"
    with path.open("wb") as out:
        board_pdf(found, out, __import__("datetime").date(2025, 3, 31))
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_kiosks_board_carries_the_sheets_digest_and_a_new_entry_changes_both(
    programme, tmp_path
):
    c = programme.central
    c.clock = programme.clock  # central and the kiosks in the same March
    place_east_village(c)
    k1 = programme.kiosk("K1")
    approve(c, "CLEAN", "H000001")
    approve(c, "BURN", "H000003")
    checkin.check_in(k1.kiosk, programme.activity_id, card_code=programme.codes["李德福"])
    quiet_sync(k1)  # the check-in reaches central
    assert board.publish(c) >= 1
    quiet_sync(k1)

    shown = create_app(k1, {}).test_client().get("/api/board")
    assert shown.status_code == 200
    b = shown.get_json()
    sheet = board.sheet(c, "东村", "2025-03")
    assert b["posted"] and b["month"] == "2025-03" and b["village"] == VILLAGE
    assert b["digest"] == sheet["digest"]
    assert len(b["digest"]) == 19 and b["digest"].count(" ") == 3
    assert {(a["label"], a["household"], a["points"]) for a in b["awards"]} == {
        ("庭院整洁", "王*国家", 20),
        ("垃圾分类积分日", "李*福家", 10),
    }
    assert b["deductions"] == [{"group": "二组", "count": 1, "points": 10}]
    assert [(r["rank"], r["household"], r["points"]) for r in b["ranking"]] == [
        (1, "王*国家", 20),
        (2, "李*福家", 10),
    ]
    text = shown.get_data(as_text=True)
    for full in ("王建国", "李德福", "张伟", "张*家", "H000003"):
        assert full not in text  # no one beyond a masked award name; a deduction by group only

    printed = pdf_text(sheet, tmp_path)
    assert sheet["digest"] in printed
    assert "东村" in printed and "2025-03" in printed and "王*国家" in printed
    assert "庭院整洁" in printed and "二组" in printed and "张*家" not in printed

    approve(c, "CLEAN", "H000004")  # one entry more in the month: posted at the approval
    assert board.publish(c) == 0
    quiet_sync(k1)
    after = create_app(k1, {}).test_client().get("/api/board").get_json()
    again = board.sheet(c, VILLAGE, "2025-03")
    assert after["digest"] == again["digest"] != b["digest"]
    assert board.publish(c) == 0  # nothing changed: nothing posted again


def test_the_office_hides_sections_and_the_kiosk_follows(programme):
    c = programme.central
    c.clock = programme.clock
    place_east_village(c)
    k1 = programme.kiosk("K1")
    approve(c, "CLEAN", "H000001")
    approve(c, "BURN", "H000003")
    board.set_settings(c, ["awards", "exchange_day"], 1, "test")
    quiet_sync(k1)
    b = create_app(k1, {}).test_client().get("/api/board").get_json()
    assert b["sections"] == ["awards", "exchange_day"]
    assert b["deductions"] == [] and b["ranking"] == []
    assert [a["household"] for a in b["awards"]] == ["王*国家"]


@pytest.mark.parametrize(
    "village, month, code",
    [
        ("没有这个村", "2025-03", "no_area"),
        ("青山县/石桥镇", "2025-03", "area_level"),
        ("东村", "2025-13", "board_month"),
        ("东村", "25-03", "board_month"),
        ("东村", "", "board_month"),
    ],
)
def test_a_bad_village_or_month_is_refused_in_words(programme, village, month, code):
    from sync.central.services.errors import RegistryError

    place_east_village(programme.central)
    with pytest.raises(RegistryError) as refused:
        board.sheet(programme.central, village, month)
    assert refused.value.code == code


def test_bad_board_settings_are_refused_and_change_nothing(programme):
    from sync.central.services.errors import RegistryError

    c = programme.central
    before = board.settings(c)
    for sections, size in ((["awards", "gossip"], 5), (["awards"], 0), (["awards"], 21), ([], "5")):
        with pytest.raises(RegistryError):
            board.set_settings(c, sections, size, "test")
    assert board.settings(c) == before


@SQLITE_ONLY
def test_centrals_timed_jobs_post_the_board_to_the_villages_stores_only(programme):
    from sqlalchemy import select

    from sync.central.jobs import Jobs
    from sync.central.models import Change, Store

    c = programme.central
    c.clock = programme.clock
    place_east_village(c)
    approve(c, "CLEAN", "H000002")
    Jobs(c).run_once()
    with c.uow(write=False) as uow:
        posted = uow.session.execute(
            select(Store.name, Change.data["digest"].as_string())
            .join(Store, Store.id == Change.store_id)
            .where(Change.kind == "board")
        ).all()
    assert [name for name, _ in posted] == [EAST]  # the west store is in no village
    k3 = programme.kiosk("K3")  # another kiosk of the east store
    b = create_app(k3, {}).test_client().get("/api/board").get_json()
    assert b["digest"] == board.sheet(c, VILLAGE, "2025-03")["digest"] == posted[0][1]
    assert b["awards"] == [{"label": "庭院整洁", "household": "李*福家", "points": 20}]


def _postings(c) -> list[dict]:
    from sqlalchemy import select

    from sync.central.models import Change

    with c.uow(write=False) as uow:
        return list(
            uow.session.scalars(
                select(Change.data).where(Change.kind == "board").order_by(Change.id)
            )
        )


def test_an_approved_claim_or_an_award_reaches_the_village_board_at_once(programme):
    # Without the timed jobs (ten minutes apart): the office's decision posts its village's
    # board within its request, so the kiosk shows the award at its next sync.
    from sync.central.services import activities

    c = programme.central
    c.clock = programme.clock
    place_east_village(c)
    approve(c, "CLEAN", "H000001")
    [first] = _postings(c)
    assert first["awards"] == [{"label": "庭院整洁", "household": "王*国家", "points": 20}]
    assert first["digest"] == board.sheet(c, VILLAGE, "2025-03")["digest"]

    activities.award(c, programme.activity_id, [programme.residents["李德福"]], actor="office")
    latest = _postings(c)[-1]
    assert {"label": "垃圾分类积分日", "household": "李*福家", "points": 10} in latest["awards"]
    assert latest["digest"] == board.sheet(c, VILLAGE, "2025-03")["digest"]

    posted = len(_postings(c))
    claim_id = claims.record_claim(c, "CLEAN", "H000002", actor="test")
    claims.reject_claim(c, claim_id, "照片看不清", "approver")  # no points moved
    assert len(_postings(c)) == posted
    k1 = programme.kiosk("K1")
    quiet_sync(k1)
    shown = create_app(k1, {}).test_client().get("/api/board").get_json()
    assert shown["digest"] == latest["digest"]


def test_the_office_does_not_wait_for_the_boards_and_decisions_close_together_post_once(
    programme, monkeypatch
):
    # The boards are worked out village by village; an award to many villages kept the office's
    # request waiting for all of them. Past a few villages the request returns while the
    # posting is held up, and the decisions made meanwhile are posted together in one run.
    monkeypatch.setattr(board, "AT_ONCE_VILLAGES", 0)  # the programme has one village
    c = programme.central
    c.clock = programme.clock
    place_east_village(c)
    held = threading.Event()
    runs: list[set[str]] = []
    publish = board.publish

    def slow_publish(central, now=None, households=None):
        runs.append(set(households))
        assert held.wait(10)
        return publish(central, now, households)

    monkeypatch.setattr(board, "publish", slow_publish)
    approve(c, "CLEAN", "H000001")  # returns although its posting is held
    assert _postings(c) == []
    approve(c, "CLEAN", "H000002")
    approve(c, "CLEAN", "H000003")
    assert not c.soon.settle(timeout=0.2)
    held.set()
    assert c.soon.settle()
    assert runs == [{"H000001"}, {"H000002", "H000003"}]
    [posted] = _postings(c)  # the first run saw all three; the second found nothing new
    assert posted["digest"] == board.sheet(c, VILLAGE, "2025-03")["digest"]
    assert len(posted["awards"]) == 3


def test_a_failed_posting_after_a_decision_is_logged_and_left_to_the_jobs(
    programme, monkeypatch, caplog
):
    monkeypatch.setattr(board, "AT_ONCE_VILLAGES", 0)
    c = programme.central
    c.clock = programme.clock
    place_east_village(c)
    failing = [True]
    publish = board.publish

    def flaky(central, now=None, households=None):
        if failing.pop(0) if failing else False:
            raise RuntimeError("database went away")
        return publish(central, now, households)

    monkeypatch.setattr(board, "publish", flaky)
    approve(c, "CLEAN", "H000001")  # the decision stands although its posting failed
    assert c.soon.settle()
    assert "timed jobs will do it" in caplog.text
    assert _postings(c) == []
    with c.uow(write=False) as uow:
        assert uow.session.scalars(select(Claim.status)).all() == ["approved"]
    assert board.publish(c) == 1  # what the jobs do: the award is on the board then
    assert _postings(c)[-1]["awards"][0]["household"] == "王*国家"


def test_two_postings_at_once_take_turns_so_a_stale_board_is_never_posted_last(
    programme, monkeypatch
):
    # The jobs and a decision's posting (or two workers') ran side by side: the one that worked
    # out its board before an award committed could post it after the one that had the award.
    c = programme.central
    c.clock = programme.clock
    place_east_village(c)
    inside, release = threading.Event(), threading.Event()
    village_board = board.query.village_board

    def held_first(*args, **kwargs):
        found = village_board(*args, **kwargs)
        if not inside.is_set():  # the first posting has worked out its board: it waits here
            inside.set()
            assert release.wait(10)
        return found

    monkeypatch.setattr(board.query, "village_board", held_first)
    first = threading.Thread(target=board.publish, args=(c,))
    first.start()
    assert inside.wait(10)  # worked out without the award below
    decision = threading.Thread(target=approve, args=(c, "CLEAN", "H000001"))  # posts at once
    decision.start()
    decision.join(1.0)
    waited = decision.is_alive()
    release.set()
    first.join(10)
    decision.join(10)
    assert waited  # its posting took its turn after the first
    latest = _postings(c)[-1]
    assert [a["household"] for a in latest["awards"]] == ["王*国家"]
    assert latest["digest"] == board.sheet(c, VILLAGE, "2025-03")["digest"]
