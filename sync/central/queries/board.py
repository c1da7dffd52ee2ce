"""The village's monthly 公示 board: awards, deductions by group, the ranking and the digest.

One read serves the sheet the office prints and the posting each store's kiosks show, so both
carry the same digest (core.domain.board.digest over the same entries). Households appear
masked (王*国家); a deduction appears only as its group's count and points.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import board
from core.domain.ledger import LedgerKind
from sync.central import localtime
from sync.central.bulk import among
from sync.central.models import (
    Activity,
    Area,
    CentralSetting,
    CheckIn,
    Claim,
    Household,
    LedgerEntry,
    Rule,
)
from sync.central.queries import totals
from sync.central.states import AreaLevel

SETTING = "board"
AWARD_LABEL = "积分奖励"  # an earn entry that is neither a check-in nor a claim


def board_settings(s: Session) -> board.BoardSettings:
    """Return what the office has chosen to show on the board."""
    import orjson

    row = s.get(CentralSetting, SETTING)
    if row is None:
        return board.BoardSettings()
    try:
        return board.BoardSettings.from_json(orjson.loads(row.value))
    except orjson.JSONDecodeError:
        return board.BoardSettings()


def find_village(s: Session, text: str) -> Area | None:
    """Return the area a village is named by: its path, or its name when only one has it."""
    text = (text or "").strip()
    found = s.scalar(select(Area).where(Area.path == text))
    if found is not None:
        return found
    named = s.scalars(
        select(Area).where(Area.name == text, Area.level == AreaLevel.VILLAGE).limit(2)
    ).all()
    return named[0] if len(named) == 1 else None


def current_month(s: Session, now: datetime) -> str:
    """Return the month it is now in the programme's time zone, as YYYY-MM."""
    zone = totals.programme_zone(s.connection())
    return localtime.today(zone, now).strftime("%Y-%m")


def village_board(
    s: Session, village: Area, month: str, settings: board.BoardSettings | None = None
) -> dict[str, Any]:
    """Return a village's board for a month (YYYY-MM, already checked) in the programme's zone."""
    first, following = board.month_bounds(month) or (None, None)
    if first is None:
        raise ValueError(f"not a month: {month!r}")
    settings = settings or board_settings(s)
    zone = totals.programme_zone(s.connection())
    groups = dict(
        s.execute(
            select(Area.id, Area.name).where(
                Area.parent_id == village.id, Area.level == AreaLevel.GROUP
            )
        ).all()
    )
    households = {
        h.id: h
        for h in s.execute(
            select(Household.id, Household.name, Household.area_id).where(
                among(s, Household.area_id, sorted(groups))
            )
        )
    }
    entries = (
        s.execute(
            select(
                LedgerEntry.id,
                LedgerEntry.household_id,
                LedgerEntry.kind,
                LedgerEntry.points,
                LedgerEntry.ref,
                LedgerEntry.created_at,
            )
            .where(
                among(s, LedgerEntry.household_id, sorted(households)),
                LedgerEntry.created_at >= localtime.utc_start(first, zone),
                LedgerEntry.created_at < localtime.utc_start(following, zone),
            )
            .order_by(LedgerEntry.created_at, LedgerEntry.id)
        ).all()
        if households
        else []
    )
    labels = _labels(s, [e.ref for e in entries])
    deducting = _deductions(s, [e.ref for e in entries if e.points < 0])

    awards: dict[tuple[str, str], dict[str, Any]] = {}
    honour: dict[str, int] = defaultdict(int)
    by_group: dict[int, dict[str, Any]] = {}
    for e in entries:
        h = households[e.household_id]
        if e.kind == LedgerKind.EARN and e.points > 0:
            honour[e.household_id] += e.points
            label = labels.get(e.ref, AWARD_LABEL)
            row = awards.setdefault(
                (label, e.household_id),
                {"label": label, "household": board.mask_household(h.name), "points": 0, "n": 0},
            )
            row["points"] += e.points
            row["n"] += 1
        elif e.points < 0 and e.ref in deducting:
            row = by_group.setdefault(
                h.area_id, {"group": groups[h.area_id], "count": 0, "points": 0}
            )
            row["count"] += 1
            row["points"] += -e.points
    ranked = sorted(honour.items(), key=lambda kv: (-kv[1], households[kv[0]].name, kv[0]))
    return {
        "village": village.path,
        "village_name": village.name,
        "month": month,
        "digest": board.digest(
            village.path,
            month,
            (
                {"id": e.id, "household_id": e.household_id, "kind": e.kind, "points": e.points}
                for e in entries
            ),
        ),
        "entries": len(entries),
        "awards": sorted(awards.values(), key=lambda a: (-a["points"], a["label"], a["household"])),
        "deductions": sorted(by_group.values(), key=lambda d: d["group"]),
        "ranking": [
            {"rank": i, "household": board.mask_household(households[hid].name), "points": pts}
            for i, (hid, pts) in enumerate(ranked[: settings.ranking_size], start=1)
        ],
        "settings": settings.to_json(),
    }


def _labels(s: Session, refs: list[str]) -> dict[str, str]:
    """Return the name of what each earn entry's ref awarded: its rule, or its activity."""
    refs = sorted(set(refs))
    if not refs:
        return {}
    out = dict(
        s.execute(
            select(Claim.id, Rule.name)
            .join(Rule, Rule.code == Claim.rule_code)
            .where(among(s, Claim.id, refs))
        ).all()
    )
    out.update(
        s.execute(
            select(CheckIn.id, Activity.name)
            .join(Activity, Activity.id == CheckIn.activity_id)
            .where(among(s, CheckIn.id, refs))
        ).all()
    )
    return out


def _deductions(s: Session, refs: list[str]) -> set[str]:
    """Return the refs among these that are approved deductions under the rule book."""
    refs = sorted(set(refs))
    if not refs:
        return set()
    return set(s.scalars(select(Claim.id).where(among(s, Claim.id, refs), Claim.points < 0)))
