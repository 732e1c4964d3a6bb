"""Clients, WABA accounts, channels and the per-status channel counts."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.sql.expression import false

from partnerhub.adapters.tables.base import UTCDateTime, metadata

clients = Table(
    "clients",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("name", String(255), nullable=False),
    Column("status", String(32), nullable=False),
    Column("organisation", String(255)),
    Column("partner_payload", Text),
    Column("max_channels", Integer, nullable=False),
    Column("meta_info", JSON, nullable=False),
    Column("contact_info", JSON, nullable=False),
    Column("contact_user", JSON, nullable=False),
    Column("created_by", JSON, nullable=False),
    Column("modified_by", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
)

waba_accounts = Table(
    "waba_accounts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column("client_id", String(32), ForeignKey("clients.id", ondelete="CASCADE"), index=True),
    Column("name", String(255), nullable=False),
    Column("status", String(32), nullable=False),
    Column("external_id", String(32), nullable=False),
    Column("fb_business_id", String(32), nullable=False),
    Column("namespace", String(64), nullable=False),
    Column("timezone_id", String(8), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    # Meta's policy enforcement (0030): the restrictions in force, ``{restriction_type,
    # expiration}`` with ``expiration`` in Unix seconds (domain/compliance/enforcement.py).
    Column("restriction_info", JSON, nullable=False, server_default="[]"),
)

channels = Table(
    "channels",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE")),
    Column("client_id", String(32), ForeignKey("clients.id", ondelete="CASCADE"), index=True),
    Column(
        "waba_account_id",
        String(32),
        ForeignKey("waba_accounts.id", ondelete="CASCADE"),
        index=True,
    ),
    Column("status", String(32), nullable=False),
    Column("phone_number", String(32), nullable=False, index=True),
    Column("phone_name", String(255), nullable=False),
    Column("external_id", String(32), nullable=False),
    Column("account_mode", String(16), nullable=False),
    Column("billing_started_at", UTCDateTime),
    Column("terminated_at", UTCDateTime),
    Column("current_limit", String(32), nullable=False),
    Column("current_quality_rating", String(16), nullable=False),
    Column("was_in_use", Boolean, nullable=False),
    Column("verification_method", String(16), nullable=False),
    Column("default_language", String(16), nullable=False),
    Column("permission", Boolean, nullable=False),
    Column("type", String(32), nullable=False, server_default="whatsapp"),
    Column("version", Integer, nullable=False, server_default="2"),
    Column("is_migrated", Boolean, nullable=False, server_default=false()),
    Column("availability_status", String(32), nullable=False, server_default="available"),
    Column("next_step_at", UTCDateTime),
    Column("cancellation_requested_at", UTCDateTime),
    Column("cancellation_date", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    Column("messaging_webhook_url", String(2048)),
    Column("messaging_webhook_headers", JSON, nullable=False, server_default="{}"),
    # ``/multi_webhook`` (0022): extra destinations that get a copy of each messaging webhook
    # once the main one answered 2xx; a list of ``{name, url, headers}``.
    Column("multi_webhook_enabled", Boolean, nullable=False, server_default=false()),
    Column("multi_webhook_destinations", JSON, nullable=False, server_default="[]"),
    # WhatsApp Coexistence (0027): the number stays on the WhatsApp Business app; what the app
    # holds for the one-time syncs, and when each sync was started (POST /synchronization).
    Column("is_on_biz_app", Boolean, nullable=False, server_default=false()),
    Column("smb_app_state", JSON, nullable=False, server_default="{}"),
    Column("smb_contacts_synced_at", UTCDateTime),
    # The contacts sync waits for the number's first messaging webhook (0031).
    Column("smb_contacts_pending", Boolean, nullable=False, server_default=false()),
    Column("smb_history_synced_at", UTCDateTime),
    Column("smb_history_next_phase", Integer),
    Column("smb_history_next_at", UTCDateTime, index=True),
    # Display names, policy enforcement and CTWA (0030, domain/compliance/): the WABA's
    # restrictions copied onto each of its numbers (the send path reads them with the key),
    # the display-name requests, the name's review status, the Click-to-WhatsApp signals switch
    # and when the compliance simulator next looks at this number.
    Column("restrictions", JSON, nullable=False, server_default="[]"),
    Column("display_name_requests", JSON, nullable=False, server_default="[]"),
    Column("name_status", String(32), nullable=False, server_default="APPROVED"),
    Column("ctwa_enabled", Boolean, nullable=False, server_default=false()),
    Column("compliance_due_at", UTCDateTime),
    # 360dialog's license plan (0031): basic, regular or premium.
    Column("tier", String(16), nullable=False, server_default="regular"),
)

Index("ix_clients_partner_created", clients.c.partner_id, clients.c.created_at)
# A number belongs to at most one channel in use; terminated and cancelled channels keep their
# number for the record but no longer hold it (migration 0011, `partnerhub channels release`).
NUMBER_IN_USE = text("status NOT IN ('terminated', 'cancelled')")
Index(
    "uq_channels_phone_number_in_use",
    channels.c.phone_number,
    unique=True,
    sqlite_where=NUMBER_IN_USE,
    postgresql_where=NUMBER_IN_USE,
)
# Meta's ids are Meta's keys (migration 0031): one WABA per WABA id, and one channel in use per
# phone-number id (a terminated or cancelled channel keeps its id for the record, as its number).
# The arbiters when two account-sharing onboardings race on PostgreSQL.
Index("uq_waba_accounts_external_id", waba_accounts.c.external_id, unique=True)
Index(
    "uq_channels_external_id_in_use",
    channels.c.external_id,
    unique=True,
    sqlite_where=NUMBER_IN_USE,
    postgresql_where=NUMBER_IN_USE,
)
# Newest-first pages (ORDER BY created_at DESC, id DESC) read straight off these two indexes.
Index("ix_channels_partner_created_id", channels.c.partner_id, channels.c.created_at, channels.c.id)
Index(
    "ix_channels_partner_status_created_id",
    channels.c.partner_id,
    channels.c.status,
    channels.c.created_at,
    channels.c.id,
)

# How many channels each partner has in each status, kept in step with ``channels`` by
# adapters/channel_counts.py, so a list's ``total`` costs one row read instead of a COUNT(*)
# over millions of rows.
channel_counts = Table(
    "channel_counts",
    metadata,
    Column(
        "partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("status", String(32), primary_key=True),
    Column("n", Integer, nullable=False),
)
Index("ix_channels_next_step", channels.c.next_step_at)
Index("ix_channels_compliance_due", channels.c.compliance_due_at)
