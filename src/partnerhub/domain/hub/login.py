"""Partner staff log in to the dashboard: passwords, lockout, sessions and CSRF tokens [ours].

What this module decides, and why:

- **Credentials.** The email and password of a ``partner_users`` row (the same users that
  fetch bearer tokens). A wrong password, an unknown email and a disabled user fail alike, after
  the same work: exactly one argon2 verification (a dummy hash for an unknown email).
- **Lockout and budgets.** The one gate of every password check,
  :class:`partnerhub.domain.auth.lockout.PasswordGuard`: failures counted in the database per
  email (shared with ``POST /api/v2/token``, which checks the same users) and per client
  address, a per-address budget, and addresses that recently logged in as this user keep
  logging in while the email is locked out elsewhere.
- **Sessions.** A server-side table rather than a self-contained signed cookie: the cookie
  holds 256 random bits, the table its SHA-256 (a stolen database holds no usable cookie), and
  logging out (or disabling the user) ends the session everywhere at once, with no revocation
  list to keep in step. One indexed lookup per page view.
- **CSRF.** Each session's token is an HMAC of its cookie secret under a key derived from the
  server's master key for this purpose only: nothing more to store, different for every
  session, and useless without the HttpOnly cookie it is bound to.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from partnerhub.domain import ids
from partnerhub.domain.auth.lockout import Locked, PasswordGuard, user_account
from partnerhub.domain.auth.passwords import verify_password
from partnerhub.domain.clock import Clock
from partnerhub.domain.hub.model import HubSession, SignedIn
from partnerhub.domain.ports import UnitOfWork

MAX_EMAIL_LENGTH = 320
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a cap keeps a hostile login cheap

WRONG_CREDENTIALS = "Wrong email or password."


def locked_out(retry_after: int | None, *, by_address: bool = False) -> str:
    """The lockout message, saying how long to wait (the guard's ``Retry-After``)."""
    minutes = max(1, math.ceil((retry_after or 60) / 60))
    wait = f"Wait {minutes} {'minute' if minutes == 1 else 'minutes'} before trying again."
    if by_address:
        return "Too many login attempts from your network. " + wait
    return "Too many failed attempts for this email. " + wait


class LoginFailed(Exception):
    """The login is refused; the message is shown as it is."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # set when locked out

    @property
    def locked(self) -> bool:
        return self.retry_after is not None


@dataclass(frozen=True)
class LoginPolicy:
    session_ttl: timedelta


@dataclass(frozen=True)
class NewSession:
    secret: str  # for the cookie; never stored
    session: HubSession


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def log_in(
    uow: UnitOfWork,
    clock: Clock,
    guard: PasswordGuard,
    policy: LoginPolicy,
    email: str,
    password: str,
    address: str,
) -> NewSession:
    email = email.strip().lower()
    try:
        if (
            not email
            or len(email) > MAX_EMAIL_LENGTH
            or "\x00" in email
            or len(password) > MAX_PASSWORD_LENGTH
        ):
            await guard.spend(address)
            await verify_password(None, password[:MAX_PASSWORD_LENGTH].replace("\x00", ""))
            raise LoginFailed(WRONG_CREDENTIALS)
        user = await uow.users.get_by_email(email)

        async def verify() -> bool:
            ok = await verify_password(user.password_hash if user else None, password)
            return ok and user is not None and user.disabled_at is None

        passed = await guard.check(uow, user_account(email), address, verify)
    except Locked as locked:
        message = locked_out(locked.retry_after, by_address=locked.by_address)
        raise LoginFailed(message, retry_after=locked.retry_after) from None
    if not passed or user is None:
        raise LoginFailed(WRONG_CREDENTIALS)  # the attempt is already counted
    now = clock.now()
    await uow.hub.delete_expired_sessions(user.id, now)
    secret = secrets.token_urlsafe(32)
    session = HubSession(
        id=ids.new_id("HS", 12),
        token_digest=token_digest(secret),
        user_id=user.id,
        partner_id=user.partner_id,
        created_at=now,
        expires_at=now + policy.session_ttl,
    )
    await uow.hub.add_session(session)
    await uow.commit()
    return NewSession(secret, session)


async def signed_in(uow: UnitOfWork, clock: Clock, secret: str | None) -> SignedIn | None:
    """Who holds this cookie secret now, or None (missing, unknown, expired, logged out)."""
    if not secret or len(secret) > 128:
        return None
    return await uow.hub.signed_in(token_digest(secret), clock.now())


async def log_out(uow: UnitOfWork, clock: Clock, secret: str) -> None:
    await uow.hub.revoke_session(token_digest(secret), clock.now())
    await uow.commit()


def _csrf_key(master_key: str) -> bytes:
    return hmac.new(master_key.encode(), b"partnerhub-hub-csrf", hashlib.sha256).digest()


def csrf_token(master_key: str, secret: str) -> str:
    """The session's CSRF token, bound to its cookie secret."""
    return hmac.new(_csrf_key(master_key), secret.encode(), hashlib.sha256).hexdigest()


def csrf_valid(master_key: str, secret: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(master_key, secret), str(token))
