"""Expiry of spendable points under the programme's policy, and the notices that go ahead of it.

The policy is a central setting (`kiosk central points-policy`). A new policy applies only to
boundaries at least ANNOUNCE_DAYS after it is set, so every resident is told before points go.
At each boundary (a local midnight in the programme's time zone) what is left of the expired
credits, oldest spent first, is taken away by a counter-entry of kind "expire" on central's own
chain; kiosks learn of it through the feed like any central entry. The honour total, points
ever earned, is never touched. Running the job again at the same boundary takes nothing more.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import Session

from core.domain.expiry import ANNOUNCE_DAYS, Policy, to_expire, upcoming
from core.domain.ledger import LedgerKind
from sync.central import localtime
from sync.central.context import Central, emit
from sync.central.ledger_notes import Note
from sync.central.models import (
    CentralSetting,
    Expiry,
    ExpiryNotice,
    Household,
    LedgerEntry,
)
from sync.central.queries import totals
from sync.central.services.audit import audit
from sync.central.services.ledger import credit

POLICY = "points_policy"
SINCE = "points_policy_since"  # the local day the policy was set
CREDIT_KINDS = (LedgerKind.EARN, LedgerKind.ADJUST)  # a positive one of these is a credit


@dataclass(frozen=True)
class PolicyState:
    policy: Policy
    since: date | None

    @property
    def effective_from(self) -> date | None:
        """The first boundary the policy may clear: a full notice period after it was set."""
        return None if self.since is None else self.since + timedelta(days=ANNOUNCE_DAYS)


@dataclass(frozen=True)
class ExpiryRun:
    boundary: date | None
    households: int  # households whose points were cleared
    points: int  # points cleared in all
    notices: int  # notices that changed (and were sent to the kiosks)


def policy_state(s: Session) -> PolicyState:
    raw = s.get(CentralSetting, POLICY)
    since = s.get(CentralSetting, SINCE)
    return PolicyState(
        Policy.from_json(raw.value if raw else None),
        date.fromisoformat(since.value) if since else None,
    )


def current(c: Central) -> PolicyState:
    with c.uow(write=False) as uow:
        return policy_state(uow.session)


def set_policy(c: Central, policy: Policy, actor: str, *, since: date | None = None) -> PolicyState:
    """Store the policy; it clears nothing before a full notice period has passed.

    ``since``: the day it counts as set (today unless given; the demo gives an earlier one).
    """
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        today = since or localtime.today(totals.programme_zone(s.connection()), now)
        old = policy_state(s)
        if old.policy == policy and since is None:
            return old
        s.merge(CentralSetting(key=POLICY, value=policy.to_json()))
        s.merge(CentralSetting(key=SINCE, value=today.isoformat()))
        audit(s, now, actor, "points_policy", "", policy=policy.to_json(), was=old.policy.to_json())
        uow.commit()
    return PolicyState(policy, today)


def run(c: Central, now: datetime | None = None) -> ExpiryRun:
    """Clear what the policy says has expired by now, and refresh the notices ahead."""
    with c.uow() as uow:
        s = uow.session
        now = now or c.clock.now()
        if not _only_runner(s):
            return ExpiryRun(None, 0, 0, 0)
        zone = totals.programme_zone(s.connection())
        state = policy_state(s)
        today = localtime.today(zone, now)
        boundary = state.policy.last_boundary(today)
        households = points = 0
        if boundary is not None and state.effective_from and boundary >= state.effective_from:
            households, points = _clear(s, state.policy, boundary, zone)
        notices = _refresh_notices(s, state, today, now, zone)
        if households:
            audit(
                s,
                now,
                "expiry",
                "expire",
                boundary.isoformat(),
                households=households,
                points=points,
                policy=state.policy.to_json(),
            )
        uow.commit()
    return ExpiryRun(boundary, households, points, notices)


JOB_LOCK = 0x6B696F736B  # "kiosk": the advisory lock of the expiry job on PostgreSQL


def _only_runner(s: Session) -> bool:
    """On PostgreSQL, take the job's lock for this transaction; False if another holds it."""
    if s.bind.dialect.name != "postgresql":
        return True  # SQLite serialises writers already
    return bool(s.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": JOB_LOCK}).scalar())


def _credits(cutoff_at: datetime):
    """Per household: all its credits, and those made before the cutoff."""
    credit_row = and_(LedgerEntry.kind.in_([str(k) for k in CREDIT_KINDS]), LedgerEntry.points > 0)
    return select(
        LedgerEntry.household_id,
        func.sum(case((credit_row, LedgerEntry.points), else_=0)),
        func.sum(
            case(
                (and_(credit_row, LedgerEntry.created_at < cutoff_at), LedgerEntry.points), else_=0
            )
        ),
    ).group_by(LedgerEntry.household_id)


def _clear(s: Session, policy: Policy, boundary: date, zone: str) -> tuple[int, int]:
    at = localtime.utc_start(boundary, zone)
    cutoff_at = localtime.utc_start(policy.cutoff(boundary), zone)
    done = set(s.scalars(select(Expiry.household_id).where(Expiry.boundary == boundary)))
    households = points = 0
    rows = s.execute(_credits(cutoff_at)).all()
    for household_id, credits_all, before in sorted(rows):
        if household_id in done or not before:
            continue
        household = s.scalar(
            select(Household).where(Household.id == household_id).with_for_update()
        )
        gone = to_expire(int(before), int(credits_all), household.balance)
        if gone <= 0:
            continue
        expiry_id = str(uuid.uuid4())
        note = Note.expiry(boundary.isoformat())
        entry = credit(s, at, household, -gone, LedgerKind.EXPIRE, expiry_id, note=note)
        s.add(
            Expiry(
                id=expiry_id,
                household_id=household_id,
                boundary=boundary,
                points=gone,
                policy=policy.to_json(),
                ledger_entry_id=entry.id,
                created_at=at,
            )
        )
        households += 1
        points += gone
    return households, points


def _refresh_notices(s: Session, state: PolicyState, today: date, now: datetime, zone: str) -> int:
    """Work out each household's notice; send the kiosks only those that changed."""
    wanted: dict[str, tuple[int, date]] = {}
    start = state.policy.last_boundary(today)
    if start is not None:
        # Credits from before the last boundary's cutoff are gone (cleared or spent), unless
        # that boundary came before the policy took effect: then every credit is still there.
        effective = state.effective_from
        window = (
            localtime.utc_start(state.policy.cutoff(start), zone)
            if effective is not None and start >= effective
            else datetime(1, 1, 1)
        )
        balances = dict(s.execute(select(Household.id, Household.balance)).all())
        lots: dict[str, list[tuple[date, int]]] = {}
        for household_id, at, pts in s.execute(
            select(LedgerEntry.household_id, LedgerEntry.created_at, LedgerEntry.points).where(
                LedgerEntry.kind.in_([str(k) for k in CREDIT_KINDS]),
                LedgerEntry.points > 0,
                LedgerEntry.created_at >= window,
            )
        ):
            lots.setdefault(household_id, []).append((localtime.today(zone, at), pts))
        for household_id, credits_all, before in s.execute(_credits(window)).all():
            balance = balances.get(household_id, 0)
            spent = max(0, int(credits_all) - balance) - int(before or 0)
            found = upcoming(state.policy, lots.get(household_id, []), spent, balance, today)
            if found and effective and found[1] >= effective:
                wanted[household_id] = found
    changed = 0
    held = {n.household_id: n for n in s.scalars(select(ExpiryNotice))}
    for household_id in sorted(set(held) | set(wanted)):
        notice, want = held.get(household_id), wanted.get(household_id)
        if notice is not None and want == (notice.points, notice.on):
            continue
        if want is None:
            s.delete(notice)
        elif notice is None:
            s.add(
                ExpiryNotice(household_id=household_id, points=want[0], on=want[1], updated_at=now)
            )
        else:
            notice.points, notice.on, notice.updated_at = want[0], want[1], now
        emit(s, "expiry_notice", _notice_wire(household_id, want), now)
        changed += 1
    return changed


def _notice_wire(household_id: str, want: tuple[int, date] | None) -> dict:
    if want is None:
        return {"household_id": household_id, "points": 0, "on": None}
    return {"household_id": household_id, "points": want[0], "on": want[1].isoformat()}
