"""Onboarding, client updates, cancellation and the simulated Meta lifecycle (spec §6-§8).

Every state change here writes its partner webhook event through :mod:`webhooks.outbox` in the
same unit of work, so the change and its event commit together or not at all.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from partnerhub.domain import ids
from partnerhub.domain.clients import login
from partnerhub.domain.clients.model import (
    LIFECYCLE,
    WABA_STATUS_FOR,
    Channel,
    ChannelStatus,
    Client,
    ClientLogin,
    WabaAccount,
)
from partnerhub.domain.clock import Clock, isoformat
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partners.services import load_partner, validate_email
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.text import clean_text
from partnerhub.domain.webhooks import outbox

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
MAX_NUMBERS_PER_SIGNUP = 20

CLIENT_SORTABLE = ("id", "name", "status", "created_at", "modified_at")
CHANNEL_SORTABLE = (
    "id",
    "status",
    "created_at",
    "modified_at",
    "client_id",
    "terminated_at",
    "external_id",
)
# spec §3.3 [360], plus ``organisation``, which a published .NET partner client sends
# (docs/fidelity.md, "Typed clients").
CLIENT_FILTER_KEYS = (
    "id",
    "name",
    "status",
    "organisation",
    "meta_info.business_vertical",
    "meta_info.timezone",
    "meta_info.about",
    "meta_info.business_description",
    "meta_info.use_case",
    "contact_info.webpage_url",
    "contact_info.phone",
    "contact_info.language",
    "contact_info.country",
    "contact_info.street_name",
    "contact_info.city",
    "contact_info.email",
    "contact_info.zip_code",
    "contact_user.phone",
    "contact_user.email",
    "contact_user.name",
)
# spec §3.3 [360, partial list] plus the nested keys a published .NET partner client sends
# (``client.contact_info.email``, ``waba_account.fb_account_status``: docs/fidelity.md), with
# the type each value must have; time fields take an ISO timestamp (that second) or a
# {"gte"/"gt"/"lte"/"lt": ...} range [ours]. ``terminated_at`` is the date shown on the
# channel: when it was terminated, or when its requested cancellation takes effect.
CHANNEL_FILTERS: dict[str, type] = {
    "q": str,
    "id": str,
    "status": str,
    "client_id": str,
    "type": str,
    "version": int,
    "account_mode": str,
    "is_migrated": bool,
    "current_limit": str,
    "current_quality_rating": str,
    "availability_status": str,
    "terminated_at": datetime,
    "setup_info.phone_number": str,
    "setup_info.phone_name": str,
    "created_at": datetime,
    "modified_at": datetime,
    "external_id": str,
    "waba_account.id": str,
    "waba_account.fb_account_status": str,
    "client.contact_info.email": str,
}


def cancellation_takes_effect(requested_at: datetime) -> datetime:
    """When a cancellation requested at ``requested_at`` takes effect: the end of that calendar
    month (UTC), i.e. the first instant of the next one.

    360dialog's client docs: a cancelled number stays usable "until the end of the month"
    (subscriptions are monthly); the exact rule of its API is not documented (docs/fidelity.md).
    """
    month = requested_at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (
        month.replace(year=month.year + 1, month=1)
        if month.month == 12
        else month.replace(month=month.month + 1)
    )


class NumbersTaken(Conflict):
    """Some of the numbers are already registered on this hub (they are in ``numbers``)."""

    def __init__(self, numbers: Sequence[str]) -> None:
        super().__init__(f"Phone number already registered on this hub: {', '.join(numbers)}")
        self.numbers = list(numbers)


def normalize_phone(field: str, raw: str) -> str:
    """E.164 (``+`` then 7-15 digits); spaces, dashes, dots and brackets are dropped first."""
    compact = re.sub(r"[\s\-().]", "", clean_text(field, raw))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not E164.match(compact):
        raise InvalidInput(field, "must be an E.164 phone number, e.g. +4915112345678")
    return compact


@dataclass(frozen=True)
class NewNumber:
    phone_number: str
    phone_name: str
    # On direct-paid hubs, whether the client granted the partner this number (None: the
    # signup-wide choice applies).
    granted: bool | None = None


@dataclass(frozen=True)
class NewClient:
    name: str
    contact_name: str
    email: str
    partner_payload: str | None = None
    organisation: str | None = None
    contact_info: dict[str, Any] = field(default_factory=dict)
    meta_info: dict[str, Any] = field(default_factory=dict)
    # The contact user's password for coming back with next=login (None: no login).
    password: str | None = None


@dataclass(frozen=True)
class Onboarded:
    client: Client
    waba: WabaAccount
    channels: list[Channel]


def _numeric_id(digits: int = 15) -> str:
    """Meta-side ids are numeric strings."""
    return str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))


def _new_channel(
    client: Client,
    waba: WabaAccount,
    phone: str,
    phone_name: str,
    permission: bool,
    now: datetime,
    step_seconds: float,
) -> Channel:
    """A number just signed up or added: ``created``, its first review step one step away."""
    return Channel(
        id=ids.new_id(ids.CHANNEL),
        partner_id=client.partner_id,
        client_id=client.id,
        waba_account_id=waba.id,
        status=ChannelStatus.CREATED,
        phone_number=phone,
        phone_name=clean_text("phone_name", phone_name).strip() or client.name,
        external_id=_numeric_id(),
        permission=permission,
        next_step_at=now + timedelta(seconds=step_seconds),
        created_at=now,
        modified_at=now,
    )


def client_payload(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "status": client.status,
        "partner_payload": client.partner_payload,
        "contact_info": client.contact_info,
        "contact_user": client.contact_user,
        "created_at": isoformat(client.created_at),
    }


def channel_payload(channel: Channel, client: Client, waba: WabaAccount) -> dict[str, Any]:
    """``data`` of channel events (spec §7)."""
    return {
        "id": channel.id,
        "client_id": channel.client_id,
        "client": {
            "id": client.id,
            "name": client.name,
            "partner_payload": client.partner_payload,
            "contact_info": client.contact_info,
        },
        "phone_number": channel.phone_number,
        "phone_name": channel.phone_name,
        "created_at": isoformat(channel.created_at),
        "billing_started_at": isoformat(channel.billing_started_at),
        "fb_account_status": waba.status,
        "status": channel.status,
        "account_mode": channel.account_mode,
        "waba_account": {"id": waba.id, "external_id": waba.external_id},
    }


async def onboard(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    new_client: NewClient,
    numbers: Sequence[NewNumber],
    *,
    grant_permission: bool,
    step_seconds: float,
    commit: bool = True,
    password_hash: str | None = None,
) -> Onboarded:
    """A signup: client, WABA and channels in one transaction, with their events.

    ``password_hash``: the client's password already hashed by a caller that must not hold a
    write transaction while argon2 runs (the onboarding page spends its IO signature first)."""
    partner = await load_partner(uow, partner_id)
    if not numbers:
        raise InvalidInput("phone_numbers", "at least one phone number is required")
    if len(numbers) > MAX_NUMBERS_PER_SIGNUP:
        raise InvalidInput("phone_numbers", f"at most {MAX_NUMBERS_PER_SIGNUP} per signup")
    phones = [normalize_phone(f"phone_numbers[{i}]", n.phone_number) for i, n in enumerate(numbers)]
    if len(set(phones)) != len(phones):
        raise InvalidInput("phone_numbers", "the same number is listed twice")
    taken = await uow.clients.phone_taken(phones)
    if taken:
        raise NumbersTaken(taken)
    name = clean_text("client.name", new_client.name).strip()
    if not name:
        raise InvalidInput("client.name", "must not be empty")
    if password_hash is None and new_client.password is not None:
        password = login.validate_password("password", new_client.password)
        password_hash = await login.hash_client_password(password)
    now = clock.now()
    user = {"name": new_client.contact_name, "email": new_client.email.lower(), "phone": phones[0]}
    client = Client(
        id=ids.new_id(ids.CLIENT),
        partner_id=partner.id,
        name=name,
        status="active",
        organisation=new_client.organisation or name,
        partner_payload=new_client.partner_payload,
        meta_info=dict(new_client.meta_info),
        contact_info={
            "email": new_client.email.lower(),
            "full_name": new_client.contact_name,
            **new_client.contact_info,
        },
        contact_user=user,
        created_by={"user_id": "client", "user_name": new_client.email.lower()},
        modified_by={"user_id": "client", "user_name": new_client.email.lower()},
        created_at=now,
        modified_at=now,
    )
    waba = WabaAccount(
        id=ids.new_id(ids.WABA_ACCOUNT),
        partner_id=partner.id,
        client_id=client.id,
        name=name,
        status=WABA_STATUS_FOR[ChannelStatus.CREATED],
        external_id=_numeric_id(),
        fb_business_id=_numeric_id(),
        namespace=ids.new_id("", 8).lower() + "_" + ids.new_id("", 4).lower(),
        timezone_id="1",
        created_at=now,
        modified_at=now,
    )

    # Partner-paid hubs may use every number; direct-paid ones only those the client granted.
    def permitted(number: NewNumber) -> bool:
        granted = grant_permission if number.granted is None else number.granted
        return partner.billing_model == "partner" or granted

    channels = [
        _new_channel(client, waba, phone, number.phone_name, permitted(number), now, step_seconds)
        for phone, number in zip(phones, numbers, strict=True)
    ]
    uow.clients.add(client)
    await uow.flush()
    uow.clients.add(waba)
    await uow.flush()
    if password_hash is not None:
        uow.client_logins.add(
            ClientLogin(
                client_id=client.id,
                partner_id=partner.id,
                email=new_client.email.strip().lower(),
                password_hash=password_hash,
                created_at=now,
            )
        )
    if not await uow.clients.add_numbers(channels):
        raise NumbersTaken(phones)  # a concurrent signup took one of them since the check
    await outbox.emit_many(
        uow,
        clock,
        partner,
        [("client_created", client_payload(client))]
        + [("channel_created", channel_payload(c, client, waba)) for c in channels],
    )
    if commit:
        await uow.commit()
    return Onboarded(client, waba, channels)


async def create_shared_client(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    *,
    name: str,
    email: str,
    user_name: str | None,
    partner_payload: str | None,
) -> Client:
    """``POST …/account_sharing/clients``: an empty client (no WABA, no numbers yet) for a
    partner that hosts Meta's embedded signup itself; numbers follow once shared."""
    partner = await load_partner(uow, partner_id)
    organisation = clean_text("name", name).strip()
    if not organisation:
        raise InvalidInput("name", "must not be empty")
    if len(organisation) > 255:
        raise InvalidInput("name", "must be at most 255 characters")
    address = validate_email(email)
    contact = clean_text("user_name", user_name or "").strip() or organisation
    now = clock.now()
    client = Client(
        id=ids.new_id(ids.CLIENT),
        partner_id=partner.id,
        name=organisation,
        status="active",
        organisation=organisation,
        partner_payload=None
        if partner_payload is None
        else clean_text("partner_payload", partner_payload),
        contact_info={"email": address, "full_name": contact},
        contact_user={"name": contact, "email": address, "phone": None},
        created_by={"user_id": "partner", "user_name": partner.id},
        modified_by={"user_id": "partner", "user_name": partner.id},
        created_at=now,
        modified_at=now,
    )
    uow.clients.add(client)
    await uow.flush()
    await outbox.emit(uow, clock, partner, "client_created", client_payload(client))
    await uow.commit()
    return client


