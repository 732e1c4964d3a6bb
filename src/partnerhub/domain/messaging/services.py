"""The Messaging API's behaviour: sending, the 24-hour window, simulated statuses, inbound
messages and the channel's messaging webhook (spec §9).

A send is checked the way Meta checks it (the body, then the template or the customer service
window) and stored as ``accepted``. The simulator then moves it ``sent -> delivered -> read``
(or ``failed`` for a number the emulator marks unreachable), one step per
``status_step_seconds`` of the shared clock; each step writes its Cloud-API-shaped status webhook
to the outbox in the same transaction, and delivery is charged to the payer's balance.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain.billing.model import MICROS, PricingCategory
from partnerhub.domain.billing.services import Delivered, charge_delivered
from partnerhub.domain.clients.model import KEY_STATUSES, Channel, WabaAccount
from partnerhub.domain.clients.services import any_channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.messaging import errors, payloads
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.countries import country_of
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.model import Direction, DueMessage, Message, MessageStatus
from partnerhub.domain.messaging.validation import OutgoingMessage, check_template, parse_outgoing
from partnerhub.domain.webhooks import outbox
from partnerhub.domain.webhooks.services import check_webhook_url, validate_headers

WINDOW = timedelta(hours=24)

# Meta error for a message to a number that cannot receive it (the emulator's "unreachable").
UNDELIVERABLE = errors.MESSAGE_UNDELIVERABLE


@dataclass(frozen=True)
class MessagingConfig:
    status_step_seconds: float = 1.0
    read_receipts: bool = True  # whether delivered messages go on to "read"
    # Cost per delivered message by pricing category, in the partner's currency (None: the
    # default table in domain/billing/prices.py).
    prices: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Accepted:
    message_id: str
    wa_id: str
    type: str
    input: str  # the ``to`` as the caller wrote it

    def response(self) -> dict[str, Any]:
        """Meta's answer to ``POST /messages``."""
        sent: dict[str, Any] = {"id": self.message_id}
        if self.type == "template":
            sent["message_status"] = "accepted"
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": self.input, "wa_id": self.wa_id}],
            "messages": [sent],
        }


def require_usable(principal: ChannelPrincipal) -> None:
    if principal.channel_status not in KEY_STATUSES:
        raise GraphError(
            131031,
            f"channel {principal.channel_id} is '{principal.channel_status}' and cannot send",
            message="(#131031) Business Account locked",
            http_status=403,
        )


@dataclass
class _Pending:
    principal: ChannelPrincipal
    outgoing: OutgoingMessage
    input: str
    future: asyncio.Future[Accepted]


