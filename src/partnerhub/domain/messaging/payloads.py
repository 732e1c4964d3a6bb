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
import functools
import itertools
import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.messaging.errors import GraphError, invalid_parameter, invalid_value
from partnerhub.domain.messaging.refusals import decode, json_type, refuse, shown
from partnerhub.domain.messaging.validation import location_rules, phone_digits, reaction_rules
from partnerhub.wire import cloud_api

_to_builtins = msgspec.to_builtins

# --- ids and times ------------------------------------------------------------------------


# The hex id's parts after the clock: a tag drawn at random for each process (forked ones too)
# and that process's counter, so two processes never share a sequence of ids.
_TAG_BITS, _COUNTER_BITS = 24, 28
_COUNTER_MASK = (1 << _COUNTER_BITS) - 1
_MILLISECONDS_MASK = (1 << 44) - 1  # 11 hex digits: until the year 2527
_tag = f"{secrets.randbits(_TAG_BITS):06X}"
_counter = itertools.count(secrets.randbits(_COUNTER_BITS))


def _new_process() -> None:
    global _tag, _counter  # one tag and counter per process
    _tag = f"{secrets.randbits(_TAG_BITS):06X}"
    _counter = itertools.count(secrets.randbits(_COUNTER_BITS))


if hasattr(os, "register_at_fork"):  # POSIX: a forked child is a process of its own
    os.register_at_fork(after_in_child=_new_process)


@functools.lru_cache(maxsize=4096)
def _record_start(wa_id: str) -> bytes:
    """The record up to the hex id: the same for every message to one user."""
    # A send's wa_id is digits already (validated); anything else keeps only its digits.
    digits = (
        wa_id
        if wa_id.isascii() and wa_id.isdigit()
        else "".join(ch for ch in wa_id if ch in "0123456789")
    )
    number = digits[:32].encode()
    return b"\x1c\x18" + bytes([len(number)]) + number + b"\x15\x02\x00\x11\x18\x18"


def new_wamid(wa_id: str = "") -> str:
    """A message id shaped like Meta's: ``wamid.`` + base64 of a small binary record.

    Meta's ids (``wamid.HBgLMTY1MDUy...``) encode the user's number and a hex id; we build the
    same layout so ids look alike in logs and fit the same columns, but nothing may parse them:
    to everyone else they are opaque.

    The hex id is 24 digits: the clock in milliseconds (11), this process's tag (6), then its
    counter (7; ``next`` on it is atomic under the GIL, so any thread may make ids). No two ids
    repeat: one process's differ in the clock or the counter, two processes' in their tags
    (drawn at random: a repeat needs the same tag, millisecond and counter value). One number's
    ids share their text up to the last few characters, so storing a message touches one of a
    few pages of the id index instead of a random one: with random ids SQLite wrote about one
    index page per message to its WAL, and a send cost more as the table grew
    (docs/benchmarks.md).
    """
    milliseconds = time.time_ns() // 1_000_000 & _MILLISECONDS_MASK
    hex_id = f"{milliseconds:011X}{_tag}{next(_counter) & _COUNTER_MASK:07X}".encode()
    # The hex id's length byte (24, b"\x18") closes the start; a NUL closes the record.
    return "wamid." + base64.b64encode(_record_start(wa_id) + hex_id + b"\x00").decode()


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
    ``{"billable", "pricing_model", "category", "type"}``); left out when None, as Meta does.
    """
    entry = cloud_api.MessageStatus(
        id=message_id,
        status=status,
        timestamp=timestamp,
        recipient_id=recipient_id,
        conversation=None
        if conversation is None
        else msgspec.convert(conversation, cloud_api.StatusConversation),
        pricing=None if pricing is None else msgspec.convert(pricing, cloud_api.StatusPricing),
        errors=[status_error(e) for e in errors or ()],
        biz_opaque_callback_data=biz_opaque_callback_data,
    )
    return _to_builtins(entry)  # type: ignore[no-any-return]


def status_error(error: dict[str, Any] | GraphError) -> cloud_api.StatusError:
    """One element of a status's ``errors``: a GraphError as the webhook carries it."""
    raw = error.to_webhook_error() if isinstance(error, GraphError) else error
    return msgspec.convert(raw, cloud_api.StatusError)


def statuses_webhook(
    waba_external_id: str,
    display_phone_number: str,
    phone_number_id: str,
    entries: Sequence[dict[str, Any] | cloud_api.MessageStatus],
) -> dict[str, Any]:
    """A ``statuses`` webhook carrying one or more statuses of one number: each a
    :func:`status_entry`, or the wire struct itself (the simulator's, encoded as it is)."""
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

INBOUND_TYPES = cloud_api.USER_MESSAGE_TYPES
_DEFAULT_MIME = {
    "image": "image/jpeg",
    "document": "application/pdf",
    "audio": "audio/ogg; codecs=opus",
    "video": "video/mp4",
    "sticker": "image/webp",
}


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
    """Validate ``{"channel_id", "from", "type", "<type>": {...}, "profile_name"?, "context"?}``
    (the Structs of :data:`partnerhub.wire.cloud_api.UserMessage`).

    Raises :class:`InvalidInput` naming the field (``text.body``, ``from``, ...).
    """
    try:
        return _parse_inbound(body)
    except GraphError as exc:
        raise _as_invalid_input(exc) from None
    except RecursionError:
        # Defence in depth, as for sends: nothing here recurses on input.
        raise _as_invalid_input(refuse("too_deep", "")) from None


