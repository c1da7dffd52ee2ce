"""Random forgeries from a stolen kiosk token, or written onto a kiosk's disk, never raise a
balance at central beyond what the rules allow, and both books agree after a quiet sync."""

from __future__ import annotations

import contextlib
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sync_helpers import (
    GOODS,
    ROSTER,
    SQLITE_ONLY,
    WIRE_BATCH,
    WireKiosk,
    assert_converged,
    central_balances,
    central_ledger_sums,
    household_id,
    push,
    quiet_sync,
)

from core.domain import errors
from core.domain.ledger import ledger_wire
from kiosk.services import checkin, doctor
from kiosk.services.common import append_ledger, outbox
from kiosk.storage import models as km
from sync.central import models as cm

HOUSEHOLDS = [household_id(i) for i in range(1, len(ROSTER) + 1)] + ["H999999"]
RESIDENTS = [
    f"{household_id(i)}-{j}"
    for i, (_name, members, _points) in enumerate(ROSTER, start=1)
    for j in range(1, len(members) + 1)
] + ["H999999-1"]
OPENING = {household_id(i): points for i, (_n, _m, points) in enumerate(ROSTER, start=1)}
CODES = [code for code, *_ in GOODS] + ["GOLD"]
POINTS = st.integers(min_value=-1_000_000, max_value=1_000_000)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def rules_allow(c) -> dict[str, int]:
    """Return each household's balance as the rules make it from central's own records.

    Opening points, plus each check-in central credited at its activity's worth (one per
    resident and activity), less each exchange still completed, plus office corrections.
    """
    with c.uow(write=False) as uow:
        s = uow.session
        credits = dict(
            s.execute(
                select(cm.CheckIn.household_id, func.sum(cm.Activity.points))
                .join(cm.Activity, cm.Activity.id == cm.CheckIn.activity_id)
                .group_by(cm.CheckIn.household_id)
            ).all()
        )
        spent = dict(
            s.execute(
                select(cm.Exchange.household_id, func.sum(cm.Exchange.total))
                .where(cm.Exchange.status == "completed")
                .group_by(cm.Exchange.household_id)
            ).all()
        )
        corrections = dict(
            s.execute(
                select(cm.Adjustment.household_id, func.sum(cm.Adjustment.points)).group_by(
                    cm.Adjustment.household_id
                )
            ).all()
        )
        per_resident = s.execute(
            select(func.count()).select_from(
                select(cm.CheckIn.activity_id, cm.CheckIn.resident_id)
                .group_by(cm.CheckIn.activity_id, cm.CheckIn.resident_id)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar()
    assert per_resident == 0
    return {
        h: OPENING[h] + (credits.get(h) or 0) - (spent.get(h) or 0) + (corrections.get(h) or 0)
        for h in OPENING
    }


@st.composite
def forged_entry(draw, wire: WireKiosk) -> dict:
    """Draw one entry a kiosk token could push, mostly outside the rules."""
    kind = draw(
        st.sampled_from(
            ["checkin", "adjust", "exchange", "void", "reversal", "restock", "stocktake"]
        )
    )
    household = draw(st.sampled_from(HOUSEHOLDS))
    resident = draw(st.sampled_from(RESIDENTS))
    if kind == "checkin":
        points = draw(st.sampled_from([10, 0, 11, 1_000_000]) | POINTS.filter(lambda p: p >= 0))
        ledger = wire.ledger(household, "earn", points, ref=str(uuid.uuid4()))
        payload = {
            "checkin_id": ledger["ref"],
            "activity_id": draw(st.sampled_from(["ACT-SORT", "ACT-NONE"])),
            "resident_id": resident,
            "household_id": household,
            "points": draw(st.sampled_from([points, 10])),
            "ledger": ledger,
        }
    elif kind == "adjust":
        payload = {"reason": "x", "ledger": wire.ledger(household, "adjust", draw(POINTS))}
    elif kind == "exchange":
        code = draw(st.sampled_from(CODES))
        qty = draw(st.integers(min_value=1, max_value=3))
        each = draw(st.sampled_from([0, 1, 60]))
        entry = wire.exchange(household, resident, [(code, qty, each)])
        entry["payload"]["stock"][0]["qty"] = draw(st.sampled_from([-qty, qty, -100_000]))
        entry["payload"]["stock"][0]["batch_id"] = draw(
            st.sampled_from([*WIRE_BATCH.values(), 1, 424242])
        )
        return entry
    elif kind == "void":
        exchange_id = str(uuid.uuid4())
        payload = {
            "exchange_id": exchange_id,
            "number": "K1-1",
            "reason": "x",
            "stock": [],
            "ledger": wire.ledger(
                household, "void", draw(POINTS.filter(lambda p: p >= 0)), ref=exchange_id
            ),
        }
    elif kind == "reversal":
        refused = str(uuid.uuid4())
        payload = {
            "refused_id": refused,
            "reason": "x",
            "ledger": wire.ledger(household, "adjust", draw(POINTS), ref=refused),
        }
    elif kind == "restock":
        return wire.restock(
            draw(st.integers(min_value=1, max_value=50)), draw(st.sampled_from(CODES))
        )
    else:
        code = draw(st.sampled_from(CODES))
        payload = {
            "product_code": code,
            "counted": 5,
            "reason": "x",
            "stock": [
                {
                    "product_code": code,
                    "batch_id": draw(st.sampled_from([*WIRE_BATCH.values(), 77])),
                    "qty": draw(st.integers(min_value=-5, max_value=5).filter(bool)),
                }
            ],
        }
    return wire.entry(kind, payload)


@SQLITE_ONLY
@SETTINGS
@given(data=st.data())
def test_forged_batches_from_a_kiosk_token_never_raise_a_balance_beyond_the_rules(programme, data):
    c = programme.central
    wire = programme.__dict__.setdefault("forger", WireKiosk("K1"))  # one chain for all examples
    batch = [data.draw(forged_entry(wire)) for _ in range(data.draw(st.integers(1, 6)))]
    answer = push(programme.server.base, programme.token("K1"), wire.body(*batch))
    assert answer.status_code == 200, answer.text
    balances = central_balances(c)
    assert balances == central_ledger_sums(c)
    assert balances == rules_allow(c)


def _forge(runtime, household: str, kind: str, points: int) -> None:
    """Write a chained ledger entry and its outbox row straight into the kiosk's database."""
    k = runtime.kiosk
    with k.uow() as uow:
        s = uow.session
        entry = append_ledger(
            s, k, s.get(km.Household, household), kind, points, "x", k.clock.now()
        )
        wire_kind = {"adjust": "adjust", "earn": "adjust"}[kind]
        outbox(s, k.clock.now(), wire_kind, {"reason": "forged", "ledger": ledger_wire(entry)})
        uow.commit()


@SQLITE_ONLY
@settings(SETTINGS, max_examples=8)  # each example syncs a few times: central's rate limit
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["forge", "checkin", "sync"]),
            st.sampled_from(HOUSEHOLDS[:-1]),
            st.sampled_from(["adjust", "earn"]),
            st.integers(min_value=1, max_value=100_000),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_forged_entries_on_a_kiosks_disk_are_reversed_and_both_books_agree(programme, steps):
    c = programme.central
    if "kiosk" not in programme.__dict__:
        programme.__dict__["kiosk"] = programme.kiosk("K1")
    k1 = programme.__dict__["kiosk"]
    for action, household, kind, points in steps:
        if action == "forge":
            _forge(k1, household, kind, points)
        elif action == "checkin":
            resident = f"{household}-1"
            name = next(n for n, rid in programme.residents.items() if rid == resident)
            with contextlib.suppress(errors.AlreadyCheckedIn):
                checkin.check_in(k1.kiosk, "ACT-SORT", card_code=programme.codes[name])
        else:
            k1.sync.sync_once()
    quiet_sync(k1)  # push, hear of refusals and reverse them, push the reversals
    assert central_balances(c) == rules_allow(c)
    assert_converged(c, k1)
    assert doctor.check(k1.kiosk) == []
    # The chain the kiosk wrote is whole at central: every link is held, counted or not.
    with k1.kiosk.uow(write=False) as uow:
        last = uow.session.get(km.KioskState, "K1").last_seq
    with c.uow(write=False) as uow:
        held = uow.session.scalar(
            select(func.count()).select_from(cm.LedgerEntry).where(cm.LedgerEntry.kiosk_id == "K1")
        ) + uow.session.scalar(
            select(func.count())
            .select_from(cm.UncountedEntry)
            .where(cm.UncountedEntry.kiosk_id == "K1")
        )
    assert held == last
