"""Claims as the office reads them: a filtered list, one claim with its photos' ids, a photo."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from sync.central.context import Central
from sync.central.models import Claim, ClaimPhoto, ClaimResident, Household, Resident, Rule
from sync.central.scope import WHOLE, Scope


@dataclass(frozen=True)
class ClaimFilter:
    """Which claims a list shows: by state, rule and household; None means any.

    `households` narrows the list to an area's households (a user scoped to a village sees
    only its claims); the caller says which households those are.
    """

    status: str | None = None
    rule_code: str | None = None
    household_id: str | None = None
    households: Collection[str] | None = None
    scope: Scope = WHOLE  # the user's area: claims of its households only

    def where(self) -> list[Any]:
        """Return the SQL conditions of this filter."""
        found = []
        if self.status:
            found.append(Claim.status == self.status)
        if self.rule_code:
            found.append(Claim.rule_code == self.rule_code)
        if self.household_id:
            found.append(Claim.household_id == self.household_id)
        if self.households is not None:
            found.append(Claim.household_id.in_(list(self.households)))
        if not self.scope.everything:
            found.append(self.scope.of_household(Claim.household_id))
        return found


def _row(claim: Claim, rule_name: str, household_name: str) -> dict[str, Any]:
    return {
        "id": claim.id,
        "rule": claim.rule_code,
        "rule_name": rule_name,
        "household_id": claim.household_id,
        "household": household_name,
        "note": claim.note,
        "status": claim.status,
        "points": claim.points,
        "booked": claim.booked,
        "shortfall": claim.shortfall,
        "recorded_by": claim.recorded_by,
        "recorded_at": claim.recorded_at,
        "decided_by": claim.decided_by,
        "decided_at": claim.decided_at,
        "reason": claim.reason,
    }


def listing(
    c: Central, where: ClaimFilter, page: int = 1, per_page: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Return a page of claims, newest first, and how many match in all."""
    with c.uow(write=False) as uow:
        s = uow.session
        conditions = where.where()
        total = s.scalar(select(func.count()).select_from(Claim).where(*conditions)) or 0
        rows = s.execute(
            select(Claim, Rule.name, Household.name)
            .join(Rule, Rule.code == Claim.rule_code)
            .join(Household, Household.id == Claim.household_id)
            .where(*conditions)
            .order_by(Claim.recorded_at.desc(), Claim.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        return [_row(claim, rule_name, name) for claim, rule_name, name in rows], total


def detail(c: Central, claim_id: str, scope: Scope = WHOLE) -> dict[str, Any] | None:
    """Return a claim with its residents and the positions of its photos, or None (also for a
    claim outside the scope)."""
    with c.uow(write=False) as uow:
        s = uow.session
        found = s.execute(
            select(Claim, Rule.name, Household.name)
            .join(Rule, Rule.code == Claim.rule_code)
            .join(Household, Household.id == Claim.household_id)
            .where(Claim.id == claim_id, scope.of_household(Claim.household_id))
        ).first()
        if found is None:
            return None
        claim, rule_name, household_name = found
        view = _row(claim, rule_name, household_name)
        view["residents"] = [
            {"id": rid, "name": name}
            for rid, name in s.execute(
                select(Resident.id, Resident.name)
                .join(ClaimResident, ClaimResident.resident_id == Resident.id)
                .where(ClaimResident.claim_id == claim.id)
                .order_by(Resident.id)
            )
        ]
        view["photos"] = list(
            s.scalars(
                select(ClaimPhoto.position)
                .where(ClaimPhoto.claim_id == claim.id)
                .order_by(ClaimPhoto.position)
            )
        )
        return view


def photo(
    c: Central, claim_id: str, position: int, scope: Scope = WHOLE
) -> tuple[bytes, str] | None:
    """Return a claim photo's bytes and media type, or None (also outside the scope)."""
    with c.uow(write=False) as uow:
        found = uow.session.execute(
            select(ClaimPhoto.data, ClaimPhoto.media_type)
            .join(Claim, Claim.id == ClaimPhoto.claim_id)
            .where(
                ClaimPhoto.claim_id == claim_id,
                ClaimPhoto.position == position,
                scope.of_household(Claim.household_id),
            )
        ).first()
        return (bytes(found[0]), found[1]) if found is not None else None
