"""Activity check-in: one credit per resident per activity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain import errors, rules
from core.domain.codes import classify, token_hash
from core.domain.ledger import EntryKind, LedgerKind, ledger_wire
from kiosk.services.common import (
    append_ledger,
    audit,
    household_of,
    look_up_card,
    new_id,
    outbox,
    resident,
)
from kiosk.services.context import Kiosk
from kiosk.services.receipts import local_time, store_receipt
from kiosk.storage.models import Activity, Card, CheckIn, Resident
from kiosk.storage.states import CardStatus
from printer.receipt import CheckinSlip


def check_in(
    k: Kiosk,
    activity_id: str,
    *,
    card_code: str | None = None,
    resident_id: str | None = None,
    actor: str = "admin",
) -> dict[str, Any]:
    """Credit a resident (by card or id) for taking part in an activity.

    A card this kiosk does not know is looked up at central first (see terminal.scan).
    """
    if card_code is not None:
        scanned = classify(card_code)
        if scanned.kind == "card" and not _known(k, scanned.value):
            look_up_card(k, scanned.value)
    with k.uow() as uow:
        s = uow.session
        if card_code is not None:
            scanned = classify(card_code)
            if scanned.kind != "card":
                raise errors.UnknownCard()
            card = s.scalar(select(Card).where(Card.token_hash == token_hash(scanned.value)))
            if card is None:
                raise errors.UnknownCard()
            if card.status != CardStatus.ACTIVE:
                raise errors.RevokedCard()
            person = s.get(Resident, card.resident_id)
        else:
            person = resident(s, resident_id)
        result = credit(s, k, activity_id, person, actor, k.clock.now())
        uow.commit()
    k.changed("session")
    return result


def _known(k: Kiosk, token: str) -> bool:
    with k.uow(write=False) as uow:
        found = uow.session.scalar(select(Card.id).where(Card.token_hash == token_hash(token)))
    return found is not None


def credit(
    s: Session,
    k: Kiosk,
    activity_id: str | None,
    person: Resident,
    actor: str,
    now: datetime,
    *,
    mode_session: str | None = None,
) -> dict[str, Any]:
    """Add the check-in and its earn entry to the current transaction.

    The same rules central applies: the activity's day in the programme's zone, its cap, one
    credit per resident; central refuses what breaks them and the credit is reversed.
    """
    activity = s.get(Activity, activity_id) if activity_id else None
    if activity is None:
        raise errors.UnknownActivity()
    taken = s.scalar(select(func.count()).where(CheckIn.activity_id == activity.id)) or 0
    rules.check_activity_open(activity.name, activity.active, taken, activity.cap)
    rules.check_activity_day(activity.name, activity.day, local_time(k, now).date())
    already = s.scalar(
        select(CheckIn).where(CheckIn.activity_id == activity.id, CheckIn.resident_id == person.id)
    )
    if already is not None:
        raise errors.AlreadyCheckedIn(resident=person.name, name=activity.name)
    household = household_of(s, person.household_id)
    checkin_id = new_id()
    entry = append_ledger(s, k, household, LedgerKind.EARN, activity.points, checkin_id, now)
    s.add(
        CheckIn(
            id=checkin_id,
            activity_id=activity.id,
            resident_id=person.id,
            household_id=household.id,
            ledger_entry_id=entry.id,
            created_at=now,
        )
    )
    number = f"{k.kiosk_id}-{entry.seq:06d}"
    receipt = store_receipt(
        s,
        k,
        EntryKind.CHECKIN,
        checkin_id,
        CheckinSlip(
            store=k.store,
            kiosk_id=k.kiosk_id,
            number=number,
            created_at=local_time(k, now),
            activity=activity.name,
            resident=rules.mask_name(person.name),
            household=rules.mask_name(household.name),
            points=activity.points,
            balance_after=household.balance,
        ),
        now,
    )
    outbox(
        s,
        now,
        "checkin",
        {
            "checkin_id": checkin_id,
            "activity_id": activity.id,
            "resident_id": person.id,
            "household_id": household.id,
            "points": activity.points,
            "ledger": ledger_wire(entry),
        },
    )
    audit(
        s,
        now,
        actor,
        "checkin",
        checkin_id,
        activity=activity.id,
        resident=person.id,
        mode_session=mode_session,
    )
    return {
        "checkin_id": checkin_id,
        "activity": activity.name,
        "resident": person.name,
        "household": household.name,
        "points": activity.points,
        "balance": household.balance,
        "receipt_id": receipt.id,
    }
