"""Households, residents, goods and activities known to this kiosk."""

from __future__ import annotations

from datetime import date

from core.domain import errors, limits, rules
from core.domain.codes import normalise_product_code
from core.domain.ledger import EntryKind, LedgerKind, ledger_wire
from kiosk.services.common import append_ledger, audit, outbox
from kiosk.services.context import Kiosk
from kiosk.storage.models import Activity, Household, Product, Resident


def save_product(
    k: Kiosk,
    code: object,
    name: object,
    points: object,
    *,
    unit: object = "件",
    category: object = "其他",
    active: bool = True,
    actor: str = "admin",
) -> None:
    """Add a product or change it; a price change is audited with the old price."""
    product_code = normalise_product_code(code)
    title = rules.text_value(name, "name", required=True)
    price = rules.product_points(points)
    unit_text = rules.text_value(unit, "unit", required=True, limit=limits.MAX_UNIT)
    group = rules.text_value(category, "category", required=True, limit=limits.MAX_CATEGORY)
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        product = s.get(Product, product_code)
        if product is None:
            s.add(
                Product(
                    code=product_code,
                    name=title,
                    unit=unit_text,
                    category=group,
                    points=price,
                    active=active,
                    stock=0,
                )
            )
            audit(s, now, actor, "product_add", product_code, name=title, points=price)
        else:
            if product.points != price:
                audit(s, now, actor, "price_change", product_code, old=product.points, new=price)
            product.name, product.unit, product.category = title, unit_text, group
            product.points, product.active = price, active
            audit(s, now, actor, "product_edit", product_code, active=active)
        uow.commit()
    k.changed("stock")


def register_household(
    k: Kiosk,
    household_id: str,
    name: str,
    members: list[tuple[str, str, str | None]],
    opening_points: int = 0,
    actor: str = "admin",
) -> None:
    """Register a household with its members (id, name, phone) and opening points."""
    if not limits.is_record_id(household_id):
        raise errors.BadValue(field="household", reason="not an id of 1 to 40 letters or digits")
    title = rules.text_value(name, "household", required=True)
    opening = rules.opening_points(opening_points)
    for resident_id, _person, phone in members:
        if not limits.is_record_id(resident_id):
            raise errors.BadValue(field="resident", reason="not an id of 1 to 40 letters or digits")
        if phone is not None and not limits.PHONE.fullmatch(phone):
            raise errors.BadValue(field="phone", reason="not a phone number")
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        if s.get(Household, household_id) is not None:
            raise errors.BadValue(field="household", reason="already registered")
        household = Household(id=household_id, name=title, balance=0, created_at=now)
        s.add(household)
        for resident_id, person, phone in members:
            s.add(
                Resident(
                    id=resident_id,
                    household_id=household_id,
                    name=rules.text_value(person, "resident", required=True),
                    phone=phone,
                    created_at=now,
                )
            )
        s.flush()
        if opening:
            entry = append_ledger(s, k, household, LedgerKind.ADJUST, opening, "opening", now)
            outbox(s, now, EntryKind.ADJUST, {"reason": "opening", "ledger": ledger_wire(entry)})
        audit(s, now, actor, "household_register", household_id, members=len(members))
        uow.commit()


def define_activity(
    k: Kiosk,
    activity_id: str,
    code: str,
    name: str,
    kind: str,
    day: date,
    points: int,
    cap: int | None = None,
    actor: str = "admin",
) -> None:
    """Define an activity whose participants can be checked in here."""
    code = rules.code_value(code)
    name = rules.text_value(name, "name", required=True)
    kind = rules.text_value(kind, "type", required=False, limit=limits.MAX_ACTIVITY_TYPE)
    points = rules.activity_points(points)
    cap = rules.activity_cap(cap)
    with k.uow() as uow:
        s = uow.session
        s.add(
            Activity(
                id=activity_id,
                code=code,
                name=name,
                type=kind,
                day=day,
                points=points,
                cap=cap,
                active=True,
            )
        )
        audit(s, k.clock.now(), actor, "activity_define", activity_id, points=points)
        uow.commit()
