"""The office's users, for the page that manages them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Area, OfficeUser
from sync.central.scope import WHOLE, Scope


def _in_scope(scope: Scope):
    # A scoped manager sees the users of their area only (not those who see everything).
    return OfficeUser.area_id.in_(scope.area_ids()) if not scope.everything else None


def users(c: Central, scope: Scope = WHOLE) -> list[dict[str, Any]]:
    """Return the office users inside the scope, by name: id, name, role, area, active."""
    with c.uow(write=False) as uow:
        stmt = (
            select(OfficeUser, Area.path)
            .outerjoin(Area, Area.id == OfficeUser.area_id)
            .order_by(OfficeUser.username)
        )
        where = _in_scope(scope)
        if where is not None:
            stmt = stmt.where(where)
        return [
            {
                "id": u.id,
                "username": u.username,
                "role": u.role,
                "area": path,
                "active": u.active,
            }
            for u, path in uow.session.execute(stmt)
        ]


def user_name(c: Central, user_id: int, scope: Scope = WHOLE) -> str | None:
    """Return the name of the user with this id inside the scope, or None."""
    with c.uow(write=False) as uow:
        stmt = select(OfficeUser.username).where(OfficeUser.id == user_id)
        where = _in_scope(scope)
        if where is not None:
            stmt = stmt.where(where)
        return uow.session.scalar(stmt)
