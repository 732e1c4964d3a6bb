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
import functools
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from partnerhub.domain.billing.model import MICROS, PricingCategory
from partnerhub.domain.billing.services import Delivered, charge_delivered
from partnerhub.domain.catalogs import services as catalogs
from partnerhub.domain.clients.model import KEY_STATUSES, Channel, WabaAccount
from partnerhub.domain.clients.queries import any_channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.compliance import enforcement
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.messaging import delivery_faults, errors, marketing, payloads, quality
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.countries import country_of
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.model import (
    BudgetQuery,
    Direction,
    DueMessage,
    Message,
    MessageStatus,
    SendReads,
    StoredTemplate,
    TemplateKey,
)
from partnerhub.domain.messaging.throughput import CoexistenceThroughput
from partnerhub.domain.messaging.validation import (
    OutgoingMessage,
    check_template,
    parse_outgoing,
)
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox
from partnerhub.wire import cloud_api

WINDOW = timedelta(hours=24)
# The send types whose body may name an uploaded media file by ``id``.
MAY_NAME_MEDIA = frozenset(
    {"image", "audio", "video", "document", "sticker", "interactive", "template"}
)

# The stored pricing category of a utility template sent inside an open customer service
# window: free since Meta's per-message pricing (July 2025), reported as UTILITY.
FREE_UTILITY = "UTILITY_FREE"

# Meta error for a message to a number that cannot receive it (the emulator's "unreachable").
UNDELIVERABLE = errors.MESSAGE_UNDELIVERABLE


@dataclass(frozen=True)
class MessagingConfig:
    status_step_seconds: float = 1.0
    read_receipts: bool = True  # whether delivered messages go on to "read"
    # Cost per delivered message by pricing category, in the partner's currency (None: the
    # default table in domain/billing/prices.py).
    prices: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)  # built on every send: not frozen, as OutgoingMessage
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
        raise errors.business_account_locked(principal.channel_id, principal.channel_status)


def _require_unrestricted(principal: ChannelPrincipal, template: bool, now: datetime) -> None:
    """131031 while a policy restriction blocks this kind of send (domain/compliance)."""
    listed = [{"restriction_type": t, "expiration": e} for t, e in principal.restrictions]
    blocking = enforcement.refusal(listed, now, template)
    if blocking is not None:
        until = max(e for t, e in principal.restrictions if t == blocking)
        raise errors.business_account_restricted(principal.channel_id, blocking, until)


class SendStore(Protocol):
    """One send batch's transaction: read the windows, the templates and the sending keys, let
    ``plan`` turn them into message rows, insert those, commit. ``plan`` is pure and may run on
    any thread.

    ``concurrency``: how many batches may be in their transactions at once. One for a single
    writer (SQLite); more where transactions run side by side (PostgreSQL), so the next batch
    does not wait for the previous one's round trips while the process has nothing else to do.
    """

    concurrency: int

    async def store_batch(
        self,
        pairs: set[tuple[str, str]],
        template_keys: set[TemplateKey],
        plan: Callable[[SendReads], list[dict[str, Any]]],
        key_ids: frozenset[str] = frozenset(),
        budget: BudgetQuery | None = None,
    ) -> None:
        """With ``budget``, ``reads.budgets`` holds each number's tier budget and the store
        records the conversations ``plan`` opened (:attr:`Budget.opened`) in the same
        transaction."""
        ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class _Pending:
    principal: ChannelPrincipal
    outgoing: OutgoingMessage
    input: str
    future: asyncio.Future[Accepted]
    mm_lite: bool = False  # sent on MM Lite (``/marketing_messages``)


# Checks a product send against the WABA's catalog (issue 17): raises GraphError when refused.
# A check that needs a read beyond the send batch (a WABA's catalog, its Flows, the number's
# media): given the caller and the parsed message, it refuses with a GraphError or returns.
# Each decides for itself whether the message concerns it, at once: it returns the read to await
# when it does and None when it does not, so a plain text send costs no coroutine.
SendCheck = Callable[[ChannelPrincipal, OutgoingMessage], Awaitable[None] | None]


