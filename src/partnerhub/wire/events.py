"""Partner webhook events (spec §7): one Struct per event partnerhub sends, and their union.

What a partner's webhook URL receives is ``{"id": …, "event": …, "data": {…}}``. Each event is
a Struct tagged by its ``event`` name, so :data:`PartnerEvent` decodes straight into the right
class, and the services that emit an event build it with a typed ``data``::

    ChannelRunning(id="…EV", data=ChannelData(...))

The domain builds these (``domain/*/events.py`` map its objects to them), the outbox stores
:func:`encode_event`'s bytes, and the SDK's ``construct_event`` returns them. Keys are encoded
in the order they are declared here, ``id``, ``event``, ``data`` first: the stored body is what
is signed and sent, byte for byte, so the order is part of the contract.

``data`` can also be read like the JSON object (``event.data["phone_number"]``,
``.get("reason")``), for receivers written against the untyped events.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import msgspec

from partnerhub.wire.templates import Template


class EventData(msgspec.Struct):
    """Field-less base of every ``data``: read access by JSON key as well as by attribute."""

    def __getitem__(self, key: str) -> Any:
        if key in self.__struct_fields__:
            return getattr(self, key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.__struct_fields__ else default

    def __contains__(self, key: object) -> bool:
        return key in self.__struct_fields__


# --------------------------------------------------------------------------- data


class ClientData(EventData):
    """``data`` of ``client_created``."""

    id: str
    name: str
    status: str
    partner_payload: str | None
    contact_info: dict[str, Any]
    contact_user: dict[str, Any]
    created_at: str


class ChannelClient(EventData):
    """The client a channel event's channel belongs to."""

    id: str
    name: str
    partner_payload: str | None
    contact_info: dict[str, Any]


class WabaRef(EventData):
    id: str
    external_id: str


class ChannelData(EventData):
    """``data`` of the channel events (spec §7): the channel, its client and its WABA."""

    id: str
    client_id: str
    client: ChannelClient
    phone_number: str
    phone_name: str
    created_at: str
    billing_started_at: str | None
    fb_account_status: str
    status: str
    account_mode: str
    waba_account: WabaRef


class PermissionData(ChannelData):
    """The channel, and whether the partner may now use it (generate its keys)."""

    permission: bool


class CancellationData(ChannelData):
    """``cancellation_date`` and ``terminated_at`` are both the day the cancellation takes
    effect; ``null`` once the request is withdrawn."""

    cancellation_date: str | None
    terminated_at: str | None


class TerminationData(ChannelData, omit_defaults=True):
    """``reason`` [ours] is only sent when a number was given back by the operator
    (``number_released``), not when a requested cancellation took effect."""

    terminated_at: str | None
    reason: str | None = None


class RestrictionInfo(EventData):
    """One restriction Meta put on the WABA (Meta's ``account_update`` webhook):
    ``RESTRICTED_ADD_PHONE_NUMBER_ACTION``, ``RESTRICTED_BIZ_INITIATED_MESSAGING`` or
    ``RESTRICTED_CUSTOMER_INITIATED_MESSAGING``, and when it ends (Unix seconds)."""

    restriction_type: str
    expiration: int


class RestrictionData(ChannelData, omit_defaults=True):
    """``violation_type``: Meta's reason, e.g. ``SPAM`` or ``MESSAGING_LIMIT``;
    ``restriction_info`` on ``account_restriction`` events raised by a policy enforcement
    (docs/fidelity.md "Display names, policy enforcement and CTWA")."""

    violation_type: str
    restriction_info: list[RestrictionInfo] | None = None


class NameUpdateData(ChannelData):
    """``data`` of ``phone_number_name_update``: the channel, and Meta's decision on a requested
    display name (the fields of Meta's ``phone_number_name_update`` webhook)."""

    display_phone_number: str
    decision: str
    requested_verified_name: str
    rejection_reason: str | None


class TemplateStatusData(Template, EventData):
    """The template as the Partner API shows it, plus the client whose WABA holds it."""

    client_id: str


class WebhookTestData(EventData, omit_defaults=True):
    """``sequence`` (1, 2, …) only when several test events were sent at once."""

    partner_id: str
    message: str
    sequence: int | None = None