class MessageSender:
    """``POST /messages`` with group commit.

    A send's checks that need the database (the template, the 24-hour window) and its insert
    are done for every send waiting at that moment in one transaction: one window query, one
    multi-row INSERT, one COMMIT for the batch. Each caller still gets its answer only after
    the commit that stored its message, so an accepted message is never lost; under load the
    batches grow and the per-message cost of a transaction shrinks (docs/benchmarks.md).
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        config: MessagingConfig,
        max_batch: int = 512,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._config = config
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self.last_send = -1e9  # loop time of the latest send: see :meth:`busy`

    def busy(self, within: float = 0.1) -> bool:
        """Whether sends are arriving (one in the last ``within`` seconds)."""
        return asyncio.get_running_loop().time() - self.last_send < within

    async def send(self, principal: ChannelPrincipal, body: object) -> Accepted:
        require_usable(principal)
        outgoing = parse_outgoing(body)  # pure checks first, in the caller's task
        to = outgoing.to
        loop = asyncio.get_running_loop()
        self.last_send = loop.time()
        future: asyncio.Future[Accepted] = loop.create_future()
        self._queue.append(_Pending(principal, outgoing, to, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            try:
                await self._commit(batch)
            except Exception as exc:  # the transaction failed: every send in it failed
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)

    async def _commit(self, batch: list[_Pending]) -> None:
        now = self._clock.now()
        step = timedelta(seconds=self._config.status_step_seconds)
        rows: list[dict[str, Any]] = []
        outcomes: list[tuple[_Pending, Accepted | GraphError]] = []
        async with self._uow_factory() as uow:
            # Reads, then inserts only: no read-modify-write to protect, just queue as a writer.
            await uow.write_gate()
            windows = await uow.messaging.last_inbound_pairs(
                {
                    (item.principal.channel_id, item.outgoing.wa_id)
                    for item in batch
                    if item.outgoing.template is None
                }
            )
            for item in batch:
                try:
                    category = await _pricing_category(uow, item, windows, now)
                except GraphError as refused:
                    outcomes.append((item, refused))
                    continue
                message_id = payloads.new_wamid(item.outgoing.wa_id)
                p = item.principal
                rows.append(
                    {
                        "id": message_id,
                        "partner_id": p.partner_id,
                        "client_id": p.client_id,
                        "channel_id": p.channel_id,
                        "direction": Direction.OUTBOUND,
                        "wa_id": item.outgoing.wa_id,
                        "type": item.outgoing.type,
                        "status": MessageStatus.ACCEPTED,
                        "body": item.outgoing.body,
                        "pricing_category": category,
                        "error": None,
                        "next_status_at": now + step,
                        "created_at": now,
                        "modified_at": now,
                    }
                )
                accepted = Accepted(message_id, item.outgoing.wa_id, item.outgoing.type, item.input)
                outcomes.append((item, accepted))
            await uow.messaging.insert_messages(rows)
            await uow.commit()
        for item, outcome in outcomes:
            if item.future.done():
                continue
            if isinstance(outcome, GraphError):
                item.future.set_exception(outcome)
            else:
                item.future.set_result(outcome)


async def _pricing_category(
    uow: UnitOfWork,
    item: _Pending,
    windows: dict[tuple[str, str], datetime],
    now: datetime,
) -> str:
    """Check what Meta checks before accepting, and say how the message will be priced."""
    ref = item.outgoing.template
    principal = item.principal
    if ref is not None:
        template = await uow.templates.find(principal.waba_account_id, ref.name, ref.language)
        check_template(
            ref,
            None if template is None else template.status,
            [] if template is None else template.components,
        )
        assert template is not None  # check_template refuses a missing template
        return str(template.category)
    last = windows.get((principal.channel_id, item.outgoing.wa_id))
    if last is None or now - last > WINDOW:
        raise errors.re_engagement()
    return PricingCategory.SERVICE


# The customer service window and inbound messages (emulator) ------------------------------


async def receive_inbound(uow: UnitOfWork, clock: Clock, body: object) -> Message:
    """A WhatsApp user writes to a channel: store it, open the window, send the webhook."""
    inbound = payloads.parse_inbound(body)
    channel = await any_channel(uow, inbound.channel_id)
    if channel.status not in KEY_STATUSES:
        raise InvalidInput(
            "channel_id", f"channel is '{channel.status}': only running or live channels receive"
        )
    waba = await _waba(uow, channel)
    now = clock.now()
    message = Message(
        id=payloads.new_wamid(inbound.wa_id),
        partner_id=channel.partner_id,
        client_id=channel.client_id,
        channel_id=channel.id,
        direction=Direction.INBOUND,
        wa_id=inbound.wa_id,
        type=inbound.type,
        status=MessageStatus.RECEIVED,
        created_at=now,
        modified_at=now,
        body=inbound.content,
    )
    uow.messaging.add_message(message)
    await uow.messaging.record_inbound(channel.id, inbound.wa_id, now, inbound.profile_name)
    payload = payloads.inbound_message_webhook(
        waba_external_id=waba.external_id,
        display_phone_number=_display(channel),
        phone_number_id=channel.external_id,
        contact_name=inbound.profile_name,
        wa_id=inbound.wa_id,
        message_id=message.id,
        timestamp=now,
        type=inbound.type,
        content=inbound.content,
        context=_reply_context(inbound.context_message_id, channel),
    )
    await outbox.emit_to_channels(uow, clock, [(channel, "message_received", payload)])
    await uow.commit()
    return message


def _reply_context(message_id: str | None, channel: Channel) -> dict[str, Any] | None:
    """An inbound reply quotes one of the channel's messages: Meta names it and its sender."""
    if message_id is None:
        return None
    return {"from": _display(channel), "id": message_id}


