"""Office corrections of a household's points: a counter-entry with a reason, never an edit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from core.domain import limits
from core.domain.ledger import LedgerKind
from sync.central.context import Central
from sync.central.ledger_notes import Note
from sync.central.models import Adjustment, Household
from sync.central.scope import WHOLE, Scope
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.ledger import credit

MAX_ADJUSTMENT = limits.MAX_ADJUSTMENT  # the most one correction may add or take away


@dataclass(frozen=True)
class Adjusted:
    """A committed correction."""

    id: str
    household_id: str
    points: int
    reason: str
    balance: int


def adjust_points(
    c: Central,
    household_id: str,
    points: object,
    reason: object,
    actor: str,
    *,
    scope: Scope = WHOLE,
):
    """Add (or with a negative number take away) points from a household, with a reason.

    The correction is an entry on central's own chain: it shows in the household's history,
    reaches every kiosk through the feed and counts in every figure, and it is audited.
    """
    if isinstance(points, bool) or not isinstance(points, int):
        raise RegistryError(Refusal.POINTS_WHOLE)
    if points == 0 or abs(points) > MAX_ADJUSTMENT:
        raise RegistryError(Refusal.POINTS_RANGE, most=MAX_ADJUSTMENT)
    why = reason.strip() if isinstance(reason, str) else ""
    if not why or len(why) > limits.MAX_REASON or any(ord(ch) < 32 for ch in why):
        raise RegistryError(Refusal.REASON)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        household = s.scalar(
            select(Household)
            .where(Household.id == household_id, scope.households())
            .with_for_update()
        )
        if household is None:
            raise RegistryError(Refusal.NO_HOUSEHOLD, household_id=household_id)
        adjustment_id = str(uuid.uuid4())
        note = Note.adjustment(points, why)
        entry = credit(s, now, household, points, LedgerKind.ADJUST, adjustment_id, note=note)
        s.add(
            Adjustment(
                id=adjustment_id,
                household_id=household.id,
                points=points,
                reason=why,
                actor=actor[:80],
                ledger_entry_id=entry.id,
                created_at=now,
            )
        )
        audit(s, now, actor, "adjust", household.id, points=points, reason=why, entry=entry.id)
        done = Adjusted(adjustment_id, household.id, points, why, household.balance)
        uow.commit()
    return done
