"""Messaging API channel keys and the channel's messaging webhook on the wire."""

from __future__ import annotations

from partnerhub.domain.clients.model import Channel
from partnerhub.domain.clock import isoformat
from partnerhub.domain.messaging import keys as channel_keys
from partnerhub.domain.messaging.model import ChannelApiKey
from partnerhub.wire import messaging as wire_messaging


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


def _destinations(ch: Channel, *, mask: bool) -> list[wire_messaging.MultiWebhookDestination]:
    return [
        wire_messaging.MultiWebhookDestination(
            name=d["name"],
            url=d["url"],
            headers={n: "****" for n in d.get("headers") or {}}
            if mask
            else dict(d.get("headers") or {}),
        )
        for d in ch.multi_webhook_destinations
    ]


def multi_webhook(ch: Channel) -> wire_messaging.MultiWebhook:
    """``GET /multi_webhook``: header values masked, as ``GET /v1/configs/webhook`` does."""
    return wire_messaging.MultiWebhook(
        enabled=ch.multi_webhook_enabled, destinations=_destinations(ch, mask=True)
    )


def multi_webhook_changed(ch: Channel, message: str) -> wire_messaging.MultiWebhookChanged:
    """A write's answer: what the caller just sent is shown in full, as on the main webhook."""
    return wire_messaging.MultiWebhookChanged(
        message=message,
        enabled=ch.multi_webhook_enabled,
        destinations=_destinations(ch, mask=False),
    )
