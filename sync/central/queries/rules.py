"""The rule book as the office reads it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Rule


def rule_dict(r: Rule) -> dict[str, Any]:
    """Return a rule as the API and the office pages show it."""
    return {
        "code": r.code,
        "name": r.name,
        "category": r.category,
        "points": r.points,
        "evidence": r.evidence,
        "approver": r.approver,
        "cap_scope": r.cap_scope,
        "cap_period": r.cap_period,
        "cap_count": r.cap_count,
        "active": r.active,
    }


def rules(c: Central, *, active_only: bool = False) -> list[dict[str, Any]]:
    """Return the rule book, by category then code."""
    with c.uow(write=False) as uow:
        stmt = select(Rule).order_by(Rule.category, Rule.code)
        if active_only:
            stmt = stmt.where(Rule.active.is_(True))
        return [rule_dict(r) for r in uow.session.scalars(stmt)]


def rule(c: Central, code: str) -> dict[str, Any] | None:
    """Return one rule, or None."""
    with c.uow(write=False) as uow:
        found = uow.session.get(Rule, code)
        return rule_dict(found) if found is not None else None
