"""The stores, for the office's pickers and the kiosks page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Store


def stores(c: Central) -> list[dict[str, Any]]:
    """Return every store, by name: id, name and offline allowance."""
    with c.uow(write=False) as uow:
        return [
            {"id": st.id, "name": st.name, "allowance": st.offline_allowance}
            for st in uow.session.scalars(select(Store).order_by(Store.name))
        ]


def store_name(c: Central, store_id: int) -> str | None:
    """Return the name of a store, or None if there is none with that id."""
    with c.uow(write=False) as uow:
        store = uow.session.get(Store, store_id)
        return store.name if store is not None else None
