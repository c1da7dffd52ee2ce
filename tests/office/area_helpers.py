"""Two towns of one county, a household and a store in each, and a user and token per town."""

from __future__ import annotations

from dataclasses import dataclass

from sync.central.context import Central
from sync.central.services import areas, kiosks, roster, tokens
from sync.central.services.users import add_user

TOWN_A, TOWN_B = "平江县/三市镇", "平江县/安定镇"
GROUP_A, GROUP_B = f"{TOWN_A}/东村/一组", f"{TOWN_B}/南村/一组"
VILLAGE_A, VILLAGE_B = f"{TOWN_A}/东村", f"{TOWN_B}/南村"
PASSWORD = "town-password"


@dataclass
class Towns:
    """What the two towns hold: household ids, store names, users and their tokens."""

    household_a: str = "H000001"  # 王建国家, seeded by seed_office
    household_b: str = "H000002"  # 张伟家
    store_a: str = "东村爱心超市"
    store_b: str = "南村爱心超市"
    token_a: str = ""
    token_b: str = ""


def seed_towns(c: Central) -> Towns:
    """Place seed_office's households and store in town A and add town B's."""
    rows = [
        areas.AreaRow(2, ("平江县", "三市镇", "东村", "一组")),
        areas.AreaRow(3, ("平江县", "三市镇", "西村", "一组")),
        areas.AreaRow(4, ("平江县", "安定镇", "南村", "一组")),
    ]
    areas.save_areas(c, rows)
    towns = Towns()
    areas.set_household_group(c, towns.household_a, GROUP_A, "test")
    areas.set_household_group(c, towns.household_b, GROUP_B, "test")
    kiosks.enroll(c, towns.store_b, "K002")
    areas.set_store_area(c, towns.store_a, VILLAGE_A)
    areas.set_store_area(c, towns.store_b, VILLAGE_B)
    roster.add_roster(c, [roster.RosterRow(4, "李德福家", "李德福", "", 0, GROUP_B)])
    add_user(c, "town_a", PASSWORD, "admin", area=TOWN_A)
    add_user(c, "town_b", PASSWORD, "admin", area=TOWN_B)
    add_user(c, "leader_a", PASSWORD, "group_leader", area=GROUP_A)
    towns.token_a = tokens.office_token(c, user="town_a")
    towns.token_b = tokens.office_token(c, user="town_b")
    return towns
