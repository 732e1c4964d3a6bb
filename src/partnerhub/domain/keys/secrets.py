"""The shape of an API key secret and how it is stored.

A key reads ``ph_live_<32 random base62><6 base62 CRC32>``: the prefix lets secret scanners spot a
leaked key, the checksum lets us refuse a mistyped or made-up key without touching the database.
Keys carry ~190 bits of entropy, so a fast hash (SHA-256) is the right way to store them; argon2 is
for low-entropy passwords. Only the hash and a short display prefix are kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import zlib

_ALPHABET = string.digits + string.ascii_letters
_RANDOM_CHARS = 32
_CHECKSUM_CHARS = 6
KEY_PREFIXES = ("ph_live_", "ph_test_")
DISPLAY_PREFIX_CHARS = 12


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECKSUM_CHARS)


def generate(prefix: str = "ph_live_") -> str:
    """A new key secret; shown to its owner once and never stored."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_CHARS))
    return f"{prefix}{body}{_checksum(body)}"


def well_formed(secret: str) -> bool:
    """True when the key has our prefix, length and a matching checksum."""
    for prefix in KEY_PREFIXES:
        if secret.startswith(prefix):
            rest = secret[len(prefix) :]
            if len(rest) != _RANDOM_CHARS + _CHECKSUM_CHARS:
                return False
            body, check = rest[:_RANDOM_CHARS], rest[_RANDOM_CHARS:]
            return hmac.compare_digest(_checksum(body), check)
    return False


def digest(secret: str) -> str:
    """What is stored: hex SHA-256 of the secret. Lookups go by this digest."""
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """The non-secret start shown in listings, e.g. ``ph_live_Ab3x``."""
    return secret[:DISPLAY_PREFIX_CHARS]
