"""The stores, for the office's pickers and the kiosks page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Area, Store
from sync.central.scope import WHOLE, Scope


def stores(c: Central, scope: Scope = WHOLE) -> list[dict[str, Any]]:
    """Return every store inside the scope, by name: id, name, offline allowance, village."""
    with c.uow(write=False) as uow:
        rows = uow.session.execute(
            select(Store, Area.path)
            .outerjoin(Area, Area.id == Store.area_id)
            .where(scope.stores())
            .order_by(Store.name)
        ).all()
        return [
            {"id": st.id, "name": st.name, "allowance": st.offline_allowance, "village": path}
            for st, path in rows
        ]


def store_name(c: Central, store_id: int, scope: Scope = WHOLE) -> str | None:
    """Return the name of a store, or None if there is none with that id inside the scope."""
    with c.uow(write=False) as uow:
        return uow.session.scalar(select(Store.name).where(Store.id == store_id, scope.stores()))
