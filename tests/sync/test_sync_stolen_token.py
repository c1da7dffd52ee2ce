"""A stolen kiosk token against central's kiosk API: points only under central's rules, no
household of another village opened to the store, no card taken, no 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select, update
from sync_helpers import (
    EAST,
    WireKiosk,
    central_balances,
    checkin_entry,
    feed,
    get,
    households_in,
    push,
    quiet_sync,
    store_set,
)

from core.db.engine import make_engine
from core.domain.codes import new_card_token, token_hash
from sync.central import localtime, server
from sync.central import models as cm
from sync.central.context import Central
from sync.central.services import activities, kiosks
from tests.pg import PG_URL, new_database, pg_admin

H1, H2, H3, H4 = "H000001", "H000002", "H000003", "H000004"
PG_ONLY = pytest.mark.parametrize("central_url", ["postgresql"], indirect=True)


def results(answer) -> list[tuple[str, str | None]]:
    assert answer.status_code == 200, answer.text[:500]
    return [(r["status"], r.get("reason")) for r in answer.json()["results"]]


def check_in(wire: WireKiosk, activity: str, resident: str, household: str, points: int = 10):
    return checkin_entry(wire, activity, resident, household, points)


def card_hash_of(c, resident: str) -> str:
    with c.uow(write=False) as uow:
        return uow.session.scalar(select(cm.Card.token_hash).where(cm.Card.resident_id == resident))


def store_feed(p, kiosk: str) -> list[dict]:
    return feed(p.server.base, p.token(kiosk))


# -- 1. points: a forged "resident_move" audit entry redirects other households' credits ------


def test_a_kiosk_audit_entry_cannot_forge_a_resident_move_booking_others_credits_to_one_household(
    programme,
):
    """A kiosk's audit entry is its own words: one naming the office's "resident_move" (from
    its pick of household) does not let central book other residents' check-ins there."""
    p, wire = programme, WireKiosk("K1")
    accomplice = H4  # 陈志明家, 0 points
    strangers = ["H000001-1", "H000001-2", "H000002-1", "H000003-1"]  # of three other households
    forged = [
        wire.entry(
            "audit",
            {
                "at": "2099-01-01T00:00:00Z",  # "after" every entry: no member_moved alert
                "actor": "admin",
                "action": "resident_move",
                "target": resident,
                "details": {"from": accomplice, "to": resident.split("-")[0]},
            },
        )
        for resident in strangers
    ]
    push(p.server.base, p.token("K1"), wire.body(*forged))
    credits = [check_in(wire, p.activity_id, r, accomplice) for r in strangers]
    answer = push(p.server.base, p.token("K1"), wire.body(*credits))
    statuses = [status for status, _ in results(answer)]
    # Central's rule: one credit per resident, to the resident's own household.
    assert statuses == ["rejected"] * 4, statuses
    assert central_balances(p.central)[accomplice] == 0


# -- 2. points: a check-in for an activity that has not happened yet ---------------------------


def test_a_check_in_dated_after_centrals_today_for_a_future_activity_is_refused(programme):
    """A check-in dated ahead of central's own time (for an activity weeks away) is refused."""
    p = programme
    day = (datetime.now(UTC) + timedelta(days=40)).date()
    future = activities.define_activity(p.central, "FUT", "下月义诊", "健康", day, 10)
    wire = WireKiosk("K1")
    wire.at = f"{day.isoformat()}T03:00:00.000000Z"
    answer = push(p.server.base, p.token("K1"), wire.body(check_in(wire, future, "H000002-1", H2)))
    [(status, _)] = results(answer)
    assert status == "rejected"
    assert central_balances(p.central)[H2] == 100


# -- 3. cards: a check-in makes any household "served", so its cards can be taken -------------


def test_a_check_in_does_not_let_a_stolen_kiosk_revoke_a_household_card_its_store_never_served(
    unassigned,
):
    """A check-in does not vouch for a household (a stolen token could make one up): it does
    not let the kiosk revoke the household's office card everywhere."""
    p, wire = unassigned, WireKiosk("K2")  # WEST: never served 李德福家
    victim = p.residents["李德福"]
    real = card_hash_of(p.central, victim)
    cover = check_in(wire, p.activity_id, victim, H2)
    revoke = wire.entry("card_revoke", {"token_hash": real, "reason": "lost"})
    results(push(p.server.base, p.token("K2"), wire.body(cover, revoke)))
    with p.central.uow(write=False) as uow:
        status = uow.session.scalar(select(cm.Card.status).where(cm.Card.token_hash == real))
    assert status == "active"


