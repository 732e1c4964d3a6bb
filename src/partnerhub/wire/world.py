"""The emulated world as one JSON document: what ``POST /_emulator/seed`` loads and
``GET /_emulator/state`` exports [ours].

Every object carries its id, so a test suite starts from the same world every time. On the way
in most fields are optional (defaults are derived from the ids, never random); on the way out
every field is filled in, and feeding an export back as a seed gives the same export. Not part
of the world: custom webhook header values (secrets sent verbatim: set them again through the
API), webhook events and deliveries, usage records and tokens (history, not state).
Secrets never appear in clear in an export: users carry their argon2 ``password_hash`` and API
keys their ``key_sha256`` — a seed takes either those or the clear ``password`` / ``key``.
"""

from __future__ import annotations

from typing import Any

import msgspec

FORMAT_VERSION = 1


class WorldUser(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    email: str
    password: str | None = None
    password_hash: str | None = None
    disabled_at: str | None = None


class WorldApiKey(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    id: str | None = None
    name: str = "seeded"
    key: str | None = None
    key_sha256: str | None = None
    prefix: str | None = None
    created_at: str | None = None
    revoked_at: str | None = None


class WorldPartner(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    brand_name: str
    logo_url: str | None = None
    country: str | None = None
    webhook_url: str | None = None
    partner_redirect_url: str | None = None
    billing_model: str = "partner"
    allow_client_to_add_phone_no: bool = True
    io_signature_enabled: bool = False
    platform_secret_nonce: str | None = None
    settings: dict[str, Any] | None = None
    created_at: str | None = None
    # The prepaid balance (absent: none yet, i.e. 0 in the partner's currency).
    balance: float | None = None
    currency: str | None = None
    users: list[WorldUser] = []
    api_keys: list[WorldApiKey] = []


class WorldClient(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    partner_id: str
    name: str
    status: str = "active"
    organisation: str | None = None
    partner_payload: str | None = None
    max_channels: int = 10
    meta_info: dict[str, Any] = {}
    contact_info: dict[str, Any] = {}
    contact_user: dict[str, Any] = {}
    created_at: str | None = None
    modified_at: str | None = None
    # A direct-paid client's own balance (partner-paid hubs: always absent).
    balance: float | None = None
    # The onboarding page's login (``next=login``): email + password (or its argon2 hash).
    login: WorldUser | None = None


class WorldWaba(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    client_id: str
    name: str | None = None
    status: str = "approved"
    external_id: str | None = None
    fb_business_id: str | None = None
    namespace: str | None = None
    timezone_id: str = "1"
    settings: dict[str, Any] = {}
    created_at: str | None = None
    modified_at: str | None = None


class WorldChannel(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    client_id: str
    waba_account_id: str
    phone_number: str
    phone_name: str | None = None
    status: str = "live"
    permission: bool = True
    account_mode: str = "live"
    external_id: str | None = None
    current_limit: str = "TIER_1K"
    current_quality_rating: str = "GREEN"
    type: str = "whatsapp"
    version: int = 2
    is_migrated: bool = False
    availability_status: str = "available"
    billing_started_at: str | None = None
    terminated_at: str | None = None
    cancellation_date: str | None = None
    created_at: str | None = None
    modified_at: str | None = None


class WorldTemplate(msgspec.Struct, forbid_unknown_fields=True):
    """A message template of a WABA account (checked by the same rules as the API's)."""

    id: str
    waba_account_id: str
    name: str
    language: str
    category: str
    components: list[Any]
    status: str = "approved"
    rejected_reason: str | None = None
    created_at: str | None = None
    modified_at: str | None = None


class World(msgspec.Struct, forbid_unknown_fields=True):
    version: int = FORMAT_VERSION
    partners: list[WorldPartner] = []
    clients: list[WorldClient] = []
    waba_accounts: list[WorldWaba] = []
    channels: list[WorldChannel] = []
    waba_templates: list[WorldTemplate] = []
