"""A stolen kiosk token and the card lookup (`GET /api/v1/cards/<sha256>`) and the store feed: it
cannot walk the programme's households, learns nothing from a revoked card, is rate-limited on
lookups apart from its syncing, leaves an audit entry for each lookup, and reads only its own
store's feed whatever it asks for."""

from __future__ import annotations

import hashlib

from security_helpers import EAST, WEST, audit_entry, bearer
from sqlalchemy import select

from core.domain.codes import token_hash
from sync.central import models as cm
from sync.central.services import kiosks

TOKEN = "card-token-of-wang-jianguo"


def add_card(office, token: str = TOKEN, status: str = "active") -> str:
    """Give 王建国 a card with this token; return its SHA-256."""
    digest = token_hash(token)
    with office.central.uow() as uow:
        s = uow.session
        uow.session.add(
            cm.Card(
                resident_id="H000001-1",
                token_hash=digest,
                status=status,
                issued_at=office.central.clock.now(),
                issued_by="office",
            )
        )
        s.flush()
        uow.commit()
    return digest


def look_up(client, token: str, digest: str):
    return client.get(f"/api/v1/cards/{digest}", headers=bearer(token))


def members_of(office, store: str) -> list[str]:
    with office.central.uow(write=False) as uow:
        s = uow.session
        store_id = s.scalar(select(cm.Store.id).where(cm.Store.name == store))
        return list(
            s.scalars(
                select(cm.StoreMember.household_id).where(cm.StoreMember.store_id == store_id)
            )
        )


def lookups_audited(office) -> list[tuple]:
    with office.central.uow(write=False) as uow:
        return [
            (e.actor, e.target, e.details["found"], e.details["card"])
            for e in uow.session.scalars(
                select(cm.AuditEntry)
                .where(cm.AuditEntry.action == "card_lookup")
                .order_by(cm.AuditEntry.id)
            )
        ]


def test_the_answer_holds_only_what_a_kiosk_needs_to_serve_the_household(client, office):
    digest = add_card(office)
    answer = look_up(client, office.kiosk_tokens["K001"], digest)
    assert answer.status_code == 200
    fields = {(c["kind"], tuple(sorted(c["data"]))) for c in answer.json["changes"]}
    assert fields == {
        ("household", ("id", "name")),
        ("resident", ("household_id", "id", "name")),
        ("card", ("resident_id", "status", "token_hash")),
        ("balance", ("balance", "household_id", "kiosk_id", "seq")),
    }
    assert "13800000000" not in answer.text  # no phone number leaves central
    households = {
        c["data"]["household_id"] for c in answer.json["changes"] if "household_id" in c["data"]
    }
    assert households == {"H000001"}  # one household, never another


def test_a_revoked_card_tells_a_kiosk_nothing_of_its_household(client, office):
    digest = add_card(office, status="revoked")
    answer = look_up(client, office.kiosk_tokens["K001"], digest)
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
    assert "王建国" not in answer.text
    assert members_of(office, EAST) == []  # nor does the household join the store


def test_a_revoked_kiosk_token_cannot_look_up_a_card(client, office):
    digest = add_card(office)
    assert look_up(client, office.kiosk_tokens["K002"], digest).status_code == 200
    kiosks.revoke_kiosk(office.central, "K002")
    refused = look_up(client, office.kiosk_tokens["K002"], digest)
    assert refused.status_code == 401 and refused.json["error"]["code"] == "unauthorized"
    assert "王建国" not in refused.text


def test_card_lookups_beyond_a_kiosks_allowance_are_refused_apart_from_its_syncing(office):
    app = office.app(CARD_LOOKUP_BURST=5, CARD_LOOKUP_PER_SECOND=0.001)
    client = app.test_client()
    k1, k2 = office.kiosk_tokens["K001"], office.kiosk_tokens["K002"]
    guesses = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(8)]
    answers = [look_up(client, k1, g).status_code for g in guesses]
    assert answers[:5] == [404] * 5
    assert answers[5:] == [429] * 3
    refused = look_up(client, k1, guesses[0])
    assert refused.json["error"]["code"] == "rate_limited" and "Retry-After" in refused.headers
    assert look_up(client, k2, guesses[0]).status_code == 404  # another kiosk's own allowance
    pushed = client.post("/api/v1/push", json=audit_entry("K001"), headers=bearer(k1))
    assert pushed.status_code == 200  # the kiosk still syncs


def test_every_lookup_is_audited_with_the_kiosk_and_what_it_found(client, office):
    digest = add_card(office)
    look_up(client, office.kiosk_tokens["K001"], digest)
    look_up(client, office.kiosk_tokens["K002"], "0" * 64)
    assert lookups_audited(office) == [
        ("kiosk:K001", "H000001", True, digest[:12]),
        ("kiosk:K002", "", False, "0" * 12),
    ]


def test_a_kiosk_cannot_ask_for_another_stores_feed(client, office):
    add_card(office)
    look_up(client, office.kiosk_tokens["K002"], token_hash(TOKEN))  # 王建国家 joins WEST
    assert members_of(office, WEST) == ["H000001"]
    with office.central.uow(write=False) as uow:
        west = uow.session.scalar(select(cm.Store.id).where(cm.Store.name == WEST))
    k1 = office.kiosk_tokens["K001"]
    for extra in (f"&store={west}", f"&store_id={west}", f"&store={WEST}", "&kiosk_id=K002"):
        answer = client.get(f"/api/v1/changes?after=0&scope=store{extra}", headers=bearer(k1))
        assert answer.status_code == 200, extra
        assert "王建国" not in answer.text, extra
    other = client.get("/api/v1/changes?after=0&scope=west", headers=bearer(k1))
    assert other.status_code == 400
