"""Sealed values in a world export: secrets that must be sent verbatim (custom webhook
headers), so they cannot travel as a hash, yet must never appear in clear in an export [ours].

AES-GCM under a key derived from the server's master key (``PARTNERHUB_SECRET_KEY``, else derived
from ``PARTNERHUB_JWT_SECRET`` / the data directory's JWT secret file): only a server with the same
master key can open them. The nonce is derived from the value itself (an HMAC), so the same world
exports to the same bytes every time — a world checked into a repository does not change on every
export; the price is that two equal values have equal seals, which reveals nothing about the value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from partnerhub.domain.errors import InvalidInput

PREFIX = "sealed:v1:"
_CONTEXT = b"partnerhub/world-seal/v1"


def _key(master_key: str) -> bytes:
    return hmac.new(master_key.encode(), _CONTEXT, hashlib.sha256).digest()


def seal(master_key: str, value: Any) -> str:
    """``value`` (JSON-able) sealed for servers with this master key."""
    key = _key(master_key)
    plain = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    nonce = hmac.new(key, plain, hashlib.sha256).digest()[:12]
    sealed = AESGCM(key).encrypt(nonce, plain, _CONTEXT)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(master_key: str, where: str, token: str) -> Any:
    """The value sealed in ``token``; a seal of another master key is an error naming ``where``."""
    if not token.startswith(PREFIX):
        raise InvalidInput(where, f"must start with '{PREFIX}' (a value sealed by an export)")
    raw = token[len(PREFIX) :]
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        plain = AESGCM(_key(master_key)).decrypt(data[:12], data[12:], _CONTEXT)
        return json.loads(plain)
    except (InvalidTag, ValueError):
        raise InvalidInput(
            where,
            "cannot be opened: it was sealed by a server with another secret key "
            "(give this server the exporting server's PARTNERHUB_SECRET_KEY or "
            "PARTNERHUB_JWT_SECRET) or it is damaged",
        ) from None