class MessageSender:
    """``POST /messages`` with group commit.

    A send's checks that need the database (the template, the 24-hour window) and its insert
    are done for every send waiting at that moment (gathered over the loop's turns that bring
    more, :meth:`_gather`) in one transaction: one window query, one multi-row INSERT, one
    COMMIT for the batch. Each caller still gets its answer only after the commit that stored
    its message, so an accepted message is never lost; under load the batches grow and the
    per-message cost of a transaction shrinks (docs/benchmarks.md). The transaction itself is
    the :class:`SendStore`'s.

    The batch's transaction reads the sending keys again: a key revoked, or a number whose
    permission the client took away, since the caller was authenticated (from a cache that may
    be up to ``channel_key_cache_seconds`` old when another process revoked it) sends nothing.
    """

    def __init__(
        self,
        store: SendStore,
        clock: Clock,
        config: MessagingConfig,
        max_batch: int = 512,
        checks: Sequence[SendCheck] = (),
    ) -> None:
        self._store = store
        # The composition's lookups outside the batch (catalog products, media ids, Flows).
        self._checks = tuple(checks)
        self._clock = clock
        self._config = config
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        # The batches in their transactions (at most the store's concurrency); each gathers
        # (_gather), takes what waits in the queue, and takes it again after each batch.
        self._writers: set[asyncio.Task[None]] = set()
        self.last_send = -1e9  # loop time of the latest send: see :meth:`busy`
        # WhatsApp Coexistence: numbers on the WhatsApp Business app send at most 20 a second.
        self.coexistence_throughput = CoexistenceThroughput()

    def busy(self, within: float = 0.1) -> bool:
        """Whether sends are arriving (one in the last ``within`` seconds)."""
        return asyncio.get_running_loop().time() - self.last_send < within

    async def send(
        self, principal: ChannelPrincipal, body: object, *, mm_lite: bool = False
    ) -> Accepted:
        """A send on ``/messages``, or with ``mm_lite`` on MM Lite's ``/marketing_messages``
        (the same path through the batch; see :mod:`.marketing` for its extra refusals)."""
        require_usable(principal)
        if mm_lite:
            marketing.require_template(body)
        outgoing = parse_outgoing(body)  # pure checks first, in the caller's task
        if principal.is_on_biz_app:
            self.coexistence_throughput.check(
                principal.channel_id, asyncio.get_running_loop().time()
            )
        if principal.restrictions:
            _require_unrestricted(principal, outgoing.type == "template", self._clock.now())
        for check in self._checks:
            read = check(principal, outgoing)
            if read is not None:
                await read
        to = outgoing.to
        loop = asyncio.get_running_loop()
        self.last_send = loop.time()
        future: asyncio.Future[Accepted] = loop.create_future()
        self._queue.append(_Pending(principal, outgoing, to, future, mm_lite))
        # Writers still running: one that just found the queue empty is done at once (its
        # set entry goes in a callback later), and must not be counted as taking this send.
        if sum(not writer.done() for writer in self._writers) < self._store.concurrency:
            writer = loop.create_task(self._drain())
            self._writers.add(writer)
            writer.add_done_callback(self._writer_done)
        return await future

    async def aclose(self) -> None:
        """Finish the batches already queued, then close the store."""
        if self._writers:
            await asyncio.wait(set(self._writers))
        await self._store.aclose()

    def _writer_done(self, writer: asyncio.Task[None]) -> None:
        """A writer cancelled (shutdown) before it took its batch, even before its first step,
        leaves the queue to the writers still running; with none left, the queued sends are
        answered as unavailable: nobody may be left waiting."""
        self._writers.discard(writer)
        if writer.cancelled() and self._queue and all(w.done() for w in self._writers):
            _fail(self._queue, errors.temporarily_unavailable())
            self._queue.clear()

    async def _drain(self) -> None:
        await self._gather()  # cancelled here, it leaves the queue (see _writer_done)
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            try:
                await self._commit(batch)
            except Exception as exc:  # the transaction failed: every send in it failed
                _fail(batch, exc)
            except BaseException:  # cancelled (shutdown): nobody may be left waiting
                _fail(batch, errors.temporarily_unavailable())
                _fail(self._queue, errors.temporarily_unavailable())
                self._queue.clear()
                raise

    async def _gather(self) -> None:
        """Before a writer's first batch, turn the event loop over while each turn brings more
        sends (up to a batch): the requests already read wait in the queue, and one turn reads
        those whose bytes arrived meanwhile. A turn costs microseconds; a commit costs tens of
        them and rewrites the same few index pages whatever the batch's size. Under load the
        batches come out about twice as big (SQLite, 32 connections: 32 sends against 14.5)
        and a send cheaper (with statuses flowing, about 8 % more sends a second;
        docs/benchmarks.md). A lone send costs one turn. The batches after the first take what
        queued while the one before was stored, as they did before. Another writer taking a
        batch meanwhile (PostgreSQL runs several) ends the gathering."""
        while len(self._queue) < self._max_batch:
            queued = len(self._queue)
            await asyncio.sleep(0)
            if len(self._queue) <= queued:
                return

    async def _commit(self, batch: list[_Pending]) -> None:
        now = self._clock.now()
        next_at = now + timedelta(seconds=self._config.status_step_seconds)
        outcomes: list[tuple[_Pending, Accepted | GraphError]] = []

        def plan(reads: SendReads) -> list[dict[str, Any]]:
            outcomes.clear()  # a store may call it again on a retried transaction
            rows: list[dict[str, Any]] = []
            for item in batch:
                try:
                    _check_key(item.principal, reads)
                    category = _pricing_category(item, reads, now)
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
                        "next_status_at": next_at,
                        "created_at": now,
                        "modified_at": now,
                    }
                )
                accepted = Accepted(message_id, item.outgoing.wa_id, item.outgoing.type, item.input)
                outcomes.append((item, accepted))
            return rows

        # Template sends: their windows say whether a conversation is user-initiated, and the
        # numbers' budgets whether a new business-initiated one fits (messaging limits).
        templated = frozenset(
            (i.principal.channel_id, i.outgoing.wa_id)
            for i in batch
            if i.outgoing.template is not None
        )
        await self._store.store_batch(
            # Every send's window: free-form sends need it open, utility templates inside it
            # are free (FREE_UTILITY).
            {(i.principal.channel_id, i.outgoing.wa_id) for i in batch},
            {
                (
                    i.principal.waba_account_id,
                    i.outgoing.template.name,
                    i.outgoing.template.language,
                )
                for i in batch
                if i.outgoing.template is not None
            },
            plan,
            frozenset(i.principal.key_id for i in batch),
            BudgetQuery(templated, now - WINDOW, now) if templated else None,
        )
        for item, outcome in outcomes:
            if item.future.done():
                continue
            if isinstance(outcome, GraphError):
                item.future.set_exception(outcome)
            else:
                item.future.set_result(outcome)


