"""Activity check-in on SQLite: one credit per resident per activity, up to the cap."""

from __future__ import annotations

from datetime import date

import pytest
from service_helpers import balance, card, count, ledger_sum, snapshot
from sqlalchemy import select, update

from core.domain import codes, errors
from kiosk.services import admin, catalog, checkin, doctor, terminal
from kiosk.storage import models as m


@pytest.fixture
def k(seeded):
    return seeded[0].kiosk


@pytest.fixture
def cards(seeded):
    return seeded[1]


def test_check_in_by_resident_id_writes_an_earn_entry(k):
    result = checkin.check_in(k, "ACT-SCREEN", resident_id="H0003-1", actor="clerk")
    assert (result["points"], result["balance"], result["resident"]) == (30, 125, "张伟")
    assert balance(k, "H0003") == ledger_sum(k, "H0003") == 125
    with k.uow(write=False) as uow:
        s = uow.session
        row = s.get(m.CheckIn, result["checkin_id"])
        assert (row.activity_id, row.resident_id, row.household_id) == (
            "ACT-SCREEN",
            "H0003-1",
            "H0003",
        )
        entry = s.get(m.LedgerEntry, row.ledger_entry_id)
        assert (entry.kind, entry.points, entry.ref) == ("earn", 30, row.id)
        assert s.get(m.Receipt, result["receipt_id"]).kind == "checkin"
        out = s.scalars(select(m.OutboxRow).where(m.OutboxRow.kind == "checkin")).one()
        assert out.payload["ledger"]["id"] == entry.id
    assert doctor.check(k) == []


def test_check_in_by_card_credits_the_card_holder(k, cards):
    result = checkin.check_in(k, "ACT-SORT", card_code=card(cards, "H0001-3"))
    assert result["resident"] == "王小红"
    assert balance(k, "H0001") == 330


def test_a_second_check_in_of_the_same_resident_is_refused(k, cards):
    checkin.check_in(k, "ACT-SORT", resident_id="H0001-3")
    before = snapshot(k)
    with pytest.raises(errors.AlreadyCheckedIn):
        checkin.check_in(k, "ACT-SORT", card_code=card(cards, "H0001-3"))
    assert snapshot(k) == before


def test_each_member_of_a_household_may_check_in_once(k):
    for rid in ("H0001-1", "H0001-2", "H0001-3"):
        checkin.check_in(k, "ACT-SORT", resident_id=rid)
    assert balance(k, "H0001") == 350


def test_check_in_beyond_the_cap_is_refused_as_activity_full(k):
    catalog.define_activity(
        k, "ACT-TINY", "TINY", "小型活动", "义务打扫", date(2025, 3, 1), 5, cap=2
    )
    checkin.check_in(k, "ACT-TINY", resident_id="H0001-1")
    checkin.check_in(k, "ACT-TINY", resident_id="H0002-1")
    before = snapshot(k)
    with pytest.raises(errors.ActivityFull) as caught:
        checkin.check_in(k, "ACT-TINY", resident_id="H0003-1")
    assert caught.value.code == "activity_full"
    assert snapshot(k) == before


def test_check_in_to_a_closed_activity_is_refused(k):
    with k.uow() as uow:
        uow.session.execute(
            update(m.Activity).where(m.Activity.id == "ACT-SORT").values(active=False)
        )
        uow.commit()
    with pytest.raises(errors.InactiveActivity):
        checkin.check_in(k, "ACT-SORT", resident_id="H0001-1")
    with pytest.raises(errors.InactiveActivity):
        terminal.start_checkin(k, "ACT-SORT", "admin")


def test_check_in_with_a_revoked_card_is_refused(k, cards):
    with k.uow(write=False) as uow:
        card_id = uow.session.scalar(select(m.Card.id).where(m.Card.resident_id == "H0002-2"))
    admin.revoke_card(k, card_id, "lost")
    with pytest.raises(errors.RevokedCard):
        checkin.check_in(k, "ACT-SORT", card_code=card(cards, "H0002-2"))
    assert count(k, m.CheckIn) == 0


@pytest.mark.parametrize("code", ["EKP:SALT", "EKA:SORT"])
def test_check_in_with_a_code_that_is_not_a_card_is_refused(k, code):
    with pytest.raises(errors.UnknownCard):
        checkin.check_in(k, "ACT-SORT", card_code=code)


def test_check_in_with_an_unknown_card_resident_or_activity_is_refused(k, cards):
    with pytest.raises(errors.UnknownCard):
        checkin.check_in(k, "ACT-SORT", card_code=codes.card_code(codes.new_card_token()))
    with pytest.raises(errors.UnknownResident):
        checkin.check_in(k, "ACT-SORT", resident_id="H9999-9")
    with pytest.raises(errors.UnknownResident):
        checkin.check_in(k, "ACT-SORT")
    with pytest.raises(errors.UnknownActivity):
        checkin.check_in(k, "ACT-NONE", resident_id="H0001-1")
    assert count(k, m.CheckIn) == 0
