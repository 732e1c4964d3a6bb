"""The partner and its hub users."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def default_settings() -> dict[str, Any]:
    """A new partner's ``settings`` object, shaped as 360dialog returns it."""
    return {
        "account_sharing": {"business_manager_id": None, "solution_id": None},
        "default_data_localization_region": None,
        "partner_change_request": {"auto_approve": False},
        "standard_tiered_pricing_enabled": False,
    }


@dataclass
class Partner:
    id: str
    brand_name: str
    created_at: datetime
    modified_at: datetime
    country: str | None = None
    logo_url: str | None = None
    webhook_url: str | None = None
    partner_redirect_url: str | None = None
    allow_client_to_add_phone_no: bool = True
    settings: dict[str, Any] = field(default_factory=default_settings)
    billing_system: str = "stripe"
    payment_required: bool = False
    payment_plan: dict[str, Any] = field(default_factory=dict)
    onboarding_deeplink_add_params: bool = False
    blocked_new_submission: bool = False
    publishable_key: str | None = None
    # [ours] 360dialog lets partners switch bearer-token auth off for their hub (spec §2.2).
    bearer_auth_enabled: bool = True
    # Webhook delivery settings: custom headers sent with every delivery (never returned),
    # when a 410 Gone disabled the URL, and the nonce the platform secret is derived from.
    webhook_headers: dict[str, str] = field(default_factory=dict)
    webhook_disabled_at: datetime | None = None
    platform_secret_nonce: str | None = None
    # After a rotation, the replaced secret's nonce and until when it still verifies (the grace
    # period, spec §7-§8 [ours]); both None outside a grace period.
    previous_platform_secret_nonce: str | None = None
    previous_platform_secret_until: datetime | None = None
    # Who pays Meta/360dialog: "partner" (partner-paid: the partner may generate channel keys by
    # default) or "direct" (the client pays and grants the partner permission per number).
    billing_model: str = "partner"
    # IO signature (spec §8): onboarding links must carry a fresh, unused signature.
    io_signature_enabled: bool = False


@dataclass
class PartnerUser:
    """A person (or system user) who logs in to the hub and may fetch bearer tokens."""

    id: str
    partner_id: str
    email: str
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None = None