def _fail(batch: list[_Pending], exc: BaseException) -> None:
    for item in batch:
        if not item.future.done():
            item.future.set_exception(exc)


def _check_key(principal: ChannelPrincipal, reads: SendReads) -> None:
    """Refuse a send whose key was revoked, or whose number lost its permission, by now."""
    permission = reads.keys.get(principal.key_id)
    if permission is None:
        raise errors.auth_failed("Invalid D360-API-KEY")
    if not permission:
        raise errors.permission_revoked(principal.channel_id)


def _pricing_category(item: _Pending, reads: SendReads, now: datetime) -> str:
    """Check what Meta checks before accepting, and say how the message will be priced."""
    ref = item.outgoing.template
    principal = item.principal
    if ref is not None:
        template = reads.templates.get((principal.waba_account_id, ref.name, ref.language))
        # MM Lite refuses a template of another category for what it is, before its parameters.
        category = (
            marketing.check_category(ref.name, template.category)
            if item.mm_lite and template is not None
            else None
        )
        check_template(
            ref,
            None if template is None else template.status,
            [] if template is None else template.components,
            (template.id, template.version) if template is not None and template.id else None,
        )
        assert template is not None  # check_template refuses a missing template
        window_open = _window_open(item, reads, now)
        # Business-initiated (the window closed): spends the number's tier budget (131048).
        quality.spend(
            reads.budgets.get(principal.channel_id), item.outgoing.wa_id, window_open, principal
        )
        if category is not None:
            return category
        if template.category == PricingCategory.UTILITY and window_open:
            return FREE_UTILITY
        return template.category
    if not _window_open(item, reads, now):
        raise errors.re_engagement()
    return PricingCategory.SERVICE


