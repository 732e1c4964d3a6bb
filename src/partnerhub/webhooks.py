"""Receive partnerhub / 360dialog webhooks: verify their signatures, parse their bodies.

For your webhook endpoint, with only the standard library and msgspec (no server code)::

    from partnerhub import webhooks

    event = webhooks.construct_event(raw_body, request.headers, PLATFORM_SECRET)
    match event:
        case ChannelRunning(data=channel):      # from partnerhub.wire.events
            ...

Events partnerhub sends come back as their typed Struct (:mod:`partnerhub.wire.events`);
any other ``{"id", "event", "data"}`` body as the untyped :class:`WebhookEvent`.

Two signatures may come with a partner webhook, both keyed with the partner's platform secret:

- ``x-360dialog-signature``: hex HMAC-SHA256 of the raw body keyed with the secret string's
  UTF-8 bytes (360dialog's scheme). It signs no time, so a captured delivery can be replayed.
- ``webhook-id`` / ``webhook-timestamp`` / ``webhook-signature`` (Standard Webhooks, sent by
  partnerhub): ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` keyed with the base64
  part of the ``whsec_…`` secret. The timestamp must be within ``tolerance`` of now, which
  stops replays.

:func:`verify` checks every signature present (``scheme="auto"``) and needs at least one.
During the grace period after a secret rotation (``POST …/platform_secret``, 24 hours by
default), ``webhook-signature`` carries two signatures (new and old secret) while
``x-360dialog-signature`` is made with the new secret only: ``verify`` then accepts a delivery
whose Standard Webhooks signature verifies, so a receiver still holding the old secret keeps
working until it switches; one that checks only ``x-360dialog-signature`` must switch at once. An
attacker who strips the Standard Webhooks headers leaves only the replayable 360dialog one; if
your sender is partnerhub, pass ``scheme="standard"`` to refuse that downgrade.
Always verify the raw bytes as received: re-serialised JSON will not match.

Messaging (channel) webhooks are WhatsApp Cloud API bodies; :func:`parse_messaging_webhook`
turns them into :class:`MessagingWebhook`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Literal

import msgspec

from partnerhub.wire.cloud_api import InboundMessage as InboundMessage
from partnerhub.wire.cloud_api import InboundText
from partnerhub.wire.cloud_api import MessageEcho as MessageEcho  # coexistence: app messages
from partnerhub.wire.cloud_api import MessageStatus as MessageStatus
from partnerhub.wire.cloud_api import MessagingChange as MessagingChange
from partnerhub.wire.cloud_api import MessagingContact as MessagingContact
from partnerhub.wire.cloud_api import MessagingEntry as MessagingEntry
from partnerhub.wire.cloud_api import MessagingValue as MessagingValue
from partnerhub.wire.cloud_api import MessagingWebhook as MessagingWebhook
from partnerhub.wire.cloud_api import Metadata as Metadata
from partnerhub.wire.cloud_api import Profile as Profile
from partnerhub.wire.cloud_api import StatusError as StatusError
from partnerhub.wire.events import PartnerEvent, decode_event
from partnerhub.wire.webhooks import WebhookEvent

__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "InboundMessage",
    "MessageEcho",
    "MessageStatus",
    "MessagingChange",
    "MessagingValue",
    "MessagingWebhook",
    "PartnerEvent",
    "Scheme",
    "WebhookEvent",
    "WebhookVerificationError",
    "construct_event",
    "parse_event",
    "parse_messaging_webhook",
    "sign_360dialog",
    "verify",
    "verify_360dialog",
    "verify_standard",
]

DEFAULT_TOLERANCE_SECONDS = 300.0
_SECRET_PREFIX = "whsec_"  # noqa: S105  (a format prefix, not a secret)

Scheme = Literal["auto", "standard", "360dialog"]


class WebhookVerificationError(ValueError):
    """The body does not carry a valid signature for this secret (or it is too old)."""


def _payload_bytes(payload: bytes | str) -> bytes:
    return payload.encode() if isinstance(payload, str) else payload


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    # Works for dicts and for framework header objects alike; HTTP names are case-insensitive.
    return {str(k).lower(): str(v) for k, v in headers.items()}


def sign_360dialog(secret: str, payload: bytes | str) -> str:
    """The ``x-360dialog-signature`` value for ``payload``: what a receiver compares with."""
    return hmac.new(secret.encode(), _payload_bytes(payload), hashlib.sha256).hexdigest()


def verify_360dialog(payload: bytes | str, signature: str, secret: str) -> None:
    """Check ``x-360dialog-signature`` in constant time; raise if it does not match."""
    expected = sign_360dialog(secret, payload)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise WebhookVerificationError("x-360dialog-signature does not match")


def _standard_key(secret: str) -> bytes:
    raw = secret[len(_SECRET_PREFIX) :] if secret.startswith(_SECRET_PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError("secret is not a whsec_<base64> secret") from exc


def verify_standard(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Check the Standard Webhooks headers: one ``v1`` signature must match, constant-time,
    and ``webhook-timestamp`` must be within ``tolerance`` seconds of ``now`` (default: the
    wall clock), either way, so that neither old nor post-dated deliveries pass."""
    lowered = _lower(headers)
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from exc
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance")
    signed = f"{msg_id}.{sent_at}.".encode() + _payload_bytes(payload)
    expected = base64.b64encode(
        hmac.new(_standard_key(secret), signed, hashlib.sha256).digest()
    ).decode()
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(expected, value):
            return
    raise WebhookVerificationError("no webhook-signature matches")


