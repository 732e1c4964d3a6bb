"""The emulated world as one JSON document: what ``POST /_emulator/seed`` loads and
``GET /_emulator/state`` exports [ours].

Every object carries its id, so a test suite starts from the same world every time. On the way
in most fields are optional (defaults are derived from the ids, never random); on the way out
every field is filled in, and feeding an export back as a seed gives the same export.

Version 2 is lossless for everything a partner can observe: besides the objects, the history
sections (:data:`partnerhub.emulator.world_rows.SECTIONS`: channel keys, usage, messages,
lifecycle and other webhook events, deliveries and their attempts) travel row for row. Not part
of the world: sessions and tokens (log in again), Idempotency-Key answers, login failures
and trusted login addresses (a seed clears them all), the emulator's clock and faults (kept).
Fields added since version 2 was introduced are optional, their defaults the old behaviour, so
older version-2 documents still seed.

Secrets never appear in clear in an export: users carry their argon2 ``password_hash``, API and
channel keys their SHA-256, custom webhook headers (sent verbatim, so no hash will do) are
sealed with the server's secret key (:mod:`partnerhub.domain.sealing`), and the platform secret
travels as the nonce it is derived from with that same key. A seed takes either those or the
clear ``password`` / ``key`` / ``webhook_headers``. A document without ``version`` is version 1
and is migrated forward on the way in.
"""

from __future__ import annotations

from typing import Any

import msgspec

FORMAT_VERSION = 2
FIRST_VERSION = 1  # what a document without ``version`` is


