"""Demo data: a village store with Chinese households, donated goods and activities."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import func, select

from core.domain.codes import card_code, derived_card_token, token_hash
from kiosk.services import catalog, inventory
from kiosk.services.context import Kiosk
from kiosk.storage.models import Card, Household, Resident
from kiosk.storage.states import CardStatus

STORE = "湘妹子能量家园·爱心超市"
KIOSK_ID = "DEMO01"

# (household name, members, opening points)
HOUSEHOLDS = [
    ("王建国家", ["王建国", "李秀英", "王小红"], 320),
    ("李德福家", ["李德福", "张桂兰"], 180),
    ("张伟家", ["张伟"], 95),
    ("刘淑珍家", ["刘淑珍", "陈永强"], 260),
    ("陈志明家", ["陈志明", "黄丽华", "陈思雨", "陈奶奶"], 410),
    ("杨秀兰家", ["杨秀兰"], 40),
    ("赵国庆家", ["赵国庆", "周美玲"], 150),
    ("黄金凤家", ["黄金凤"], 75),
    ("周德胜家", ["周德胜", "吴翠花"], 220),
    ("吴桂英家", ["吴桂英"], 130),
    ("徐建军家", ["徐建军", "孙红梅", "徐浩"], 300),
    ("孙玉兰家", ["孙玉兰"], 60),
    ("胡志强家", ["胡志强", "马春燕"], 190),
    ("朱秀梅家", ["朱秀梅"], 85),
    ("高德明家", ["高德明", "林凤英"], 240),
    ("林小燕家", ["林小燕", "郭大海"], 115),
    ("何桂芳家", ["何桂芳"], 20),
    ("郭永福家", ["郭永福", "罗秀珍", "郭晓东"], 350),
    ("罗春华家", ["罗春华"], 145),
    ("梁玉珍家", ["梁玉珍", "宋志刚"], 275),
    ("宋明亮家", ["宋明亮"], 5),
    ("谢彩霞家", ["谢彩霞", "韩建华"], 165),
]

# (code, name, unit, category, points, [(qty, source, donor, unit value in yuan)])
PRODUCTS = [
    ("OIL5L", "金龙鱼食用油 5升", "桶", "粮油", 120, [(10, "donation", "县妇联", "69.9")]),
    ("OIL18", "鲁花花生油 1.8升", "瓶", "粮油", 60, [(12, "donation", "湘农银行", "45")]),
    ("RICE10", "东北大米 10斤", "袋", "粮油", 80, [(15, "purchase", "", "38")]),
    ("NOODLE", "挂面 1公斤", "包", "粮油", 15, [(40, "donation", "爱心企业·福临门", "8.5")]),
    ("SALT", "食用盐 400克", "包", "粮油", 5, [(50, "transfer", "镇中心超市", "2")]),
    ("SOY", "酱油 500毫升", "瓶", "粮油", 12, [(30, "donation", "湘农银行", "6.8")]),
    ("DET2KG", "蓝月亮洗衣液 2公斤", "瓶", "日用", 50, [(20, "donation", "县妇联", "32")]),
    ("SOAP", "雕牌肥皂", "块", "日用", 8, [(60, "purchase", "", "3.5")]),
    ("TISSUE", "清风抽纸 3包装", "提", "日用", 15, [(40, "donation", "村企共建·华丰纸业", "9.9")]),
    ("ROLL10", "卷纸 10卷", "提", "日用", 25, [(25, "donation", "村企共建·华丰纸业", "16")]),
    ("CUP", "保温杯", "个", "日用", 40, [(15, "donation", "爱心人士陈先生", "25")]),
    ("MUG", "陶瓷杯", "个", "日用", 10, [(30, "donation", "爱心人士陈先生", "6")]),
    ("TPASTE", "云南白药牙膏", "支", "个护", 20, [(30, "donation", "县人民医院", "12")]),
    ("TBRUSH", "牙刷 2支装", "盒", "个护", 8, [(40, "purchase", "", "4.5")]),
    ("SHAMP", "洗发水 400毫升", "瓶", "个护", 30, [(18, "donation", "县妇联", "19.9")]),
    ("TOWEL", "纯棉毛巾", "条", "个护", 12, [(35, "transfer", "镇中心超市", "7")]),
    ("BASIN", "塑料脸盆", "个", "日用", 18, [(2, "donation", "爱心人士陈先生", "10")]),
    ("UMBR", "雨伞", "把", "日用", 35, [(0, "donation", "", "0")]),
]

# The programme's areas: a county, two towns, four villages of two villagers' groups each.
COUNTY = "平江县"
VILLAGES = [("三市镇", "东村"), ("三市镇", "西村"), ("安定镇", "南村"), ("安定镇", "北村")]
GROUPS = ["一组", "二组"]
STORE_VILLAGE = f"{COUNTY}/三市镇/东村"
# Office users beside the admin: (name, role, area).
OFFICE_USERS = [
    ("zuzhang", "group_leader", f"{STORE_VILLAGE}/一组"),
    ("shenhe", "approver", f"{COUNTY}/三市镇"),
]


def group_paths() -> list[str]:
    """Return every demo villagers' group as a path, county first."""
    return [f"{COUNTY}/{town}/{village}/{group}" for town, village in VILLAGES for group in GROUPS]