# Channels the partner can no longer use whatever the permission says.
ENDED = frozenset({ChannelStatus.TERMINATED, ChannelStatus.CANCELLED})


@dataclass(frozen=True)
class Managed:
    client: Client
    created: list[Channel]
    granted: list[Channel]  # existing numbers the client granted in this visit
    revoked: list[Channel]  # existing numbers whose permission the client removed
    usable: list[Channel]  # every channel of the client the partner may now use


def _usable(channel: Channel) -> bool:
    return channel.permission and channel.status not in ENDED


async def manage_channels(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    granted_ids: set[str],
    numbers: Sequence[NewNumber],
    *,
    acting_user: str,
    step_seconds: float,
    commit: bool = True,
) -> Managed:
    """A logged-in client's visit (spec §8 ``next=login``): add numbers to its WABA and set the
    partner's permission per number, in one transaction with the events.

    ``granted_ids`` is the full answer for the client's existing numbers on a direct-paid hub:
    a number in it is granted, one not in it is revoked (ids of other clients' channels are
    ignored). Partner-paid hubs always have permission, so there it changes nothing. Events:
    ``channel_created`` for each new number, then ``channel_permission_granted`` [obs] /
    ``channel_permission_revoked`` [ours] for each existing number whose permission changed.
    A new number announces itself with ``channel_created`` only, as at signup.

    A revoked number loses what the partner reached it with, in the same transaction: its
    channel keys (``D360-API-KEY``) are revoked and its messaging webhook is cleared, as a new
    key would clear it, so the partner neither sends for the client nor keeps reading its
    inbound messages. The caller drops its channel-key cache after the commit
    (``Managed.revoked``).
    """
    partner = await load_partner(uow, partner_id)
    client = await uow.clients.get_client(partner_id, client_id)
    if client is None:
        raise NotFound("Client not found")
    waba = await uow.clients.waba_of_client(client.id)
    if waba is None:
        raise NotFound("WABA account not found")
    existing = await uow.clients.channels_of_client(client.id)
    phones = [normalize_phone(f"phone_numbers[{i}]", n.phone_number) for i, n in enumerate(numbers)]
    if phones:
        if not partner.allow_client_to_add_phone_no:
            raise InvalidInput("phone_numbers", "this partner does not let clients add numbers")
        if len(existing) + len(phones) > client.max_channels:
            raise InvalidInput(
                "phone_numbers", f"at most {client.max_channels} numbers for this client"
            )
        if len(set(phones)) != len(phones):
            raise InvalidInput("phone_numbers", "the same number is listed twice")
        taken = await uow.clients.phone_taken(phones)
        if taken:
            raise NumbersTaken(taken)
    now = clock.now()
    direct = partner.billing_model == "direct"
    granted: list[Channel] = []
    revoked: list[Channel] = []
    if direct:
        for channel in existing:
            wanted = channel.id in granted_ids
            if channel.status in ENDED or wanted == channel.permission:
                continue
            channel.permission = wanted
            channel.modified_at = now
            (granted if wanted else revoked).append(channel)
    created = [
        _new_channel(
            client,
            waba,
            phone,
            number.phone_name,
            not direct or bool(number.granted),
            now,
            step_seconds,
        )
        for phone, number in zip(phones, numbers, strict=True)
    ]
    # Every saved visit moves the client's version on, which spends the login session.
    client.modified_at = now
    client.modified_by = {"user_id": "client", "user_name": acting_user}
    for channel in revoked:
        channel.messaging_webhook_url = None
        channel.messaging_webhook_headers = {}
    # After the flush: on PostgreSQL the channel rows are then locked, so a key generated
    # concurrently either saw the revocation or committed before the keys are revoked here.
    await uow.flush()
    if not await uow.clients.add_numbers(created):
        raise NumbersTaken(phones)  # a concurrent signup took one of them since the check
    for channel in revoked:
        await uow.messaging.revoke_channel_keys(channel.id, now)

    def permission_event(channel: Channel) -> dict[str, Any]:
        return {**channel_payload(channel, client, waba), "permission": channel.permission}

    await outbox.emit_many(
        uow,
        clock,
        partner,
        [("channel_created", channel_payload(c, client, waba)) for c in created]
        + [("channel_permission_granted", permission_event(c)) for c in granted]
        + [("channel_permission_revoked", permission_event(c)) for c in revoked],
    )
    if commit:
        await uow.commit()
    usable = [c for c in [*existing, *created] if _usable(c)]
    return Managed(client, created, granted, revoked, usable)


