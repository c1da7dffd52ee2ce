"""Kiosk and office tokens: salted slow hashes, constant-time checks, a cache that forgets."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from security_helpers import ADMIN_PASSWORD, audit_entry, bearer
from sqlalchemy import select

from core.db.engine import make_engine
from core.domain import passwords
from sync.central import models as cm
from sync.central import tokens
from sync.central.app import create_central_app
from sync.central.context import Central
from sync.central.server import MIGRATIONS, open_central
from sync.central.services import kiosks as kiosks_service
from sync.central.services import tokens as tokens_service
from sync.central.services import users


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the scrypt computations from now on."""
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(passwords.hashlib, "scrypt", counting)
    return calls


def test_tokens_are_stored_as_salted_scrypt_hashes_found_by_a_public_id(office):
    token = office.kiosk_tokens["K001"]
    with office.central.uow(write=False) as uow:
        kiosk = uow.session.get(cm.Kiosk, "K001")
        stored, token_id = kiosk.token_hash, kiosk.token_id
        office_rows = uow.session.execute(
            select(cm.OfficeToken.token_id, cm.OfficeToken.token_hash).order_by(cm.OfficeToken.id)
        ).all()
    assert token.startswith(f"ekt_{token_id}.")
    assert stored.startswith("scrypt$")
    secret = token.partition(".")[2]
    assert token not in stored and secret not in stored
    assert tokens.legacy_digest(token) not in stored  # no fast digest of the token either
    assert passwords.secret_matches(token, stored)
    # Salted: the same token hashed twice gives different stored forms.
    assert passwords.hash_secret(token) != passwords.hash_secret(token)
    for row, plain in zip(office_rows, (office.admin_token, office.viewer_token), strict=True):
        assert plain.startswith(f"eko_{row.token_id}.") and row.token_hash.startswith("scrypt$")
        assert plain.partition(".")[2] not in row.token_hash


def test_a_token_with_a_known_id_but_a_wrong_secret_is_refused(client, office):
    token = office.kiosk_tokens["K001"]
    token_id = token.removeprefix("ekt_").partition(".")[0]
    forged = f"ekt_{token_id}.{'A' * 43}"
    answer = client.post("/api/v1/heartbeat", json={}, headers=bearer(forged))
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized"
    other = office.kiosk_tokens["K002"].partition(".")[2]
    mixed = f"ekt_{token_id}.{other}"  # K001's id with K002's secret
    assert client.post("/api/v1/heartbeat", json={}, headers=bearer(mixed)).status_code == 401
    assert client.get("/api/v1/stats", headers=bearer(token)).status_code == 401  # not office
    assert client.post("/api/v1/heartbeat", json={}, headers=bearer(token)).status_code == 200


def test_the_secret_is_compared_in_constant_time(client, office, monkeypatch):
    compared: list[tuple[bytes, bytes]] = []
    real = passwords.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)
    office.central.tokens.clear()
    token = office.kiosk_tokens["K001"]
    assert client.post("/api/v1/heartbeat", json={}, headers=bearer(token)).status_code == 200
    assert len(compared) == 1 and len(compared[0][0]) == 32


def test_a_kiosk_pays_the_slow_hash_once_and_not_for_every_push(client, office, scrypt_calls):
    office.central.tokens.clear()
    token = office.kiosk_tokens["K001"]
    for seq in range(1, 6):
        answer = client.post("/api/v1/push", json=audit_entry("K001", seq), headers=bearer(token))
        assert answer.status_code == 200, answer.json
        assert answer.json["results"][0]["status"] == "applied"
    assert len(scrypt_calls) == 1


