"""An existing client logs in on the onboarding page (spec §8 ``next=login``) [ours].

An unauthenticated link must never change anything, so a client that comes back to add numbers
or to change the partner's per-number permission proves who it is with the password it chose at
signup. What this module decides:

- **Credentials.** Email and password of a :class:`ClientLogin` of *this* partner (and of
  ``client_id`` when the link names one). A wrong password, an unknown email, another partner's
  client and another ``client_id`` all fail the same way and after the same work: exactly one
  argon2 verification, whatever the email (a dummy hash for an unknown one). When several
  clients of the partner share an email, the check is against the one that signed up first;
  the others log in with a link that names their ``client_id``. Trying each of them would make
  the answer's time tell how many clients share the email (issue 20, finding 6).
- **Lockout and budgets.** The one gate of every password check,
  :class:`partnerhub.domain.auth.lockout.PasswordGuard`: failures in the database per email
  (per partner) and per client address, a per-address budget, and an address that recently
  logged in as this client keeps logging in while the email is locked out elsewhere.
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

from partnerhub.domain.auth import passwords
from partnerhub.domain.auth.lockout import Locked, PasswordGuard, client_account
from partnerhub.domain.auth.passwords import hash_password, verify_password
from partnerhub.domain.clients.model import Client
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.ports import UnitOfWork

MIN_PASSWORD_LENGTH = passwords.MIN_PASSWORD_LENGTH  # the one rule for every password
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; a cap keeps hashing cheap and bounded
MAX_EMAIL_LENGTH = 320  # the column's size, and the longest address RFC 5321 allows
SESSION_TTL = timedelta(minutes=15)

_ISSUER = "partnerhub"
_AUDIENCE = "partnerhub-client-login"
_ALGORITHM = "HS256"
_REQUIRED = ["iss", "aud", "sub", "pid", "ver", "exp", "iat", "jti"]


class LoginFailed(Exception):
    """The login is refused; the message is shown to the client as it is."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # set when locked out


class InvalidSession(Exception):
    """The session token is missing, forged, expired, spent or not for this partner."""


WRONG_CREDENTIALS = "Wrong email or password."
LOCKED_OUT = (
    "Too many failed attempts for this email. Wait a while before trying again, "
    "or ask the partner for help."
)
ADDRESS_LOCKED_OUT = (
    "Too many login attempts from your network. Wait a while before trying again, "
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
    guard: PasswordGuard,
    partner_id: str,
    email: str,
    password: str,
    client_id: str | None,
    address: str,
) -> Client:
    """The client behind these credentials, or :class:`LoginFailed` (committing the failure).

    One argon2 verification whatever the email; the lockout and budgets are the guard's.
    """
    email = email.strip().lower()
    try:
        if not email or len(email) > MAX_EMAIL_LENGTH or "\x00" in email or "\x00" in password:
            # Not an address anyone could have signed up with: fail as slowly as a wrong password.
            await guard.spend(address)
            await verify_password(None, password.replace("\x00", ""))
            raise LoginFailed(WRONG_CREDENTIALS)
        candidates = (
            await uow.client_logins.candidates(partner_id, email, client_id or None, 1)
            if len(password) <= MAX_PASSWORD_LENGTH
            else []
        )
        login = candidates[0] if candidates else None

        async def verify() -> bool:
            ok = await verify_password(login.password_hash if login else None, password)
            return ok and login is not None

        passed = await guard.check(uow, client_account(partner_id, email), address, verify)
    except Locked as locked:
        message = ADDRESS_LOCKED_OUT if locked.by_address else LOCKED_OUT
        raise LoginFailed(message, retry_after=locked.retry_after) from None
    client = await uow.clients.get_client(partner_id, login.client_id) if passed and login else None
    if client is None:
        raise LoginFailed(WRONG_CREDENTIALS)  # the attempt is already counted
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
