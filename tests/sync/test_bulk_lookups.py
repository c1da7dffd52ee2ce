"""Ingest's batch lookups (`among`): a list of keys bound as one array, whatever the keys hold."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import select

from sync.central import models as cm
from sync.central.bulk import among
from sync.central.server import open_central

# Keys as hostile as a pushed entry's may be before it is validated.
AWKWARD = [
    'say "hi"',
    "back\\slash",
    '\\"',
    "a,b",
    "{braces}",
    " padded ",
    "NULL",
    "",
    "户一",
    "😀",
    "line\nbreak",
]


@pytest.mark.parametrize("central_url", ["sqlite", "postgresql"], indirect=True)
def test_a_lookup_finds_exactly_the_keys_asked_for_whatever_they_hold(central_url):
    c = open_central(central_url)
    try:
        with c.uow() as uow:
            s = uow.session
            s.add_all(
                cm.Household(id=key, name=f"户{i}", created_at=datetime(2026, 1, 1))
                for i, key in enumerate(AWKWARD)
            )
            s.add(cm.Household(id="other", name="别户", created_at=datetime(2026, 1, 1)))
            uow.commit()
        with c.uow(write=False) as uow:
            s = uow.session

            def found(column, keys) -> set:
                return set(s.scalars(select(column).where(among(s, column, keys))))

            assert found(cm.Household.id, AWKWARD) == set(AWKWARD)
            assert found(cm.Household.id, []) == set()
            assert found(cm.Household.id, ["NULL", "x"]) == {"NULL"}
            assert found(cm.SyncEntry.id, [str(uuid.uuid4()), str(uuid.uuid4())]) == set()
            assert found(cm.SyncEntry.seq, [1, 2**53]) == set()
    finally:
        c.engine.dispose()