def test_tokens_are_hashed_at_the_token_cost_and_older_rows_are_rehashed_once(
    client, office, scrypt_calls
):
    token = office.kiosk_tokens["K001"]
    with office.central.uow(write=False) as uow:
        assert passwords.hash_cost(uow.session.get(cm.Kiosk, "K001").token_hash) == 2**10
    # A row hashed at the PIN cost, as releases before TOKEN_COST stored every token.
    with office.central.uow() as uow:
        uow.session.get(cm.Kiosk, "K001").token_hash = passwords.hash_secret(token, cost=2**14)
        uow.commit()
    office.central.tokens.clear()
    scrypt_calls.clear()
    assert client.post("/api/v1/heartbeat", json={}, headers=bearer(token)).status_code == 200
    assert len(scrypt_calls) == 2  # verified at the old cost, then hashed at the new one
    with office.central.uow(write=False) as uow:
        stored = uow.session.get(cm.Kiosk, "K001").token_hash
    assert passwords.hash_cost(stored) == tokens.TOKEN_COST
    assert passwords.secret_matches(token, stored)
    office.central.tokens.clear()  # another process, or after a restart: one cheap hash
    scrypt_calls.clear()
    assert client.post("/api/v1/heartbeat", json={}, headers=bearer(token)).status_code == 200
    assert len(scrypt_calls) == 1
    forged = token[:-4] + "AAAA"  # a wrong secret never rewrites the row
    office.central.tokens.clear()
    assert client.post("/api/v1/heartbeat", json={}, headers=bearer(forged)).status_code == 401
    with office.central.uow(write=False) as uow:
        assert uow.session.get(cm.Kiosk, "K001").token_hash == stored


