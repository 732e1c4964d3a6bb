"""Host-your-own Embedded Signup (``POST …/account_sharing/numbers``): a partner that runs
Meta's Embedded Signup itself hands the hub the WABA and the number its client shared with the
partner's Meta solution. The hub files them under a client (an existing one, with
``client_id``, or a new one for ``waba_business_id``) and the number then goes through the same
simulated review as any onboarded number: ``client_created`` (a new client only) and
``channel_created`` now, in the same transaction, then ``channel_submitted`` …
``channel_live`` from the simulator.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from partnerhub.domain import ids
from partnerhub.domain.clients import events
from partnerhub.domain.clients.model import (
    WABA_STATUS_FOR,
    Channel,
    ChannelStatus,
    Client,
    WabaAccount,
)
from partnerhub.domain.clients.phones import NumbersTaken, normalize_phone
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox
from partnerhub.wire import events as wire

TIERS = frozenset({"basic", "regular", "premium", ""})


@dataclass(frozen=True)
class SharedNumber:
    solution_id: str
    waba_external_id: str
    waba_business_id: str | None = None
    client_id: str | None = None
    tier: str | None = None
    channel_external_id: str | None = None
    phone_number: str | None = None  # [ours] the number Meta would report for the id


@dataclass(frozen=True)
class SharedOnboarded:
    client: Client
    waba: WabaAccount
    channel: Channel
    client_created: bool


def _meta_id(digits: int = 15) -> str:
    return str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))


def number_for(phone_number_id: str) -> str:
    """[ours] The number behind a Meta phone-number id, when the caller names none: Meta would
    report it; the emulator's Meta gives every id a fictional ``+1 555`` number made of the
    id's last seven digits, so the number its Embedded Signup reported is the one filed."""
    return "+1555" + phone_number_id[-7:].rjust(7, "0")


@dataclass(frozen=True)
class MetaSignup:
    """What Meta's Embedded Signup hands the partner's page when a client finishes it (the
    session-info message's ``data``), and the number the client registered."""

    business_id: str
    waba_id: str
    phone_number_id: str
    phone_number: str


async def meta_side_signup(
    uow: UnitOfWork, *, business_id: str | None = None, waba_id: str | None = None
) -> MetaSignup:
    """The emulator's Meta side: a client finished the partner's own Embedded Signup with a
    new number (in a new WABA and business unless named). Nothing is filed: the partner does
    that with ``account_sharing/numbers``."""
    for _ in range(20):
        phone_number_id = _meta_id()
        phone = number_for(phone_number_id)
        if not await uow.clients.phone_taken([phone]):
            return MetaSignup(
                business_id or _meta_id(), waba_id or _meta_id(), phone_number_id, phone
            )
    raise Conflict("No free phone number left for a new signup")


@dataclass(frozen=True)
class _Checked:
    client: Client | None  # None: a new client
    waba: WabaAccount | None  # None: a new WABA
    phone: str
    channel_external_id: str


async def _check(uow: UnitOfWork, partner_id: str, shared: SharedNumber) -> _Checked:
    """The duplicate and ownership checks, against what is committed: which client and WABA
    take the number (None: new ones), and the number with its Meta id."""
    client: Client | None = None
    if shared.client_id is not None:
        client = await uow.clients.get_client(partner_id, shared.client_id, for_update=True)
        if client is None:
            raise NotFound("Client not found")
    waba = await uow.clients.waba_by_external_id(shared.waba_external_id)
    if waba is not None:
        # The WABA is known: a further number of it, for the client that holds it only.
        if waba.partner_id != partner_id or (client is not None and waba.client_id != client.id):
            raise Conflict(f"WABA {shared.waba_external_id} is already onboarded")
        if client is None:
            client = await uow.clients.get_client(partner_id, waba.client_id, for_update=True)
            if client is None:  # pragma: no cover - a WABA always has its client
                raise NotFound("Client not found")
    external = shared.channel_external_id
    if external is not None and await uow.clients.channel_by_external_id(external) is not None:
        raise Conflict(f"Phone number {external} is already onboarded")
    channel_external_id = external or _meta_id()
    phone = (
        number_for(channel_external_id)
        if shared.phone_number is None
        else normalize_phone("phone_number", shared.phone_number)
    )
    taken = await uow.clients.phone_taken([phone])
    if taken:
        raise NumbersTaken(taken)
    if client is not None and await uow.clients.count_channels(client.id) >= client.max_channels:
        raise InvalidInput("client_id", f"at most {client.max_channels} numbers for this client")
    return _Checked(client, waba, phone, channel_external_id)