def verify(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    scheme: Scheme = "auto",
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Verify a partner webhook delivery; raise :class:`WebhookVerificationError` if it fails.

    ``scheme="auto"`` checks every signature present and needs one; ``"standard"`` requires
    the Standard Webhooks headers (replay-safe); ``"360dialog"`` requires only
    ``x-360dialog-signature`` (what hub.360dialog.io sends).
    """
    lowered = _lower(headers)
    has_standard = "webhook-signature" in lowered
    legacy = lowered.get("x-360dialog-signature")
    if scheme == "standard" or (scheme == "auto" and has_standard):
        verify_standard(payload, lowered, secret, tolerance=tolerance, now=now)
        if scheme == "standard":
            return
        if len(lowered["webhook-signature"].split()) > 1:
            # A platform secret rotation's grace period: webhook-signature carries the new and
            # the old secret's signatures, x-360dialog-signature (one digest) only the new one's.
            # The timestamped signature verified with this secret: the body is authentic.
            return
    if scheme == "360dialog" or legacy is not None:
        if legacy is None:
            raise WebhookVerificationError("missing x-360dialog-signature")
        verify_360dialog(payload, legacy, secret)
        return
    if not has_standard:
        raise WebhookVerificationError("no signature header on the request")


def parse_event(payload: bytes | str) -> PartnerEvent | WebhookEvent:
    """A partner webhook body (``{"id", "event", "data"}``), not verified: use
    :func:`construct_event` unless you verified it yourself. ``id`` is stable across retries:
    deduplicate on it, since delivery is at-least-once.

    An event partnerhub sends comes back as its Struct from :mod:`partnerhub.wire.events`
    (``data`` typed, and readable by key too: ``event.data["id"]``). Any other event, or one
    whose ``data`` has another shape (hub.360dialog.io's own, say), comes back as
    :class:`WebhookEvent` with ``data`` a dict, so a receiver can still route and dedupe it.
    Both have ``id``, ``event`` and ``data``."""
    raw = _payload_bytes(payload)
    try:
        return decode_event(raw)
    except msgspec.ValidationError:
        pass  # not one of ours, or not in our shape: read it untyped
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a partner webhook body: {exc}") from exc
    try:
        return msgspec.json.decode(raw, type=WebhookEvent)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"not a partner webhook body: {exc}") from exc


def construct_event(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    scheme: Scheme = "auto",
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> PartnerEvent | WebhookEvent:
    """Verify, then parse (:func:`parse_event`), a partner webhook delivery."""
    verify(payload, headers, secret, scheme=scheme, tolerance=tolerance, now=now)
    return parse_event(payload)


# --------------------------------------------------------------------------- messaging
# The Cloud API webhook Structs are defined once, in partnerhub.wire.cloud_api.

Text = InboundText  # a text message's content, under the name this module has always given it


def parse_messaging_webhook(payload: bytes | str) -> MessagingWebhook:
    """A messaging (channel) webhook body in the Cloud API shape."""
    try:
        return msgspec.json.decode(_payload_bytes(payload), type=MessagingWebhook)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"not a Cloud API webhook body: {exc}") from exc
