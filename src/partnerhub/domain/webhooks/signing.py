"""Platform secrets and webhook signatures (spec §7, §8).

The platform secret keys two signatures on every delivery:

- ``x-360dialog-signature``: hex HMAC-SHA256 of the raw body, keyed with the secret string's
  UTF-8 bytes (360dialog's scheme; the hex encoding is our choice, the docs do not say);
- the Standard Webhooks headers ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``,
  which sign a timestamp too and so protect receivers against replays.

The secret is never stored: the database keeps a random nonce, and the secret is derived from
it with the server's master key (HMAC). Reading the database alone reveals no secret.

Every partner has a secret from creation (the 0011 migration gave one to older partners).
Regenerating draws a new nonce and keeps the old one for a grace period
(``PARTNERHUB_PLATFORM_SECRET_GRACE_SECONDS``): meanwhile ``x-360dialog-signature`` (one hex
digest, no room for two) is made with the new secret, ``webhook-signature`` carries one
signature per secret (``v1,<new> v1,<old>``, as Standard Webhooks allows), and IO signatures
made with either are accepted. After the grace period only the new secret signs and verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from standardwebhooks import Webhook

from partnerhub.domain.partners.model import Partner

SECRET_PREFIX = "whsec_"  # noqa: S105  (a format prefix, not a secret)


def new_nonce() -> str:
    return secrets.token_hex(16)


def derive_platform_secret(master_key: str, partner_id: str, nonce: str) -> str:
    """``whsec_<base64 of 32 bytes>``: the Standard Webhooks format, usable as-is by its SDKs."""
    material = hmac.new(
        master_key.encode(), f"platform-secret|{partner_id}|{nonce}".encode(), hashlib.sha256
    ).digest()
    return SECRET_PREFIX + base64.b64encode(material).decode()


def nonce_for_seed(partner_id: str) -> str:
    """The nonce of a seeded partner that names none: derived from its id, so the same world
    document gives the same secret on the same server (the secret still needs the master key)."""
    return hashlib.sha256(f"platform-secret-nonce|{partner_id}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SigningSecrets:
    """The secrets a partner's signatures are made and checked with right now."""

    current: str
    previous: str | None = None  # the replaced one, during its grace period only

    @property
    def all(self) -> tuple[str, ...]:
        return (self.current,) if self.previous is None else (self.current, self.previous)


def in_grace(partner: Partner, now: datetime) -> bool:
    """Whether the secret a rotation replaced still verifies at ``now`` (the server's clock)."""
    until = partner.previous_platform_secret_until
    return partner.previous_platform_secret_nonce is not None and until is not None and now < until


def partner_secrets(master_key: str, partner: Partner, now: datetime) -> SigningSecrets | None:
    """The partner's current secret and, in a grace period, the previous one; None only for a
    partner row that has no secret at all (written by a version before 0011 and not migrated)."""
    if partner.platform_secret_nonce is None:
        return None
    current = derive_platform_secret(master_key, partner.id, partner.platform_secret_nonce)
    previous = None
    if in_grace(partner, now):
        assert partner.previous_platform_secret_nonce is not None
        previous = derive_platform_secret(
            master_key, partner.id, partner.previous_platform_secret_nonce
        )
    return SigningSecrets(current, previous)


def signature_360dialog(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_headers(
    secrets_: SigningSecrets | str, message_id: str, sent_at: datetime, body: bytes
) -> dict[str, str]:
    """The signature headers for one attempt. ``sent_at`` is wall-clock time: receivers check it
    against their own clock, whatever the emulator's virtual clock says. In a grace period
    ``webhook-signature`` holds one signature per secret, the new one first."""
    keys = SigningSecrets(secrets_) if isinstance(secrets_, str) else secrets_
    text = body.decode()
    standard = " ".join(Webhook(secret).sign(message_id, sent_at, text) for secret in keys.all)
    return {
        "x-360dialog-signature": signature_360dialog(keys.current, body),
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": standard,
    }