def _new_client(partner: Partner, shared: SharedNumber, now: datetime) -> Client:
    name = f"Business {shared.waba_business_id}"
    return Client(
        id=ids.new_id(ids.CLIENT),
        partner_id=partner.id,
        name=name,
        status="active",
        organisation=name,
        meta_info={"business_id": shared.waba_business_id},
        created_by={"user_id": "partner", "user_name": partner.id},
        modified_by={"user_id": "partner", "user_name": partner.id},
        created_at=now,
        modified_at=now,
    )


def _new_waba(partner: Partner, client: Client, shared: SharedNumber, now: datetime) -> WabaAccount:
    return WabaAccount(
        id=ids.new_id(ids.WABA_ACCOUNT),
        partner_id=partner.id,
        client_id=client.id,
        name=client.name,
        status=WABA_STATUS_FOR[ChannelStatus.CREATED],
        external_id=shared.waba_external_id,
        fb_business_id=shared.waba_business_id or _meta_id(),
        namespace=ids.new_id("", 8).lower() + "_" + ids.new_id("", 4).lower(),
        timezone_id="1",
        settings={"solution_id": shared.solution_id},
        created_at=now,
        modified_at=now,
    )


async def onboard_shared_number(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    shared: SharedNumber,
    *,
    step_seconds: float,
) -> SharedOnboarded:
    """File a number shared through the partner's own Embedded Signup, with its events.

    Two identical calls at once: SQLite's write lock runs them one after the other. On
    PostgreSQL both may pass the checks; the unique indexes on the WABA's and the number's Meta
    ids (migration 0031) refuse the second insert once the first committed, and the loser then
    checks again, sees the winner's rows and answers exactly as a later call would (409)."""
    await uow.lock_for_write()  # SQLite: the duplicate checks hold until the insert
    partner = await load_partner(uow, partner_id)
    if shared.tier is not None and shared.tier not in TIERS:
        raise InvalidInput("tier", "must be one of basic, regular, premium")
    if shared.client_id is None and shared.waba_business_id is None:
        raise InvalidInput("client_id", "one of waba_business_id or client_id must be specified")
    solution = (partner.settings.get("account_sharing") or {}).get("solution_id")
    if solution and str(solution) != shared.solution_id:
        raise InvalidInput("solution_id", "is not this partner's Meta solution")
    now = clock.now()

    checked = await _check(uow, partner.id, shared)
    client, waba = checked.client, checked.waba
    created_client = client is None
    if waba is None:
        new_client = None
        if client is None:
            client = new_client = _new_client(partner, shared, now)
        waba = _new_waba(partner, client, shared, now)
        if not await uow.clients.add_client_and_waba(new_client, waba):
            # A twin filed this WABA since our check (it committed): check again, as a call
            # coming after it would; the refusal it meets (409) is the answer.
            checked = await _check(uow, partner.id, shared)
            client, waba, created_client = checked.client, checked.waba, False
            if client is None or waba is None:  # pragma: no cover - the twin's WABA is there
                raise Conflict(f"WABA {shared.waba_external_id} is already onboarded")
    if client is None:  # pragma: no cover - a known WABA comes with its client
        raise NotFound("Client not found")
    phone, channel_external_id = checked.phone, checked.channel_external_id
    channel = Channel(
        id=ids.new_id(ids.CHANNEL),
        partner_id=partner.id,
        client_id=client.id,
        waba_account_id=waba.id,
        status=ChannelStatus.CREATED,
        phone_number=phone,
        phone_name=client.name,
        external_id=channel_external_id,
        # Shared with the partner's own solution: the partner manages it from the start.
        permission=True,
        # 360dialog's license plan; none (or "") places the number on Regular, as any onboarding.
        tier=shared.tier or "regular",
        next_step_at=now + timedelta(seconds=step_seconds),
        created_at=now,
        modified_at=now,
    )
    if not await uow.clients.add_numbers([channel]):
        # A concurrent onboarding took the number or its Meta id since the check (committed):
        # check again for the answer a later call would get.
        await _check(uow, partner.id, shared)
        raise NumbersTaken([phone])  # pragma: no cover - the check above refuses
    await outbox.emit_many(
        uow,
        clock,
        partner,
        [
            *([events.client_created(client)] if created_client else []),
            events.channel_event(wire.ChannelCreated, channel, client, waba),
        ],
    )
    await uow.commit()
    return SharedOnboarded(client, waba, channel, created_client)