def _window_open(item: _Pending, reads: SendReads, now: datetime) -> bool:
    last = reads.windows.get((item.principal.channel_id, item.outgoing.wa_id))
    return last is not None and now - last <= WINDOW


class UnitOfWorkSendStore:
    """The send batch's transaction through the unit of work (any backend; in-memory SQLite's)."""

    concurrency = 1

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._uow_factory = uow_factory

    async def store_batch(
        self,
        pairs: set[tuple[str, str]],
        template_keys: set[TemplateKey],
        plan: Callable[[SendReads], list[dict[str, Any]]],
        key_ids: frozenset[str] = frozenset(),
        budget: BudgetQuery | None = None,
    ) -> None:
        async with self._uow_factory() as uow:
            # Reads, then inserts only: no read-modify-write to protect, just queue as a writer.
            await uow.write_gate()
            keys = await uow.messaging.live_key_permissions(set(key_ids))
            windows = await uow.messaging.last_inbound_pairs(pairs)
            templates: dict[TemplateKey, StoredTemplate] = {}
            for key in template_keys:
                found = await uow.templates.find(*key)
                if found is not None:
                    templates[key] = StoredTemplate(
                        found.status,
                        str(found.category),
                        found.components,
                        found.id,
                        found.modified_at.isoformat(),
                    )
            budgets = {} if budget is None else await uow.quality.budgets(budget)
            reads = SendReads(windows, templates, keys, budgets)
            await uow.messaging.insert_messages(plan(reads))
            if budget is not None:
                await uow.quality.open_conversations(budgets, budget)
            await uow.commit()

    async def aclose(self) -> None:
        return None


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
    content = inbound.content
    if inbound.type == "order":  # a cart: the WABA's catalog prices it, as WhatsApp does
        content = await catalogs.priced_order(uow, channel.waba_account_id, content)
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
        body=content,
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
        content=content,
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


# Statuses of one channel decided in the same round share a webhook, up to this many. The Cloud
# API's payload is built for it (``entry[].changes[].value.statuses`` is a list) and Meta does
# batch notifications; receivers that loop over the list, as they must, see no difference.
STATUSES_PER_WEBHOOK = 50


@dataclass(frozen=True)
class _Round:
    """What every status of one simulator round shares: its moment, in the forms it is used."""

    next_at: datetime
    timestamp: str  # Meta's UNIX seconds
    window_expires: str  # a conversation opened now: when its 24-hour window ends


