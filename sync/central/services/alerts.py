"""Alerts: the office marks one as looked after."""

from __future__ import annotations

from sync.central.context import Central
from sync.central.models import Alert


def resolve_alert(c: Central, alert_id: int) -> bool:
    """Mark an alert as looked after; say whether there was one."""
    with c.uow() as uow:
        alert = uow.session.get(Alert, alert_id)
        if alert is None:
            return False
        alert.resolved_at = c.clock.now()
        uow.commit()
    return True
