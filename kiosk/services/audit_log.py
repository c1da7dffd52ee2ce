"""The audit log as the shopkeeper writes and reads it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kiosk.services.common import audit
from kiosk.services.context import Kiosk
from kiosk.services.staff import ADMIN
from kiosk.services.times import shown_time
from kiosk.storage.models import AuditEntry


def record(k: Kiosk, action: str, target: str = "", **details: Any) -> None:
    """Write an admin action to the audit log (sign-in, sign-out, reprint, settings)."""
    with k.uow() as uow:
        audit(uow.session, k.clock.now(), ADMIN, action, target, **details)
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
            stmt = stmt.where(AuditEntry.actor.in_((ADMIN, "cli")))
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
            }
            for a in rows
        ], total


def actions(k: Kiosk) -> list[str]:
    """Return the actions found in the audit log."""
    with k.uow(write=False) as uow:
        return list(
            uow.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
        )