def test_a_token_is_admitted_even_when_its_re_hash_cannot_be_stored(client, office, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from sync.central.services import tokens as token_service

    token = office.kiosk_tokens["K001"]
    old = passwords.hash_secret(token, cost=2**14)
    with office.central.uow() as uow:
        uow.session.get(cm.Kiosk, "K001").token_hash = old
        uow.commit()

    def busy(*args, **kwargs):
        raise OperationalError("UPDATE kiosks", {}, Exception("database is locked"))

    monkeypatch.setattr(token_service, "update", busy)
    office.central.tokens.clear()
    assert client.post("/api/v1/heartbeat", json={}, headers=bearer(token)).status_code == 200
    with office.central.uow(write=False) as uow:
        assert uow.session.get(cm.Kiosk, "K001").token_hash == old  # tried again next time


def test_a_revoked_kiosk_is_refused_at_once_even_though_its_token_was_cached(client, office):
    token = office.kiosk_tokens["K001"]
    assert client.post("/api/v1/heartbeat", json={}, headers=bearer(token)).status_code == 200
    kiosks_service.revoke_kiosk(office.central, "K001")
    answer = client.post("/api/v1/push", json=audit_entry("K001"), headers=bearer(token))
    assert answer.status_code == 401
    with office.central.uow(write=False) as uow:
        assert not uow.session.scalars(
            select(cm.AuditEntry).where(cm.AuditEntry.actor == "K001:admin")
        ).all()


def test_another_process_refuses_a_revoked_kiosk_within_a_second(office, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(tokens.time, "monotonic", lambda: now[0])
    # A second worker: the same database, its own token cache.
    other = Central(office.central.engine)
    other_app = create_central_app(other).test_client()
    token = office.kiosk_tokens["K002"]
    assert other_app.post("/api/v1/heartbeat", json={}, headers=bearer(token)).status_code == 200
    kiosks_service.revoke_kiosk(office.central, "K002")  # revoked by this process (the CLI, say)
    assert other.tokens.check_every == tokens.REVOCATION_CHECK == 1.0
    now[0] += 0.5
    # Within the bound the other worker may still admit it ...
    assert other_app.post("/api/v1/heartbeat", json={}, headers=bearer(token)).status_code == 200
    now[0] += 0.6
    # ... and after it, never; its other kiosks are verified afresh and still admitted.
    answer = other_app.post("/api/v1/heartbeat", json={}, headers=bearer(token))
    assert answer.status_code == 401
    k1 = bearer(office.kiosk_tokens["K001"])
    assert other_app.post("/api/v1/heartbeat", json={}, headers=k1).status_code == 200


def test_a_verified_token_is_checked_again_after_the_cache_time(
    client, office, monkeypatch, scrypt_calls
):
    now = [5000.0]
    monkeypatch.setattr(tokens.time, "monotonic", lambda: now[0])
    office.central.tokens.clear()
    token = bearer(office.kiosk_tokens["K001"])
    for step in (0, 10, tokens.CACHE_SECONDS - 20):
        now[0] += step
        assert client.post("/api/v1/heartbeat", json={}, headers=token).status_code == 200
    assert len(scrypt_calls) == 1
    now[0] += 30
    assert client.post("/api/v1/heartbeat", json={}, headers=token).status_code == 200
    assert len(scrypt_calls) == 2


def test_a_token_verified_while_something_was_revoked_is_not_remembered():
    cache = tokens.TokenCache()
    generation = cache.generation
    cache.forget("kiosk:K001")  # a revocation lands while the token is being verified
    cache.put("ekt_x", "kiosk:K001", ("kiosk", "K001", 1), generation)
    assert cache.get("ekt_x") is None
    cache.put("ekt_x", "kiosk:K001", ("kiosk", "K001", 1), cache.generation)
    assert cache.get("ekt_x") == ("kiosk", "K001", 1)
    cache.saw_stamp("a")
    assert cache.get("ekt_x") is None  # a moved stamp forgets everything


def test_a_revoked_office_token_is_refused_at_once(client, office):
    token = office.viewer_token
    assert client.get("/api/v1/stats", headers=bearer(token)).status_code == 200
    token_id = token.removeprefix("eko_").partition(".")[0]
    tokens_service.revoke_office_token(office.central, token_id)
    assert client.get("/api/v1/stats", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(
    "token",
    [
        "",
        "ekt_",
        "ekt_.",
        "ekt_abc.def",
        "ekt_" + "0" * 16 + ".",
        "ekt_" + "x" * 300,
        "ekt_密码.秘密",
        "Basic abc",
    ],
)
def test_malformed_tokens_are_refused_without_a_500(client, token):
    answer = client.post("/api/v1/heartbeat", json={}, headers=bearer(token))
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized"


# -- tokens issued before salted hashes -----------------------------------------------------------


def legacy_central(tmp_path: Path) -> tuple[str, str, str]:
    """Make a central database at revision c0002 holding a kiosk and an office token as SHA-256."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "c0002")
    engine.dispose()
    kiosk_token, office_token = "ekt_" + "k" * 43, "eko_" + "o" * 43
    db = sqlite3.connect(tmp_path / "old.db")
    with db:
        db.execute(
            "INSERT INTO stores (id, name, offline_allowance, created_at) VALUES (1, ?, 200, ?)",
            ("旧门店", "2026-01-01 00:00:00.000000"),
        )
        db.execute(
            "INSERT INTO kiosks (id, store_id, token_hash, revoked, enrolled_at, contiguous_seq)"
            " VALUES ('K900', 1, ?, 0, '2026-01-01 00:00:00.000000', 0)",
            (tokens.legacy_digest(kiosk_token),),
        )
        db.execute(
            "INSERT INTO office_tokens (token_hash, role, label, created_at, revoked)"
            " VALUES (?, 'viewer', 'old', '2026-01-01 00:00:00.000000', 0)",
            (tokens.legacy_digest(office_token),),
        )
    db.close()
    return url, kiosk_token, office_token


def test_tokens_issued_before_the_upgrade_keep_working_and_lose_their_fast_digest(tmp_path):
    url, kiosk_token, office_token = legacy_central(tmp_path)
    c = open_central(url)  # migrates to c0003
    try:
        with c.uow(write=False) as uow:
            kiosk = uow.session.get(cm.Kiosk, "K900")
            office_row = uow.session.scalar(select(cm.OfficeToken))
            stored = [kiosk.token_hash, office_row.token_hash]
            ids = [kiosk.token_id, office_row.token_id]
        for token, hashed, token_id in zip((kiosk_token, office_token), stored, ids, strict=True):
            assert hashed.startswith("scrypt$")
            assert tokens.legacy_digest(token) not in hashed
            assert token_id == "legacy-" + tokens.legacy_digest(token)[:16]
        client = create_central_app(c).test_client()
        beat = client.post("/api/v1/heartbeat", json={"version": "1"}, headers=bearer(kiosk_token))
        assert beat.status_code == 200
        pushed = client.post("/api/v1/push", json=audit_entry("K900"), headers=bearer(kiosk_token))
        assert pushed.status_code == 200 and pushed.json["results"][0]["status"] == "applied"
        assert client.get("/api/v1/stats", headers=bearer(office_token)).status_code == 200
        wrong = "ekt_" + "j" * 43
        assert client.post("/api/v1/heartbeat", json={}, headers=bearer(wrong)).status_code == 401
        # New enrolments on the upgraded database get the new form, and both live side by side.
        fresh = kiosks_service.enroll(c, "旧门店", "K901")
        assert "." in fresh.token
        assert (
            client.post("/api/v1/heartbeat", json={}, headers=bearer(fresh.token)).status_code
            == 200
        )
    finally:
        c.engine.dispose()


def test_the_enrol_command_keeps_its_output_and_its_token_works(tmp_path, capsys):
    from kiosk.cli import main

    url = f"sqlite:///{tmp_path / 'central.db'}"
    assert (
        main(["central", "enroll", "--store", "东村爱心超市", "--json", "--database-url", url]) == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"kiosk_id", "token"}
    c = open_central(url)
    try:
        client = create_central_app(c).test_client()
        answer = client.post(
            "/api/v1/push", json=audit_entry(printed["kiosk_id"]), headers=bearer(printed["token"])
        )
        assert answer.status_code == 200
    finally:
        c.engine.dispose()


def test_pins_and_office_passwords_are_salted_scrypt_hashes(
    office, seeded, production_password_cost
):

    from kiosk.services import staff

    rt, _ = seeded
    staff.set_pin(rt.kiosk, "135790", actor="test")
    first = _stored_pin(rt)
    staff.set_pin(rt.kiosk, "135790", actor="test")
    second = _stored_pin(rt)
    assert first.startswith("scrypt$") and "135790" not in first
    assert first != second  # a fresh salt each time
    with office.central.uow(write=False) as uow:
        stored = uow.session.scalar(
            select(cm.OfficeUser.password_hash).where(cm.OfficeUser.username == "admin")
        )
    assert stored.startswith("scrypt$") and ADMIN_PASSWORD not in stored
    assert passwords.secret_matches(ADMIN_PASSWORD, stored)
    assert not passwords.secret_matches(ADMIN_PASSWORD + "x", stored)
    # At the production cost (the suite hashes more cheaply elsewhere): a guess costs as much.
    assert passwords.hash_cost(first) == passwords.hash_cost(second) == 2**14
    users.add_user(office.central, "costly", "a password of some length", "viewer", actor="test")
    with office.central.uow(write=False) as uow:
        stored = uow.session.scalar(
            select(cm.OfficeUser.password_hash).where(cm.OfficeUser.username == "costly")
        )
    assert passwords.hash_cost(stored) == production_password_cost == 2**14


def _stored_pin(rt) -> str:
    from kiosk.storage.models import StaffMember

    with rt.kiosk.uow(write=False) as uow:
        return uow.session.scalars(select(StaffMember.pin_hash)).one()


def test_the_central_models_match_the_migrated_schema(office):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with office.central.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), cm.Base.metadata) == []


def test_the_office_can_revoke_an_office_token_from_the_command_line(tmp_path, capsys):
    from kiosk.cli import main

    url = f"sqlite:///{tmp_path / 'central.db'}"
    assert main(["central", "office-token", "--role", "viewer", "--database-url", url]) == 0
    assert main(["central", "office-token", "--database-url", url]) == 0
    first, second = capsys.readouterr().out.split()
    c = open_central(url)
    try:
        client = create_central_app(c).test_client()
        for token in (first, second):
            assert client.get("/api/v1/stats", headers=bearer(token)).status_code == 200
        token_id = second.removeprefix("eko_").partition(".")[0]
        assert main(["central", "revoke-office-token", first, "--database-url", url]) == 0
        assert main(["central", "revoke-office-token", token_id, "--database-url", url]) == 0
        assert main(["central", "revoke-office-token", "nosuchid", "--database-url", url]) == 1
        c.tokens.clear()  # the command ran in "another process"; this one's cache is bounded
        for token in (first, second):
            assert client.get("/api/v1/stats", headers=bearer(token)).status_code == 401
    finally:
        c.engine.dispose()
