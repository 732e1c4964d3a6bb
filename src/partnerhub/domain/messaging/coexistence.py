"""WhatsApp Coexistence: a number that stays on the WhatsApp Business app (issue 18 item 3).

Sources (docs/fidelity.md "Coexistence"): 360dialog's "WhatsApp Coexistence" and "Coexistence
Webhooks" pages and its Messaging API reference (``POST /synchronization``), and Meta's
"Onboard WhatsApp Business app users" and the ``history``, ``smb_app_state_sync`` and
``smb_message_echoes`` webhook references.

- A number onboarded with coexistence has ``is_on_biz_app`` and ``smb_app_state``: what the
  simulated app holds (its address book, its 1:1 chats, whether the business shares them).
- ``POST /synchronization`` (``{"messaging_product": "whatsapp", "sync_type": …}``) starts one
  of the two one-time syncs within 24 hours of onboarding and answers
  ``{"messaging_product": "whatsapp", "request_id": …}``; the simulated Meta side then sends
  ``smb_app_state_sync`` (the contacts, in the same transaction) or ``history`` (the chats in
  phases 0, 1 and 2, one simulator step apart, or error 2593109 at once when the business
  declined to share them) to the partner's webhook. Contacts also go to the number's messaging
  webhook in Meta's shape.
- A message the business sends from the app reaches the number's messaging webhook as an
  ``smb_message_echoes`` change (emulator control ``…/app_message``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from partnerhub.domain.clients.model import KEY_STATUSES, Channel
from partnerhub.domain.clients.queries import any_channel
from partnerhub.domain.clock import Clock, isoformat
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.messaging import errors, payloads
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.services import writable_channel
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox
from partnerhub.wire import events as wire

SYNC_CONTACTS = "smb_app_state_sync"
SYNC_HISTORY = "history"
SYNC_TYPES = (SYNC_CONTACTS, SYNC_HISTORY)
# Meta: the syncs must be started within 24 hours of onboarding, each once.
SYNC_WINDOW = timedelta(hours=24)
# Meta: the history covers the last 180 days, in three phases.
PHASES = ((0, timedelta(days=1)), (1, timedelta(days=90)), (2, timedelta(days=180)))
HISTORY_DECLINED = 2593109
HISTORY_DECLINED_TITLE = "History sharing is turned off by the business"
HISTORY_STATUSES = frozenset({"DELIVERED", "READ", "PLAYED", "SENT", "ERROR", "PENDING"})
MAX_CONTACTS = 1000
MAX_THREADS = 200
MAX_MESSAGES = 1000


# --- the simulated app's state ---------------------------------------------------------------


@dataclass(frozen=True)
class AppContact:
    phone_number: str
    full_name: str = ""
    first_name: str = ""


@dataclass(frozen=True)
class AppMessage:
    """A past message of a chat: from the business (app) or from the user."""

    text: str
    from_business: bool = False
    days_ago: float = 0.0
    status: str = "READ"


@dataclass(frozen=True)
class AppThread:
    wa_id: str
    messages: Sequence[AppMessage] = ()


def _digits(field: str, value: str) -> str:
    digits = value.strip().lstrip("+")
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise InvalidInput(field, "must be a phone number in international format")
    return digits


def app_state(
    now: datetime,
    contacts: Sequence[AppContact] = (),
    threads: Sequence[AppThread] = (),
    share_history: bool = True,
) -> dict[str, Any]:
    """What the simulated WhatsApp Business app holds, checked, as stored on the channel."""
    if len(contacts) > MAX_CONTACTS:
        raise InvalidInput("coexistence.contacts", f"at most {MAX_CONTACTS}")
    if len(threads) > MAX_THREADS:
        raise InvalidInput("coexistence.threads", f"at most {MAX_THREADS}")
    if sum(len(t.messages) for t in threads) > MAX_MESSAGES:
        raise InvalidInput("coexistence.threads", f"at most {MAX_MESSAGES} messages in all")
    stored_threads = []
    for i, thread in enumerate(threads):
        messages = []
        for j, message in enumerate(thread.messages):
            at = f"coexistence.threads[{i}].messages[{j}]"
            if not 0 <= message.days_ago <= 3650:
                raise InvalidInput(f"{at}.days_ago", "must be between 0 and 3650")
            if message.status not in HISTORY_STATUSES:
                raise InvalidInput(f"{at}.status", f"must be one of {sorted(HISTORY_STATUSES)}")
            if not 1 <= len(message.text) <= 4096:
                raise InvalidInput(f"{at}.text", "must be 1 to 4096 characters")
            messages.append(
                {
                    "text": message.text,
                    "from_business": message.from_business,
                    "at": isoformat(now - timedelta(days=message.days_ago)),
                    "status": message.status,
                }
            )
        wa_id = _digits(f"coexistence.threads[{i}].wa_id", thread.wa_id)
        stored_threads.append({"wa_id": wa_id, "messages": messages})
    return {
        "contacts": [
            {
                "phone_number": _digits(f"coexistence.contacts[{i}].phone_number", c.phone_number),
                "full_name": c.full_name,
                "first_name": c.first_name or c.full_name.split(" ")[0],
            }
            for i, c in enumerate(contacts)
        ],
        "threads": stored_threads,
        "share_history": share_history,
    }


class _StoredContact(msgspec.Struct, forbid_unknown_fields=True):
    phone_number: str
    full_name: str = ""
    first_name: str = ""


class _StoredMessage(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    at: datetime
    from_business: bool = False
    status: str = "READ"


class _StoredThread(msgspec.Struct, forbid_unknown_fields=True):
    wa_id: str
    messages: list[_StoredMessage] = msgspec.field(default_factory=list)


class _StoredState(msgspec.Struct, forbid_unknown_fields=True):
    contacts: list[_StoredContact] = msgspec.field(default_factory=list)
    threads: list[_StoredThread] = msgspec.field(default_factory=list)
    share_history: bool = True


def stored_state(field: str, raw: object) -> dict[str, Any]:
    """A channel's ``smb_app_state`` as a world document carries it (what :func:`app_state`
    stores, message times absolute), checked: what the syncs read back cannot be malformed."""
    try:
        state = msgspec.convert(raw, _StoredState)
    except msgspec.ValidationError as exc:
        raise InvalidInput(field, str(exc)) from None
    for i, thread in enumerate(state.threads):
        _digits(f"{field}.threads[{i}].wa_id", thread.wa_id)
        for j, message in enumerate(thread.messages):
            if message.at.tzinfo is None:
                raise InvalidInput(f"{field}.threads[{i}].messages[{j}].at", "needs a zone")
            if message.status not in HISTORY_STATUSES:
                raise InvalidInput(
                    f"{field}.threads[{i}].messages[{j}].status",
                    f"must be one of {sorted(HISTORY_STATUSES)}",
                )
    for i, contact in enumerate(state.contacts):
        _digits(f"{field}.contacts[{i}].phone_number", contact.phone_number)
    if len(state.contacts) > MAX_CONTACTS or len(state.threads) > MAX_THREADS:
        raise InvalidInput(field, f"at most {MAX_CONTACTS} contacts and {MAX_THREADS} threads")
    if sum(len(t.messages) for t in state.threads) > MAX_MESSAGES:
        raise InvalidInput(field, f"at most {MAX_MESSAGES} messages in all")
    built: dict[str, Any] = msgspec.to_builtins(state)
    for thread in built["threads"]:
        thread["wa_id"] = thread["wa_id"].lstrip("+")
        for message in thread["messages"]:
            message["at"] = isoformat(datetime.fromisoformat(message["at"]))
    for contact in built["contacts"]:
        contact["phone_number"] = contact["phone_number"].lstrip("+")
    return built


def next_phase(field: str, value: int | None) -> int | None:
    """A seeded history sync's next phase: 1 or 2 (phase 0 is sent when the sync starts)."""
    if value is not None and value not in (1, 2):
        raise InvalidInput(field, "must be 1 or 2")
    return value


