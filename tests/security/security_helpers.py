"""Helpers of the security tests: a seeded central's tokens, sign-in, state snapshots."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.domain.ledger import wire_time
from sync.central import models as cm
from sync.central.app import create_central_app
from sync.central.context import Central

EAST, WEST = "东村爱心超市", "西村爱心超市"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN_PASSWORD, VIEWER_PASSWORD = "admin-password-1", "viewer-password-1"


@dataclass
class Office:
    """A seeded central: its context, the kiosks' tokens and the office tokens."""

    central: Central
    kiosk_tokens: dict[str, str]
    admin_token: str
    viewer_token: str

    def app(self, **config) -> Flask:
        """Return a new central app (a new worker, as far as rate limits go)."""
        return create_central_app(self.central, config or None)


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """Return the CSRF token of the client's office session."""
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client: FlaskClient, user: str, password: str):
    """Sign in to the office web the way the form does."""
    return client.post(
        "/login", data={"csrf_token": csrf(client), "username": user, "password": password}
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def row_counts(c: Central) -> dict[str, int]:
    """Count the rows of every central table (the audit log and sign-in bookkeeping aside)."""
    skip = {"audit_log", "office_users", "office_sessions", "site_secrets"}
    with c.uow(write=False) as uow:
        s = uow.session
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in cm.Base.metadata.sorted_tables
            if t.name not in skip
        }


def state_of(c: Central) -> dict[str, object]:
    """Return what a write would change: row counts, balances, allowances, revocations."""
    with c.uow(write=False) as uow:
        s = uow.session
        return {
            "rows": row_counts(c),
            "balances": dict(s.execute(select(cm.Household.id, cm.Household.balance)).all()),
            "allowances": dict(s.execute(select(cm.Store.id, cm.Store.offline_allowance)).all()),
            "cards": dict(s.execute(select(cm.Card.id, cm.Card.status)).all()),
            "alerts": dict(s.execute(select(cm.Alert.id, cm.Alert.resolved_at)).all()),
            "kiosks": {
                k.id: (k.last_seen, k.version, k.backlog, k.revoked, k.contiguous_seq)
                for k in s.scalars(select(cm.Kiosk))
            },
        }


def audit_entry(kiosk_id: str, seq: int = 1) -> dict:
    """Return a push body with one audit entry."""
    at = wire_time(datetime(2026, 11, 2, 2, 0, 0))
    return {
        "kiosk_id": kiosk_id,
        "entries": [
            {
                "id": str(uuid.uuid4()),
                "seq": seq,
                "kind": "audit",
                "created_at": at,
                "payload": {"at": at, "actor": "admin", "action": "login"},
            }
        ],
    }
