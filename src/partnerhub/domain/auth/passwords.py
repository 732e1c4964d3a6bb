"""Password hashing with argon2id. Hashing is slow on purpose, so callers run it in a thread."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from partnerhub.domain.auth import counters

_hasher = PasswordHasher()
# Verified against when the user does not exist, so that a wrong email costs as much time as a
# wrong password and emails cannot be probed by timing.
_DUMMY_HASH = _hasher.hash("partnerhub-dummy-password")

# One rule for every password partnerhub accepts: partner users (CLI, seed, emulator) and end
# clients (the onboarding page), so that a password one place takes is never refused elsewhere.
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    # Counted where the work is done: /metrics shows (and tests assert) that every login
    # attempt costs the same number of verifications, whatever its email.
    counters.password_checked()
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check; ``None`` (no such user) always fails after the same work."""
    return await asyncio.to_thread(_verify, password_hash, password)