def make_coexistence(channel: Channel, state: dict[str, Any]) -> None:
    """Mark a number just onboarded as staying on the WhatsApp Business app."""
    channel.is_on_biz_app = True
    channel.smb_app_state = state


# --- POST /synchronization --------------------------------------------------------------------


def _sync_type(body: object) -> str:
    if not isinstance(body, dict):
        raise errors.invalid_parameter("body", "must be a JSON object")
    unknown = sorted(set(body) - {"messaging_product", "sync_type"})
    if unknown:
        raise errors.invalid_parameter(unknown[0], "is not a known parameter")
    product = body.get("messaging_product")
    if product is None:
        raise errors.missing_parameter("messaging_product")
    if product != "whatsapp":
        raise errors.invalid_parameter("messaging_product", "must be 'whatsapp'")
    sync_type = body.get("sync_type")
    if sync_type is None:
        raise errors.missing_parameter("sync_type")
    if sync_type not in SYNC_TYPES:
        raise errors.invalid_parameter("sync_type", f"must be one of {', '.join(SYNC_TYPES)}")
    return str(sync_type)


async def start_sync(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    body: object,
    *,
    step_seconds: float,
) -> dict[str, Any]:
    """Start one of the number's one-time syncs. The contacts and the history's first phase
    (or its refusal) are written in this transaction; phases 1 and 2 follow a simulator step
    apart each (:func:`run_due_history`)."""
    sync_type = _sync_type(body)
    channel = await writable_channel(uow, principal)
    if not channel.is_on_biz_app:
        raise errors.invalid_parameter(
            "sync_type",
            "this phone number is not on the WhatsApp Business app (coexistence): "
            "there is nothing to synchronize",
        )
    now = clock.now()
    if now - channel.created_at > SYNC_WINDOW:
        raise errors.invalid_parameter(
            "sync_type", "the synchronization must be started within 24 hours of onboarding"
        )
    started = (
        channel.smb_contacts_synced_at
        if sync_type == SYNC_CONTACTS
        else channel.smb_history_synced_at
    )
    if started is not None:
        raise errors.invalid_parameter(
            "sync_type", f"{sync_type} was already started for this phone number (once only)"
        )
    waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
    partner = await load_partner(uow, channel.partner_id)
    assert waba is not None  # a channel always has its WABA (foreign key)
    if sync_type == SYNC_CONTACTS:
        channel.smb_contacts_synced_at = now
        # No messaging webhook yet: the number's copy waits for one (deliver_pending_contacts).
        channel.smb_contacts_pending = not channel.messaging_webhook_url
        data = contacts_data(channel, waba.external_id, now)
        await outbox.emit(uow, clock, partner, wire.SmbAppStateSync(outbox.new_event_id(), data))
        await outbox.emit_to_channels(
            uow, clock, [(channel, SYNC_CONTACTS, meta_change(data, SYNC_CONTACTS))]
        )
    else:
        channel.smb_history_synced_at = now
        first, *rest = history_data(channel, waba.external_id, now)
        await outbox.emit(uow, clock, partner, wire.History(outbox.new_event_id(), first))
        if rest:
            channel.smb_history_next_phase = 1
            channel.smb_history_next_at = now + timedelta(seconds=step_seconds)
    channel.modified_at = now
    await uow.commit()
    return {"messaging_product": "whatsapp", "request_id": secrets.token_hex(16)}


