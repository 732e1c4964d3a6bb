"""The number's messaging webhook (``POST /v1/configs/webhook``).

Setting it may have something waiting for it: a WhatsApp Coexistence number whose contacts
sync ran before it had a webhook gets that sync now, in the same transaction
(:func:`coexistence.deliver_pending_contacts`).
"""

from __future__ import annotations

from partnerhub.domain.clients.model import Channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.messaging import coexistence
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.services import writable_channel
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks.services import check_webhook_url, validate_headers


async def set_webhook(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    url: str | None,
    headers: dict[str, str] | None,
    *,
    hub_mode: bool,
) -> Channel:
    """Point the channel's messaging webhook, if the key and the permission still hold.

    They are read again under the write lock (the caller was authenticated from a cache): a
    client revoking the permission in another process a moment ago clears the webhook and
    revokes the key, and this must not re-point it after that.
    """
    cleaned = await check_webhook_url(url, hub_mode=hub_mode) if url else None
    channel = await writable_channel(uow, principal)
    channel.messaging_webhook_url = cleaned
    channel.messaging_webhook_headers = validate_headers(headers or {})
    channel.modified_at = clock.now()
    await coexistence.deliver_pending_contacts(uow, clock, channel)
    await uow.commit()
    return channel