async def update_client(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    changes: dict[str, Any],
) -> Client:
    await uow.lock_for_write()
    client = await uow.clients.get_client(partner_id, client_id)
    if client is None:
        raise NotFound("Client not found")
    if "partner_payload" in changes:
        payload = changes["partner_payload"]
        client.partner_payload = None if payload is None else clean_text("partner_payload", payload)
    # ``null`` on the optional numeric setting leaves it unchanged (docs/fidelity.md).
    if changes.get("max_channels") is not None:
        value = changes["max_channels"]
        if not 1 <= value <= 1000:
            raise InvalidInput("max_channels", "must be between 1 and 1000")
        if value < await uow.clients.count_channels(client.id):
            raise InvalidInput("max_channels", "is below the client's current number of channels")
        client.max_channels = value
    client.modified_at = clock.now()
    client.modified_by = {"user_id": "partner", "user_name": partner_id}
    await uow.commit()
    return client


async def list_clients(
    uow: UnitOfWork, partner_id: str, query: ListQuery
) -> tuple[list[Client], int]:
    return await uow.clients.list_clients(partner_id, query)


@dataclass(frozen=True)
class ChannelView:
    channel: Channel
    client: Client
    waba: WabaAccount


async def list_channels(
    uow: UnitOfWork, partner_id: str, query: ListQuery, text: str | None
) -> tuple[list[ChannelView], int]:
    channels, total = await uow.clients.list_channels(partner_id, query, text)
    clients = await uow.clients.clients_by_id(list({c.client_id for c in channels}))
    wabas = await uow.clients.wabas_by_id(list({c.waba_account_id for c in channels}))
    return [ChannelView(c, clients[c.client_id], wabas[c.waba_account_id]) for c in channels], total


