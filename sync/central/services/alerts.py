"""Alerts: the office marks one as looked after."""

from __future__ import annotations

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Alert
from sync.central.queries.reports import alert_in_scope
from sync.central.scope import WHOLE, Scope


def resolve_alert(c: Central, alert_id: int, *, scope: Scope = WHOLE) -> bool:
    """Mark an alert as looked after; say whether there was one (inside the scope)."""
    with c.uow() as uow:
        alert = uow.session.scalar(select(Alert).where(Alert.id == alert_id, alert_in_scope(scope)))
        if alert is None:
            return False
        alert.resolved_at = c.clock.now()
        uow.commit()
    return True
