"""Cloud API webhook bodies, message ids, and the emulator's inbound-message request.

The builders return exactly what Meta posts to a ``messages`` webhook subscription, built from the
Structs of :mod:`partnerhub.wire.cloud_api` that partners parse them with, so partner code
written against Meta parses ours unchanged: one ``entry`` per WABA, one ``change`` with
``field: "messages"``, timestamps as UNIX seconds in strings. :func:`parse_inbound` reads the
emulator's request for "a user writes to this channel"; the emulator speaks the Partner API, so
it refuses with :class:`InvalidInput` rather than a Graph error.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.messaging import _json as j
from partnerhub.domain.messaging.errors import GraphError, invalid_parameter, invalid_value
from partnerhub.domain.messaging.validation import location_object, phone_digits, reaction_object
from partnerhub.wire import cloud_api

_to_builtins = msgspec.to_builtins

# --- ids and times ------------------------------------------------------------------------


def new_wamid(wa_id: str = "") -> str:
    """A message id shaped like Meta's: ``wamid.`` + base64 of a small binary record.

    Meta's ids (``wamid.HBgLMTY1MDUy...``) encode the user's number and a random hex id; we build
    the same layout so ids look alike in logs and fit the same columns, but nothing may parse
    them: to everyone else they are opaque. 9 random bytes (72 bits) keep collisions negligible.
    """
    number = "".join(ch for ch in wa_id if ch in "0123456789")[:32].encode()
    random_hex = secrets.token_hex(9).upper().encode()
    record = (
        b"\x1c\x18"
        + bytes([len(number)])
        + number
        + b"\x15\x02\x00\x11\x18"
        + bytes([len(random_hex)])
        + random_hex
        + b"\x00"
    )
    return "wamid." + base64.b64encode(record).decode()


def unix_seconds(moment: datetime) -> str:
    """Meta's webhook timestamps: whole UNIX seconds as a string. A naive datetime is taken as
    UTC (``datetime.timestamp`` would read it as local time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return str(int(moment.timestamp()))


# --- webhook bodies -----------------------------------------------------------------------


def _envelope(
    waba_external_id: str, display_phone_number: str, phone_number_id: str, value: dict[str, Any]
) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_external_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": display_phone_number,
                                "phone_number_id": phone_number_id,
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def status_entry(
    message_id: str,
    status: str,
    timestamp: str,
    recipient_id: str,
    conversation: dict[str, Any] | None = None,
    pricing: dict[str, Any] | None = None,
    errors: Sequence[dict[str, Any] | GraphError] | None = None,
    biz_opaque_callback_data: str | None = None,
) -> dict[str, Any]:
    """One element of a webhook's ``statuses`` list (``timestamp``: UNIX seconds, a string).

    ``conversation`` and ``pricing`` are passed through as Meta shapes them
    (``{"id", "expiration_timestamp"?, "origin": {"type"}}``,
    ``{"billable", "pricing_model", "category"}``); keys left out when None, as Meta does.
    """
    entry = cloud_api.MessageStatus(
        id=message_id,
        status=status,
        timestamp=timestamp,
        recipient_id=recipient_id,
        conversation=conversation,
        pricing=pricing,
        errors=[_status_error(e) for e in errors or ()],
        biz_opaque_callback_data=biz_opaque_callback_data,
    )
    return _to_builtins(entry)  # type: ignore[no-any-return]


def _status_error(error: dict[str, Any] | GraphError) -> cloud_api.StatusError:
    raw = error.to_webhook_error() if isinstance(error, GraphError) else error
    return msgspec.convert(raw, cloud_api.StatusError)


def statuses_webhook(
    waba_external_id: str,
    display_phone_number: str,
    phone_number_id: str,
    entries: list[dict[str, Any]],
) -> dict[str, Any]:
    """A ``statuses`` webhook carrying one or more :func:`status_entry` of one number."""
    return _envelope(waba_external_id, display_phone_number, phone_number_id, {"statuses": entries})


def status_webhook(
    waba_external_id: str,
    display_phone_number: str,
    phone_number_id: str,
    message_id: str,
    status: str,
    timestamp: datetime,
    recipient_id: str,
    conversation: dict[str, Any] | None = None,
    pricing: dict[str, Any] | None = None,
    errors: Sequence[dict[str, Any] | GraphError] | None = None,
    biz_opaque_callback_data: str | None = None,
) -> dict[str, Any]:
    """A ``statuses`` webhook for one message: sent, delivered, read, or failed with ``errors``."""
    entry = status_entry(
        message_id,
        status,
        unix_seconds(timestamp),
        recipient_id,
        conversation,
        pricing,
        errors,
        biz_opaque_callback_data,
    )
    return statuses_webhook(waba_external_id, display_phone_number, phone_number_id, [entry])


def inbound_message_webhook(
    waba_external_id: str,
    display_phone_number: str,
    phone_number_id: str,
    contact_name: str,
    wa_id: str,
    message_id: str,
    timestamp: datetime,
    type: str,
    content: dict[str, Any],
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``messages`` webhook for one message from a user.

    ``context`` (``{"from", "id"}``: the business number and the message replied to) is set on
    replies and on button clicks, which Meta reports as replies to the message holding the
    button.
    """
    raw: dict[str, Any] = {
        "from": wa_id,
        "id": message_id,
        "timestamp": unix_seconds(timestamp),
        "type": type,
        type: content,
        "context": context,
    }
    message = msgspec.convert(raw, cloud_api.InboundMessage)
    value = {
        "contacts": [{"profile": {"name": contact_name}, "wa_id": wa_id}],
        "messages": [_to_builtins(message)],
    }
    return _envelope(waba_external_id, display_phone_number, phone_number_id, value)


# --- the emulator's inbound request -------------------------------------------------------

INBOUND_TYPES = frozenset(
    {
        "text",
        "image",
        "document",
        "audio",
        "video",
        "sticker",
        "button",
        "interactive",
        "location",
        "reaction",
    }
)
_MEDIA_TYPES = frozenset({"image", "document", "audio", "video", "sticker"})
_DEFAULT_MIME = {
    "image": "image/jpeg",
    "document": "application/pdf",
    "audio": "audio/ogg; codecs=opus",
    "video": "video/mp4",
    "sticker": "image/webp",
}
_MAX_PROFILE_NAME = 256


@dataclass(frozen=True)
class InboundMessage:
    """A message a simulated user sends to a channel, ready for :func:`inbound_message_webhook`."""

    channel_id: str
    wa_id: str
    type: str
    content: dict[str, Any]  # the ``<type>`` object exactly as the webhook carries it
    profile_name: str = ""
    context_message_id: str | None = None  # the message replied to (or whose button was hit)
    body: dict[str, Any] = field(default_factory=dict)  # the normalized request, to store


def parse_inbound(body: object) -> InboundMessage:
    """Validate ``{"channel_id", "from", "type", "<type>": {...}, "profile_name"?, "context"?}``.

    Raises :class:`InvalidInput` naming the field (``text.body``, ``from``, ...).
    """
    try:
        return _parse_inbound(body)
    except GraphError as exc:
        raise _as_invalid_input(exc) from None


def _as_invalid_input(exc: GraphError) -> InvalidInput:
    """The same refusal in the Partner API's terms: the field, then what is wrong with it."""
    name = exc.field or "body"
    reason = exc.details.removeprefix(f"{exc.field}: ") if exc.field else exc.details
    return InvalidInput(name, reason)


def _parse_inbound(body: object) -> InboundMessage:
    if not isinstance(body, dict):
        raise invalid_parameter("body", f"must be a JSON object, got {j.json_type(body)}")
    kind = j.choice(j.required(body, "type", ""), "type", INBOUND_TYPES)
    top = j.obj(body, "", {"channel_id", "from", "type", "profile_name", "context", kind})
    channel_id = j.req_str(top, "channel_id", "", max_len=64)
    sender = j.req_str(top, "from", "", max_len=64)
    try:
        wa_id = phone_digits(sender)
    except ValueError as exc:
        raise invalid_value("from", str(exc)) from None
    profile_name = j.opt_str(top, "profile_name", "", max_len=_MAX_PROFILE_NAME) or ""
    context_id = _inbound_context(top)
    content = _inbound_content(j.required(top, kind, ""), kind)
    normalized: dict[str, Any] = {"channel_id": channel_id, "from": wa_id, "type": kind}
    normalized[kind] = content
    if profile_name:
        normalized["profile_name"] = profile_name
    if context_id is not None:
        normalized["context"] = {"message_id": context_id}
    return InboundMessage(
        channel_id=channel_id,
        wa_id=wa_id,
        type=kind,
        content=content,
        profile_name=profile_name,
        context_message_id=context_id,
        body=normalized,
    )


def _inbound_context(top: dict[str, Any]) -> str | None:
    if top.get("context") is None:
        return None
    context = j.obj(top["context"], "context", {"message_id"})
    return j.req_str(context, "message_id", "context", max_len=512)


def _inbound_content(value: object, kind: str) -> dict[str, Any]:
    if kind in _MEDIA_TYPES:
        return _inbound_media(value, kind)
    if kind == "location":
        return location_object(value, kind)
    return _INBOUND_PARSERS[kind](value, kind)


def _inbound_text(value: object, path: str) -> dict[str, Any]:
    text = j.obj(value, path, {"body"})
    return {"body": j.req_str(text, "body", path, max_len=4096)}


def _inbound_media(value: object, kind: str) -> dict[str, Any]:
    """Meta's inbound media: an ``id`` to download, ``mime_type``, ``sha256``, maybe a caption.
    The emulator stores no file, so missing ids are made up and the mime type defaults."""
    keys = {"id", "mime_type", "sha256", "caption", "filename"}
    media = j.obj(value, kind, keys)
    result: dict[str, Any] = {
        "id": j.opt_str(media, "id", kind, max_len=256) or str(secrets.randbelow(10**16)),
        "mime_type": j.opt_str(media, "mime_type", kind, max_len=255) or _DEFAULT_MIME[kind],
    }
    for key in ("sha256", "caption", "filename"):
        text = j.opt_str(media, key, kind, max_len=1024)
        if text is not None:
            result[key] = text
    return result


def _inbound_button(value: object, path: str) -> dict[str, Any]:
    """A tap on a template's quick-reply button: its text and the payload the send gave it."""
    button = j.obj(value, path, {"text", "payload"})
    text = j.req_str(button, "text", path, max_len=256)
    payload = j.opt_str(button, "payload", path, max_len=4096)
    return {"text": text, "payload": payload if payload is not None else text}


def _inbound_interactive(value: object, path: str) -> dict[str, Any]:
    """A tap on an interactive reply button (``button_reply``) or a list row (``list_reply``)."""
    raw = j.obj(value, path, {"type", "button_reply", "list_reply"})
    kind = j.choice(j.required(raw, "type", path), j.join(path, "type"), _REPLY_KEYS)
    other = "list_reply" if kind == "button_reply" else "button_reply"
    if raw.get(other) is not None:
        raise invalid_parameter(j.join(path, other), f"is not valid for type {kind!r}")
    at = j.join(path, kind)
    reply = j.obj(j.required(raw, kind, path), at, _REPLY_KEYS[kind])
    result: dict[str, Any] = {
        "id": j.req_str(reply, "id", at, max_len=256),
        "title": j.req_str(reply, "title", at, max_len=256),
    }
    description = j.opt_str(reply, "description", at, max_len=256)
    if description is not None:
        result["description"] = description
    return {"type": kind, kind: result}


_REPLY_KEYS = {
    "button_reply": frozenset({"id", "title"}),
    "list_reply": frozenset({"id", "title", "description"}),
}


def _inbound_reaction(value: object, path: str) -> dict[str, Any]:
    """Meta leaves ``emoji`` out when the user takes a reaction back."""
    reaction = reaction_object(value, path)
    return reaction if reaction["emoji"] else {"message_id": reaction["message_id"]}


_INBOUND_PARSERS = {
    "text": _inbound_text,
    "button": _inbound_button,
    "interactive": _inbound_interactive,
    "reaction": _inbound_reaction,
}
