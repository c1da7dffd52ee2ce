"""GET /api/board: this month's posting in the store's zone, the office's sections, nothing more;
and the spoken prompts take the office's announcements showing today, nothing else."""

from __future__ import annotations

from datetime import date, datetime

from core.clock import FixedClock
from kiosk.storage.models import Announcement, BoardPosting

POSTING = {
    "village": "平江县/三市镇/东村",
    "village_name": "东村",
    "month": "2026-12",
    "digest": "0123 4567 89ab cdef",
    "entries": 7,
    "settings": {
        "sections": ["awards", "deductions", "ranking", "exchange_day"],
        "ranking_size": 2,
    },
    "awards": [{"label": "庭院整洁", "household": "王*国家", "points": 20, "extra": "H000001"}],
    "deductions": [{"group": "二组", "count": 1, "points": 10}],
    "ranking": [
        {"rank": 1, "household": "王*国家", "points": 20},
        {"rank": 2, "household": "李*福家", "points": 10},
        {"rank": 3, "household": "张*家", "points": 5},
    ],
}


def post(runtime, data, month=None):
    with runtime.kiosk.uow() as uow:
        uow.session.merge(
            BoardPosting(month=month or data["month"], data=data, received_at=datetime(2026, 12, 1))
        )
        uow.commit()


def at(runtime, when: datetime) -> None:
    runtime.kiosk.clock = FixedClock(when)


def test_the_board_shows_this_months_posting_with_only_the_fields_it_names(runtime, client):
    post(runtime, POSTING)
    at(runtime, datetime(2026, 12, 10, 2, 0))
    b = client.get("/api/board").get_json()
    assert b["posted"] and b["month"] == "2026-12" and b["digest"] == "0123 4567 89ab cdef"
    assert b["awards"] == [{"label": "庭院整洁", "household": "王*国家", "points": 20}]
    assert b["deductions"] == [{"group": "二组", "count": 1, "points": 10}]
    assert [r["rank"] for r in b["ranking"]] == [1, 2]  # the office's ranking size
    assert "H000001" not in client.get("/api/board").get_data(as_text=True)


def test_the_month_turns_at_midnight_in_the_stores_zone(runtime, client):
    post(runtime, POSTING)
    at(runtime, datetime(2026, 11, 30, 15, 59))  # 23:59 on 30 November in Shanghai
    assert client.get("/api/board").get_json()["month"] == "2026-11"
    at(runtime, datetime(2026, 11, 30, 16, 0))  # midnight: December
    b = client.get("/api/board").get_json()
    assert b["month"] == "2026-12" and b["posted"]
    at(runtime, datetime(2026, 12, 31, 16, 0))  # January: last month's posting is not shown
    b = client.get("/api/board").get_json()
    assert not b["posted"] and b["digest"] is None and b["awards"] == [] and b["ranking"] == []


def test_hidden_sections_are_left_out(runtime, client):
    post(runtime, {**POSTING, "settings": {"sections": ["ranking"], "ranking_size": 10}})
    at(runtime, datetime(2026, 12, 10, 2, 0))
    b = client.get("/api/board").get_json()
    assert b["sections"] == ["ranking"] and len(b["ranking"]) == 3
    assert b["awards"] == [] and b["deductions"] == [] and b["next_exchange_day"] is None


def test_an_announcement_showing_today_may_be_spoken_and_other_long_text_may_not(runtime, client):
    text = "本周五上午村委会组织义诊，" * 20  # longer than any prompt of the screen's own
    with runtime.kiosk.uow() as uow:
        uow.session.add(
            Announcement(
                id="A1", text=text, starts=date(2026, 12, 1), ends=date(2026, 12, 31), active=True
            )
        )
        uow.commit()
    at(runtime, datetime(2026, 12, 10, 2, 0))
    headers = {"Sec-Fetch-Site": "same-origin"}
    refused = client.get("/api/speech", query_string={"text": text + "！"}, headers=headers)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "prompt_too_long"
    other = client.get("/api/speech", query_string={"text": "随便说点什么"}, headers=headers)
    assert other.get_json()["error"]["code"] == "unknown_prompt"
    spoken = client.get("/api/speech", query_string={"text": text}, headers=headers)
    assert spoken.status_code in (200, 503), spoken.get_data(as_text=True)
    if spoken.status_code == 503:
        assert spoken.get_json()["error"]["code"] == "speech_unavailable"
    at(runtime, datetime(2027, 1, 10, 2, 0))  # the announcement has ended
    ended = client.get("/api/speech", query_string={"text": text}, headers=headers)
    assert ended.get_json()["error"]["code"] == "prompt_too_long"
