"""The office's audit log: every office action is recorded with who did it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sync.central.models import AuditEntry


def audit(s: Session, at: datetime, actor: str, action: str, target: str = "", **details: Any):
    """Record an office action."""
    s.add(AuditEntry(at=at, actor=actor, action=action, target=target, details=details))
