"""Clients, WABA accounts and channels, with the statuses 360dialog uses (spec §5, §6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ChannelStatus(StrEnum):
    CREATED = "created"
    SUBMITTED = "submitted"
    READY = "ready"
    RUNNING = "running"
    LIVE = "live"
    ACCOUNT_VIOLATION = "account_violation"
    ACCOUNT_RESTRICTION = "account_restriction"
    CANCELLED = "cancelled"
    TERMINATED = "terminated"


# The simulated Meta review: each status and the one that follows it, with its event.
LIFECYCLE: dict[ChannelStatus, tuple[ChannelStatus, str]] = {
    ChannelStatus.CREATED: (ChannelStatus.SUBMITTED, "channel_submitted"),
    ChannelStatus.SUBMITTED: (ChannelStatus.READY, "channel_ready"),
    ChannelStatus.READY: (ChannelStatus.RUNNING, "channel_running"),
    ChannelStatus.RUNNING: (ChannelStatus.LIVE, "channel_live"),
}

# [ours] How the WABA's status follows its first channel through review.
WABA_STATUS_FOR: dict[ChannelStatus, str] = {
    ChannelStatus.CREATED: "created",
    ChannelStatus.SUBMITTED: "consents_pending",
    ChannelStatus.READY: "unverified",
    ChannelStatus.RUNNING: "approved",
    ChannelStatus.LIVE: "approved",
    ChannelStatus.ACCOUNT_VIOLATION: "account_violation",
    ChannelStatus.ACCOUNT_RESTRICTION: "account_restriction",
}

# Statuses in which the partner may generate channel API keys (spec §2.3).
KEY_STATUSES = {ChannelStatus.RUNNING, ChannelStatus.LIVE}


@dataclass
class Client:
    id: str
    partner_id: str
    name: str
    status: str
    created_at: datetime
    modified_at: datetime
    organisation: str | None = None
    partner_payload: str | None = None
    max_channels: int = 10
    meta_info: dict[str, Any] = field(default_factory=dict)
    contact_info: dict[str, Any] = field(default_factory=dict)
    contact_user: dict[str, Any] = field(default_factory=dict)
    created_by: dict[str, Any] = field(default_factory=dict)
    modified_by: dict[str, Any] = field(default_factory=dict)


@dataclass
class WabaAccount:
    id: str
    partner_id: str
    client_id: str
    name: str
    status: str
    external_id: str
    fb_business_id: str
    namespace: str
    timezone_id: str
    created_at: datetime
    modified_at: datetime
    settings: dict[str, Any] = field(default_factory=dict)
    # Meta's restrictions in force: ``{"restriction_type", "expiration"}`` (Unix seconds).
    restriction_info: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Channel:
    id: str
    partner_id: str
    client_id: str
    waba_account_id: str
    status: str
    phone_number: str
    phone_name: str
    external_id: str
    created_at: datetime
    modified_at: datetime
    account_mode: str = "live"
    billing_started_at: datetime | None = None
    terminated_at: datetime | None = None
    current_limit: str = "TIER_1K"
    current_quality_rating: str = "GREEN"
    was_in_use: bool = False
    verification_method: str = "sms"
    default_language: str = "en"
    permission: bool = True
    # [ours] values for the spec's filter keys that the simulation has no use for yet.
    type: str = "whatsapp"
    version: int = 2
    is_migrated: bool = False
    availability_status: str = "available"
    # The simulator's schedule: when this channel takes its next lifecycle step (None: never).
    next_step_at: datetime | None = None
    cancellation_requested_at: datetime | None = None
    cancellation_date: datetime | None = None
    # The Messaging API webhook (``/v1/configs/webhook``): where this channel's message
    # statuses and inbound messages go. Cleared when a new channel key is generated (spec §2.3).
    messaging_webhook_url: str | None = None
    messaging_webhook_headers: dict[str, str] = field(default_factory=dict)
    # ``/multi_webhook``: up to three more destinations (``{name, url, headers}``), copied each
    # messaging webhook after the main one answered 2xx (domain/messaging/multi_webhook.py).
    multi_webhook_enabled: bool = False
    multi_webhook_destinations: list[dict[str, Any]] = field(default_factory=list)
    # WhatsApp Coexistence (domain/messaging/coexistence.py): the number stays on the WhatsApp
    # Business app (Meta's ``is_on_biz_app``); ``smb_app_state`` is what the simulated app
    # holds (``contacts``, ``threads``, ``share_history``); each one-time sync's start.
    is_on_biz_app: bool = False
    smb_app_state: dict[str, Any] = field(default_factory=dict)
    smb_contacts_synced_at: datetime | None = None
    # The contacts sync ran while the number had no messaging webhook: it goes there once one
    # is set (360dialog: "also sent to the phone number's webhook URL after the URL is set").
    smb_contacts_pending: bool = False
    smb_history_synced_at: datetime | None = None
    # The history sync's next phase (1, 2) and when the simulated Meta side sends it.
    smb_history_next_phase: int | None = None
    smb_history_next_at: datetime | None = None
    # Display names, policy enforcement and CTWA (domain/compliance/): the WABA's restrictions
    # (copied here for the send path), display-name requests (newest last), the current name's
    # review status, whether Click-to-WhatsApp signals are on, and when the compliance
    # simulator next looks at this number (a review or a restriction ending).
    restrictions: list[dict[str, Any]] = field(default_factory=list)
    display_name_requests: list[dict[str, Any]] = field(default_factory=list)
    name_status: str = "APPROVED"
    ctwa_enabled: bool = False
    compliance_due_at: datetime | None = None
    # 360dialog's license plan for the number (``basic``, ``regular``, ``premium``): the
    # ``tier`` of ``account_sharing/numbers``; every other onboarding places it on Regular.
    tier: str = "regular"


@dataclass
class ClientLogin:
    """The client's contact user's password, for ``next=login`` on the onboarding page [ours].

    Only clients who chose a password at signup have one; the email is the contact email,
    lower-cased. Several clients of one partner may share an email.
    """

    client_id: str
    partner_id: str
    email: str
    password_hash: str
    created_at: datetime