async def get_waba(uow: UnitOfWork, partner_id: str, waba_id: str) -> WabaAccount:
    waba = await uow.clients.get_waba(partner_id, waba_id)
    if waba is None:
        raise NotFound("WABA account not found")
    return waba


async def _channel_of(
    uow: UnitOfWork, partner_id: str, client_id: str, channel_id: str
) -> tuple[Channel, Client, WabaAccount]:
    channel = await uow.clients.get_channel(partner_id, channel_id, for_update=True)
    if channel is None or channel.client_id != client_id:
        raise NotFound("Channel not found")
    client = await uow.clients.get_client(partner_id, client_id)
    waba = await uow.clients.get_waba(partner_id, channel.waba_account_id)
    assert client is not None and waba is not None
    return channel, client, waba


async def set_cancellation(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    channel_id: str,
    enabled: bool,
) -> ChannelView:
    """Request (or withdraw) a cancellation; it takes effect at the end of the month
    (:func:`cancellation_takes_effect`), the date the channel's ``terminated_at`` shows from now
    on, until the request is withdrawn."""
    await uow.lock_for_write()
    channel, client, waba = await _channel_of(uow, partner_id, client_id, channel_id)
    if channel.status in (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED):
        raise Conflict("The channel is already terminated")
    now = clock.now()
    if enabled == (channel.cancellation_requested_at is not None):
        return ChannelView(channel, client, waba)  # asking twice changes and emits nothing
    if enabled:
        channel.cancellation_requested_at = now
        channel.cancellation_date = cancellation_takes_effect(now)
        event = "cancellation_request"
    else:
        channel.cancellation_requested_at = None
        channel.cancellation_date = None
        event = "cancellation_revoke"
    in_review = ChannelStatus(channel.status) in LIFECYCLE
    channel.next_step_at = _next_step(channel, channel.next_step_at if in_review else None)
    channel.modified_at = now
    partner = await load_partner(uow, partner_id)
    data = channel_payload(channel, client, waba)
    data["cancellation_date"] = isoformat(channel.cancellation_date)
    data["terminated_at"] = isoformat(channel.cancellation_date)
    await outbox.emit(uow, clock, partner, event, data)
    await uow.commit()
    return ChannelView(channel, client, waba)


