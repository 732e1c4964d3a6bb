"""Domain objects to wire Structs. Routes call these; nothing else builds response bodies."""

from __future__ import annotations

import msgspec

from partnerhub.domain.billing.model import Funds, from_micros
from partnerhub.domain.billing.services import ChannelUsageReport, ClientBalanceReport
from partnerhub.domain.clients.model import Channel, Client, WabaAccount
from partnerhub.domain.clock import isoformat
from partnerhub.domain.keys.model import ApiKey, IssuedKey
from partnerhub.domain.messaging import keys as channel_keys
from partnerhub.domain.messaging.model import ChannelApiKey
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.templates.model import Template
from partnerhub.domain.templates.services import template_fields
from partnerhub.domain.webhooks.model import Delivery, DeliveryAttempt, DeliveryStatus
from partnerhub.wire import api_keys as wire_keys
from partnerhub.wire import billing as wire_billing
from partnerhub.wire import clients as wire_clients
from partnerhub.wire import messaging as wire_messaging
from partnerhub.wire import partners as wire_partners
from partnerhub.wire import templates as wire_templates
from partnerhub.wire import webhooks as wire_webhooks


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


def api_key(key: ApiKey) -> wire_keys.ApiKey:
    return wire_keys.ApiKey(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        created_at=isoformat(key.created_at) or "",
        last_used_at=isoformat(key.last_used_at),
    )


def issued_key(issued: IssuedKey) -> wire_keys.ApiKeyCreated:
    key = issued.key
    return wire_keys.ApiKeyCreated(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        created_at=isoformat(key.created_at) or "",
        last_used_at=isoformat(key.last_used_at),
        api_key=issued.secret,
    )


def delivery(d: Delivery, attempts: list[DeliveryAttempt]) -> wire_webhooks.Delivery:
    return wire_webhooks.Delivery(
        id=d.id,
        event_id=d.event_id,
        event=d.event_type,
        status=d.status,
        attempt_count=d.attempt_count,
        created_at=isoformat(d.created_at) or "",
        next_attempt_at=isoformat(d.next_attempt_at)
        if d.status == DeliveryStatus.PENDING
        else None,
        last_attempt_at=isoformat(d.last_attempt_at),
        delivered_at=isoformat(d.delivered_at),
        attempts=[
            wire_webhooks.DeliveryAttempt(
                attempted_at=isoformat(a.attempted_at) or "",
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                response_body=a.response_body,
                error=a.error if a.finished_at is not None else "in flight",
            )
            for a in attempts
        ],
    )


def client(c: Client) -> wire_clients.Client:
    return wire_clients.Client(
        id=c.id,
        name=c.name,
        status=c.status,
        organisation=c.organisation,
        partner_payload=c.partner_payload,
        max_channels=c.max_channels,
        meta_info=c.meta_info,
        contact_info=c.contact_info,
        contact_user=c.contact_user,
        created_at=isoformat(c.created_at) or "",
        modified_at=isoformat(c.modified_at) or "",
        created_by=c.created_by,
        modified_by=c.modified_by,
        suspicious=False,
    )


def channel(ch: Channel, c: Client, waba: WabaAccount) -> wire_clients.Channel:
    return wire_clients.Channel(
        id=ch.id,
        client_id=ch.client_id,
        status=ch.status,
        type=ch.type,
        version=ch.version,
        is_migrated=ch.is_migrated,
        availability_status=ch.availability_status,
        account_mode=ch.account_mode,
        created_at=isoformat(ch.created_at) or "",
        modified_at=isoformat(ch.modified_at) or "",
        billing_started_at=isoformat(ch.billing_started_at),
        # Once a cancellation is requested, the date it takes effect (docs/fidelity.md).
        terminated_at=isoformat(ch.terminated_at or ch.cancellation_date),
        current_limit=ch.current_limit,
        current_quality_rating=ch.current_quality_rating,
        external_id=ch.external_id,
        client=wire_clients.ChannelClient(
            id=c.id, name=c.name, partner_payload=c.partner_payload, contact_info=c.contact_info
        ),
        setup_info=wire_clients.SetupInfo(
            phone_number=ch.phone_number,
            phone_name=ch.phone_name,
            was_in_use=ch.was_in_use,
            verification_method=ch.verification_method,
            default_language=ch.default_language,
        ),
        waba_account=wire_clients.ChannelWaba(
            id=waba.id,
            fb_account_status=waba.status,
            on_behalf_of_business_info=wire_clients.OnBehalfOfBusinessInfo(
                id=waba.fb_business_id, name=waba.name, status="verified", type="SELF"
            ),
        ),
        integration=wire_clients.Integration(enabled=False, app_id=None, state="disabled"),
        permission=ch.permission,
        cancellation_date=isoformat(ch.cancellation_date),
        has_inbox=False,
        is_oba=False,
    )


