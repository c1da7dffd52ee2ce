"""Random use of a seeded kiosk never breaks the books: balances, stock, chain and outbox."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from core.clock import FixedClock
from core.domain import codes, errors
from kiosk import config, demo
from kiosk.bootstrap import bootstrap
from kiosk.services import admin, checkin, doctor, inventory, terminal
from kiosk.storage import models as m
from printer.simulator import SimulatedPrinter

PRODUCTS = [p[0] for p in demo.PRODUCTS] + ["NOPE"]
ACTIVITIES = [a[0] for a in demo.ACTIVITIES] + ["ACT-NONE"]
ACTIVITY_CODES = [a[1] for a in demo.ACTIVITIES] + ["NONE"]
RESIDENTS = [
    f"H{i:04d}-{j}"
    for i, (_, members, _) in enumerate(demo.HOUSEHOLDS, 1)
    for j in range(1, len(members) + 1)
]
QUANTITIES = st.one_of(
    st.integers(min_value=0, max_value=6),
    st.sampled_from([-1, 100, 2.5, "3", "x", None, True]),
)
REASONS = st.sampled_from(["选错了", "盘点", "", " "])
SETTINGS = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class KioskMachine(RuleBasedStateMachine):
    """A shop day of scans, carts, checkouts, voids, deliveries, counts and check-ins."""

    def __init__(self, template: Path, workdir: Path) -> None:
        super().__init__()
        self.data_dir = Path(tempfile.mkdtemp(dir=workdir))
        target = sqlite3.connect(self.data_dir / "kiosk.db")
        source = sqlite3.connect(template / "kiosk.db")
        try:
            source.backup(target)  # a consistent copy, WAL included
        finally:
            source.close()
            target.close()
        self.clock = FixedClock(datetime(2025, 3, 1, 2, 0, 0))
        settings_ = config.load(None, env={}, kiosk={"data_dir": str(self.data_dir), "id": "T01"})
        self.runtime = bootstrap(settings_, clock=self.clock, printer=SimulatedPrinter())
        self.k = self.runtime.kiosk
        self.codes = {str(c["resident_id"]): str(c["code"]) for c in demo.cards(self.k, template)}
        self.old_codes: list[str] = []
        self.exchanges: list[str] = []

    def teardown(self) -> None:
        self.runtime.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    @initialize(allowance=st.sampled_from([0, 0, 50]))
    def set_allowance(self, allowance: int) -> None:
        self.k.offline_allowance = allowance

    # --- the resident's side --------------------------------------------------------------

    @rule(resident=st.sampled_from(RESIDENTS))
    def scan_card(self, resident: str) -> None:
        expect_ok(terminal.scan, self.k, self.codes[resident])

    @precondition(lambda self: self.old_codes)
    @rule(data=st.data())
    def scan_an_old_card(self, data) -> None:
        code = data.draw(st.sampled_from(self.old_codes))
        try:
            terminal.scan(self.k, code)
        except errors.RevokedCard:
            return
        raise AssertionError("a replaced card was accepted")

    @rule(product=st.sampled_from(PRODUCTS))
    def scan_label(self, product: str) -> None:
        expect_ok(terminal.scan, self.k, "EKP:" + product)

    @rule(code=st.sampled_from(ACTIVITY_CODES))
    def scan_activity(self, code: str) -> None:
        # An activity code at the resident screen is refused; the shopkeeper starts check-in.
        try:
            terminal.scan(self.k, "EKA:" + code)
        except errors.ActivityAtScreen:
            pass
        else:
            raise AssertionError("an activity code started check-in at the resident screen")

    @rule(code=st.sampled_from(ACTIVITY_CODES))
    def start_checkin(self, code: str) -> None:
        expect_ok(terminal.start_checkin, self.k, "ACT-" + code, "admin")

    @rule(product=st.sampled_from(PRODUCTS), qty=QUANTITIES)
    def set_line(self, product: str, qty: object) -> None:
        expect_ok(terminal.set_cart_line, self.k, product, qty)

    @rule(resident=st.sampled_from([*RESIDENTS, None]))
    def set_beneficiary(self, resident: str | None) -> None:
        expect_ok(terminal.set_beneficiary, self.k, resident)

    @rule()
    def checkout(self) -> None:
        result = expect_ok(terminal.checkout, self.k)
        if result is not None:
            self.exchanges.append(result.exchange_id)
            with self.k.uow(write=False) as uow:
                ex = uow.session.get(m.Exchange, result.exchange_id)
                assert ex.balance_before - ex.total == ex.balance_after == result.balance_after
                assert ex.balance_after >= -self.k.offline_allowance

    @rule(
        resident=st.sampled_from(RESIDENTS),
        lines=st.lists(
            st.tuples(st.sampled_from(PRODUCTS[:-1]), st.integers(min_value=1, max_value=4)),
            min_size=1,
            max_size=3,
        ),
    )
    def shop(self, resident: str, lines: list[tuple[str, int]]) -> None:
        """Serve one resident from card to receipt, as most visits go."""
        terminal.cancel(self.k)
        expect_ok(terminal.scan, self.k, self.codes[resident])
        for product, qty in lines:
            expect_ok(terminal.set_cart_line, self.k, product, qty)
        self.checkout()

    @rule()
    def cancel(self) -> None:
        terminal.cancel(self.k)

    # --- the shopkeeper's side ------------------------------------------------------------

    @precondition(lambda self: self.exchanges)
    @rule(data=st.data(), reason=REASONS, by_number=st.booleans())
    def void(self, data, reason: str, by_number: bool) -> None:
        exchange_id = data.draw(st.sampled_from(self.exchanges))
        ref = exchange_id
        if by_number:
            with self.k.uow(write=False) as uow:
                ref = uow.session.get(m.Exchange, exchange_id).number
        expect_ok(admin.void_exchange, self.k, ref, reason, "admin")

    @rule(
        product=st.sampled_from(PRODUCTS),
        qty=st.one_of(st.integers(min_value=1, max_value=20), st.sampled_from([0, -1, "2"])),
        source=st.sampled_from(["donation", "purchase", "transfer", "gift"]),
        donor=st.sampled_from(["县妇联", ""]),
        value=st.sampled_from([None, "12.50", "3", "abc", "0.001"]),
    )
    def restock(self, product, qty, source, donor, value) -> None:
        expect_ok(inventory.restock, self.k, product, qty, source, donor, value)

    @rule(
        product=st.sampled_from(PRODUCTS),
        counted=st.one_of(st.integers(min_value=0, max_value=60), st.sampled_from([-1, "x"])),
        reason=REASONS,
    )
    def stocktake(self, product, counted, reason) -> None:
        expect_ok(inventory.stocktake, self.k, product, counted, reason)

    @rule(
        resident=st.sampled_from(RESIDENTS),
        activity=st.sampled_from(ACTIVITIES),
        by_card=st.booleans(),
    )
    def check_in(self, resident: str, activity: str, by_card: bool) -> None:
        if by_card:
            expect_ok(checkin.check_in, self.k, activity, card_code=self.codes[resident])
        else:
            expect_ok(checkin.check_in, self.k, activity, resident_id=resident)

    @rule(resident=st.sampled_from(RESIDENTS))
    def reissue_card(self, resident: str) -> None:
        token = admin.issue_card(self.k, resident)
        self.old_codes.append(self.codes[resident])
        self.codes[resident] = codes.card_code(token)

    @rule(seconds=st.integers(min_value=0, max_value=3600))
    def wait(self, seconds: int) -> None:
        self.clock.advance(seconds=seconds)

    # --- the books ------------------------------------------------------------------------

    @invariant()
    def balances_equal_their_ledger_sums(self) -> None:
        with self.k.uow(write=False) as uow:
            s = uow.session
            sums = dict(
                s.execute(
                    select(m.LedgerEntry.household_id, func.sum(m.LedgerEntry.points)).group_by(
                        m.LedgerEntry.household_id
                    )
                ).all()
            )
            for hid, balance in s.execute(select(m.Household.id, m.Household.balance)):
                assert balance == sums.get(hid, 0), hid

    @invariant()
    def stock_equals_its_movements_and_its_batches(self) -> None:
        with self.k.uow(write=False) as uow:
            s = uow.session
            moved = dict(
                s.execute(
                    select(m.StockMovement.product_code, func.sum(m.StockMovement.qty)).group_by(
                        m.StockMovement.product_code
                    )
                ).all()
            )
            left = dict(
                s.execute(
                    select(m.StockBatch.product_code, func.sum(m.StockBatch.remaining)).group_by(
                        m.StockBatch.product_code
                    )
                ).all()
            )
            for code, stock in s.execute(select(m.Product.code, m.Product.stock)):
                assert stock == moved.get(code, 0) == left.get(code, 0), code
                assert stock >= 0, code
            assert (s.scalar(select(func.min(m.StockBatch.remaining))) or 0) >= 0

    @invariant()
    def every_exchange_has_one_spend_and_one_outbox_row(self) -> None:
        with self.k.uow(write=False) as uow:
            s = uow.session
            exchanges = s.scalar(select(func.count()).select_from(m.Exchange))
            outbox = s.scalar(
                select(func.count()).select_from(m.OutboxRow).where(m.OutboxRow.kind == "exchange")
            )
            spends = s.scalar(
                select(func.count()).select_from(m.LedgerEntry).where(m.LedgerEntry.kind == "spend")
            )
            voided = s.scalar(
                select(func.count()).select_from(m.Exchange).where(m.Exchange.status == "voided")
            )
            voids = s.scalar(
                select(func.count()).select_from(m.LedgerEntry).where(m.LedgerEntry.kind == "void")
            )
        assert exchanges == outbox == spends == len(self.exchanges)
        assert voided == voids

    @invariant()
    def the_doctor_finds_nothing_wrong(self) -> None:
        assert doctor.check(self.k) == []


def expect_ok(use_case, *args, **kwargs):
    """Run a use case; a refusal (DomainError) is a fine outcome, anything else is a bug."""
    try:
        return use_case(*args, **kwargs)
    except errors.DomainError:
        return None


@pytest.mark.slow
def test_random_use_of_the_kiosk_keeps_the_books_straight(seeded_template, tmp_path):
    run_state_machine_as_test(lambda: KioskMachine(seeded_template, tmp_path), settings=SETTINGS)