def test_a_check_in_does_not_let_a_stolen_kiosk_replace_a_household_card_everywhere(unassigned):
    p, wire = unassigned, WireKiosk("K2")
    victim = p.residents["李德福"]
    real = card_hash_of(p.central, victim)
    cover = check_in(wire, p.activity_id, victim, H2)
    issue = wire.entry(
        "card_issue", {"token_hash": token_hash(new_card_token()), "resident_id": victim}
    )
    results(push(p.server.base, p.token("K2"), wire.body(cover, issue)))
    with p.central.uow(write=False) as uow:
        status = uow.session.scalar(select(cm.Card.status).where(cm.Card.token_hash == real))
    assert status == "active"  # the thief's card does not replace it


# -- 4. reads: households of villages the store does not serve ---------------------------------


def test_a_refused_entry_does_not_bring_a_strangers_household_into_the_stores_feed(unassigned):
    """Only entries central counted bring a household into the store's set."""
    p, wire = unassigned, WireKiosk("K1")
    forged = wire.entry("adjust", {"reason": "x", "ledger": wire.ledger(H2, "adjust", 0)})
    [(status, _)] = results(push(p.server.base, p.token("K1"), wire.body(forged)))
    assert status == "rejected"
    assert H2 not in store_set(p.central, EAST)
    told = [c for c in store_feed(p, "K1") if c["kind"] != "refusal"]  # its own entry, refused
    assert H2 not in households_in(told)


def test_a_card_the_kiosk_issued_itself_does_not_open_a_household_its_store_never_served(
    unassigned,
):
    """A card issued at a kiosk for a household its store does not serve is refused, so the
    card lookup cannot answer its records to the store."""
    p, wire = unassigned, WireKiosk("K1")
    token = new_card_token()
    issue = wire.entry("card_issue", {"token_hash": token_hash(token), "resident_id": "H000003-1"})
    results(push(p.server.base, p.token("K1"), wire.body(issue)))
    answer = get(p.server.base, p.token("K1"), f"/api/v1/cards/{token_hash(token)}")
    assert answer.status_code == 404, answer.text[:300]
    assert H3 not in store_set(p.central, EAST)


# -- 5. 500s --------------------------------------------------------------------------------


def test_a_check_in_dated_at_the_end_of_year_9999_is_refused_not_a_500(programme):
    """A time at the calendar's end falls off it in the programme's zone (UTC+8)."""
    p, wire = programme, WireKiosk("K1")
    wire.at = "9999-12-31T20:00:00.000000Z"
    answer = push(
        p.server.base, p.token("K1"), wire.body(check_in(wire, p.activity_id, "H000002-1", H2))
    )
    [(status, reason)] = results(answer)  # answered entry by entry, not a 500
    assert status == "rejected" and "the check-in on 9999-12-31" in reason


def test_an_exchange_of_quota_goods_dated_at_the_end_of_year_9999_is_refused_not_a_500(programme):
    p, wire = programme, WireKiosk("K1")
    with p.central.uow() as uow:
        uow.session.execute(
            update(cm.Product)
            .where(cm.Product.code == "SOAP")
            .values(quota_limit=5, quota_period="month")
        )
        uow.commit()
    wire.at = "9999-12-31T20:00:00.000000Z"
    sale = wire.exchange(H1, "H000001-1", [("SOAP", 1, 8)])
    answer = push(p.server.base, p.token("K1"), wire.body(sale))
    [(status, _)] = results(answer)  # counted on the calendar's last day, not a 500
    assert status == "applied"


