"""A partner user's credentials over time: password change, ending logins, disabling [ours].

360dialog documents none of this for its Partner API (docs/fidelity.md, "Partner users"), so
these are our rules, chosen so that a stolen credential has an end:

- **Password change** needs the current password, whoever asks (a stolen access token alone
  cannot take the account over), and ends every login of the user: all bearer token families
  (their refresh tokens *and* access tokens, which the authenticator checks against the family)
  and all dashboard sessions. A change made from the dashboard keeps that browser signed in by
  handing it a *new* session: the old cookie dies with the rest, so a copy of it is worthless.
- **Revoke** ends the same logins without touching the password (a lost laptop, a leaked
  refresh token).
- **Disable** revokes too, and keeps the user out until enabled again: no token, no refresh, no
  dashboard login, and access tokens already issued stop working on their next request.
- Wrong current passwords go through the one password gate (``PasswordGuard``): the same
  lockout and address budget as ``/token`` and ``/hub/login``, so the change form is no way
  around them.

Operators (the local CLI) set a password without the current one: they already hold the
database.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import timedelta

from partnerhub.domain import ids
from partnerhub.domain.auth.lockout import Locked, PasswordGuard, user_account
from partnerhub.domain.auth.model import CredentialKind, Principal
from partnerhub.domain.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import InvalidInput, NotFound, RateLimited
from partnerhub.domain.hub.login import MAX_PASSWORD_LENGTH, NewSession, token_digest
from partnerhub.domain.hub.model import HubSession
from partnerhub.domain.partners.model import PartnerUser
from partnerhub.domain.ports import UnitOfWork

ME = "me"  # the user behind the calling bearer token, in place of a user id


@dataclass(frozen=True)
class LoginsRevoked:
    """How many live logins an action ended."""

    token_families: int
    dashboard_sessions: int


async def users_of(uow: UnitOfWork, partner_id: str) -> list[PartnerUser]:
    return await uow.users.list_for_partner(partner_id)


async def resolve_user(
    uow: UnitOfWork, partner_id: str, user_ref: str, caller: Principal | None = None
) -> PartnerUser:
    """The partner's user named by id, or ``me`` for the bearer caller's own user.

    Another partner's user answers 404, exactly like one that does not exist (spec §2.1).
    """
    user_id = user_ref
    if user_ref == ME:
        if caller is None or caller.kind is not CredentialKind.BEARER:
            raise InvalidInput(
                "user_id", "'me' needs a bearer token; an API key acts for no user, so give an id"
            )
        family = await uow.tokens.get_family(caller.credential_id)
        if family is None:
            raise NotFound("User not found")
        user_id = family.user_id
    user = await uow.users.get(user_id)
    if user is None or user.partner_id != partner_id:
        raise NotFound("User not found")
    return user


async def user_by_email(uow: UnitOfWork, email: str) -> PartnerUser:
    user = await uow.users.get_by_email(email.strip().lower())
    if user is None:
        raise NotFound(f"No user with email {email.strip()}")
    return user


def _validate_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("new_password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("new_password", f"must be at most {MAX_PASSWORD_LENGTH} characters")
    if "\x00" in password:
        raise InvalidInput("new_password", "must not contain NUL characters")


async def _check_current_password(
    uow: UnitOfWork, guard: PasswordGuard, user: PartnerUser, password: str, address: str
) -> None:
    """Through the one password gate (:mod:`partnerhub.domain.auth.lockout`), so the change
    form is no way around the lockout of ``/token`` and ``/hub/login``: the same account, the
    same address budget, one argon2 verification per attempt."""

    async def verify() -> bool:
        return len(password) <= MAX_PASSWORD_LENGTH and await verify_password(
            user.password_hash, password
        )

    try:
        passed = await guard.check(uow, user_account(user.email), address, verify)
    except Locked as locked:
        raise RateLimited(
            "Too many wrong passwords for this user. Wait a while before trying again.",
            retry_after=locked.retry_after,
        ) from None
    if not passed:
        raise InvalidInput("current_password", "is not the user's current password")


async def revoke_logins(
    uow: UnitOfWork, clock: Clock, user: PartnerUser, *, keep_session_id: str | None = None
) -> LoginsRevoked:
    """End every token family and dashboard session of ``user`` (but ``keep_session_id``), in
    the caller's transaction: the caller commits."""
    now = clock.now()
    families = await uow.tokens.revoke_user_families(user.id, now)
    sessions = await uow.hub.revoke_user_sessions(user.id, now, keep_id=keep_session_id)
    return LoginsRevoked(families, sessions)


async def change_password(
    uow: UnitOfWork,
    clock: Clock,
    guard: PasswordGuard,
    user: PartnerUser,
    current_password: str,
    new_password: str,
    address: str,
) -> LoginsRevoked:
    """The user's own change: the current password is required; every login ends."""
    _validate_new_password(new_password)
    await _check_current_password(uow, guard, user, current_password, address)
    if current_password == new_password:
        raise InvalidInput("new_password", "must differ from the current password")
    return await _store_password(uow, clock, user, new_password)


async def set_password(
    uow: UnitOfWork, clock: Clock, user: PartnerUser, new_password: str
) -> LoginsRevoked:
    """An operator's reset (local CLI): no current password; every login ends."""
    _validate_new_password(new_password)
    return await _store_password(uow, clock, user, new_password)


async def _store_password(
    uow: UnitOfWork,
    clock: Clock,
    user: PartnerUser,
    new_password: str,
) -> LoginsRevoked:
    password_hash = await asyncio.to_thread(hash_password, new_password)  # before the lock
    await uow.lock_for_write()
    user.password_hash = password_hash
    revoked = await revoke_logins(uow, clock, user)
    await uow.commit()
    return revoked


async def revoke_user_logins(uow: UnitOfWork, clock: Clock, user: PartnerUser) -> LoginsRevoked:
    """ "Sign out everywhere": the password stays, every login ends."""
    await uow.lock_for_write()
    revoked = await revoke_logins(uow, clock, user)
    await uow.commit()
    return revoked


async def set_disabled(
    uow: UnitOfWork, clock: Clock, user: PartnerUser, disabled: bool
) -> LoginsRevoked:
    """Disable (which ends every login, so enabling later revives none of them) or enable."""
    await uow.lock_for_write()
    revoked = LoginsRevoked(0, 0)
    if disabled:
        if user.disabled_at is None:
            user.disabled_at = clock.now()
        revoked = await revoke_logins(uow, clock, user)
    else:
        user.disabled_at = None
    await uow.commit()
    return revoked


async def replace_session(
    uow: UnitOfWork, clock: Clock, user: PartnerUser, ttl: timedelta
) -> NewSession:
    """A fresh dashboard session for the browser that just changed its password (the old one
    was revoked with the rest). Commits."""
    await uow.write_gate()
    now = clock.now()
    secret = secrets.token_urlsafe(32)
    session = HubSession(
        id=ids.new_id("HS", 12),
        token_digest=token_digest(secret),
        user_id=user.id,
        partner_id=user.partner_id,
        created_at=now,
        expires_at=now + ttl,
    )
    await uow.hub.add_session(session)
    await uow.commit()
    return NewSession(secret, session)