ACTIVITIES = [
    ("ACT-SORT", "SORT", "垃圾分类积分日", "垃圾分类", 10, None),
    ("ACT-CLEAN", "CLEAN", "为五保户义务打扫", "义务打扫", 20, 30),
    ("ACT-SCREEN", "SCREEN", "两癌检查", "健康筛查", 30, None),
]


# The rule book (积分细则): (code, name, category, points, evidence, approver, cap scope, period,
# count). Negative points are deductions (扣分).
RULES = [
    ("SORT", "垃圾分类做得好", "环境卫生", 5, "none", "village", "household", "day", 1),
    ("SWEEP", "打扫公共区域", "环境卫生", 10, "photo", "village", "resident", "week", 2),
    ("HELP", "帮扶孤寡老人", "邻里互助", 20, "photo", "village", "resident", "month", 4),
    ("VOLUNTEER", "参加志愿服务", "志愿服务", 15, "photo", "village", "resident", "none", None),
    ("SCREEN", "参加两癌检查", "健康", 30, "none", "village", "resident", "year", 1),
    ("FAMILY", "获评最美家庭", "家风建设", 100, "photo", "town", "household", "year", 1),
    ("LITTER", "乱扔垃圾", "环境卫生", -10, "photo", "village", "household", "none", None),
    ("BURN", "焚烧秸秆", "环境卫生", -50, "photo", "town", "household", "none", None),
    ("DISPUTE", "邻里纠纷不听劝", "邻里互助", -20, "none", "village", "household", "none", None),
]
# The rule each demo activity applies.
ACTIVITY_RULES = {"SORT": "SORT", "CLEAN": "HELP", "SCREEN": "SCREEN"}
# Claims waiting for the approver: (rule, household number, resident numbers, note, photo colour).
# 宋明亮家 holds 5 points: approving its deduction shows what cannot be deducted.
CLAIMS = [
    ("SWEEP", 1, [1], "清扫村口至祠堂路段", "#7cb342"),
    ("HELP", 5, [1, 3], "为五保户陈奶奶挑水、打扫院子", "#ffb300"),
    ("VOLUNTEER", 11, [1], "参加防汛值守", "#29b6f6"),
    ("LITTER", 21, [], "河边倒生活垃圾", "#8d6e63"),
]


def secret_path(data_dir: Path) -> Path:
    """Return where the demo keeps the secret its card codes derive from."""
    return data_dir / "demo-cards.secret"


def is_seeded(k: Kiosk) -> bool:
    """Tell whether the database already holds households."""
    with k.uow(write=False) as uow:
        return (uow.session.scalar(select(func.count()).select_from(Household)) or 0) > 0