def test_a_stocktake_naming_one_new_batch_twice_is_refused_not_a_500(programme):
    """The same new batch twice in one stocktake is refused (it made two batch rows: a 500)."""
    p, wire = programme, WireKiosk("K1")
    count = wire.entry(
        "stocktake",
        {
            "product_code": "OIL",
            "counted": 5,
            "reason": "盘点",
            "stock": [
                {"product_code": "OIL", "batch_id": 77777, "qty": 2},
                {"product_code": "OIL", "batch_id": 77777, "qty": 3},
            ],
        },
    )
    answer = push(p.server.base, p.token("K1"), wire.body(count))
    assert answer.status_code == 200, answer.text[:300]


@PG_ONLY
def test_an_overdraft_past_32_bits_does_not_stop_every_other_kiosks_pushes(programme):
    """A stolen token drives a household past 32 bits of overdraft (made-up exchanges, which
    central flags): the overdraft alert's amount is held at the column's most, and an honest
    kiosk's pushes for that household still go in (they failed with a 500, its outbox stuck)."""
    p, wire = programme, WireKiosk("K1")
    for n, each in (
        (500, 10**6),
        (500, 10**6),
        (500, 10**6),
        (500, 10**6),
        (147, 10**6),
        (1, 483_940),
    ):
        sales = [wire.exchange(H1, "H000001-1", [("SOAP", 1, each)]) for _ in range(n)]
        assert push(p.server.base, p.token("K1"), wire.body(*sales)).status_code == 200
    assert central_balances(p.central)[H1] == -2_147_483_640
    honest = WireKiosk("K2")  # the west store, an honest sale of one bottle of oil
    answer = push(
        p.server.base,
        p.token("K2"),
        honest.body(honest.exchange(H1, "H000001-1", [("OIL", 1, 60)])),
    )
    assert answer.status_code == 200, answer.text[:300]


# -- 6. the whole feed, kept for kiosks of protocol 1 -----------------------------------------


def test_a_kiosk_that_reads_its_stores_feed_is_refused_the_whole_feed(unassigned):
    # The whole feed carries every household, resident and card of the programme. A kiosk of
    # this release reads its store's; a thief holding its token leaves `scope` out to read all.
    p = unassigned
    k1 = p.kiosk("K1")
    quiet_sync(k1)  # the kiosk's own rounds read its store's feed
    answer = get(p.server.base, p.token("K1"), "/api/v1/changes?after=0&limit=1000")
    assert answer.status_code == 403, answer.text[:300]
    assert answer.json()["error"]["code"] == "forbidden"
    assert "scope=store" in answer.json()["error"]["message"]
    assert len(store_feed(p, "K1")) > 0  # its store's feed goes on


def test_a_kiosk_of_protocol_1_still_reads_the_whole_feed(unassigned):
    p = unassigned
    whole = get(p.server.base, p.token("K2"), "/api/v1/changes?after=0&limit=1000")
    assert whole.status_code == 200
    assert {H1, H2, H3} <= households_in(whole.json()["changes"])
    store_feed(p, "K2")  # then it reads its store's feed once: the whole feed closes to it
    again = get(p.server.base, p.token("K2"), "/api/v1/changes?after=0&limit=1000")
    assert again.status_code == 403
    # Another process of central (a new Central on the same database) knows it too.
    fresh = Central(p.central.engine)
    assert kiosks.whole_feed_closed(fresh, "K2")
    assert not kiosks.whole_feed_closed(fresh, "K3")  # which never read its store's feed


@pytest.mark.parametrize("where", ["sqlite", "postgresql"])
def test_c0024_goes_up_and_down(where, tmp_path):
    if where == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
        _c0024_round_trip(url)
    else:
        pg_admin().close()  # skips without a server (fails under CI)
        with new_database("kt_c0024") as name:
            _c0024_round_trip(PG_URL.format(name=name))


def _c0024_round_trip(url: str) -> None:
    engine = make_engine(url)
    localtime.install(engine)
    try:
        with engine.connect() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(server.MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "c0024_kiosk_store_feed")
            conn.commit()
            assert "store_feed" in {c["name"] for c in inspect(conn).get_columns("kiosks")}
            command.downgrade(cfg, "c0023_line_check")
            conn.commit()
            assert "store_feed" not in {c["name"] for c in inspect(conn).get_columns("kiosks")}
            command.upgrade(cfg, "head")
            conn.commit()
    finally:
        engine.dispose()
