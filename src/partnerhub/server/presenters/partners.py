"""Partner and its webhook URL on the wire."""

from __future__ import annotations

import msgspec

from partnerhub.domain.clock import isoformat
from partnerhub.domain.partners.model import Partner
from partnerhub.wire import partners as wire_partners


def partner(p: Partner) -> wire_partners.Partner:
    settings = (
        msgspec.convert(p.settings, wire_partners.PartnerSettings)
        if p.settings is not None
        else None
    )
    return wire_partners.Partner(
        id=p.id,
        brand_name=p.brand_name,
        logo_url=p.logo_url,
        webhook_url=p.webhook_url,
        partner_redirect_url=p.partner_redirect_url,
        country=p.country,
        allow_client_to_add_phone_no=p.allow_client_to_add_phone_no,
        settings=settings,
        billing_system=p.billing_system,
        payment_required=p.payment_required,
        payment_plan=p.payment_plan,
        onboarding_deeplink_add_params=p.onboarding_deeplink_add_params,
        blocked_new_submission=p.blocked_new_submission,
        publishable_key=p.publishable_key,
        webhook_disabled_at=isoformat(p.webhook_disabled_at),
        webhook_disabled_reason=webhook_disabled_reason(p),
    )


def webhook_disabled_reason(p: Partner) -> str | None:
    """Why nothing is delivered to a set webhook URL (a 410 Gone is the one cause), or None."""
    return wire_partners.WEBHOOK_GONE_REASON if p.webhook_disabled_at is not None else None


def webhook_url(p: Partner) -> wire_partners.WebhookUrlOut:
    return wire_partners.WebhookUrlOut(
        webhook_url=p.webhook_url,
        webhook_disabled_at=isoformat(p.webhook_disabled_at),
        webhook_disabled_reason=webhook_disabled_reason(p),
    )
