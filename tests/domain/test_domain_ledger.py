"""The per-kiosk hash chain of the ledger."""

from __future__ import annotations

import dataclasses

import pytest

from core.domain.ledger import GENESIS_HASH, EntryFacts, chain_hash, signed_points, verify_chain


def build_chain(n: int) -> tuple[list[EntryFacts], list[tuple[str, str]]]:
    entries, hashes, prev = [], [], GENESIS_HASH
    for seq in range(1, n + 1):
        facts = EntryFacts(
            id=f"00000000-0000-0000-0000-{seq:012d}",
            kiosk_id="T01",
            seq=seq,
            household_id=f"H{seq % 3:04d}",
            kind="earn" if seq % 2 else "spend",
            points=10 * seq if seq % 2 else -5 * seq,
            ref=f"ref-{seq}",
            created_at=f"2025-03-01T02:00:{seq:02d}.000000Z",
        )
        own = chain_hash(prev, facts)
        entries.append(facts)
        hashes.append((prev, own))
        prev = own
    return entries, hashes


def test_an_intact_chain_has_no_problems():
    entries, hashes = build_chain(6)
    assert verify_chain(entries, hashes) == []
    assert verify_chain([], []) == []


def test_chain_hash_depends_on_the_previous_hash_and_every_fact():
    facts = build_chain(1)[0][0]
    base = chain_hash(GENESIS_HASH, facts)
    assert chain_hash("1" * 64, facts) != base
    for name, value in [
        ("id", "x"),
        ("kiosk_id", "T02"),
        ("seq", 2),
        ("household_id", "H9999"),
        ("kind", "adjust"),
        ("points", 11),
        ("ref", "other"),
        ("created_at", "2025-03-01T02:00:02.000000Z"),
    ]:
        assert chain_hash(GENESIS_HASH, dataclasses.replace(facts, **{name: value})) != base


def test_verify_chain_detects_a_changed_amount():
    entries, hashes = build_chain(5)
    entries[2] = dataclasses.replace(entries[2], points=entries[2].points + 1)
    problems = verify_chain(entries, hashes)
    assert [(p.seq, p.problem) for p in problems] == [(3, "hash does not match contents")]


def test_verify_chain_detects_a_missing_entry():
    entries, hashes = build_chain(5)
    del entries[2], hashes[2]
    problems = verify_chain(entries, hashes)
    assert problems
    assert problems[0].seq == 4
    assert any("gap" in p.problem for p in problems)
    assert any(p.problem == "previous hash does not match" for p in problems)


def test_verify_chain_detects_a_missing_first_entry():
    entries, hashes = build_chain(3)
    problems = verify_chain(entries[1:], hashes[1:])
    assert {p.seq for p in problems} >= {2}


def test_verify_chain_detects_reordered_entries():
    entries, hashes = build_chain(5)
    entries[1], entries[2] = entries[2], entries[1]
    hashes[1], hashes[2] = hashes[2], hashes[1]
    problems = verify_chain(entries, hashes)
    assert {p.seq for p in problems} >= {2, 3}
    assert any(p.problem == "previous hash does not match" for p in problems)


def test_verify_chain_detects_an_entry_rehashed_without_relinking_the_next():
    entries, hashes = build_chain(4)
    entries[1] = dataclasses.replace(entries[1], points=999)
    hashes[1] = (hashes[1][0], chain_hash(hashes[1][0], entries[1]))
    problems = verify_chain(entries, hashes)
    assert [(p.seq, p.problem) for p in problems] == [(3, "previous hash does not match")]


def test_verify_chain_refuses_lists_of_different_lengths():
    entries, hashes = build_chain(3)
    with pytest.raises(ValueError):
        verify_chain(entries, hashes[:2])


@pytest.mark.parametrize(
    ("kind", "amount", "signed"),
    [("earn", 10, 10), ("spend", 10, -10), ("void", 10, 10), ("adjust", 10, 10)],
)
def test_signed_points_makes_only_spends_negative(kind, amount, signed):
    assert signed_points(kind, amount) == signed


def test_signed_points_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        signed_points("gift", 5)


def test_canonical_facts_keep_chinese_text_and_are_compact():
    facts = dataclasses.replace(build_chain(1)[0][0], ref="王家")
    assert "王家".encode() in facts.canonical()
    assert b" " not in facts.canonical()
