"""Areas: imported from CSV, households placed in groups and stores in villages, users and
tokens scoped to an area, and each area's figures equal to the sums of its ledger entries."""

from __future__ import annotations

import io
import sys
from datetime import date

import pytest
from area_helpers import GROUP_A, GROUP_B, PASSWORD, TOWN_A, TOWN_B, seed_towns
from sqlalchemy import func, select

from core.domain.ledger import LedgerKind
from kiosk.cli import main
from sync.central.app import create_central_app
from sync.central.imports import parse_areas, parse_roster
from sync.central.models import Area, Household, LedgerEntry, OfficeUser, Resident
from sync.central.queries.areas import area_rollup
from sync.central.queries.stats import stats
from sync.central.scope import Scope
from sync.central.services import activities, areas, roster
from sync.central.services.adjustments import adjust_points
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.tokens import office_token
from sync.central.services.users import add_user, change_user, deactivate_user

AREAS_CSV = (
    "county,town,village,group\n"
    "平江县,三市镇,东村,一组\n"
    "平江县,三市镇,东村,二组\n"
    "平江县,三市镇,西村,\n"
    "平江县,,北村,一组\n"
    "平江县,安定镇,南/村,一组\n"
    "平江县,安定镇,南村,一组\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_an_areas_file_is_read_with_or_without_a_bom_and_each_bad_row_says_why(tmp_path, encoding):
    path = tmp_path / "areas.csv"
    path.write_text(AREAS_CSV, encoding=encoding)
    parsed = parse_areas(path)
    assert [row.names for row in parsed.rows] == [
        ("平江县", "三市镇", "东村", "一组"),
        ("平江县", "三市镇", "东村", "二组"),
        ("平江县", "三市镇", "西村"),
        ("平江县", "安定镇", "南村", "一组"),
    ]
    assert parsed.problems[0] == "line 5: town is missing"
    assert parsed.problems[1].startswith("line 6: village '南/村' must be")
    assert len(parsed.problems) == 2


def test_an_areas_file_without_its_columns_is_refused(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("county,town\n平江县,三市镇\n", encoding="utf-8")
    with pytest.raises(ValueError, match="village"):
        parse_areas(path)


def test_importing_areas_twice_adds_nothing_the_second_time(sqlite_central, tmp_path, capsys):
    path = tmp_path / "areas.csv"
    path.write_text(AREAS_CSV, encoding="utf-8-sig")
    url = str(sqlite_central.engine.url)
    assert main(["central", "import-areas", str(path), "--database-url", url]) == 1
    assert "nothing was imported" in capsys.readouterr().err
    with sqlite_central.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Area)) == 0
    args = ["central", "import-areas", str(path), "--skip-bad", "--database-url", url]
    assert main(args) == 0
    assert "9 areas added, 0 already there" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 areas added, 9 already there" in capsys.readouterr().out
    with sqlite_central.uow(write=False) as uow:
        village = uow.session.scalar(select(Area).where(Area.path == "平江县/三市镇/东村"))
        group = uow.session.scalar(select(Area).where(Area.path == "平江县/三市镇/东村/二组"))
        assert (village.level, group.level, group.parent_id) == ("village", "group", village.id)


def test_store_area_places_a_store_in_a_village_only(sqlite_central, capsys):
    seed_towns(sqlite_central)
    url = str(sqlite_central.engine.url)
    base = ["central", "store-area", "--store", "东村爱心超市", "--database-url", url]
    assert main([*base, "--area", "平江县/三市镇/西村"]) == 0
    assert "东村爱心超市 is in 平江县/三市镇/西村" in capsys.readouterr().out
    assert main([*base, "--area", TOWN_A]) == 1
    assert "is not a village" in capsys.readouterr().err
    assert main([*base, "--area", "平江县/无此镇/东村"]) == 1
    assert "no area" in capsys.readouterr().err


def test_a_roster_places_households_in_groups_and_an_unknown_group_imports_nothing(
    sqlite_central, tmp_path
):
    seed_towns(sqlite_central)
    path = tmp_path / "roster.csv"
    path.write_text(
        f"household,resident,phone,opening_points,group\n"
        f"赵家,赵一,,0,{GROUP_A}\n钱家,钱二,,0, 平江县 / 安定镇 / 南村 / 一组 \n孙家,孙三,,0,\n",
        encoding="utf-8-sig",
    )
    parsed = parse_roster(path)
    assert parsed.problems == []
    roster.add_roster(sqlite_central, parsed.rows)
    with sqlite_central.uow(write=False) as uow:
        placed = dict(
            uow.session.execute(
                select(Household.name, Area.path).outerjoin(Area, Area.id == Household.area_id)
            ).all()
        )
    assert (placed["赵家"], placed["钱家"], placed["孙家"]) == (GROUP_A, GROUP_B, None)
    bad = [roster.RosterRow(2, "周家", "周四", "", 0, "平江县/三市镇/东村/九组")]
    with pytest.raises(RegistryError) as refused:
        roster.add_roster(sqlite_central, bad)
    assert refused.value.code == Refusal.ROSTER_GROUP
    with sqlite_central.uow(write=False) as uow:
        assert uow.session.scalar(select(Household).where(Household.name == "周家")) is None