def _as_invalid_input(exc: GraphError) -> InvalidInput:
    """The same refusal in the Partner API's terms: the field, then what is wrong with it."""
    name = exc.field or "body"
    reason = exc.details.removeprefix(f"{exc.field}: ") if exc.field else exc.details
    return InvalidInput(name, reason)


def _parse_inbound(body: object) -> InboundMessage:
    if not isinstance(body, dict):
        raise invalid_parameter("body", f"must be a JSON object, got {json_type(body)}")
    kind = body.get("type")
    if kind is None:  # msgspec reads a null tag as a wrong type; null counts as absent
        raise refuse("missing", "type")
    if isinstance(kind, str) and kind.lower() in INBOUND_TYPES:
        # The type first, then the keys: another type's object is an unknown parameter.
        allowed = cloud_api.USER_MESSAGE_KEYS | {kind.lower()}
        for key in body:
            if not isinstance(key, str) or key not in allowed:
                raise refuse("unknown_key", shown(key))
        if kind.lower() == "interactive":
            _one_reply(body.get(kind))
    request: cloud_api.UserMessage = decode(body, cloud_api.UserMessage)  # type: ignore[arg-type]
    kind = str(request.__struct_config__.tag)
    try:
        wa_id = phone_digits(request.from_)
    except ValueError as exc:
        raise invalid_value("from", str(exc)) from None
    profile_name = request.profile_name or ""
    context_id = request.context.message_id if request.context is not None else None
    content = _inbound_content(request)
    normalized: dict[str, Any] = {"channel_id": request.channel_id, "from": wa_id, "type": kind}
    normalized[kind] = content
    if profile_name:
        normalized["profile_name"] = profile_name
    if context_id is not None:
        normalized["context"] = {"message_id": context_id}
    return InboundMessage(
        channel_id=request.channel_id,
        wa_id=wa_id,
        type=kind,
        content=content,
        profile_name=profile_name,
        context_message_id=context_id,
        body=normalized,
    )


def _inbound_content(request: cloud_api.UserMessage) -> dict[str, Any]:
    """The ``<type>`` object as the webhook carries it, after the rules that span fields."""
    match request:
        case cloud_api.UserTextMessage(text=text):
            return {"body": text.body}
        case cloud_api.UserButtonMessage(button=button):
            return {"text": button.text, "payload": button.payload or button.text}
        case cloud_api.UserInteractiveMessage(interactive=interactive):
            return _inbound_interactive(interactive)
        case cloud_api.UserLocationMessage(location=location):
            location_rules(location, "location")
            return _to_builtins(location)  # type: ignore[no-any-return]
        case cloud_api.UserOrderMessage(order=order):
            return _to_builtins(order)  # type: ignore[no-any-return]
        case cloud_api.UserReactionMessage(reaction=reaction):
            # Meta leaves ``emoji`` out when the user takes a reaction back.
            reaction_rules(reaction, "reaction")
            if reaction.emoji:
                return {"message_id": reaction.message_id, "emoji": reaction.emoji}
            return {"message_id": reaction.message_id}
    kind = str(request.__struct_config__.tag)
    return _inbound_media(getattr(request, kind), kind)


def _inbound_media(media: cloud_api.UserMedia, kind: str) -> dict[str, Any]:
    """The emulator stores no file, so missing ids are made up and the mime type defaults."""
    result: dict[str, Any] = {
        "id": media.id or str(secrets.randbelow(10**16)),
        "mime_type": media.mime_type or _DEFAULT_MIME[kind],
    }
    for key in ("sha256", "caption", "filename"):
        text = getattr(media, key)
        if text is not None:
            result[key] = text
    return result


def _one_reply(interactive: object) -> None:
    """A tap answers one kind of reply: the other kind's object is refused as such, whatever
    it holds (checked before decoding, which would name what is wrong inside it)."""
    if not isinstance(interactive, dict) or "type" not in interactive:
        return
    if interactive["type"] is None:  # msgspec reads a null tag as a wrong type
        raise refuse("missing", "interactive.type")
    if not isinstance(interactive["type"], str):
        return
    kind = interactive["type"].lower()
    if kind in ("button_reply", "list_reply"):
        other = "list_reply" if kind == "button_reply" else "button_reply"
        if interactive.get(other) is not None:
            raise invalid_parameter(f"interactive.{other}", f"is not valid for type {kind!r}")


def _inbound_interactive(interactive: cloud_api.UserInteractive) -> dict[str, Any]:
    """A tap on an interactive reply button (``button_reply``) or a list row (``list_reply``),
    or a submitted Flow or address form (``nfm_reply``, ``response_json`` a JSON string)."""
    kind = str(interactive.__struct_config__.tag)
    if isinstance(interactive, cloud_api.UserNfmSubmit):
        reply = interactive.nfm_reply
        response = reply.response_json
        if isinstance(response, str):
            try:
                decoded = msgspec.json.decode(response)
            except (msgspec.DecodeError, RecursionError):
                decoded = None
            if not isinstance(decoded, dict):
                raise invalid_value(
                    "interactive.nfm_reply.response_json", "must hold a JSON object"
                )
        else:
            response = msgspec.json.encode(response).decode()
        nfm = {"name": reply.name, "body": reply.body, "response_json": response}
        return {"type": kind, kind: nfm}
    reply = getattr(interactive, kind)
    return {"type": kind, kind: _to_builtins(reply)}