class WorldUser(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    email: str
    id: str | None = None  # a partner user's id (absent: derived from partner and email)
    password: str | None = None
    password_hash: str | None = None
    disabled_at: str | None = None
    created_at: str | None = None  # absent: a partner user's partner's, a login's the seed's


class WorldApiKey(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    id: str | None = None
    name: str = "seeded"
    key: str | None = None
    key_sha256: str | None = None
    prefix: str | None = None
    created_at: str | None = None
    revoked_at: str | None = None
    last_used_at: str | None = None


class WorldPartner(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    brand_name: str
    logo_url: str | None = None
    country: str | None = None
    webhook_url: str | None = None
    # Custom headers sent with every delivery: in clear in a hand-written seed, sealed in an
    # export (only a server with the same secret key opens them).
    webhook_headers: dict[str, str] | None = None
    webhook_headers_sealed: str | None = None
    webhook_disabled_at: str | None = None
    partner_redirect_url: str | None = None
    billing_model: str = "partner"
    allow_client_to_add_phone_no: bool = True
    io_signature_enabled: bool = False
    platform_secret_nonce: str | None = None
    # After a rotation with a grace period: the replaced secret's nonce and until when it still
    # verifies (both or neither).
    previous_platform_secret_nonce: str | None = None
    previous_platform_secret_until: str | None = None
    settings: dict[str, Any] | None = None
    created_at: str | None = None
    modified_at: str | None = None
    # The prepaid balance (absent: none yet, i.e. 0 in the partner's currency).
    balance: float | None = None
    currency: str | None = None
    # The balance's last top-up (``last_renewal`` {date, amount}; both or neither).
    last_renewal_at: str | None = None
    last_renewal_amount: float | None = None
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
    created_by: dict[str, Any] | None = None
    modified_by: dict[str, Any] | None = None
    created_at: str | None = None
    modified_at: str | None = None
    # A direct-paid client's own balance (partner-paid hubs: always absent).
    balance: float | None = None
    last_renewal_at: str | None = None  # its last top-up, as the partner's
    last_renewal_amount: float | None = None
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
    # Meta's restrictions in force (issue 18 policy enforcement).
    restriction_info: list[WorldRestriction] | None = None


class WorldRestriction(msgspec.Struct, forbid_unknown_fields=True):
    """One of Meta's restrictions on a WABA (issue 18): its type and end (Unix seconds)."""

    restriction_type: str
    expiration: int


class WorldDisplayNameRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A display-name request of a number (issue 18), as ``GET …/display_name`` shows it."""

    id: str
    display_name: str
    status: str
    requested_at: str
    review_at: str
    rejected_reason: str | None = None
    decided_at: str | None = None


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
    was_in_use: bool = False
    verification_method: str = "sms"
    default_language: str = "en"
    billing_started_at: str | None = None
    terminated_at: str | None = None
    cancellation_requested_at: str | None = None
    cancellation_date: str | None = None
    created_at: str | None = None
    modified_at: str | None = None
    # The Messaging API webhook of this number (spec §9); headers as the partner's.
    messaging_webhook_url: str | None = None
    messaging_webhook_headers: dict[str, str] | None = None
    messaging_webhook_headers_sealed: str | None = None
    # ``/multi_webhook`` (issue 17 item 5): the number's extra webhooks, headers as above.
    multi_webhook_enabled: bool = False
    multi_webhook_destinations: list[WorldWebhookDestination] | None = None
    # WhatsApp Coexistence (issue 18 item 3): on the WhatsApp Business app, what the app holds
    # (``contacts``, ``threads`` with absolute message times, ``share_history``), each sync's
    # start.
    is_on_biz_app: bool = False
    # 360dialog's license plan (``account_sharing/numbers``' ``tier``).
    tier: str = "regular"
    smb_app_state: dict[str, Any] | None = None
    smb_contacts_synced_at: str | None = None
    smb_contacts_pending: bool = False  # the contacts sync waits for a messaging webhook
    smb_history_synced_at: str | None = None
    smb_history_next_phase: int | None = None  # 1 or 2: the history phase sent next, and when
    smb_history_next_at: str | None = None
    # Display names and CTWA (issue 18); the WABA's restrictions are copied onto its numbers.
    name_status: str = "APPROVED"
    display_name_requests: list[WorldDisplayNameRequest] | None = None
    ctwa_enabled: bool = False


class WorldWebhookDestination(msgspec.Struct, forbid_unknown_fields=True):
    """One ``/multi_webhook`` destination of a number; headers in clear or sealed."""

    name: str
    url: str
    headers: dict[str, str] | None = None
    headers_sealed: str | None = None


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
    # {"user_id", "user_name"} (absent: the seed's); the edits made while approved (ISO 8601
    # times, oldest first: Meta's edit limits count them).
    created_by: dict[str, str] | None = None
    modified_by: dict[str, str] | None = None
    approved_edits: list[str] = []


Row = dict[str, Any]


class World(msgspec.Struct, forbid_unknown_fields=True):
    version: int = FIRST_VERSION
    partners: list[WorldPartner] = []
    clients: list[WorldClient] = []
    waba_accounts: list[WorldWaba] = []
    channels: list[WorldChannel] = []
    waba_templates: list[WorldTemplate] = []
    # History (version 2), row for row: see partnerhub.emulator.world_rows.SECTIONS.
    channel_api_keys: list[Row] = []
    usage_records: list[Row] = []
    messages: list[Row] = []
    messaging_contacts: list[Row] = []
    unreachable_numbers: list[Row] = []
    mm_lite_terms: list[Row] = []  # the WABAs that accepted the MM Lite terms
    webhook_events: list[Row] = []
    webhook_deliveries: list[Row] = []
    webhook_attempts: list[Row] = []
    business_profiles: list[Row] = []  # issue 17 (the picture is a file: not exported)

    catalogs: list[Row] = []  # issue 17
    catalog_products: list[Row] = []
    number_migrations: list[Row] = []  # issue 18 item 4
    two_step_settings: list[Row] = []
    business_encryption_keys: list[Row] = []  # issue 18: Flows' business public keys
    flows: list[Row] = []  # issue 18: WhatsApp Flows
    flow_endpoint_requests: list[Row] = []  # issue 18: what a Flow's metrics count
    flow_endpoint_alerts: list[Row] = []  # issue 18: endpoint health alerts in force
    partner_change_requests: list[Row] = []  # issue 18 item 5
