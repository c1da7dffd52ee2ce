"""Office API tokens: issue, verify, revoke; and the stamp that makes revocations felt."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sync.central import tokens
from sync.central.context import Central
from sync.central.models import Area, Kiosk, OfficeToken, OfficeUser, SiteSecret
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.states import Role, TokenOwner

log = logging.getLogger(__name__)


def office_token(
    c: Central,
    role: str = Role.ADMIN,
    label: str = "",
    actor: str = "cli",
    *,
    user: str | None = None,
) -> str:
    """Create an office API token; return it.

    Without a user the token has the role given and sees the whole programme; with one it is
    scoped like that user, taking their role and area as they are whenever it is verified.
    """
    if role not in tuple(Role):
        raise RegistryError(Refusal.ROLE)
    issued = tokens.issue(tokens.OFFICE_PREFIX)
    with c.uow() as uow:
        now = c.clock.now()
        user_id = None
        if user is not None:
            owner = uow.session.scalar(
                select(OfficeUser).where(OfficeUser.username == user.strip())
            )
            if owner is None or not owner.active:
                raise RegistryError(Refusal.NO_USER, username=user)
            user_id, role = owner.id, owner.role
        uow.session.add(
            OfficeToken(
                token_id=issued.token_id,
                token_hash=issued.token_hash,
                role=role,
                label=label,
                created_at=now,
                user_id=user_id,
            )
        )
        audit(uow.session, now, actor, "office_token", role, label=label, user=user)
        uow.commit()
    return issued.token


def revoke_office_token(c: Central, token_id: str, actor: str = "cli") -> None:
    """Revoke an office token by its public id so it can no longer be used."""
    with c.uow() as uow:
        row = uow.session.scalar(select(OfficeToken).where(OfficeToken.token_id == token_id))
        if row is None:
            raise RegistryError(Refusal.NO_OFFICE_TOKEN, token_id=token_id)
        row.revoked, office_id = True, row.id
        stamp_revocation(uow.session)
        audit(uow.session, c.clock.now(), actor, "office_token_revoke", token_id)
        uow.commit()
    c.tokens.forget(f"{TokenOwner.OFFICE}:{office_id}")


def stamp_revocation(s: Session) -> None:
    """Change the stamp that tells every central process to forget the tokens it verified."""
    row = s.get(SiteSecret, tokens.REVOCATION_STAMP)
    if row is None:
        s.add(SiteSecret(name=tokens.REVOCATION_STAMP, value=secrets.token_hex(8)))
    else:
        row.value = secrets.token_hex(8)  # random, not a counter: two revocations never collide


def verify_kiosk_token(c: Central, token: str) -> tuple[str, tuple[str, int]] | None:
    """Return ("kiosk:<id>", (kiosk id, store id)) if the token is a live kiosk's, else None."""
    return _verified(c, token, tokens.KIOSK_PREFIX, Kiosk)


def verify_office_token(c: Central, token: str) -> tuple[str, tuple[str, str | None]] | None:
    """Return ("office:<id>", (role, area path)) if the token is a live office token, else None.

    A token of a user takes the user's role and area now, and dies with the user's account.
    """
    return _verified(c, token, tokens.OFFICE_PREFIX, OfficeToken)


def _verified(c: Central, token: str, prefix: str, model) -> tuple[str, Any] | None:
    """Return (owner, row facts) of a token's live row if the token matches it, else None."""
    presented = tokens.parse(token, prefix)
    if presented is None:
        return None
    with c.uow(write=False) as uow:
        row = uow.session.scalar(select(model).where(model.token_id == presented.token_id))
        if row is None or row.revoked:
            return None
        stored = row.token_hash
        if model is Kiosk:
            found = (f"{TokenOwner.KIOSK}:{row.id}", (row.id, row.store_id))
        elif row.user_id is None:
            found = (f"{TokenOwner.OFFICE}:{row.id}", (row.role, None))
        else:
            owner = uow.session.execute(
                select(OfficeUser.role, OfficeUser.active, Area.path)
                .outerjoin(Area, Area.id == OfficeUser.area_id)
                .where(OfficeUser.id == row.user_id)
            ).one_or_none()
            if owner is None or not owner.active:
                return None
            found = (f"{TokenOwner.OFFICE}:{row.id}", (owner.role, owner.path))
    # The slow hash runs outside the transaction: no connection is held while it works.
    if not tokens.matches(presented, stored):
        return None
    fresh = tokens.rehash(presented, stored)
    if fresh is not None:  # stored at an earlier cost: store it at today's, once
        try:
            with c.uow() as uow:
                uow.session.execute(
                    update(model)
                    .where(model.token_id == presented.token_id, model.token_hash == stored)
                    .values(token_hash=fresh)
                )
                uow.commit()
        except SQLAlchemyError:  # the token is good all the same: re-hash it next time
            log.warning("could not store the re-hashed token %s", presented.token_id)
    return found


def token_cache(c: Central) -> tokens.TokenCache:
    """Return this process's verified tokens, first forgetting them all if any was revoked."""
    if c.tokens.stamp_due():
        with c.uow(write=False) as uow:
            row = uow.session.get(SiteSecret, tokens.REVOCATION_STAMP)
            stamp = row.value if row is not None else ""
        c.tokens.saw_stamp(stamp)
    return c.tokens
