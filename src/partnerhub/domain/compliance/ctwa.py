"""Click-to-WhatsApp ads signals per number: ``POST …/enable_ctwa`` and ``…/disable_ctwa``
(360dialog Signals API, "Manage Signals before configuring tracking keywords")."""

from __future__ import annotations

from partnerhub.domain.clients.lifecycle import channel_of
from partnerhub.domain.clients.model import ChannelStatus
from partnerhub.domain.clients.queries import ChannelView
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict
from partnerhub.domain.ports import UnitOfWork


async def set_ctwa(
    uow: UnitOfWork, clock: Clock, partner_id: str, client_id: str, channel_id: str, enabled: bool
) -> ChannelView:
    """Switch the number's CTWA signals on or off; asking twice changes nothing."""
    await uow.lock_for_write()
    channel, client, waba = await channel_of(uow, partner_id, client_id, channel_id)
    if channel.status in (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED):
        raise Conflict("The channel is terminated")
    if channel.ctwa_enabled != enabled:
        channel.ctwa_enabled = enabled
        channel.modified_at = clock.now()
        await uow.commit()
    return ChannelView(channel, client, waba)