def _next_step(channel: Channel, lifecycle_at: datetime | None) -> datetime | None:
    """When the simulator should next look at this channel: its next review step or its
    cancellation date, whichever comes first."""
    candidates = [moment for moment in (lifecycle_at, channel.cancellation_date) if moment]
    return min(candidates) if candidates else None


async def run_due_steps(
    uow: UnitOfWork, clock: Clock, step_seconds: float, limit: int = 200
) -> int:
    """One simulator round: move every due channel one step on, with its event."""
    await uow.lock_for_write()
    now = clock.now()
    due = await uow.clients.due_steps(now, limit)
    if not due:
        return 0
    for channel in due:
        client = await uow.clients.get_client(channel.partner_id, channel.client_id)
        waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
        partner = await uow.partners.get(channel.partner_id)
        assert client is not None and waba is not None and partner is not None
        if channel.cancellation_date is not None and channel.cancellation_date <= now:
            channel.status = ChannelStatus.TERMINATED
            # The date it took effect, as announced, even when the simulator runs late.
            channel.terminated_at = channel.cancellation_date
            channel.next_step_at = None
            event = "cancellation_processed"
        else:
            status = ChannelStatus(channel.status)
            if status not in LIFECYCLE:
                channel.next_step_at = _next_step(channel, None)
                continue
            following, event = LIFECYCLE[status]
            channel.status = following
            if following == ChannelStatus.RUNNING and channel.billing_started_at is None:
                channel.billing_started_at = now
            waba.status = WABA_STATUS_FOR[following]
            waba.modified_at = now
            # From when this step was due, not from now: a clock jump of ten steps' length
            # runs all ten steps, as that much real time would have.
            due_at = channel.next_step_at or now
            in_review = following in LIFECYCLE
            channel.next_step_at = _next_step(
                channel, due_at + timedelta(seconds=step_seconds) if in_review else None
            )
        channel.modified_at = now
        data = channel_payload(channel, client, waba)
        if event == "cancellation_processed":
            data["terminated_at"] = isoformat(channel.terminated_at)
        await outbox.emit(uow, clock, partner, event, data)
    await uow.commit()
    return len(due)


