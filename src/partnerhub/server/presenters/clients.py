"""Clients, channels and WABA accounts on the wire."""

from __future__ import annotations

from typing import Any

from partnerhub.domain.clients.model import Channel, Client, WabaAccount
from partnerhub.domain.clock import isoformat
from partnerhub.wire import clients as wire_clients


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
        is_on_biz_app=ch.is_on_biz_app,
        tier=ch.tier,
        **_name_fields(ch),
        ctwa_enabled=ch.ctwa_enabled,
    )


def _name_fields(ch: Channel) -> dict[str, Any]:
    """The display-name fields: the latest request, if it is in review or was declined."""
    last = ch.display_name_requests[-1] if ch.display_name_requests else None
    shown = {"PENDING_REVIEW": "PENDING_REVIEW", "REJECTED": "DECLINED"}
    if last is None or last["status"] not in shown:
        return {"name_status": ch.name_status, "new_display_name": None, "new_name_status": None}
    return {
        "name_status": ch.name_status,
        "new_display_name": last["display_name"],
        "new_name_status": shown[last["status"]],
    }


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
        restriction_info=[dict(r) for r in w.restriction_info],
    )
