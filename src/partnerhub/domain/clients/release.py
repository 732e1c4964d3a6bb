"""Give a phone number back: the operator's remedy for a number registered by someone else.

The onboarding page is public and cannot prove that whoever types a number owns it (Meta's OTP
check is not simulated yet), so anyone can register a stranger's number under some partner and
block the real owner hub-wide (issue 20, finding 4). Once the owner has shown the operator that
the number is theirs, ``partnerhub channels release +4915…`` ends the squatting channel in one
transaction:

- the channel becomes ``terminated`` (``terminated_at`` now; its review and any pending
  cancellation stop), so it no longer holds the number (migration ``0011``) and the owner
  can sign up with it;
- every channel API key of it is revoked and its messaging webhook cleared, so nobody keeps
  sending from the number;
- the partner that held it receives ``cancellation_processed`` (the event 360dialog sends when a
  number is terminated), with ``terminated_at`` and ``reason: "number_released"`` [ours].

The channel, its client and its history stay, as after any termination.
"""

from __future__ import annotations

from dataclasses import dataclass

from partnerhub.domain.clients import events
from partnerhub.domain.clients.model import Channel, ChannelStatus, Client, WabaAccount
from partnerhub.domain.clients.phones import normalize_phone
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict, NotFound
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox

RELEASED_REASON = "number_released"


@dataclass(frozen=True)
class Holder:
    """The channel that holds a number, with whom it belongs to."""

    partner: Partner
    client: Client
    waba: WabaAccount
    channel: Channel
    keys_revoked: int = 0


async def find_holder(uow: UnitOfWork, phone_number: str) -> Holder:
    """Who holds the number now; :class:`NotFound` when no channel in use does."""
    phone = normalize_phone("phone_number", phone_number)
    channel = await uow.clients.holder_of_number(phone)
    if channel is None:
        raise NotFound(f"No channel in use holds {phone}")
    partner = await load_partner(uow, channel.partner_id)
    client = await uow.clients.get_client(channel.partner_id, channel.client_id)
    waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
    assert client is not None and waba is not None  # foreign keys
    return Holder(partner, client, waba, channel)


async def release_number(
    uow: UnitOfWork, clock: Clock, phone_number: str, *, expected_channel_id: str | None = None
) -> Holder:
    """Terminate the channel holding the number, revoke its keys, tell its partner: one commit.

    ``expected_channel_id`` is the channel the operator confirmed; if another channel holds the
    number by now (it was released and signed up again meanwhile), nothing changes.
    """
    await uow.lock_for_write()
    holder = await find_holder(uow, phone_number)
    if expected_channel_id is not None and holder.channel.id != expected_channel_id:
        raise Conflict(
            f"The number is now held by channel {holder.channel.id}, not "
            f"{expected_channel_id}; run the command again"
        )
    channel = await uow.clients.get_channel(holder.partner.id, holder.channel.id, for_update=True)
    assert channel is not None
    if channel.status in (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED):
        raise Conflict(f"Channel {channel.id} was terminated meanwhile")  # pragma: no cover
    now = clock.now()
    keys_revoked = await uow.messaging.revoke_channel_keys(channel.id, now)
    channel.status = ChannelStatus.TERMINATED
    channel.terminated_at = now
    channel.next_step_at = None
    channel.cancellation_requested_at = None
    channel.cancellation_date = None
    channel.messaging_webhook_url = None
    channel.messaging_webhook_headers = {}
    channel.multi_webhook_enabled = False
    channel.multi_webhook_destinations = []
    channel.modified_at = now
    await uow.flush()
    event = events.cancellation_processed(channel, holder.client, holder.waba, RELEASED_REASON)
    await outbox.emit(uow, clock, holder.partner, event)
    await uow.commit()
    return Holder(holder.partner, holder.client, holder.waba, channel, len(keys_revoked))
