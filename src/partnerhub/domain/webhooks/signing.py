"""Platform secrets and webhook signatures (spec §7, §8).

The platform secret keys two signatures on every delivery:

- ``x-360dialog-signature``: hex HMAC-SHA256 of the raw body, keyed with the secret string's
  UTF-8 bytes (360dialog's scheme; the hex encoding is our choice, the docs do not say);
- the Standard Webhooks headers ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``,
  which sign a timestamp too and so protect receivers against replays.

The secret is never stored: the database keeps a random nonce, and the secret is derived from
it with the server's master key (HMAC). Reading the database alone reveals no secret;
regenerating draws a new nonce, so the old secret stops verifying at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105  (a format prefix, not a secret)


def new_nonce() -> str:
    return secrets.token_hex(16)


def derive_platform_secret(master_key: str, partner_id: str, nonce: str) -> str:
    """``whsec_<base64 of 32 bytes>``: the Standard Webhooks format, usable as-is by its SDKs."""
    material = hmac.new(
        master_key.encode(), f"platform-secret|{partner_id}|{nonce}".encode(), hashlib.sha256
    ).digest()
    return SECRET_PREFIX + base64.b64encode(material).decode()


def signature_360dialog(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_headers(secret: str, message_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    """The signature headers for one attempt. ``sent_at`` is wall-clock time: receivers check it
    against their own clock, whatever the emulator's virtual clock says."""
    standard = Webhook(secret).sign(message_id, sent_at, body.decode())
    return {
        "x-360dialog-signature": signature_360dialog(secret, body),
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": standard,
    }
