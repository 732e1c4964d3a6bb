"""The number migration state machine (issue 18 item 4).

Migrating a number into a client (360dialog: "Migrate a number to 360Dialog", from another BSP
or from Meta; the steps are Meta's: register the number for migration, request a one-time code
by SMS or voice, verify it)::

    start ──> pending_verification ──request_code──> code_sent ──verify_code──> completed
                                       ^                 │ wrong code: refused, counted;
                                       └─────────────────┘ expired / spent: request a new one

``start`` refuses while the number has two-step verification (360dialog's prerequisite:
"Two-Factor Verification must be disabled for the number"), and so do ``request_code`` and
``verify_code`` if it was turned back on meanwhile. The number is on the hub from ``start`` on as
a ``created`` channel (``channel_created``); it is held out of the simulated review until the
code is verified, then ``is_migrated`` is true and the usual review runs on
(``channel_submitted`` … ``channel_live``, :mod:`partnerhub.domain.clients.lifecycle`).

Moving a number to a new WABA of its client: without a currency change, Meta's migration
between WABAs (two-step verification off, the number registered); with one, 360dialog's WABA
currency change, which moves every number of the WABA to a new WABA in the new currency (EUR,
USD, INR; BRL upon request) and needs the WABA approved. The phone number id stays the same.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
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
from partnerhub.domain.listing import MAX_LIMIT, ListQuery
from partnerhub.domain.migration.model import (
    CODE_METHODS,
    CODE_TTL_SECONDS,
    CURRENCIES,
    DEFAULT_CURRENCY,
    MAX_WRONG_CODES,
    ON_REQUEST_CURRENCIES,
    MigrationStatus,
    NumberMigration,
    TwoStepSetting,
)
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.templates.model import Template, TemplateStatus
from partnerhub.domain.text import clean_text
from partnerhub.domain.webhooks import outbox
from partnerhub.wire import events as wire

TWO_STEP_ENABLED = (
    "Two-step verification is enabled for this phone number: disable it where the number is "
    "registered now, then retry the migration"
)
_REGISTERED = (ChannelStatus.RUNNING, ChannelStatus.LIVE)


class TwoStepEnabled(Conflict):
    """The number has two-step verification; Meta refuses to migrate it until it is off."""

    def __init__(self) -> None:
        super().__init__(TWO_STEP_ENABLED)


@dataclass(frozen=True)
class MigrationView:
    migration: NumberMigration
    channel: Channel
    client: Client
    waba: WabaAccount


@dataclass(frozen=True)
class WabaMove:
    source: WabaAccount
    waba: WabaAccount  # the new WABA
    channels: list[Channel]  # the numbers moved
    currency_changed: bool
    templates: list[Template]  # the approved templates copied to the new WABA


def _numeric_id(digits: int = 15) -> str:
    return str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))


def waba_currency(waba: WabaAccount) -> str:
    return str(waba.settings.get("currency") or DEFAULT_CURRENCY)


async def _refuse_two_step(uow: UnitOfWork, phone_number: str) -> None:
    setting = await uow.migrations.two_step(phone_number)
    if setting is not None and setting.enabled:
        raise TwoStepEnabled()


async def start_migration(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    phone_number: str,
    phone_name: str | None,
) -> MigrationView:
    """Register a number for migration into the client's WABA: a ``created`` channel, held out
    of review until its code is verified."""
    await uow.lock_for_write()
    partner = await load_partner(uow, partner_id)
    client = await uow.clients.get_client(partner_id, client_id)
    if client is None:
        raise NotFound("Client not found")
    waba = await _current_waba(uow, partner_id, client.id)
    phone = normalize_phone("phone_number", phone_number)
    if await uow.clients.count_channels(client.id) >= client.max_channels:
        raise InvalidInput("phone_number", f"at most {client.max_channels} numbers for this client")
    if await uow.clients.phone_taken([phone]):
        raise NumbersTaken([phone])
    await _refuse_two_step(uow, phone)
    now = clock.now()
    channel = Channel(
        id=ids.new_id(ids.CHANNEL),
        partner_id=partner.id,
        client_id=client.id,
        waba_account_id=waba.id,
        status=ChannelStatus.CREATED,
        phone_number=phone,
        phone_name=clean_text("phone_name", phone_name or "").strip() or client.name,
        external_id=_numeric_id(),
        permission=True,
        next_step_at=None,  # out of review until the code is verified
        created_at=now,
        modified_at=now,
    )
    if not await uow.clients.add_numbers([channel]):
        raise NumbersTaken([phone])
    migration = NumberMigration(
        channel_id=channel.id,
        partner_id=partner.id,
        client_id=client.id,
        phone_number=phone,
        status=MigrationStatus.PENDING,
        created_at=now,
        modified_at=now,
    )
    uow.migrations.add(migration)
    await outbox.emit(
        uow, clock, partner, events.channel_event(wire.ChannelCreated, channel, client, waba)
    )
    await uow.commit()
    return MigrationView(migration, channel, client, waba)


async def _current_waba(uow: UnitOfWork, partner_id: str, client_id: str) -> WabaAccount:
    """The client's WABA numbers join: its first, or the one a currency change moved it to."""
    waba = await uow.clients.waba_of_client(client_id)
    while waba is not None and waba.settings.get("migrated_to"):
        waba = await uow.clients.get_waba(partner_id, str(waba.settings["migrated_to"]))
    if waba is None:
        raise NotFound("WABA account not found")
    return waba