async def deliver_pending_contacts(uow: UnitOfWork, clock: Clock, channel: Channel) -> bool:
    """The number's messaging webhook was just set: a contacts sync that ran while it had none
    goes there now, once, as Meta's ``smb_app_state_sync`` change (the contacts and timestamp
    as of the sync), in the caller's transaction. True when it was sent."""
    synced = channel.smb_contacts_synced_at
    if not channel.smb_contacts_pending or not channel.messaging_webhook_url or synced is None:
        return False
    waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
    assert waba is not None  # a channel always has its WABA (foreign key)
    data = contacts_data(channel, waba.external_id, synced)
    await outbox.emit_to_channels(
        uow, clock, [(channel, SYNC_CONTACTS, meta_change(data, SYNC_CONTACTS))]
    )
    channel.smb_contacts_pending = False
    return True


async def run_due_history(
    uow: UnitOfWork, clock: Clock, step_seconds: float, limit: int = 200
) -> int:
    """The simulated Meta side sends each due history phase (split as of the sync's start),
    then schedules the next one a step after this one's due time; returns how many were sent."""
    now = clock.now()
    due = await uow.clients.due_history_phases(now, limit)
    for channel in due:
        phase = channel.smb_history_next_phase or 0
        started = channel.smb_history_synced_at or now
        waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
        partner = await load_partner(uow, channel.partner_id)
        assert waba is not None  # a channel always has its WABA (foreign key)
        phases = history_data(channel, waba.external_id, started)
        if phase < len(phases):
            event = wire.History(outbox.new_event_id(), phases[phase])
            await outbox.emit(uow, clock, partner, event)
        last = phase + 1 >= len(phases)
        # The next phase is a step after this one was DUE (not after now): one clock advance
        # over several steps sends every phase, as the number's review runs at once.
        due_at = channel.smb_history_next_at or now
        channel.smb_history_next_phase = None if last else phase + 1
        channel.smb_history_next_at = None if last else due_at + timedelta(seconds=step_seconds)
    if due:
        await uow.commit()
    return len(due)


def _metadata(channel: Channel) -> wire.PhoneMetadata:
    return wire.PhoneMetadata(
        display_phone_number=channel.phone_number.lstrip("+"), phone_number_id=channel.external_id
    )


