"""The office's goods catalogue: every product with its price, withdrawn ones last."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Product


def catalogue(c: Central) -> list[dict[str, Any]]:
    """Return every product, those on sale first, by category and code."""
    with c.uow(write=False) as uow:
        rows = uow.session.scalars(
            select(Product).order_by(Product.active.desc(), Product.category, Product.code)
        ).all()
        return [
            {
                "code": p.code,
                "name": p.name,
                "category": p.category,
                "points": p.points,
                "unit": p.unit,
                "active": p.active,
            }
            for p in rows
        ]