async def run_due_statuses(
    uow: UnitOfWork, clock: Clock, config: MessagingConfig, limit: int = 2000
) -> int:
    """Move every message whose next status is due one step on, in one transaction: the status
    updates, the charges for deliveries and the status webhooks, each written in bulk.

    Messages that move to the same status share one set-based UPDATE, and a channel's statuses
    share webhooks (:data:`STATUSES_PER_WEBHOOK`), so a round costs a few statements whatever
    the number of messages it moves.
    """
    now = clock.now()
    due = await uow.messaging.due_messages(now, limit)
    if not due:
        return 0
    channels = await uow.messaging.channels_by_id({m.channel_id for m in due})
    unreachable = await _fault_codes(uow, due, channels)
    wabas = await uow.messaging.wabas_by_id({c.waba_account_id for c in channels.values()})
    moment = _Round(
        next_at=now + timedelta(seconds=config.status_step_seconds),
        timestamp=payloads.unix_seconds(now),
        window_expires=payloads.unix_seconds(now + WINDOW),
    )
    # (new status, whether it is final, the error code of a failure) -> the messages moving so
    moves: dict[tuple[str, bool, int | None], list[str]] = {}
    # (channel id, country, stored pricing category) -> the round's deliveries so charged
    delivered: dict[tuple[str, str, str | None], int] = {}
    # channel id -> its statuses
    statuses: dict[str, list[tuple[str, cloud_api.MessageStatus]]] = {}
    for message in due:
        channel = channels.get(message.channel_id)
        code = _fault_of(message, channel, unreachable)
        status = _next(message, code, config)
        if status is None or channel is None:
            moves.setdefault((message.status, True, None), []).append(message.id)
            continue
        failed = status == MessageStatus.FAILED
        final = failed or status == MessageStatus.READ
        final = final or (status == MessageStatus.DELIVERED and not config.read_receipts)
        error_code = (code or UNDELIVERABLE) if failed else None
        moves.setdefault((status, final, error_code), []).append(message.id)
        if status == MessageStatus.DELIVERED:
            charged = (message.channel_id, country_of(message.wa_id), message.pricing_category)
            delivered[charged] = delivered.get(charged, 0) + 1
        entry = _status_entry(message, status, error_code, moment)
        statuses.setdefault(message.channel_id, []).append((status, entry))
    for (status, final, error_code), ids in moves.items():
        await uow.messaging.move_statuses(
            ids,
            status,
            now,
            None if final else moment.next_at,
            None if error_code is None else delivery_faults.failure(error_code).to_webhook_error(),
        )
    if delivered:
        charges = [
            _charge(channels[channel_id], country, stored, volume, config)
            for (channel_id, country, stored), volume in delivered.items()
        ]
        partners = await uow.messaging.partners_by_id({c.channel.partner_id for c in charges})
        await charge_delivered(uow, clock, partners, charges)
    await outbox.emit_to_channels(uow, clock, _webhooks(channels, wabas, statuses))
    await uow.commit()
    return len(due)


def _webhooks(
    channels: dict[str, Channel],
    wabas: dict[str, WabaAccount],
    statuses: dict[str, list[tuple[str, cloud_api.MessageStatus]]],
) -> list[tuple[Channel, str, Any]]:
    """Each channel's statuses, in order, as webhooks of up to :data:`STATUSES_PER_WEBHOOK`.
    A webhook of one kind of status is logged as ``message_<status>``, a mixed one as
    ``message_statuses``."""
    events: list[tuple[Channel, str, Any]] = []
    for channel_id, items in statuses.items():
        channel = channels[channel_id]
        waba = wabas[channel.waba_account_id]
        for start in range(0, len(items), STATUSES_PER_WEBHOOK):
            chunk = items[start : start + STATUSES_PER_WEBHOOK]
            kinds = {status for status, _ in chunk}
            event_type = f"message_{chunk[0][0]}" if len(kinds) == 1 else "message_statuses"
            payload = payloads.statuses_webhook(
                waba.external_id,
                _display(channel),
                channel.external_id,
                [entry for _, entry in chunk],
            )
            events.append((channel, event_type, payload))
    return events


async def _fault_codes(
    uow: UnitOfWork, due: list[DueMessage], channels: dict[str, Channel]
) -> dict[str, int]:
    """The faults set on the numbers of the messages about to be sent: their recipients' and
    their senders' (see :mod:`.delivery_faults`), in one query."""
    numbers: set[str] = set()
    for message in due:
        if message.status == MessageStatus.ACCEPTED:
            numbers.add(message.wa_id)
            channel = channels.get(message.channel_id)
            if channel is not None:
                numbers.add(_display(channel))
    return await uow.messaging.unreachable_codes(numbers) if numbers else {}


def _fault_of(message: DueMessage, channel: Channel | None, faults: dict[str, int]) -> int | None:
    """The fault failing this message, if any: the recipient's first, then the sender's."""
    if message.status != MessageStatus.ACCEPTED or not faults:
        return None
    for number in (message.wa_id, None if channel is None else _display(channel)):
        code = None if number is None else faults.get(number)
        if code is not None and delivery_faults.applies(code, message.type):
            return code
    return None


def _charge(
    channel: Channel, country: str, stored: str | None, volume: int, config: MessagingConfig
) -> Delivered:
    """Meta charges per delivered message; service replies inside the window are free. An MM
    Lite message is billed (and reported in usage) as MARKETING. ``volume`` deliveries of one
    round that share all of this are charged as one."""
    stored = stored or PricingCategory.SERVICE
    category = PricingCategory(_BILLED_AS.get(stored, stored))
    price = config.prices.get(category)
    return Delivered(
        channel=channel,
        country=country,
        pricing_category=category,
        cost_micros=None if price is None else round(price * MICROS),
        free=stored == FREE_UTILITY,
        volume=volume,
    )