def seed(k: Kiosk, data_dir: Path) -> None:
    """Fill an empty kiosk with the demo store."""
    secret = secrets.token_bytes(32)
    path = secret_path(data_dir)
    path.write_bytes(secret)
    path.chmod(0o600)
    for i, (name, members, points) in enumerate(HOUSEHOLDS, start=1):
        hid = f"H{i:04d}"
        people = [(f"{hid}-{j}", person, None) for j, person in enumerate(members, start=1)]
        catalog.register_household(k, hid, name, people, points, actor="demo")
    for code, name, unit, category, points, batches in PRODUCTS:
        catalog.save_product(k, code, name, points, unit=unit, category=category, actor="demo")
        for qty, source, donor, value in batches:
            if qty:
                inventory.restock(k, code, qty, source, donor, value, actor="demo")
    # The demo's activities are all held today, so a shopkeeper can try check-in with each.
    day = _local_today(k.clock.now(), k.zone)
    for aid, code, name, kind, points, cap in ACTIVITIES:
        catalog.define_activity(k, aid, code, name, kind, day, points, cap, actor="demo")
    _issue_cards(k, secret)
    seed_board(k)


# The standalone demo's board, posted as central would post it: (label, household number,
# points) awarded, (group, deductions, points) by group.
BOARD_AWARDS = [
    ("获评最美家庭", 1, 100),
    ("参加两癌检查", 5, 30),
    ("垃圾分类积分日", 3, 10),
    ("垃圾分类积分日", 7, 10),
    ("参加志愿服务", 11, 15),
]
BOARD_DEDUCTIONS = [("二组", 1, 20)]


def seed_board(k: Kiosk) -> None:
    """Post this month's village board to a standalone demo kiosk (central posts it otherwise).

    The digest covers the kiosk's own ledger entries of the month, as EKB-1 defines it.
    """
    from core.domain import board
    from kiosk.services.receipts import local_time
    from kiosk.storage.models import BoardPosting, LedgerEntry

    now = k.clock.now()
    month = f"{local_time(k, now):%Y-%m}"
    names = {i: name for i, (name, _m, _p) in enumerate(HOUSEHOLDS, start=1)}
    honour: dict[str, int] = {}
    awards = []
    for label, number, points in BOARD_AWARDS:
        masked = board.mask_household(names[number])
        awards.append({"label": label, "household": masked, "points": points})
        honour[masked] = honour.get(masked, 0) + points
    ranked = sorted(honour.items(), key=lambda kv: (-kv[1], kv[0]))
    with k.uow() as uow:
        s = uow.session
        entries = [
            {"id": e.id, "household_id": e.household_id, "kind": e.kind, "points": e.points}
            for e in s.scalars(select(LedgerEntry))
            if f"{local_time(k, e.created_at):%Y-%m}" == month
        ]
        data = {
            "village": STORE_VILLAGE,
            "village_name": STORE_VILLAGE.rsplit("/", 1)[-1],
            "month": month,
            "digest": board.digest(STORE_VILLAGE, month, entries),
            "entries": len(entries),
            "settings": board.BoardSettings().to_json(),
            "awards": awards,
            "deductions": [{"group": g, "count": n, "points": p} for g, n, p in BOARD_DEDUCTIONS],
            "ranking": [
                {"rank": i, "household": name, "points": points}
                for i, (name, points) in enumerate(ranked, start=1)
            ],
        }
        s.merge(BoardPosting(month=month, data=data, received_at=now))
        uow.commit()


# Scarce goods with a quota per household, set at the office: code -> (limit, period).
QUOTAS = {"OIL5L": (1, "month"), "RICE10": (2, "week")}
ANNOUNCEMENTS = [
    "本月15日上午开展垃圾分类积分日活动，欢迎各家各户参加。",
    "食用油每户每月限换1桶，大米每户每周限换2袋。",
]


def seed_notices(central, day: date) -> None:
    """Post the demo's announcements and schedule its next collective exchange day."""
    from sync.central.services import notices

    for text in ANNOUNCEMENTS:
        notices.post_announcement(central, text, day, day + timedelta(days=30), actor="demo")
    notices.schedule_exchange_day(
        central, STORE, day + timedelta(days=7), "09:00-12:00", "请带好积分卡", actor="demo"
    )


