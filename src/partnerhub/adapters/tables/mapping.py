"""The imperative mapping of the domain dataclasses onto the tables."""

from __future__ import annotations

from sqlalchemy.orm import registry

from partnerhub.adapters.tables.api_keys import partner_api_keys
from partnerhub.adapters.tables.base import metadata
from partnerhub.adapters.tables.billing import balances, usage_records
from partnerhub.adapters.tables.client_logins import client_logins
from partnerhub.adapters.tables.clients import channels, clients, waba_accounts
from partnerhub.adapters.tables.emulator import emulator_state
from partnerhub.adapters.tables.messaging import channel_api_keys, messages, messaging_contacts
from partnerhub.adapters.tables.migration import number_migrations, two_step_settings
from partnerhub.adapters.tables.partners import partner_users, partners
from partnerhub.adapters.tables.templates import waba_templates
from partnerhub.adapters.tables.tokens import refresh_tokens, token_families
from partnerhub.adapters.tables.webhooks import webhook_attempts, webhook_deliveries, webhook_events
from partnerhub.domain.auth.model import RefreshToken, TokenFamily
from partnerhub.domain.billing.model import Balance, UsageRecord
from partnerhub.domain.clients.model import Channel, Client, ClientLogin, WabaAccount
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.messaging.model import ChannelApiKey, Contact, Message
from partnerhub.domain.migration.model import NumberMigration, TwoStepSetting
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template
from partnerhub.domain.webhooks.model import (
    Delivery,
    DeliveryAttempt,
    EmulatorState,
    Event,
)

mapper_registry = registry(metadata=metadata)
_MAPPED = False


def map_domain() -> None:
    """Map the domain classes onto the tables, once per process."""
    global _MAPPED
    if _MAPPED:
        return
    mapper_registry.map_imperatively(Partner, partners)
    mapper_registry.map_imperatively(PartnerUser, partner_users)
    mapper_registry.map_imperatively(ApiKey, partner_api_keys)
    mapper_registry.map_imperatively(TokenFamily, token_families)
    mapper_registry.map_imperatively(RefreshToken, refresh_tokens)
    mapper_registry.map_imperatively(Event, webhook_events)
    mapper_registry.map_imperatively(Delivery, webhook_deliveries)
    mapper_registry.map_imperatively(DeliveryAttempt, webhook_attempts)
    mapper_registry.map_imperatively(EmulatorState, emulator_state)
    mapper_registry.map_imperatively(Client, clients)
    mapper_registry.map_imperatively(WabaAccount, waba_accounts)
    mapper_registry.map_imperatively(Channel, channels)
    mapper_registry.map_imperatively(Balance, balances)
    mapper_registry.map_imperatively(UsageRecord, usage_records)
    mapper_registry.map_imperatively(ClientLogin, client_logins)
    mapper_registry.map_imperatively(ChannelApiKey, channel_api_keys)
    mapper_registry.map_imperatively(Template, waba_templates)
    mapper_registry.map_imperatively(Message, messages)
    mapper_registry.map_imperatively(Contact, messaging_contacts)
    mapper_registry.map_imperatively(NumberMigration, number_migrations)
    mapper_registry.map_imperatively(TwoStepSetting, two_step_settings)
    _MAPPED = True
