"""One household or resident at a time: add, rename, correct, and move a resident."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import limits
from core.domain.ledger import LedgerKind
from sync.central.context import Central, emit
from sync.central.ledger_notes import Note
from sync.central.models import Household, Resident
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.ledger import credit
from sync.central.services.roster import (
    household_change,
    next_household_id,
    next_resident_id,
    resident_change,
)


def _name(text: object, refusal: Refusal) -> str:
    name = " ".join(text.split()) if isinstance(text, str) else ""
    if not name or len(name) > limits.MAX_NAME or not name.isprintable():
        raise RegistryError(refusal)
    return name


def _phone(text: object) -> str | None:
    phone = text.strip() if isinstance(text, str) else ""
    if not limits.PHONE.fullmatch(phone):
        raise RegistryError(Refusal.PHONE)
    return phone or None


def _household(s: Session, household_id: str, *, lock: bool = False) -> Household:
    h = s.get(Household, household_id, with_for_update=lock) if household_id else None
    if h is None:
        raise RegistryError(Refusal.NO_HOUSEHOLD, household_id=household_id)
    return h


def _name_taken(s: Session, name: str, but: str | None = None) -> bool:
    stmt = select(Household.id).where(Household.name == name)
    if but is not None:
        stmt = stmt.where(Household.id != but)
    return s.scalar(stmt.limit(1)) is not None


def add_household(
    c: Central, name: object, opening_points: object = 0, actor: str = "office"
) -> str:
    """Register one household (its opening points as a ledger entry); return its id."""
    name = _name(name, Refusal.HOUSEHOLD_NAME)
    if opening_points not in limits.OPENING_POINTS:
        raise RegistryError(Refusal.OPENING_POINTS, most=limits.OPENING_POINTS.high)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        if _name_taken(s, name):  # the roster import finds households by name
            raise RegistryError(Refusal.HOUSEHOLD_EXISTS, name=name)
        h = Household(id=f"H{next_household_id(s):06d}", name=name, balance=0, created_at=now)
        s.add(h)
        s.flush()
        emit(s, "household", household_change(h), now)
        if opening_points:
            credit(s, now, h, opening_points, LedgerKind.ADJUST, "opening", note=Note.opening())
        audit(s, now, actor, "household_add", h.id, name=name, opening_points=opening_points)
        uow.commit()
    return h.id


def rename_household(c: Central, household_id: str, name: object, actor: str = "office") -> None:
    """Change a household's name; every kiosk receives it."""
    name = _name(name, Refusal.HOUSEHOLD_NAME)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        h = _household(s, household_id)
        if h.name == name:
            return
        if _name_taken(s, name, but=h.id):
            raise RegistryError(Refusal.HOUSEHOLD_EXISTS, name=name)
        old, h.name = h.name, name
        emit(s, "household", household_change(h), now)
        audit(s, now, actor, "household_rename", h.id, old=old, new=name)
        uow.commit()


def add_resident(
    c: Central, household_id: str, name: object, phone: object = "", actor: str = "office"
) -> str:
    """Add a resident to a household; return the resident's id."""
    name, phone = _name(name, Refusal.RESIDENT_NAME), _phone(phone)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        h = _household(s, household_id, lock=True)  # two additions must not take one id
        _refuse_twin(s, h.id, name)
        person = Resident(
            id=next_resident_id(s, h.id), household_id=h.id, name=name, phone=phone, created_at=now
        )
        s.add(person)
        s.flush()
        emit(s, "resident", resident_change(person), now)
        audit(s, now, actor, "resident_add", person.id, household=h.id, name=name)
        uow.commit()
    return person.id


def edit_resident(
    c: Central, resident_id: str, name: object, phone: object, actor: str = "office"
) -> None:
    """Correct a resident's name and phone; every kiosk receives the name."""
    name, phone = _name(name, Refusal.RESIDENT_NAME), _phone(phone)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        person = _resident(s, resident_id)
        if (person.name, person.phone) == (name, phone):
            return
        if name != person.name:
            _refuse_twin(s, person.household_id, name)
        old = {"name": person.name, "phone": person.phone}
        person.name, person.phone = name, phone
        emit(s, "resident", resident_change(person), now)
        audit(
            s, now, actor, "resident_edit", person.id, old=old, new={"name": name, "phone": phone}
        )
        uow.commit()


def move_resident(c: Central, resident_id: str, household_id: str, actor: str = "office") -> str:
    """Move a resident to another household; return the household they left.

    The resident keeps their id and so their cards; points stay with the households (what
    the resident earned before belongs to the household that earned it).
    """
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        person = _resident(s, resident_id)
        target = _household(s, household_id)
        if person.household_id == target.id:
            raise RegistryError(Refusal.SAME_HOUSEHOLD, household_id=target.id)
        _refuse_twin(s, target.id, person.name)
        left, person.household_id = person.household_id, target.id
        emit(s, "resident", resident_change(person), now)
        audit(s, now, actor, "resident_move", person.id, **{"from": left, "to": target.id})
        uow.commit()
    return left


def _resident(s: Session, resident_id: str) -> Resident:
    person = s.get(Resident, resident_id) if resident_id else None
    if person is None:
        raise RegistryError(Refusal.NO_RESIDENT, resident_id=resident_id)
    return person


def _refuse_twin(s: Session, household_id: str, name: str) -> None:
    # The roster import tells residents of a household apart by name.
    twin = s.scalar(
        select(Resident.id).where(Resident.household_id == household_id, Resident.name == name)
    )
    if twin is not None:
        raise RegistryError(Refusal.RESIDENT_EXISTS, household_id=household_id, name=name)
