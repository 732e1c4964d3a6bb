"""Stored domain objects for a test's starting state, built directly (not through the services
under test) with plausible defaults; keyword arguments override any field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from partnerhub.domain import ids
from partnerhub.domain.clients.model import (
    WABA_STATUS_FOR,
    Channel,
    ChannelStatus,
    Client,
    WabaAccount,
)
from partnerhub.domain.messaging.model import ChannelApiKey
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template
from partnerhub.domain.webhooks import signing

_numbers = iter(range(10_000_000, 99_999_999))


def partner(now: datetime, **fields: Any) -> Partner:
    values: dict[str, Any] = {
        "id": ids.new_id(ids.PARTNER),
        "brand_name": "Acme",
        "created_at": now,
        "modified_at": now,
        "platform_secret_nonce": signing.new_nonce(),
    }
    return Partner(**(values | fields))


def user(owner: Partner, now: datetime, password_hash: str, **fields: Any) -> PartnerUser:
    values: dict[str, Any] = {
        "id": ids.new_id(ids.USER),
        "partner_id": owner.id,
        "email": "staff@acme.example",
        "password_hash": password_hash,
        "created_at": now,
    }
    return PartnerUser(**(values | fields))


def client(owner: Partner, now: datetime, **fields: Any) -> Client:
    values: dict[str, Any] = {
        "id": ids.new_id(ids.CLIENT),
        "partner_id": owner.id,
        "name": "Bakery",
        "status": "active",
        "created_at": now,
        "modified_at": now,
        "contact_info": {"email": "owner@bakery.example"},
        "contact_user": {"email": "owner@bakery.example", "name": "Owner"},
    }
    return Client(**(values | fields))


def waba(of: Client, now: datetime, **fields: Any) -> WabaAccount:
    values: dict[str, Any] = {
        "id": ids.new_id(ids.WABA_ACCOUNT),
        "partner_id": of.partner_id,
        "client_id": of.id,
        "name": of.name,
        "status": "approved",
        "external_id": "1000000001",
        "fb_business_id": "2000000002",
        "namespace": "ns_test",
        "timezone_id": "1",
        "created_at": now,
        "modified_at": now,
    }
    return WabaAccount(**(values | fields))


def channel(
    of: Client,
    account: WabaAccount,
    now: datetime,
    status: ChannelStatus = ChannelStatus.LIVE,
    **fields: Any,
) -> Channel:
    values: dict[str, Any] = {
        "id": ids.new_id(ids.CHANNEL),
        "partner_id": of.partner_id,
        "client_id": of.id,
        "waba_account_id": account.id,
        "status": status,
        "phone_number": f"+49151{next(_numbers)}",
        "phone_name": of.name,
        "external_id": str(next(_numbers)),
        "created_at": now,
        "modified_at": now,
    }
    return Channel(**(values | fields))


def status_of_waba(status: ChannelStatus) -> str:
    return WABA_STATUS_FOR[status]


def channel_key(on: Channel, now: datetime, **fields: Any) -> ChannelApiKey:
    values: dict[str, Any] = {
        "id": ids.new_id(ids.CHANNEL_KEY),
        "partner_id": on.partner_id,
        "channel_id": on.id,
        "app_id": "000000000001",
        "prefix": "abcdef",
        "secret_digest": ids.new_id("", 32),
        "created_at": now,
    }
    return ChannelApiKey(**(values | fields))


def template(account: WabaAccount, now: datetime, **fields: Any) -> Template:
    values: dict[str, Any] = {
        "id": ids.new_id("TP", 12),
        "partner_id": account.partner_id,
        "waba_account_id": account.id,
        "name": "order_update",
        "language": "en",
        "category": "UTILITY",
        "status": "approved",
        "namespace": account.namespace,
        "created_at": now,
        "modified_at": now,
        "components": [{"type": "BODY", "text": "Your order {{1}} is on its way"}],
    }
    return Template(**(values | fields))
