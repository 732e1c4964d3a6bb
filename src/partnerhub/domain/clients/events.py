"""The ``data`` of client and channel partner webhook events (spec §7), built from the domain
objects: the one place that maps a client or channel to what partners receive."""

from __future__ import annotations

from typing import Any

from partnerhub.domain.clients.model import Channel, Client, WabaAccount
from partnerhub.domain.clock import isoformat


def client_payload(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "status": client.status,
        "partner_payload": client.partner_payload,
        "contact_info": client.contact_info,
        "contact_user": client.contact_user,
        "created_at": isoformat(client.created_at),
    }


def channel_payload(channel: Channel, client: Client, waba: WabaAccount) -> dict[str, Any]:
    """``data`` of channel events (spec §7)."""
    return {
        "id": channel.id,
        "client_id": channel.client_id,
        "client": {
            "id": client.id,
            "name": client.name,
            "partner_payload": client.partner_payload,
            "contact_info": client.contact_info,
        },
        "phone_number": channel.phone_number,
        "phone_name": channel.phone_name,
        "created_at": isoformat(channel.created_at),
        "billing_started_at": isoformat(channel.billing_started_at),
        "fb_account_status": waba.status,
        "status": channel.status,
        "account_mode": channel.account_mode,
        "waba_account": {"id": waba.id, "external_id": waba.external_id},
    }