def test_a_roster_group_that_is_not_a_full_path_is_a_bad_row(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("household,resident,group\n赵家,赵一,平江县/三市镇\n", encoding="utf-8")
    assert parse_roster(path).problems == [
        "line 2: group '平江县/三市镇' must be a path county/town/village/group"
    ]


def test_add_user_gives_a_role_and_an_area_and_refuses_an_unknown_area(sqlite_central, capsys):
    seed_towns(sqlite_central)
    url = str(sqlite_central.engine.url)
    stdin = sys.stdin
    try:
        sys.stdin = io.StringIO("approver-password\n")
        args = ["central", "add-user", "appr", "--role", "approver", "--area", TOWN_B]
        assert main([*args, "--database-url", url]) == 0
        sys.stdin = io.StringIO("approver-password\n")
        args = ["central", "add-user", "nowhere", "--area", "平江县/无此镇"]
        assert main([*args, "--database-url", url]) == 1
    finally:
        sys.stdin = stdin
    assert "no area 平江县/无此镇" in capsys.readouterr().err
    with sqlite_central.uow(write=False) as uow:
        row = uow.session.execute(
            select(OfficeUser.role, Area.path)
            .join(Area, Area.id == OfficeUser.area_id)
            .where(OfficeUser.username == "appr")
        ).one()
    assert tuple(row) == ("approver", TOWN_B)


def test_a_scoped_admin_gives_only_areas_inside_their_own(sqlite_central):
    seed_towns(sqlite_central)
    town_a = Scope(TOWN_A)
    with pytest.raises(RegistryError) as outside:
        add_user(sqlite_central, "x", PASSWORD, "admin", area=TOWN_B, scope=town_a)
    assert outside.value.code == Refusal.AREA_OUTSIDE
    with pytest.raises(RegistryError):  # nor a user who would see everything
        add_user(sqlite_central, "x", PASSWORD, "admin", area="", scope=town_a)
    with pytest.raises(RegistryError) as other:
        change_user(sqlite_central, "town_b", "viewer", TOWN_A, scope=town_a)
    assert other.value.code == Refusal.NO_USER
    add_user(sqlite_central, "x", PASSWORD, "viewer", area=GROUP_A, scope=town_a)


def test_a_users_token_follows_the_users_role_and_area_and_dies_with_the_account(
    sqlite_central,
):
    towns = seed_towns(sqlite_central)
    app = create_central_app(sqlite_central, {"TOKEN_REVOCATION_CHECK_SECONDS": 0})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {towns.token_b}"}
    assert client.get(f"/api/v1/households/{towns.household_b}", headers=auth).status_code == 200
    assert client.get(f"/api/v1/households/{towns.household_a}", headers=auth).status_code == 404
    change_user(sqlite_central, "town_b", "viewer", TOWN_A)
    assert client.get(f"/api/v1/households/{towns.household_a}", headers=auth).status_code == 200
    answer = client.post(
        f"/api/v1/households/{towns.household_a}/adjust",
        json={"points": 1, "reason": "x"},
        headers=auth,
    )
    assert answer.status_code == 403  # a viewer now
    deactivate_user(sqlite_central, "town_b")
    assert client.get("/api/v1/stats", headers=auth).status_code == 401


def test_a_token_without_a_user_sees_the_whole_programme_with_the_role_given(sqlite_central):
    towns = seed_towns(sqlite_central)
    token = office_token(sqlite_central, "viewer")
    client = create_central_app(sqlite_central).test_client()
    figures = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert figures["households"] == 3
    assert {s["store"] for s in figures["stores"]} == {towns.store_a, towns.store_b}


def test_a_token_for_an_unknown_user_is_refused(sqlite_central, capsys):
    url = str(sqlite_central.engine.url)
    assert main(["central", "office-token", "--user", "ghost", "--database-url", url]) == 1
    assert "no office user ghost" in capsys.readouterr().err


def _ledger_sums(c, where) -> tuple[int, int]:
    with c.uow(write=False) as uow:
        s = uow.session
        rows = s.execute(
            select(LedgerEntry.kind, LedgerEntry.points)
            .join(Household, Household.id == LedgerEntry.household_id)
            .join(Area, Area.id == Household.area_id)
            .where(where)
        ).all()
    issued = sum(p for k, p in rows if k in (LedgerKind.EARN, LedgerKind.ADJUST) and p > 0)
    redeemed = -sum(p for k, p in rows if k in (LedgerKind.SPEND, LedgerKind.VOID))
    return issued, redeemed


def test_each_areas_figures_equal_its_ledger_sums_and_rates_count_participating_households(
    office_central,
):
    c = office_central
    towns = seed_towns(c)
    activities.define_activity(c, "CLEAN", "打扫", "义务", date(2026, 11, 3), 20)
    with c.uow(write=False) as uow:
        ids = dict(uow.session.execute(select(Household.name, Household.id)).all())
    activities.award(c, "ACT-SORT", [f"{towns.household_b}-1"], "test")
    activities.award(c, "ACT-CLEAN", [f"{towns.household_b}-1"], "test")
    adjust_points(c, ids["李德福家"], -3, "扣分", "test")
    adjust_points(c, towns.household_a, 7, "更正", "test")

    county = area_rollup(c)  # the whole programme: one county, so its towns
    assert [row["path"] for row in county] == [TOWN_A, TOWN_B]
    for row in county:
        assert (row["points_issued"], row["points_redeemed"]) == _ledger_sums(
            c, Area.path.startswith(row["path"] + "/")
        )
    b = county[1]
    assert (b["households"], b["participating"], b["rate"]) == (2, 1, 0.5)
    a = county[0]
    assert (a["households"], a["participating"], a["rate"]) == (1, 0, 0.0)
    assert a["points_issued"] == 100 + 7  # opening points and the correction

    town = area_rollup(c, Scope(TOWN_A))  # a town: its villages side by side
    assert [row["area"] for row in town] == ["东村", "西村"]
    assert [row["households"] for row in town] == [1, 0]

    figures = stats(c, Scope(TOWN_B))
    assert (figures["points_issued"], figures["points_redeemed"]) == _ledger_sums(
        c, Area.path.startswith(TOWN_B + "/")
    )
    assert figures["participations"] == 2
    whole = stats(c)
    assert whole["points_issued"] == sum(row["points_issued"] for row in county)


def test_the_office_moves_a_household_to_a_group_of_its_own_area(sqlite_central):
    towns = seed_towns(sqlite_central)
    with pytest.raises(RegistryError) as outside:
        areas.set_household_group(sqlite_central, towns.household_b, GROUP_A, "t", Scope(TOWN_B))
    assert outside.value.code == Refusal.AREA_OUTSIDE
    client = create_central_app(sqlite_central).test_client()
    from office_helpers import csrf, sign_in

    sign_in(client, "town_a", PASSWORD)
    page = f"/households/{towns.household_a}"
    answer = client.post(
        f"{page}/group",
        data={"csrf_token": csrf(client, page), "group": "平江县/三市镇/西村/一组"},
        follow_redirects=True,
    )
    assert "平江县/三市镇/西村/一组" in answer.get_data(as_text=True)
    with sqlite_central.uow(write=False) as uow:
        path = uow.session.scalar(
            select(Area.path)
            .join(Household, Household.area_id == Area.id)
            .where(Household.id == towns.household_a)
        )
    assert path == "平江县/三市镇/西村/一组"


def test_a_town_user_cannot_take_another_towns_household_by_its_name_in_a_roster(
    sqlite_central,
):
    seed_towns(sqlite_central)
    row = roster.RosterRow(2, "张伟家", "张新", "", 0, GROUP_A)  # 张伟家 lives in town B
    with pytest.raises(RegistryError) as refused:
        roster.add_roster(sqlite_central, [row], scope=Scope(TOWN_A))
    assert refused.value.code == Refusal.ROSTER_OUTSIDE
    with sqlite_central.uow(write=False) as uow:
        s = uow.session
        moved = s.scalar(
            select(Area.path)
            .join(Household, Household.area_id == Area.id)
            .where(Household.name == "张伟家")
        )
        added = s.scalar(select(func.count()).select_from(Resident).where(Resident.name == "张新"))
    assert (moved, added) == (GROUP_B, 0)
    new = roster.RosterRow(2, "新户", "张新", "", 0, GROUP_A)
    assert roster.add_roster(sqlite_central, [new], scope=Scope(TOWN_A)) == (1, 1)
