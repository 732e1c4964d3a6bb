"""Client and channel partner webhook events (spec §7), built from the domain objects: the one
place that maps a client or channel to what partners receive (:mod:`partnerhub.wire.events`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from partnerhub.domain.clients.model import Channel, Client, WabaAccount
from partnerhub.domain.clock import isoformat
from partnerhub.domain.webhooks.outbox import new_event_id
from partnerhub.wire import events as wire

D = TypeVar("D", bound=wire.ChannelData)
E = TypeVar("E", bound=wire.ChannelEvent)


def _stamp(moment: datetime) -> str:
    stamped = isoformat(moment)
    assert stamped is not None  # a datetime always formats
    return stamped


def client_created(client: Client) -> wire.ClientCreated:
    return wire.ClientCreated(
        new_event_id(),
        wire.ClientData(
            id=client.id,
            name=client.name,
            status=client.status,
            partner_payload=client.partner_payload,
            contact_info=client.contact_info,
            contact_user=client.contact_user,
            created_at=_stamp(client.created_at),
        ),
    )


def channel_data(
    kind: type[D], channel: Channel, client: Client, waba: WabaAccount, **extra: Any
) -> D:
    """``data`` of a channel event: the channel's fields, then ``extra`` (the fields ``kind``
    adds to :class:`~partnerhub.wire.events.ChannelData`)."""
    return kind(
        id=channel.id,
        client_id=channel.client_id,
        client=wire.ChannelClient(
            id=client.id,
            name=client.name,
            partner_payload=client.partner_payload,
            contact_info=client.contact_info,
        ),
        phone_number=channel.phone_number,
        phone_name=channel.phone_name,
        created_at=_stamp(channel.created_at),
        billing_started_at=isoformat(channel.billing_started_at),
        fb_account_status=waba.status,
        status=channel.status,
        account_mode=channel.account_mode,
        waba_account=wire.WabaRef(id=waba.id, external_id=waba.external_id),
        **extra,
    )


def channel_event(kind: type[E], channel: Channel, client: Client, waba: WabaAccount) -> E:
    """A lifecycle step's event (``channel_created`` … ``channel_live``)."""
    return kind(new_event_id(), channel_data(wire.ChannelData, channel, client, waba))


def permission_event(
    kind: type[wire.PermissionEvent], channel: Channel, client: Client, waba: WabaAccount
) -> wire.PermissionEvent:
    data = channel_data(wire.PermissionData, channel, client, waba, permission=channel.permission)
    return kind(new_event_id(), data)


def cancellation_event(
    kind: type[wire.CancellationEvent], channel: Channel, client: Client, waba: WabaAccount
) -> wire.CancellationEvent:
    """Both dates are the day the requested cancellation takes effect (``null`` once it is
    withdrawn)."""
    effective = isoformat(channel.cancellation_date)
    data = channel_data(
        wire.CancellationData,
        channel,
        client,
        waba,
        cancellation_date=effective,
        terminated_at=effective,
    )
    return kind(new_event_id(), data)


def cancellation_processed(
    channel: Channel, client: Client, waba: WabaAccount, reason: str | None = None
) -> wire.CancellationProcessed:
    data = channel_data(
        wire.TerminationData,
        channel,
        client,
        waba,
        terminated_at=isoformat(channel.terminated_at),
        reason=reason,
    )
    return wire.CancellationProcessed(new_event_id(), data)


def restriction_event(
    kind: type[wire.RestrictionEvent],
    channel: Channel,
    client: Client,
    waba: WabaAccount,
    violation_type: str,
) -> wire.RestrictionEvent:
    data = channel_data(wire.RestrictionData, channel, client, waba, violation_type=violation_type)
    return kind(new_event_id(), data)
