"""Onboarding (spec §8): a signup creates a client, its WABA and its numbers; a logged-in
client's later visit adds numbers and sets the partner's permission per number.

Each writes its partner webhook events through :mod:`webhooks.outbox` in the same unit of work,
so the change and its events commit together or not at all.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from partnerhub.domain import ids
from partnerhub.domain.clients import events, login
from partnerhub.domain.clients.model import (
    WABA_STATUS_FOR,
    Channel,
    ChannelStatus,
    Client,
    ClientLogin,
    WabaAccount,
)
from partnerhub.domain.clients.phones import NumbersTaken, normalize_phone
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.text import clean_text
from partnerhub.domain.webhooks import outbox
from partnerhub.wire import events as wire

MAX_NUMBERS_PER_SIGNUP = 20


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
    attach_to: str | None = None,
) -> Onboarded:
    """A signup: client, WABA and channels in one transaction, with their events.

    ``password_hash``: the client's password already hashed by a caller that must not hold a
    write transaction while argon2 runs (the onboarding page spends its IO signature first).

    ``attach_to``: the page's ``connect_client_user=true&client_id=…``: the signup fills that
    client of this partner (one made with ``account_sharing/clients``, with no WABA yet)
    instead of making a new one, so no ``client_created`` follows."""
    partner = await load_partner(uow, partner_id)
    existing = None
    if attach_to is not None:
        await uow.lock_for_write()  # two signups on one link: the second sees the first's WABA
        existing = await attachable_client(uow, partner.id, attach_to, for_update=True)
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
    if existing is not None and len(phones) > existing.max_channels:
        raise InvalidInput("phone_numbers", f"at most {existing.max_channels} for this client")
    now = clock.now()
    user = {"name": new_client.contact_name, "email": new_client.email.lower(), "phone": phones[0]}
    client = existing or Client(
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
    if existing is None:
        uow.clients.add(client)
    else:  # the client's user connects: the signup's contact fills what the partner left out
        client.contact_user = {**user, **{k: v for k, v in client.contact_user.items() if v}}
        client.modified_at = now
        client.modified_by = {"user_id": "client", "user_name": new_client.email.lower()}
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
        [
            *([events.client_created(client)] if existing is None else []),
            *(events.channel_event(wire.ChannelCreated, c, client, waba) for c in channels),
        ],
    )
    if commit:
        await uow.commit()
    return Onboarded(client, waba, channels)


async def attachable_client(
    uow: UnitOfWork, partner_id: str, client_id: str, *, for_update: bool = False
) -> Client:
    """The client a ``connect_client_user`` link names: this partner's, and still without a
    WABA (a client with numbers logs in with ``next=login`` instead). Another partner's client
    is not found, as one that does not exist."""
    client = await uow.clients.get_client(partner_id, client_id, for_update=for_update)
    if client is None:
        raise NotFound("Client not found")
    if await uow.clients.waba_of_client(client.id) is not None:
        raise Conflict("This client is already set up: log in to manage its numbers")
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
        # Policy enforcement (domain/compliance): Meta's RESTRICTED_ADD_PHONE_NUMBER_ACTION.
        if any(
            r["restriction_type"] == "RESTRICTED_ADD_PHONE_NUMBER_ACTION"
            and r["expiration"] > clock.now().timestamp()
            for r in waba.restriction_info
        ):
            raise InvalidInput(
                "phone_numbers",
                "the WhatsApp Business Account may not add numbers while restricted",
            )
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
        channel.multi_webhook_enabled = False
        channel.multi_webhook_destinations = []
    # After the flush: on PostgreSQL the channel rows are then locked, so a key generated
    # concurrently either saw the revocation or committed before the keys are revoked here.
    await uow.flush()
    if not await uow.clients.add_numbers(created):
        raise NumbersTaken(phones)  # a concurrent signup took one of them since the check
    for channel in revoked:
        await uow.messaging.revoke_channel_keys(channel.id, now)

    await outbox.emit_many(
        uow,
        clock,
        partner,
        [
            *(events.channel_event(wire.ChannelCreated, c, client, waba) for c in created),
            *(
                events.permission_event(wire.ChannelPermissionGranted, c, client, waba)
                for c in granted
            ),
            *(
                events.permission_event(wire.ChannelPermissionRevoked, c, client, waba)
                for c in revoked
            ),
        ],
    )
    if commit:
        await uow.commit()
    usable = [c for c in [*existing, *created] if _usable(c)]
    return Managed(client, created, granted, revoked, usable)