async def _migration_of(
    uow: UnitOfWork, partner_id: str, client_id: str, channel_id: str
) -> MigrationView:
    channel = await uow.clients.get_channel(partner_id, channel_id, for_update=True)
    if channel is None or channel.client_id != client_id:
        raise NotFound("Migration not found")
    migration = await uow.migrations.get_migration(channel.id, for_update=True)
    if migration is None:
        raise NotFound("Migration not found")
    client = await uow.clients.get_client(partner_id, client_id)
    waba = await uow.clients.get_waba(partner_id, channel.waba_account_id)
    assert client is not None and waba is not None
    return MigrationView(migration, channel, client, waba)


async def get_migration(
    uow: UnitOfWork, partner_id: str, client_id: str, channel_id: str
) -> MigrationView:
    return await _migration_of(uow, partner_id, client_id, channel_id)


async def request_code(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    channel_id: str,
    code_method: str,
    language: str,
) -> MigrationView:
    """Send a new six-digit code (the emulator keeps it readable); an earlier code is void."""
    method = code_method.upper()
    if method not in CODE_METHODS:
        raise InvalidInput("code_method", f"must be one of: {', '.join(CODE_METHODS)}")
    await uow.lock_for_write()
    view = await _migration_of(uow, partner_id, client_id, channel_id)
    migration = view.migration
    if migration.status == MigrationStatus.COMPLETED:
        raise Conflict("The phone number is already migrated")
    await _refuse_two_step(uow, migration.phone_number)
    now = clock.now()
    migration.code = f"{secrets.randbelow(10**6):06d}"
    migration.code_method = method
    migration.language = language
    migration.code_expires_at = now + timedelta(seconds=CODE_TTL_SECONDS)
    migration.wrong_codes = 0
    migration.status = MigrationStatus.CODE_SENT
    migration.modified_at = now
    await uow.commit()
    return view


async def verify_code(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    channel_id: str,
    code: str,
    step_seconds: float,
) -> MigrationView:
    """Complete the migration with the code sent: the channel is ``is_migrated`` and enters the
    simulated review. A wrong code is refused (and counted: the fifth spends the code), an
    expired one too."""
    await uow.lock_for_write()
    view = await _migration_of(uow, partner_id, client_id, channel_id)
    migration, channel = view.migration, view.channel
    if migration.status == MigrationStatus.COMPLETED:
        raise Conflict("The phone number is already migrated")
    if migration.code is None or migration.code_expires_at is None:
        raise Conflict("No verification code was requested: call request_code first")
    await _refuse_two_step(uow, migration.phone_number)
    now = clock.now()
    if now >= migration.code_expires_at:
        raise InvalidInput("code", "the verification code has expired: request a new one")
    if not secrets.compare_digest(code.strip(), migration.code):
        migration.wrong_codes += 1
        migration.modified_at = now
        spent = migration.wrong_codes >= MAX_WRONG_CODES
        if spent:
            migration.code = None
            migration.code_expires_at = None
            migration.status = MigrationStatus.PENDING
        await uow.commit()
        more = "; too many wrong codes: request a new one" if spent else ""
        raise InvalidInput("code", f"wrong verification code{more}")
    migration.status = MigrationStatus.COMPLETED
    migration.code = None
    migration.code_expires_at = None
    migration.completed_at = migration.modified_at = now
    channel.is_migrated = True
    channel.next_step_at = now + timedelta(seconds=step_seconds)
    channel.modified_at = now
    await uow.commit()
    return view