# --------------------------------------------------------------------------- events


class Event(msgspec.Struct, tag_field="event", frozen=True):
    """Base of every partner event: ``id`` is stable across retries (deduplicate on it);
    each event narrows ``data`` to its own Struct."""

    id: str
    data: EventData

    @property
    def event(self) -> str:
        """The event's name, e.g. ``channel_running`` (the tag it is decoded by)."""
        return str(type(self).__struct_config__.tag)


class ClientCreated(Event, frozen=True, tag="client_created"):
    data: ClientData


class ChannelEvent(Event, frozen=True):
    """A step of the channel lifecycle (spec §6): the channel as it is now."""

    data: ChannelData


class ChannelCreated(ChannelEvent, frozen=True, tag="channel_created"):
    pass


class ChannelSubmitted(ChannelEvent, frozen=True, tag="channel_submitted"):
    pass


class ChannelReady(ChannelEvent, frozen=True, tag="channel_ready"):
    pass


class ChannelRunning(ChannelEvent, frozen=True, tag="channel_running"):
    pass


class ChannelLive(ChannelEvent, frozen=True, tag="channel_live"):
    pass


class PermissionEvent(Event, frozen=True):
    data: PermissionData


class ChannelPermissionGranted(PermissionEvent, frozen=True, tag="channel_permission_granted"):
    pass


class ChannelPermissionRevoked(PermissionEvent, frozen=True, tag="channel_permission_revoked"):
    pass


class CancellationEvent(Event, frozen=True):
    data: CancellationData


class CancellationRequest(CancellationEvent, frozen=True, tag="cancellation_request"):
    pass


class CancellationRevoke(CancellationEvent, frozen=True, tag="cancellation_revoke"):
    pass


class CancellationProcessed(Event, frozen=True, tag="cancellation_processed"):
    data: TerminationData


class RestrictionEvent(Event, frozen=True):
    data: RestrictionData


class AccountViolation(RestrictionEvent, frozen=True, tag="account_violation"):
    pass


class AccountRestriction(RestrictionEvent, frozen=True, tag="account_restriction"):
    pass


class PhoneNumberNameUpdate(Event, frozen=True, tag="phone_number_name_update"):
    data: NameUpdateData


class TemplateMessagingDisabled(ChannelEvent, frozen=True, tag="template_messaging_disabled"):
    """Business-initiated (template) messaging stopped for the channel: a restriction."""


class TemplateMessagingEnabled(ChannelEvent, frozen=True, tag="template_messaging_enabled"):
    """Business-initiated (template) messaging allowed again: the restriction ended."""


class WabaTemplateStatusChanged(Event, frozen=True, tag="waba_template_status_changed"):
    data: TemplateStatusData


class WebhookTest(Event, frozen=True, tag="webhook_test"):
    data: WebhookTestData


PartnerEvent: TypeAlias = (
    ClientCreated
    | ChannelCreated
    | ChannelSubmitted
    | ChannelReady
    | ChannelRunning
    | ChannelLive
    | ChannelPermissionGranted
    | ChannelPermissionRevoked
    | CancellationRequest
    | CancellationRevoke
    | CancellationProcessed
    | AccountViolation
    | AccountRestriction
    | WabaTemplateStatusChanged
    | WebhookTest
    | PhoneNumberNameUpdate
    | TemplateMessagingDisabled
    | TemplateMessagingEnabled
)


class _Envelope(msgspec.Struct):
    """The order partners receive the keys in (a tagged Struct would put ``event`` first)."""

    id: str
    event: str
    data: EventData


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(PartnerEvent)


def encode_event(event: Event) -> bytes:
    """The body sent to the partner: ``{"id", "event", "data"}``, in that order."""
    return _ENCODER.encode(_Envelope(event.id, event.event, event.data))


def decode_event(body: bytes | str) -> PartnerEvent:
    """A body partnerhub sends, as its event Struct. Raises ``msgspec.ValidationError`` for an
    event it does not send (or a body of another shape), ``msgspec.DecodeError`` for non-JSON."""
    return _DECODER.decode(body)