_ORDER = [
    ChannelStatus.CREATED,
    ChannelStatus.SUBMITTED,
    ChannelStatus.READY,
    ChannelStatus.RUNNING,
    ChannelStatus.LIVE,
]
_RESTRICTED = {ChannelStatus.ACCOUNT_VIOLATION, ChannelStatus.ACCOUNT_RESTRICTION}
_EVENT_FOR = {
    ChannelStatus.SUBMITTED: "channel_submitted",
    ChannelStatus.READY: "channel_ready",
    ChannelStatus.RUNNING: "channel_running",
    ChannelStatus.LIVE: "channel_live",
    ChannelStatus.ACCOUNT_VIOLATION: "account_violation",
    ChannelStatus.ACCOUNT_RESTRICTION: "account_restriction",
}


def _allowed(current: ChannelStatus, target: ChannelStatus) -> bool:
    """Forward through review; a running or live number can be restricted by Meta; a restricted
    one can be restored to running or live. Nothing goes back, nothing leaves termination."""
    if current in _ORDER and target in _ORDER:
        return _ORDER.index(target) > _ORDER.index(current)
    if target in _RESTRICTED:
        return current in (ChannelStatus.RUNNING, ChannelStatus.LIVE) or (
            current in _RESTRICTED and current != target
        )
    if current in _RESTRICTED:
        return target in (ChannelStatus.RUNNING, ChannelStatus.LIVE)
    return False


async def any_channel(uow: UnitOfWork, channel_id: str) -> Channel:
    """A channel of whichever partner: for the emulator and the simulated Meta side, which act
    across partners (the Partner API always looks channels up under the caller's partner)."""
    partner_id = await uow.clients.owner_of_channel(channel_id)
    channel = None if partner_id is None else await uow.clients.get_channel(partner_id, channel_id)
    if channel is None:
        raise NotFound("Channel not found")
    return channel


async def force_status(
    uow: UnitOfWork,
    clock: Clock,
    channel_id: str,
    target_raw: str,
    violation_type: str | None,
) -> ChannelView:
    """The emulator's hand on the Meta side: any possible transition, with its event."""
    try:
        target = ChannelStatus(target_raw)
    except ValueError:
        allowed = ", ".join(sorted(_EVENT_FOR))
        raise InvalidInput("status", f"must be one of: {allowed}") from None
    if target not in _EVENT_FOR:
        raise InvalidInput("status", f"must be one of: {', '.join(sorted(_EVENT_FOR))}")
    await uow.lock_for_write()
    found = await any_channel(uow, channel_id)
    channel, client, waba = await _channel_of(uow, found.partner_id, found.client_id, channel_id)
    current = ChannelStatus(channel.status)
    if not _allowed(current, target):
        raise Conflict(f"A channel cannot go from {current} to {target}")
    now = clock.now()
    channel.status = target
    if target in (ChannelStatus.RUNNING, ChannelStatus.LIVE) and channel.billing_started_at is None:
        channel.billing_started_at = now
    waba.status = WABA_STATUS_FOR[target]
    waba.modified_at = channel.modified_at = now
    # The automatic review goes on from here, unless the emulator has taken the number out of it.
    in_review = target in LIFECYCLE
    channel.next_step_at = _next_step(channel, channel.next_step_at if in_review else None)
    data = channel_payload(channel, client, waba)
    if target in _RESTRICTED:
        data["violation_type"] = violation_type or (
            "SPAM" if target == ChannelStatus.ACCOUNT_VIOLATION else "MESSAGING_LIMIT"
        )
    partner = await load_partner(uow, channel.partner_id)
    await outbox.emit(uow, clock, partner, _EVENT_FOR[target], data)
    await uow.commit()
    return ChannelView(channel, client, waba)
