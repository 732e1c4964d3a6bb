"""An existing client logs in on the onboarding page (spec §8 ``next=login``) [ours].

An unauthenticated link must never change anything, so a client that comes back to add numbers
or to change the partner's per-number permission proves who it is with the password it chose at
signup. What this module decides:

- **Credentials.** Email and password of a :class:`ClientLogin` of *this* partner (and of
  ``client_id`` when the link names one). A wrong password, an unknown email, another partner's
  client and another ``client_id`` all fail the same way and after the same work: an unknown
  email is verified against a dummy argon2 hash, as the partner login does.
- **Lockout.** After :data:`MAX_FAILURES` failures for one email (per partner) within
  :data:`FAILURE_WINDOW`, further attempts for that email are refused without checking the
  password until the oldest failure leaves the window. Failures are stored **in the database**
  (``client_login_failures``), so every server process and worker sees the same count and a
  restart does not reset it; they are timed by the injectable clock. Failures are counted for
  unknown emails too, so the lockout says nothing about whether an email exists. A success clears
  the email's failures.
- **Session.** After the login the page carries a short-lived signed token in a hidden field
  (no cookie): an HS256 JWT keyed by a key derived from the server's master key for this purpose
  only, naming the partner, the client and the client's ``modified_at`` (its version). It cannot
  be forged, is refused on another partner's page, only ever acts on the client it names, and is
  spent by the change it authorises: saving bumps ``modified_at``, so the same token (or a replay
  of the same POST) is refused afterwards.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import jwt

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain.auth import passwords
from partnerhub.domain.auth.passwords import hash_password, verify_password
from partnerhub.domain.clients.model import Client, ClientLogin
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import InvalidInput

MIN_PASSWORD_LENGTH = passwords.MIN_PASSWORD_LENGTH  # the one rule for every password
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; a cap keeps hashing cheap and bounded
MAX_FAILURES = 5
MAX_EMAIL_LENGTH = 320  # the column's size, and the longest address RFC 5321 allows
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_TTL = timedelta(minutes=15)
# Several clients of one partner may share a contact email: without a client_id the password is
# tried against each of them, at most this many.
MAX_CANDIDATES = 10

_ISSUER = "partnerhub"
_AUDIENCE = "partnerhub-client-login"
_ALGORITHM = "HS256"
_REQUIRED = ["iss", "aud", "sub", "pid", "ver", "exp", "iat", "jti"]


class LoginFailed(Exception):
    """The login is refused; the message is shown to the client as it is."""


class InvalidSession(Exception):
    """The session token is missing, forged, expired, spent or not for this partner."""


WRONG_CREDENTIALS = "Wrong email or password."
LOCKED_OUT = (
    "Too many failed attempts for this email. Wait 15 minutes before trying again, "
    "or ask the partner for help."
)


def validate_password(field: str, password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(field, f"must be at most {MAX_PASSWORD_LENGTH} characters")
    return password


async def hash_client_password(password: str) -> str:
    """argon2id, in a thread: hashing is slow on purpose."""
    return await asyncio.to_thread(hash_password, password)


async def authenticate(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    email: str,
    password: str,
    client_id: str | None,
) -> Client:
    """The client behind these credentials, or :class:`LoginFailed` (committing the failure).

    The attempt is counted *before* the password is checked, in its own commit, and the count
    then includes it: however many attempts run at once, only the first
    :data:`MAX_FAILURES` in a window reach the password check. A success forgets the count.
    """
    email = email.strip().lower()
    if not email or len(email) > MAX_EMAIL_LENGTH or "\x00" in email or "\x00" in password:
        # Not an address anyone could have signed up with: fail as slowly as a wrong password.
        await verify_password(None, password.replace("\x00", ""))
        raise LoginFailed(WRONG_CREDENTIALS)
    now = clock.now()
    await uow.client_logins.record_failure(partner_id, email, now, now - FAILURE_WINDOW)
    await uow.commit()
    if await uow.client_logins.count_failures(partner_id, email, now - FAILURE_WINDOW) > (
        MAX_FAILURES
    ):
        raise LoginFailed(LOCKED_OUT)
    candidates = (
        await uow.client_logins.candidates(partner_id, email, client_id or None, MAX_CANDIDATES)
        if len(password) <= MAX_PASSWORD_LENGTH
        else []
    )
    found = None
    # No candidate: one verification against the dummy hash, so the answer takes as long.
    tries: list[ClientLogin | None] = [*candidates] or [None]
    for login in tries:
        if await verify_password(login.password_hash if login else None, password) and login:
            found = login
            break
    client = await uow.clients.get_client(partner_id, found.client_id) if found else None
    if client is None:
        raise LoginFailed(WRONG_CREDENTIALS)  # the attempt is already counted
    await uow.client_logins.clear_failures(partner_id, email)
    await uow.commit()
    return client


def _session_key(master_key: str) -> bytes:
    """A key for this purpose only: a bearer token can never pass as a session, nor back."""
    return hmac.new(
        master_key.encode(), b"partnerhub-client-login-session", hashlib.sha256
    ).digest()


def _version(client: Client) -> int:
    return int(client.modified_at.timestamp() * 1_000_000)


def issue_session(master_key: str, now: datetime, client: Client) -> str:
    claims = {
        "iss": _ISSUER,
        "aud": _AUDIENCE,
        "sub": client.id,
        "pid": client.partner_id,
        "ver": _version(client),
        "jti": secrets.token_hex(8),
        "iat": int(now.timestamp()),
        "exp": int((now + SESSION_TTL).timestamp()),
    }
    return jwt.encode(claims, _session_key(master_key), algorithm=_ALGORITHM)


async def open_session(
    uow: UnitOfWork, master_key: str, now: datetime, partner_id: str, token: str | None
) -> Client:
    """The client a session token stands for, on this partner's page, now; else
    :class:`InvalidSession`. Expiry is judged by the injectable clock, not PyJWT's."""
    if not token:
        raise InvalidSession("no session")
    try:
        claims = jwt.decode(
            token,
            _session_key(master_key),
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            audience=_AUDIENCE,
            options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise InvalidSession("not a valid session token") from None
    if int(claims["exp"]) <= now.timestamp():
        raise InvalidSession("expired")
    if claims["pid"] != partner_id:
        raise InvalidSession("another partner's session")
    # Locked until the change it authorises commits: a second POST of the same form waits,
    # then finds the version moved on.
    client = await uow.clients.get_client(partner_id, str(claims["sub"]), for_update=True)
    if client is None or _version(client) != claims["ver"]:
        raise InvalidSession("spent")
    return client
