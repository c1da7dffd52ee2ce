"""The audit log as the shopkeeper writes and reads it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kiosk.services.common import audit
from kiosk.services.context import Kiosk
from kiosk.services.staff import ACTOR_PREFIX, ADMIN
from kiosk.services.times import shown_time
from kiosk.storage.models import Activity, AuditEntry, Exchange, Household, Product, Resident

# The details the shopkeeper reads, in this order (the labels are the screen's message ids);
# any other detail (session ids, internal counters) stays out of sight.
SHOWN_DETAILS = (
    "household",
    "resident",
    "kind",
    "qty",
    "count",
    "total",
    "points",
    "old",
    "new",
    "donor",
    "source",
    "reason",
    "counted",
    "change",
    "failures",
    "minutes",
)


def record(k: Kiosk, action: str, target: str = "", *, actor: str = ADMIN, **details: Any) -> None:
    """Write an admin action to the audit log (sign-in, sign-out, reprint, settings)."""
    with k.uow() as uow:
        audit(uow.session, k.clock.now(), actor, action, target, **details)
        uow.commit()


def entries(
    k: Kiosk, *, action: str = "", admin_only: bool = False, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Return audit entries newest first, optionally of one action or of the shopkeeper only."""
    with k.uow(write=False) as uow:
        s = uow.session
        stmt = select(AuditEntry)
        if action:
            stmt = stmt.where(AuditEntry.action == action[:40])
        if admin_only:
            stmt = stmt.where(
                AuditEntry.actor.in_((ADMIN, "cli")) | AuditEntry.actor.startswith(ACTOR_PREFIX)
            )
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
        return [
            {
                "id": a.id,
                "at": shown_time(k, a.at),
                "actor": a.actor,
                "action": a.action,
                "target": a.target,
                "details": a.details or {},
                "concerning": _name_of(s, a.target),
                "shown": [
                    (key, _name_of(s, (a.details or {})[key]))
                    for key in SHOWN_DETAILS
                    if (a.details or {}).get(key) not in (None, "")
                ],
            }
            for a in rows
        ], total


def _name_of(s, value: Any) -> str:
    """Return what an id in the audit log names: a household, resident, product, exchange or
    activity; an id that names nothing here (a session) is left out, other values are kept."""
    if not isinstance(value, str) or not value:
        return "" if value is None else str(value)
    for model in (Household, Resident, Product, Activity):
        found = s.get(model, value)
        if found is not None:
            if isinstance(found, Resident):
                household = s.get(Household, found.household_id)
                return f"{found.name}（{household.name}）" if household else found.name
            return found.name
    exchange = s.get(Exchange, value)
    if exchange is not None:
        return exchange.number
    if len(value) == 36 and value.count("-") == 4:  # a session's or another internal id
        return ""
    return value


def actions(k: Kiosk) -> list[str]:
    """Return the actions found in the audit log."""
    with k.uow(write=False) as uow:
        return list(
            uow.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
        )