def seed_central(central, data_dir: Path) -> str:
    """Fill an empty central server with the demo programme; return the demo kiosk's token."""
    from sync.central import localtime
    from sync.central.services.activities import define_activity
    from sync.central.services.areas import AreaRow, save_areas, set_store_area
    from sync.central.services.cards import issue_cards
    from sync.central.services.claims import record_claim
    from sync.central.services.goods import ProductRow, save_products
    from sync.central.services.kiosks import enroll
    from sync.central.services.roster import RosterRow, add_roster
    from sync.central.services.rules import FIELDS as RULE_FIELDS
    from sync.central.services.rules import check_rule, save_rules
    from sync.central.services.settlement import set_settlement

    secret = secrets.token_bytes(32)
    path = secret_path(data_dir)
    path.write_bytes(secret)
    path.chmod(0o600)
    enrolment = enroll(central, STORE, KIOSK_ID, actor="demo")
    area_rows = [
        AreaRow(i, tuple(group.split("/"))) for i, group in enumerate(group_paths(), start=2)
    ]
    save_areas(central, area_rows, actor="demo")
    set_store_area(central, STORE, STORE_VILLAGE, actor="demo")
    set_settlement(central, STORE, "0.01", "monthly", actor="demo")  # a partner shop: 1 fen a point
    rows = [
        RosterRow(i, name, person, "", points, group)
        for i, (name, person, points, group) in enumerate(_roster(), start=2)
    ]
    add_roster(central, rows, actor="demo")
    save_products(
        central,
        [
            ProductRow(i, code, name, category, points, unit, *QUOTAS.get(code, (None, None)))
            for i, (code, name, unit, category, points, _) in enumerate(PRODUCTS, start=2)
        ],
        actor="demo",
    )
    save_rules(
        central, [check_rule(dict(zip(RULE_FIELDS, r, strict=False))) for r in RULES], "demo"
    )
    day = _local_today(central.clock.now(), localtime.zone())
    for _aid, code, name, kind, points, cap in ACTIVITIES:
        rule = ACTIVITY_RULES.get(code)
        define_activity(central, code, name, kind, day, points, cap, "demo", rule_code=rule)
    seed_notices(central, day)
    issue_cards(
        central, actor="demo", token_for=lambda resident_id: derived_card_token(secret, resident_id)
    )
    for rule, number, people, note, colour in CLAIMS:
        household = f"H{number:06d}"
        residents = [f"{household}-{n}" for n in people]
        record_claim(central, rule, household, residents, note, [claim_photo(colour)], "组长·demo")
    _board_claims(central)
    _expiry_policy(central, day)
    return enrolment.token


# Claims approved at once, so the village board has awards, a deduction and a ranking:
# (rule, household number, resident numbers, note, photo colour or None).
APPROVED_CLAIMS = [
    ("FAMILY", 1, [], "获评镇级最美家庭", "#e53935"),
    ("SCREEN", 5, [2], "参加县妇幼保健院两癌检查", None),
    ("VOLUNTEER", 3, [1], "参加防汛值守", "#29b6f6"),
    ("SORT", 7, [], "垃圾分类做得好", None),
    ("SORT", 3, [], "垃圾分类做得好", None),
    ("DISPUTE", 7, [], "邻里纠纷不听劝", None),
]


def _board_claims(central) -> None:
    """Approve the demo's board claims and post the month's board to the store."""
    from sync.central.services import board
    from sync.central.services.claims import approve_claim, record_claim

    for rule, number, people, note, colour in APPROVED_CLAIMS:
        household = f"H{number:06d}"
        residents = [f"{household}-{n}" for n in people]
        photos = [claim_photo(colour)] if colour else []
        claim = record_claim(central, rule, household, residents, note, photos, "组长·demo")
        approve_claim(central, claim, "审核·demo")
    board.publish(central)


def _expiry_policy(central, today: date) -> None:
    """A yearly clearing three weeks ahead, set long enough ago that residents are told now."""
    from core.domain.expiry import ANNOUNCE_DAYS, Policy
    from sync.central.services import expiry

    clearing = today + timedelta(days=21)
    if (clearing.month, clearing.day) == (2, 29):
        clearing += timedelta(days=1)
    policy = Policy.clear_on(f"{clearing.month:02d}-{clearing.day:02d}")
    expiry.set_policy(central, policy, actor="demo", since=today - timedelta(days=ANNOUNCE_DAYS))


