"""The goods catalogue: goods added or changed from an import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync.central.context import Central, emit
from sync.central.models import Product
from sync.central.services.audit import audit


def product_change(p: Product) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "category": p.category,
        "points": p.points,
        "unit": p.unit,
        "active": p.active,
        "quota_limit": p.quota_limit,
        "quota_period": p.quota_period,
    }


@dataclass(frozen=True)
class ProductRow:
    line: int
    code: str
    name: str
    category: str
    points: int
    unit: str
    quota_limit: int | None = None  # at most this many per household per quota_period
    quota_period: str | None = None  # week | month


def save_products(c: Central, rows: list[ProductRow], actor: str = "cli") -> tuple[int, int]:
    """Add or update goods of the catalogue; return (added, changed)."""
    added = changed = 0
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        for row in rows:
            p = s.get(Product, row.code)
            wanted = (row.name, row.category, row.points, row.unit, True)
            quota = (row.quota_limit, row.quota_period)
            if p is None:
                p = Product(
                    code=row.code,
                    name=row.name,
                    category=row.category,
                    points=row.points,
                    unit=row.unit,
                    active=True,
                    quota_limit=row.quota_limit,
                    quota_period=row.quota_period,
                )
                s.add(p)
                added += 1
            elif (p.name, p.category, p.points, p.unit, p.active) != wanted or (
                p.quota_limit,
                p.quota_period,
            ) != quota:
                if p.points != row.points:
                    audit(s, now, actor, "price_change", p.code, old=p.points, new=row.points)
                if (p.quota_limit, p.quota_period) != quota:
                    audit(
                        s,
                        now,
                        actor,
                        "quota_change",
                        p.code,
                        old=[p.quota_limit, p.quota_period],
                        new=list(quota),
                    )
                p.name, p.category, p.points, p.unit, p.active = wanted
                p.quota_limit, p.quota_period = quota
                changed += 1
            else:
                continue
            s.flush()
            emit(s, "product", product_change(p), now)
        audit(s, now, actor, "products_import", "", added=added, changed=changed)
        uow.commit()
    return added, changed