# Stored pricing categories that are billed and reported as another one.
_BILLED_AS = {
    marketing.MARKETING_LITE: PricingCategory.MARKETING,
    FREE_UTILITY: PricingCategory.UTILITY,
}


@functools.cache
def _pricing(stored: str) -> tuple[cloud_api.StatusPricing, cloud_api.ConversationOrigin]:
    """Meta's ``pricing`` (per-message pricing, ``PMP``) and the ``conversation`` origin of a
    message priced ``stored`` (docs/fidelity.md, "MM Lite, statuses and errors"): the category
    is the template's (``marketing_lite`` for MM Lite sends), ``service`` for a free-form reply
    in the customer service window, which is free (``free_customer_service``), as is a utility
    template inside the window (category ``utility``). One pair per stored category, shared
    by every status that carries it: a round builds no pricing objects per message."""
    category = stored.lower() if stored != FREE_UTILITY else PricingCategory.UTILITY.lower()
    billable = stored not in (PricingCategory.SERVICE, FREE_UTILITY)
    pricing = cloud_api.StatusPricing(
        billable=billable,
        pricing_model="PMP",
        category=category,
        type="regular" if billable else "free_customer_service",
    )
    origin = PricingCategory.MARKETING.lower() if stored == marketing.MARKETING_LITE else category
    return pricing, cloud_api.ConversationOrigin(type=origin)


def _conversation_id(message_id: str) -> str:
    """Meta's 32 hex digits; under per-message pricing one per message (Graph v23 and lower)."""
    return hashlib.md5(message_id.encode(), usedforsecurity=False).hexdigest()


def _status_entry(
    message: DueMessage, status: str, error_code: int | None, moment: _Round
) -> cloud_api.MessageStatus:
    """One status as Meta sends it: ``sent`` and ``delivered`` carry ``pricing`` and
    ``conversation`` (``expiration_timestamp`` on ``sent`` only), ``read`` neither, ``failed``
    its ``errors``. Built as the wire struct itself, which the webhook's JSON encodes as is."""
    pricing = conversation = None
    failure: list[cloud_api.StatusError] = []
    if error_code is not None:
        failure = [payloads.status_error(delivery_faults.failure(error_code))]
    elif message.pricing_category is not None and status in _PRICED_STATUSES:
        pricing, origin = _pricing(message.pricing_category)
        conversation = cloud_api.StatusConversation(
            id=_conversation_id(message.id),
            expiration_timestamp=moment.window_expires if status == MessageStatus.SENT else None,
            origin=origin,
        )
    return cloud_api.MessageStatus(
        id=message.id,
        status=status,
        timestamp=moment.timestamp,
        recipient_id=message.wa_id,
        conversation=conversation,
        pricing=pricing,
        errors=failure,
        biz_opaque_callback_data=message.biz_opaque_callback_data,
    )


_PRICED_STATUSES = frozenset((MessageStatus.SENT, MessageStatus.DELIVERED))


# The channel's messaging webhook -----------------------------------------------------------


async def writable_channel(uow: UnitOfWork, principal: ChannelPrincipal) -> Channel:
    """The key's channel, read again under the write lock with the key and the permission (the
    caller was authenticated from a cache): for the webhook settings (main and multi-webhook)."""
    await uow.lock_for_write()
    channel = await uow.clients.get_channel(
        principal.partner_id, principal.channel_id, for_update=True
    )
    if channel is None:
        raise NotFound("Channel not found")
    if principal.key_id not in await uow.messaging.live_key_permissions({principal.key_id}):
        raise errors.auth_failed("Invalid D360-API-KEY")
    if not channel.permission:
        raise errors.permission_revoked(channel.id)
    return channel


async def get_webhook(uow: UnitOfWork, principal: ChannelPrincipal) -> Channel:
    channel = await uow.clients.get_channel(principal.partner_id, principal.channel_id)
    if channel is None:
        raise NotFound("Channel not found")
    return channel