async def mark_read(uow: UnitOfWork, principal: ChannelPrincipal, body: dict[str, Any]) -> None:
    """``{"messaging_product": "whatsapp", "status": "read", "message_id": …}``: the business
    read an inbound message (Meta answers ``{"success": true}``)."""
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise errors.missing_parameter("message_id")
    message = await uow.messaging.get_message(message_id)
    if (
        message is None
        or message.channel_id != principal.channel_id
        or message.direction != Direction.INBOUND
    ):
        raise errors.invalid_value("message_id", "is not a message this number received")
    if message.status != MessageStatus.READ:
        message.status = MessageStatus.READ
        await uow.commit()


async def set_unreachable(uow: UnitOfWork, wa_id: str, error_code: int | None) -> None:
    digits = wa_id.lstrip("+")
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise InvalidInput("wa_id", "must be a phone number in international format")
    await uow.messaging.set_unreachable(digits, error_code)
    await uow.commit()


# Simulated statuses ------------------------------------------------------------------------


def _display(channel: Channel) -> str:
    return channel.phone_number.lstrip("+")


async def _waba(uow: UnitOfWork, channel: Channel) -> WabaAccount:
    waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
    if waba is None:  # pragma: no cover - a channel always has its WABA (foreign key)
        raise NotFound("WABA account not found")
    return waba


def _next(message: DueMessage, unreachable: int | None, config: MessagingConfig) -> str | None:
    if message.status == MessageStatus.ACCEPTED:
        return MessageStatus.FAILED if unreachable is not None else MessageStatus.SENT
    if message.status == MessageStatus.SENT:
        return MessageStatus.DELIVERED
    if message.status == MessageStatus.DELIVERED and config.read_receipts:
        return MessageStatus.READ
    return None


async def run_due_statuses(
    uow: UnitOfWork, clock: Clock, config: MessagingConfig, limit: int = 2000
) -> int:
    """Move every message whose next status is due one step on, in one transaction: the status
    updates, the charges for deliveries and the status webhooks, each written in bulk."""
    now = clock.now()
    due = await uow.messaging.due_messages(now, limit)
    if not due:
        return 0
    unreachable = await uow.messaging.unreachable_codes(
        {m.wa_id for m in due if m.status == MessageStatus.ACCEPTED}
    )
    channels = await uow.messaging.channels_by_id({m.channel_id for m in due})
    wabas = await uow.messaging.wabas_by_id({c.waba_account_id for c in channels.values()})
    step = timedelta(seconds=config.status_step_seconds)
    updates: list[dict[str, Any]] = []
    charges: list[Delivered] = []
    events: list[tuple[Channel, str, Any]] = []
    for message in due:
        code = unreachable.get(message.wa_id)
        status = _next(message, code, config)
        channel = channels.get(message.channel_id)
        if status is None or channel is None:
            updates.append(_update(message, message.status, now, None))
            continue
        final = status in (MessageStatus.FAILED, MessageStatus.READ) or (
            status == MessageStatus.DELIVERED and not config.read_receipts
        )
        if status == MessageStatus.FAILED:
            message.error = _undeliverable(code or UNDELIVERABLE)
        message.status = status
        updates.append(_update(message, status, now, None if final else now + step))
        if status == MessageStatus.DELIVERED:
            charges.append(_charge(message, channel, config))
        waba = wabas[channel.waba_account_id]
        events.append((channel, f"message_{status}", _status_payload(message, channel, waba, now)))
    await uow.messaging.update_statuses(updates)
    if charges:
        partners = await uow.messaging.partners_by_id({c.channel.partner_id for c in charges})
        await charge_delivered(uow, clock, partners, charges)
    await outbox.emit_to_channels(uow, clock, _batched(events))
    await uow.commit()
    return len(due)