def contacts_data(channel: Channel, waba_id: str, now: datetime) -> wire.SmbAppStateSyncData:
    stamp = wire.StateSyncMetadata(timestamp=payloads.unix_seconds(now))
    return wire.SmbAppStateSyncData(
        id=waba_id,
        messaging_product="whatsapp",
        metadata=_metadata(channel),
        state_sync=[
            wire.StateSyncItem(
                type="contact",
                contact=wire.StateSyncContact(
                    phone_number=c["phone_number"],
                    full_name=c.get("full_name") or None,
                    first_name=c.get("first_name") or None,
                ),
                action="add",
                metadata=stamp,
            )
            for c in channel.smb_app_state.get("contacts", [])
        ],
    )


def history_data(channel: Channel, waba_id: str, now: datetime) -> list[wire.HistoryData]:
    """The chats of the last 180 days, one chunk per phase (0, 1, 2), or the refusal."""

    def data(chunk: wire.HistoryChunk) -> wire.HistoryData:
        return wire.HistoryData(
            id=waba_id, messaging_product="whatsapp", metadata=_metadata(channel), history=[chunk]
        )

    state = channel.smb_app_state
    if not state.get("share_history", True):
        error = wire.HistoryError(
            code=HISTORY_DECLINED,
            title=HISTORY_DECLINED_TITLE,
            message=HISTORY_DECLINED_TITLE,
            error_data=wire.HistoryErrorData(details=HISTORY_DECLINED_TITLE),
        )
        return [data(wire.HistoryChunk(errors=[error]))]
    business = channel.phone_number.lstrip("+")
    chunks = []
    newer = timedelta(0)
    for phase, older in PHASES:
        threads = []
        for thread in state.get("threads", []):
            messages = [
                _history_message(m, business, thread["wa_id"])
                for m in thread["messages"]
                if newer <= now - datetime.fromisoformat(m["at"]) < older
                or (phase == 0 and now <= datetime.fromisoformat(m["at"]))
            ]
            if messages:
                threads.append(wire.HistoryThread(id=thread["wa_id"], messages=messages))
        progress = round(100 * (phase + 1) / len(PHASES))
        metadata = wire.HistoryChunkMetadata(phase=phase, chunk_order=1, progress=progress)
        chunks.append(data(wire.HistoryChunk(metadata=metadata, threads=threads)))
        newer = older
    return chunks


def _history_message(message: dict[str, Any], business: str, wa_id: str) -> wire.HistoryMessage:
    at = datetime.fromisoformat(message["at"])
    mine = bool(message["from_business"])
    return wire.HistoryMessage(
        from_=business if mine else wa_id,
        to=wa_id if mine else None,
        id=payloads.new_wamid(wa_id),
        timestamp=payloads.unix_seconds(at),
        type="text",
        text={"body": message["text"]},
        history_context=wire.HistoryContext(status=message["status"]),
    )


def meta_change(data: wire.EventData, field: str) -> dict[str, Any]:
    """A partner event's ``data`` as Meta's change on the number's messaging webhook."""
    value = msgspec.to_builtins(data)
    waba_id = value.pop("id")
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": field}]}],
    }


# --- smb_message_echoes (emulator) ------------------------------------------------------------


async def app_message(
    uow: UnitOfWork, clock: Clock, channel_id: str, to: str, text: str
) -> dict[str, Any]:
    """The business sends ``text`` to ``to`` from the WhatsApp Business app: Meta echoes it to
    the number's messaging webhook (``smb_message_echoes``). Returns the echoed message."""
    channel = await any_channel(uow, channel_id)
    if not channel.is_on_biz_app:
        raise InvalidInput("channel_id", "this number is not on the WhatsApp Business app")
    if channel.status not in KEY_STATUSES:
        raise InvalidInput(
            "channel_id", f"channel is '{channel.status}': only running or live channels send"
        )
    if not text.strip() or len(text) > 4096:
        raise InvalidInput("text.body", "must be 1 to 4096 characters")
    wa_id = _digits("to", to)
    waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
    assert waba is not None  # a channel always has its WABA (foreign key)
    now = clock.now()
    echo = {
        "from": channel.phone_number.lstrip("+"),
        "to": wa_id,
        "id": payloads.new_wamid(wa_id),
        "timestamp": payloads.unix_seconds(now),
        "type": "text",
        "text": {"body": text},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": msgspec.to_builtins(_metadata(channel)),
        "message_echoes": [echo],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": waba.external_id, "changes": [{"value": value, "field": "smb_message_echoes"}]}
        ],
    }
    await outbox.emit_to_channels(uow, clock, [(channel, "smb_message_echoes", payload)])
    await uow.commit()
    return echo
