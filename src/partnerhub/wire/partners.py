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


class Partner(msgspec.Struct):
    """Returned flat (no wrapper), deprecated fields included, as 360dialog does."""

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


class WebhookUrlOut(msgspec.Struct):
    webhook_url: str | None


class PartnerChangeRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    # 360dialog's own curl example sends the string "true"; its JSON example the boolean.
    auto_approve: bool | str


class PartnerChangeRequestOut(msgspec.Struct):
    auto_approve: bool


class IoSignatureSetting(msgspec.Struct, forbid_unknown_fields=True):
    """[ours] Whether onboarding links must carry a fresh, unused IO signature (spec §8)."""

    enabled: bool
