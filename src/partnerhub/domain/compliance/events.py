"""The compliance partner events, built from the domain objects (spec §7)."""

from __future__ import annotations

from typing import Any

from partnerhub.domain.clients.events import channel_data
from partnerhub.domain.clients.model import Channel, Client, WabaAccount
from partnerhub.domain.webhooks.outbox import new_event_id
from partnerhub.wire import events as wire


def name_update(
    channel: Channel, client: Client, waba: WabaAccount, request: dict[str, Any]
) -> wire.PhoneNumberNameUpdate:
    data = channel_data(
        wire.NameUpdateData,
        channel,
        client,
        waba,
        display_phone_number=channel.phone_number,
        decision=request["status"],
        requested_verified_name=request["display_name"],
        rejection_reason=request.get("rejected_reason"),
    )
    return wire.PhoneNumberNameUpdate(new_event_id(), data)


def violation(
    channel: Channel, client: Client, waba: WabaAccount, violation_type: str
) -> wire.AccountViolation:
    data = channel_data(wire.RestrictionData, channel, client, waba, violation_type=violation_type)
    return wire.AccountViolation(new_event_id(), data)


def restriction(
    channel: Channel, client: Client, waba: WabaAccount, violation_type: str
) -> wire.AccountRestriction:
    info = [
        wire.RestrictionInfo(restriction_type=r["restriction_type"], expiration=r["expiration"])
        for r in waba.restriction_info
    ]
    data = channel_data(
        wire.RestrictionData,
        channel,
        client,
        waba,
        violation_type=violation_type,
        restriction_info=info,
    )
    return wire.AccountRestriction(new_event_id(), data)


def template_messaging(
    enabled: bool, channel: Channel, client: Client, waba: WabaAccount
) -> wire.ChannelEvent:
    kind: type[wire.ChannelEvent] = (
        wire.TemplateMessagingEnabled if enabled else wire.TemplateMessagingDisabled
    )
    return kind(new_event_id(), channel_data(wire.ChannelData, channel, client, waba))