# Statuses of one channel decided in the same round share a webhook, up to this many. The Cloud
# API's payload is built for it (``entry[].changes[].value.statuses`` is a list) and Meta does
# batch notifications; receivers that loop over the list, as they must, see no difference.
STATUSES_PER_WEBHOOK = 50


def _batched(events: list[tuple[Channel, str, Any]]) -> list[tuple[Channel, str, Any]]:
    grouped: dict[str, list[tuple[Channel, str, Any]]] = {}
    for event in events:
        grouped.setdefault(event[0].id, []).append(event)
    batched: list[tuple[Channel, str, Any]] = []
    for items in grouped.values():
        for start in range(0, len(items), STATUSES_PER_WEBHOOK):
            chunk = items[start : start + STATUSES_PER_WEBHOOK]
            channel, first_type, payload = chunk[0]
            if len(chunk) > 1:
                value = payload["entry"][0]["changes"][0]["value"]
                for _, _, other in chunk[1:]:
                    value["statuses"].extend(other["entry"][0]["changes"][0]["value"]["statuses"])
            kinds = {event_type for _, event_type, _ in chunk}
            batched.append(
                (channel, first_type if len(kinds) == 1 else "message_statuses", payload)
            )
    return batched


def _update(
    message: DueMessage, status: str, now: datetime, next_at: datetime | None
) -> dict[str, Any]:
    return {
        "m_id": message.id,
        "m_status": status,
        "m_modified": now,
        "m_next": next_at,
        "m_error": message.error,
    }


def _charge(message: DueMessage, channel: Channel, config: MessagingConfig) -> Delivered:
    """Meta charges per delivered message; service replies inside the window are free."""
    category = PricingCategory(message.pricing_category or PricingCategory.SERVICE)
    price = config.prices.get(category)
    return Delivered(
        channel=channel,
        country=country_of(message.wa_id),
        pricing_category=category,
        cost_micros=None if price is None else round(price * MICROS),
    )


def _undeliverable(code: int) -> dict[str, Any]:
    details = "The recipient cannot receive this message (marked unreachable in the emulator)."
    return GraphError(code, details).to_webhook_error()


def _status_payload(
    message: DueMessage, channel: Channel, waba: WabaAccount, now: datetime
) -> dict[str, Any]:
    pricing = conversation = None
    errors = None
    if message.status == MessageStatus.FAILED and message.error is not None:
        errors = [message.error]
    elif message.pricing_category is not None:
        category = message.pricing_category.lower()
        billable = message.pricing_category != PricingCategory.SERVICE
        pricing = {
            "billable": billable,
            "pricing_model": "PMP",
            "category": category,
            "type": "regular" if billable else "free_customer_service",
        }
        if message.status == MessageStatus.SENT:
            conversation = {
                "id": message.id.removeprefix("wamid.")[:32],
                "origin": {"type": category},
                "expiration_timestamp": str(int((now + WINDOW).timestamp())),
            }
    return payloads.status_webhook(
        waba_external_id=waba.external_id,
        display_phone_number=_display(channel),
        phone_number_id=channel.external_id,
        message_id=message.id,
        status=message.status,
        timestamp=now,
        recipient_id=message.wa_id,
        conversation=conversation,
        pricing=pricing,
        errors=errors,
        biz_opaque_callback_data=message.biz_opaque_callback_data,
    )


# The channel's messaging webhook -----------------------------------------------------------


async def set_webhook(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    url: str | None,
    headers: dict[str, str] | None,
    *,
    hub_mode: bool,
) -> Channel:
    cleaned = await check_webhook_url(url, hub_mode=hub_mode) if url else None
    channel = await uow.clients.get_channel(
        principal.partner_id, principal.channel_id, for_update=True
    )
    if channel is None:
        raise NotFound("Channel not found")
    channel.messaging_webhook_url = cleaned
    channel.messaging_webhook_headers = validate_headers(headers or {})
    channel.modified_at = clock.now()
    await uow.commit()
    return channel


async def get_webhook(uow: UnitOfWork, principal: ChannelPrincipal) -> Channel:
    channel = await uow.clients.get_channel(principal.partner_id, principal.channel_id)
    if channel is None:
        raise NotFound("Channel not found")
    return channel