async def set_two_step(
    uow: UnitOfWork, clock: Clock, phone_number: str, enabled: bool
) -> TwoStepSetting:
    """The emulator's hand on the number where it is now: two-step verification on or off."""
    phone = normalize_phone("phone_number", phone_number)
    await uow.lock_for_write()
    now = clock.now()
    setting = await uow.migrations.two_step(phone)
    if setting is None:
        setting = TwoStepSetting(phone_number=phone, enabled=enabled, modified_at=now)
        uow.migrations.add(setting)
    else:
        setting.enabled = enabled
        setting.modified_at = now
    await uow.commit()
    return setting


async def migration_code(uow: UnitOfWork, channel_id: str) -> NumberMigration:
    """The emulator reads the code it "sent" (the SMS or call the number's owner received)."""
    partner_id = await uow.clients.owner_of_channel(channel_id)
    migration = None if partner_id is None else await uow.migrations.get_migration(channel_id)
    if migration is None:
        raise NotFound("Migration not found")
    return migration


def _normalize_currency(raw: str) -> str:
    currency = raw.strip().upper()
    if currency in ON_REQUEST_CURRENCIES:
        raise InvalidInput(
            "currency", f"{currency} is available upon request from 360dialog support"
        )
    if currency not in CURRENCIES:
        raise InvalidInput("currency", f"must be one of: {', '.join(CURRENCIES)}")
    return currency


async def move_to_new_waba(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    channel_id: str,
    currency: str | None,
) -> WabaMove:
    """Move a registered number to a new WABA of its client. With a ``currency`` other than its
    WABA's, this is 360dialog's currency change: every number of the WABA moves."""
    await uow.lock_for_write()
    partner = await load_partner(uow, partner_id)
    channel = await uow.clients.get_channel(partner_id, channel_id, for_update=True)
    if channel is None or channel.client_id != client_id:
        raise NotFound("Channel not found")
    client = await uow.clients.get_client(partner_id, client_id)
    source = await uow.clients.get_waba(partner_id, channel.waba_account_id)
    assert client is not None and source is not None
    old_currency = waba_currency(source)
    new_currency = old_currency if currency is None else _normalize_currency(currency)
    changed = new_currency != old_currency
    if channel.status not in _REGISTERED:
        raise Conflict(
            f"Only a registered (running or live) number can move; it is {channel.status}"
        )
    if changed:
        if source.status != WABA_STATUS_FOR[ChannelStatus.LIVE]:
            raise Conflict("A WABA's currency can only change while the WABA is approved")
        moving = [
            c
            for c in await uow.clients.channels_of_client(client.id)
            if c.waba_account_id == source.id
            and c.status not in (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED)
        ]
    else:
        await _refuse_two_step(uow, channel.phone_number)
        moving = [channel]
    now = clock.now()
    waba = WabaAccount(
        id=ids.new_id(ids.WABA_ACCOUNT),
        partner_id=partner.id,
        client_id=client.id,
        name=source.name,
        status=source.status,
        external_id=_numeric_id(),
        fb_business_id=source.fb_business_id,
        namespace=source.namespace,
        timezone_id=source.timezone_id,
        settings={**source.settings, "currency": new_currency},
        created_at=now,
        modified_at=now,
    )
    uow.clients.add(waba)
    await uow.flush()
    for moved in moving:
        moved.waba_account_id = waba.id
        moved.modified_at = now
    copied = await _copy_templates(uow, source, waba, now)
    if changed:
        # 360dialog: the old WABA is left behind empty (Meta deprecates it) [ours: its status].
        source.settings = {**source.settings, "migrated_to": waba.id}
        source.modified_at = now
    await uow.commit()
    return WabaMove(source, waba, moving, changed, copied)


async def _copy_templates(
    uow: UnitOfWork, source: WabaAccount, waba: WabaAccount, now: datetime
) -> list[Template]:
    """The source WABA's approved templates, copied to the new WABA approved (360dialog: "only
    the high-quality message templates are migrated … copied to the destination WABA. These
    templates do not need to go through review again")."""
    query = ListQuery(limit=MAX_LIMIT, filters={"status": TemplateStatus.APPROVED.value})
    approved, _ = await uow.templates.list_for_waba(source.id, query)
    copies = [
        replace(
            template,
            id=ids.new_id(ids.TEMPLATE, 12),
            waba_account_id=waba.id,
            namespace=waba.namespace,
            components=[dict(c) for c in template.components],
            approved_edits=[],
            review_at=None,
            created_at=now,
            modified_at=now,
        )
        for template in approved
    ]
    for copy in copies:
        await uow.templates.insert_unique(copy)  # the new WABA has none: never a clash
    return copies
