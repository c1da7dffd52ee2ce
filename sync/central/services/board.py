"""The 公示 board: the office's choice of what it shows, its posting to the stores, its sheet.

Each store in a village receives its village's board for the current month as a `board`
change in its feed (store-only, like a balance): the same read as the printed sheet, so the
kiosk's screen and the sheet on the wall carry the same digest. The posting is refreshed by
central's timed jobs, whenever the office changes the settings, and when an office decision
credited households (a claim approved, an activity's award) for their villages: within the
request for a few villages, on central's own thread for more; a store's feed gets a new posting
only when the board changed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, text

from core.domain import board as rules
from sync.central.context import Central, emit
from sync.central.models import Area, CentralSetting, Change, Household, Store
from sync.central.queries import board as query
from sync.central.scope import WHOLE, Scope
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.states import AreaLevel

AWARDS_POSTED = 60  # award lines a posting carries; the sheet prints every one
POSTING_LOCK = 72_616_002  # advisory lock: one board posting at a time on PostgreSQL
AT_ONCE_VILLAGES = 5  # a decision's villages whose boards are posted within its request

log = logging.getLogger(__name__)


def settings(c: Central) -> rules.BoardSettings:
    """Return what the office has chosen to show on the board."""
    with c.uow(write=False) as uow:
        return query.board_settings(uow.session)


def set_settings(
    c: Central, sections: list[str], ranking_size: object, actor: str
) -> rules.BoardSettings:
    """Store which sections the board shows and how many households it ranks; audited."""
    chosen = rules.valid_settings(sections, ranking_size)
    if chosen is None:
        if any(s not in rules.SECTIONS for s in sections):
            raise RegistryError(Refusal.BOARD_SECTION)
        raise RegistryError(Refusal.BOARD_RANKING, most=rules.RANKING_MOST)
    with c.uow() as uow:
        s = uow.session
        was = query.board_settings(s)
        s.merge(CentralSetting(key=query.SETTING, value=orjson.dumps(chosen.to_json()).decode()))
        audit(
            s, c.clock.now(), actor, "board_settings", "", now=chosen.to_json(), was=was.to_json()
        )
        uow.commit()
    publish(c)
    return chosen


def publish(
    c: Central, now: datetime | None = None, households: Collection[str] | None = None
) -> int:
    """Post the current month's board to each store in a village (with households, only in
    their villages); return how many changed."""
    now = now or c.clock.now()
    posted = 0
    with c.uow() as uow:
        s = uow.session
        if s.bind.dialect.name == "postgresql":
            # One posting at a time (the jobs, a decision's, another worker's): a board worked
            # out before an award committed could otherwise be posted after one that has it.
            # SQLite writes one transaction at a time already (BEGIN IMMEDIATE).
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": POSTING_LOCK})
        month = query.current_month(s, now)
        chosen = query.board_settings(s)
        wanted = (
            select(Store.id, Area)
            .join(Area, Area.id == Store.area_id)
            .where(Area.level == AreaLevel.VILLAGE)
            .order_by(Store.id)
        )
        if households is not None:
            wanted = wanted.where(Area.id.in_(_villages_of(households)))
        stores = s.execute(wanted).all()
        boards: dict[int, dict[str, Any]] = {}
        for store_id, village in stores:
            if village.id not in boards:
                boards[village.id] = posting(query.village_board(s, village, month, chosen))
            data = boards[village.id]
            last = s.scalar(
                select(Change.data)
                .where(Change.store_id == store_id, Change.kind == "board")
                .order_by(Change.id.desc())
                .limit(1)
            )
            if last != data:
                emit(s, "board", data, now, store_id=store_id)
                posted += 1
        uow.commit()
    return posted


def post_soon(c: Central, households: Collection[str]) -> None:
    """Post the boards of these households' villages now, or just after this request: an
    office decision moved their points, and their kiosks show it at their next sync instead of
    within the jobs' ten minutes.

    The decision is committed already. A few villages' boards are posted within the request;
    more (an award sheet across a county) are left to central's own thread (`Central.soon`),
    so the office's request does not wait for each village. A failure leaves them to the jobs.
    """
    if not households:
        return
    try:
        with c.uow(write=False) as uow:
            many = len(uow.session.scalars(_villages_of(households)).all()) > AT_ONCE_VILLAGES
        if not many:
            publish(c, households=households)
            return
    except Exception:
        log.exception("posting the board after a decision failed; the timed jobs will")
        return
    c.soon.add(households, lambda waiting: publish(c, households=waiting))


def _villages_of(households: Collection[str]):
    """Select the ids of the villages these households live in (their groups' parents)."""
    return (
        select(Area.parent_id)
        .join(Household, Household.area_id == Area.id)
        .where(Household.id.in_(sorted(households)))
        .distinct()
    )


def posting(found: dict[str, Any]) -> dict[str, Any]:
    """Return a board as a store's feed carries it (the most awarded lines first)."""
    return {
        key: found[key]
        for key in ("village", "village_name", "month", "digest", "entries", "settings")
    } | {
        "awards": [
            {k: a[k] for k in ("label", "household", "points")}
            for a in found["awards"][:AWARDS_POSTED]
        ],
        "deductions": found["deductions"],
        "ranking": found["ranking"],
    }


def sheet(c: Central, village: str, month: str, scope: Scope = WHOLE) -> dict[str, Any]:
    """Return a village's board for a month as the sheet prints it; refused in words if bad."""
    if rules.month_bounds(month) is None:
        raise RegistryError(Refusal.BOARD_MONTH, month=str(month)[:20])
    with c.uow(write=False) as uow:
        s = uow.session
        area = query.find_village(s, village)
        if area is None or not scope.covers_path(area.path):
            raise RegistryError(Refusal.NO_AREA, path=str(village)[:200])
        if area.level != AreaLevel.VILLAGE:
            raise RegistryError(Refusal.AREA_LEVEL, path=area.path, level=AreaLevel.VILLAGE)
        return query.village_board(s, area, month)


def villages(c: Central, scope: Scope = WHOLE) -> list[str]:
    """Return the paths of the villages inside a scope, for the sheet's picker."""
    with c.uow(write=False) as uow:
        return list(
            uow.session.scalars(
                select(Area.path)
                .where(Area.level == AreaLevel.VILLAGE, scope.areas())
                .order_by(Area.path)
            )
        )
