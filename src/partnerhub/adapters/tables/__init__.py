"""Table definitions, and the imperative mapping of the domain dataclasses onto them.

The domain classes stay plain dataclasses (no SQLAlchemy base class); this package is the only
place that knows how they are laid out in the database. Alembic migrations mirror it.

One module per resource; this ``__init__`` is the package's API: ``metadata``, the column type
``UTCDateTime``, every table by name (``tables.partners``) and :func:`map_domain`.
"""

from partnerhub.adapters.tables.api_keys import partner_api_keys
from partnerhub.adapters.tables.base import UTCDateTime, metadata
from partnerhub.adapters.tables.billing import balances, usage_records
from partnerhub.adapters.tables.business_profile import (
    business_encryption_keys,
    business_profiles,
    upload_sessions,
)
from partnerhub.adapters.tables.cache_versions import cache_versions
from partnerhub.adapters.tables.catalogs import catalog_products, catalogs
from partnerhub.adapters.tables.client_logins import client_logins
from partnerhub.adapters.tables.clients import (
    NUMBER_IN_USE,
    channel_counts,
    channels,
    clients,
    waba_accounts,
)
from partnerhub.adapters.tables.emulator import emulator_state
from partnerhub.adapters.tables.flows import flow_endpoint_alerts, flow_endpoint_requests, flows
from partnerhub.adapters.tables.hub import hub_sessions
from partnerhub.adapters.tables.idempotency import idempotency_keys
from partnerhub.adapters.tables.login_attempts import login_failures, login_trusted_addresses
from partnerhub.adapters.tables.mapping import map_domain, mapper_registry
from partnerhub.adapters.tables.media import media_files
from partnerhub.adapters.tables.messaging import (
    channel_api_keys,
    messages,
    messaging_contacts,
    unreachable_numbers,
)
from partnerhub.adapters.tables.migration import number_migrations, two_step_settings
from partnerhub.adapters.tables.mm_lite import mm_lite_terms
from partnerhub.adapters.tables.partner_changes import partner_change_requests
from partnerhub.adapters.tables.partners import io_signatures, partner_users, partners
from partnerhub.adapters.tables.quality import (
    business_conversation_counts,
    business_conversations,
    phone_quality,
)
from partnerhub.adapters.tables.templates import waba_templates
from partnerhub.adapters.tables.tokens import refresh_tokens, token_families
from partnerhub.adapters.tables.webhooks import (
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
)

__all__ = [
    "NUMBER_IN_USE",
    "UTCDateTime",
    "balances",
    "business_conversation_counts",
    "business_conversations",
    "business_encryption_keys",
    "business_profiles",
    "cache_versions",
    "catalog_products",
    "catalogs",
    "channel_api_keys",
    "channel_counts",
    "channels",
    "client_logins",
    "clients",
    "emulator_state",
    "flow_endpoint_alerts",
    "flow_endpoint_requests",
    "flows",
    "hub_sessions",
    "idempotency_keys",
    "io_signatures",
    "login_failures",
    "login_trusted_addresses",
    "map_domain",
    "mapper_registry",
    "media_files",
    "messages",
    "messaging_contacts",
    "metadata",
    "mm_lite_terms",
    "number_migrations",
    "partner_api_keys",
    "partner_change_requests",
    "partner_users",
    "partners",
    "phone_quality",
    "refresh_tokens",
    "token_families",
    "two_step_settings",
    "unreachable_numbers",
    "upload_sessions",
    "usage_records",
    "waba_accounts",
    "waba_templates",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_events",
]
