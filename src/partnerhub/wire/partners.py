"""The Partner object (spec §5) and the bodies that change it."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType


class AccountSharingSettings(msgspec.Struct):
    business_manager_id: str | None = None
    solution_id: str | None = None


class PartnerChangeRequestSettings(msgspec.Struct):
    auto_approve: bool = False


class PartnerSettings(msgspec.Struct):
    account_sharing: AccountSharingSettings = msgspec.field(default_factory=AccountSharingSettings)
    default_data_localization_region: str | None = None
    partner_change_request: PartnerChangeRequestSettings = msgspec.field(
        default_factory=PartnerChangeRequestSettings
    )
    standard_tiered_pricing_enabled: bool = False


WEBHOOK_GONE_REASON = (
    "the webhook URL answered 410 Gone, so deliveries stopped; set the URL again (even the same "
    "one) to re-enable them"
)


class Partner(msgspec.Struct, omit_defaults=True):
    """Returned flat (no wrapper), deprecated fields included, as 360dialog does.

    ``webhook_disabled_at`` / ``webhook_disabled_reason`` [ours] appear only while a 410 Gone
    has disabled the webhook URL (docs/fidelity.md): otherwise the body is 360dialog's exactly.
    """

    id: str
    brand_name: str
    logo_url: str | None
    webhook_url: str | None
    partner_redirect_url: str | None
    country: str | None
    allow_client_to_add_phone_no: bool
    settings: PartnerSettings | None
    billing_system: str
    payment_required: bool
    payment_plan: dict[str, Any]
    onboarding_deeplink_add_params: bool
    blocked_new_submission: bool
    publishable_key: str | None
    webhook_disabled_at: str | None = None
    webhook_disabled_reason: str | None = None


class PartnerPatch(msgspec.Struct, forbid_unknown_fields=True):
    """PATCH /partners/{id}: send only what changes; ``null`` clears a URL."""

    brand_name: str | UnsetType = UNSET
    logo_url: str | UnsetType | None = UNSET
    webhook_url: str | UnsetType | None = UNSET
    partner_redirect_url: str | UnsetType | None = UNSET
    country: str | UnsetType | None = UNSET
    allow_client_to_add_phone_no: bool | UnsetType = UNSET


class WebhookUrlIn(msgspec.Struct, forbid_unknown_fields=True):
    """``headers`` (optional) are sent with every delivery and never returned; omit them to
    keep the current ones, send ``{}`` or ``null`` to remove them."""

    webhook_url: str | None
    headers: dict[str, str] | UnsetType | None = UNSET


class WebhookUrlOut(msgspec.Struct, omit_defaults=True):
    """360dialog's ``{"webhook_url": …}``; the two [ours] fields only while a 410 Gone has
    disabled the URL (it still reads as set, but nothing is delivered to it)."""

    webhook_url: str | None
    webhook_disabled_at: str | None = None
    webhook_disabled_reason: str | None = None


class PartnerChangeRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    # 360dialog's own curl example sends the string "true"; its JSON example the boolean.
    auto_approve: bool | str


class PartnerChangeRequestOut(msgspec.Struct):
    auto_approve: bool


class IoSignatureSetting(msgspec.Struct, forbid_unknown_fields=True):
    """[ours] Whether onboarding links must carry a fresh, unused IO signature (spec §8)."""

    enabled: bool