def claim_photo(colour: str) -> bytes:
    """Draw a demo claim photo (a path, a figure with a broom under the sky) as JPEG bytes."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), "#bbdefb")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=colour)
    draw.polygon([(260, 480), (380, 480), (330, 300), (310, 300)], fill="#d7ccc8")
    draw.ellipse((470, 40, 550, 120), fill="#fff176")
    draw.ellipse((180, 170, 220, 210), fill="#ffcc80")  # a head
    draw.line((200, 210, 200, 300), fill="#37474f", width=10)  # a body
    draw.line((200, 300, 180, 360), fill="#37474f", width=8)
    draw.line((200, 300, 222, 360), fill="#37474f", width=8)
    draw.line((200, 235, 250, 280), fill="#37474f", width=6)  # an arm to the broom
    draw.line((250, 240, 270, 370), fill="#6d4c41", width=5)
    draw.polygon([(255, 360), (290, 360), (300, 390), (245, 390)], fill="#a1887f")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _roster() -> list[tuple[str, str, int, str]]:
    """Return (household, resident, opening points, group) for each demo resident.

    Half the households live in the store's own village; the rest spread over the others.
    """
    groups = group_paths()
    out = []
    for n, (name, members, points) in enumerate(HOUSEHOLDS):
        group = groups[(n // 2) % 2] if n % 2 == 0 else groups[2 + (n // 2) % 6]
        out += [(name, person, points, group) for person in members]
    return out


def seed_office_users(central) -> dict[str, str]:
    """Add the demo's group leader and approver; return each one's password by name."""
    from sync.central.services.users import add_user

    passwords = {}
    for name, role, area in OFFICE_USERS:
        passwords[name] = secrets.token_urlsafe(9)
        add_user(central, name, passwords[name], role, actor="demo", area=area)
    return passwords


def _local_today(now: datetime, zone: tzinfo) -> date:
    """Return the date it is now (a naive UTC time) in a zone."""
    return now.replace(tzinfo=UTC).astimezone(zone).date()


def stock_up(k: Kiosk) -> None:
    """Receive the demo store's first deliveries from its named donors."""
    for code, _name, _unit, _category, _points, batches in PRODUCTS:
        for qty, source, donor, value in batches:
            if qty:
                inventory.restock(k, code, qty, source, donor, value, actor="demo")


def has_stock(k: Kiosk) -> bool:
    """Tell whether any goods were ever received."""
    from kiosk.storage.models import StockBatch

    with k.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(StockBatch)) > 0


def _issue_cards(k: Kiosk, secret: bytes) -> None:
    with k.uow() as uow:
        s = uow.session
        for person in s.scalars(select(Resident).order_by(Resident.id)):
            token = derived_card_token(secret, person.id)
            s.add(
                Card(
                    resident_id=person.id,
                    token_hash=token_hash(token),
                    status=CardStatus.ACTIVE,
                    issued_at=k.clock.now(),
                )
            )
        uow.commit()


def cards(k: Kiosk, data_dir: Path) -> list[dict[str, object]]:
    """Return each demo resident's card code, name, household and balance."""
    secret = secret_path(data_dir).read_bytes()
    out = []
    with k.uow(write=False) as uow:
        s = uow.session
        rows = s.execute(
            select(Resident, Household, Card)
            .join(Household, Household.id == Resident.household_id)
            .join(Card, Card.resident_id == Resident.id)
            .where(Card.status == CardStatus.ACTIVE)
            .order_by(Resident.id)
        ).all()
        for person, household, card in rows:
            token = derived_card_token(secret, person.id)
            if token_hash(token) != card.token_hash:
                continue  # re-issued since: the new token was handed out, not derived
            out.append(
                {
                    "code": card_code(token),
                    "name": person.name,
                    "household": household.name,
                    "balance": household.balance,
                    "resident_id": person.id,
                }
            )
    return out