def waba_account(w: WabaAccount) -> wire_clients.WabaAccount:
    return wire_clients.WabaAccount(
        id=w.id,
        name=w.name,
        namespace=w.namespace,
        partner_id=w.partner_id,
        client_id=w.client_id,
        external_id=w.external_id,
        timezone_id=w.timezone_id,
        fb_business_id=w.fb_business_id,
        status=w.status,
        settings=w.settings,
    )


def balance(funds: Funds) -> wire_billing.Balance:
    return wire_billing.Balance(total=from_micros(funds.total_micros), currency=funds.currency)


def client_balance(report: ClientBalanceReport) -> wire_billing.ClientBalance:
    return wire_billing.ClientBalance(
        balance=from_micros(report.funds.total_micros),
        currency=report.funds.currency,
        last_renewal=None
        if report.funds.last_renewal_at is None
        else wire_billing.LastRenewal(
            date=isoformat(report.funds.last_renewal_at) or "",
            amount=from_micros(report.funds.last_renewal_micros or 0),
        ),
        estimated_template_cost=from_micros(report.estimated_template_cost_micros),
        granularity=report.window.granularity,
        start_date=report.window.start_unix,
        end_date=report.window.end_unix,
        usage=[
            wire_billing.PeriodUsage(
                period_date=row.period_start.date().isoformat(),
                quantity=row.quantity,
                free_quantity=row.free_quantity,
                paid_quantity=row.paid_quantity,
                business_initiated_quantity=row.business_initiated_quantity,
                user_initiated_quantity=row.user_initiated_quantity,
                total_price=from_micros(row.cost_micros),
            )
            for row in report.usage
        ],
    )


def channel_usage(report: ChannelUsageReport) -> wire_billing.ChannelUsage:
    points = [
        wire_billing.DataPoint(
            start=int(p.start.timestamp()),
            end=int(p.end.timestamp()),
            country=p.country,
            pricing_category=p.pricing_category,
            pricing_type=p.pricing_type,
            volume=p.volume,
            cost=from_micros(p.cost_micros),
        )
        for p in report.points
    ]
    return wire_billing.ChannelUsage(
        pricing_analytics=wire_billing.PricingAnalytics(
            data=[wire_billing.PricingAnalyticsData(data_points=points)]
        ),
        id=report.waba_external_id,
    )


def channel_key(key: ChannelApiKey, address: str) -> wire_messaging.ChannelKey:
    return wire_messaging.ChannelKey(
        id=key.id,
        address=address,
        api_key=channel_keys.masked(key),
        app_id=key.app_id,
        channel_id=key.channel_id,
        created_at=isoformat(key.created_at) or "",
        last_used_at=isoformat(key.last_used_at),
    )


def issued_channel_key(
    issued: channel_keys.IssuedChannelKey, address: str
) -> wire_messaging.ChannelKeyCreated:
    return wire_messaging.ChannelKeyCreated(
        id=issued.key.id, address=address, api_key=issued.secret, app_id=issued.key.app_id
    )


def revoked_channel_keys(
    channel_id: str, revoked: list[ChannelApiKey]
) -> wire_messaging.ChannelKeysRevoked:
    count = len(revoked)
    return wire_messaging.ChannelKeysRevoked(
        meta=wire_messaging.DeleteMeta(
            success=True,
            http_code=200,
            developer_message=f"{count} API key{'' if count == 1 else 's'} revoked",
            details=[],
        ),
        channel_id=channel_id,
        count=count,
        revoked=[
            wire_messaging.RevokedChannelKey(
                id=key.id,
                api_key=channel_keys.masked(key),
                app_id=key.app_id,
                created_at=isoformat(key.created_at) or "",
                revoked_at=isoformat(key.revoked_at) or "",
            )
            for key in revoked
        ],
    )


def messaging_webhook(ch: Channel, *, mask: bool) -> wire_messaging.MessagingWebhook:
    headers = ch.messaging_webhook_headers or {}
    shown = {name: "****" for name in headers} if mask else dict(headers)
    return wire_messaging.MessagingWebhook(url=ch.messaging_webhook_url, headers=shown)


def template(t: Template) -> wire_templates.Template:
    # The same fields as the ``waba_template_status_changed`` event's data (one source).
    return wire_templates.Template(**template_fields(t))
