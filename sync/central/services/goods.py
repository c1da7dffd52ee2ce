"""The goods catalogue: goods added or changed from an import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.domain import limits
from sync.central.context import Central, emit
from sync.central.models import Product
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError


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


def _product_fields(name: object, category: object, points: object, unit: object) -> tuple:
    def text(value: object, most: int, refusal: Refusal) -> str:
        found = " ".join(value.split()) if isinstance(value, str) else ""
        if not found or len(found) > most or not found.isprintable():
            raise RegistryError(refusal)
        return found

    if points not in limits.PRODUCT_POINTS:
        raise RegistryError(Refusal.PRODUCT_POINTS, most=limits.PRODUCT_POINTS.high)
    return (
        text(name, limits.MAX_NAME, Refusal.PRODUCT_NAME),
        text(category, limits.MAX_CATEGORY, Refusal.PRODUCT_CATEGORY),
        points,
        text(unit, limits.MAX_UNIT, Refusal.PRODUCT_UNIT),
    )


def add_product(
    c: Central,
    code: object,
    name: object,
    category: object,
    points: object,
    unit: object,
    actor: str = "office",
) -> str:
    """Add one product to the catalogue; every kiosk receives it; return its code."""
    code = code.strip().upper() if isinstance(code, str) else ""
    if not limits.is_code(code):
        raise RegistryError(Refusal.PRODUCT_CODE)
    name, category, points, unit = _product_fields(name, category, points, unit)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        if s.get(Product, code) is not None:
            raise RegistryError(Refusal.PRODUCT_EXISTS, code=code)
        p = Product(code=code, name=name, category=category, points=points, unit=unit, active=True)
        s.add(p)
        s.flush()
        emit(s, "product", product_change(p), now)
        audit(s, now, actor, "product_add", code, points=points)
        uow.commit()
    return code


def edit_product(
    c: Central,
    code: str,
    name: object,
    category: object,
    points: object,
    unit: object,
    actor: str = "office",
) -> None:
    """Change a product's name, category, price or unit; every kiosk receives it."""
    name, category, points, unit = _product_fields(name, category, points, unit)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        p = _product(s, code)
        if (p.name, p.category, p.points, p.unit) == (name, category, points, unit):
            return
        if p.points != points:
            audit(s, now, actor, "price_change", p.code, old=p.points, new=points)
        p.name, p.category, p.points, p.unit = name, category, points, unit
        emit(s, "product", product_change(p), now)
        audit(s, now, actor, "product_edit", p.code, name=name, category=category, unit=unit)
        uow.commit()


def set_product_active(c: Central, code: str, active: bool, actor: str = "office") -> None:
    """Withdraw a product from the kiosks' shelves (or bring it back); its history stays."""
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        p = _product(s, code)
        if p.active == active:
            return
        p.active = active
        emit(s, "product", product_change(p), now)
        audit(s, now, actor, "product_activate" if active else "product_deactivate", p.code)
        uow.commit()


def _product(s, code: str) -> Product:
    p = s.get(Product, code) if code else None
    if p is None:
        raise RegistryError(Refusal.NO_PRODUCT, code=code)
    return p
