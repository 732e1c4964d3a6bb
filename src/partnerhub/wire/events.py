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


class QualityData(ChannelData, omit_defaults=True):
    """``data`` of ``phone_number_quality_update`` [ours: the name and the ``event`` values are
    Meta's WABA webhook field of that name]: ``event`` is ``FLAGGED`` (quality went down),
    ``UNFLAGGED`` (up), ``DOWNGRADE`` or ``UPGRADE`` (the messaging limit moved);
    ``old_limit`` only when the limit moved."""

    event: str
    current_limit: str
    current_quality_rating: str
    old_limit: str | None = None


class TemplateStatusData(Template, EventData):
    """The template as the Partner API shows it, plus the client whose WABA holds it."""

    client_id: str


class WebhookTestData(EventData, omit_defaults=True):
    """``sequence`` (1, 2, …) only when several test events were sent at once."""

    partner_id: str
    message: str
    sequence: int | None = None


# --- WhatsApp Coexistence (docs.360dialog.com "Coexistence Webhooks"; Meta's ``history`` and
# ``smb_app_state_sync`` webhook references): ``data`` is Meta's change ``value`` with the
# WABA's id, as 360dialog forwards it to the partner webhook URL.


class PhoneMetadata(msgspec.Struct):
    display_phone_number: str
    phone_number_id: str


class HistoryContext(msgspec.Struct):
    """``status`` of a past message: ``DELIVERED``, ``READ``, ``PLAYED``, ``SENT``, ``ERROR``
    or ``PENDING``."""

    status: str


class HistoryMessage(msgspec.Struct, omit_defaults=True):
    """One past message of a thread; ``to`` only on messages the business sent."""

    from_: str = msgspec.field(name="from")
    id: str
    timestamp: str
    type: str
    to: str | None = None
    text: dict[str, Any] | None = None
    history_context: HistoryContext | None = None


class HistoryThread(msgspec.Struct):
    """A 1:1 chat: ``id`` is the WhatsApp user's phone number."""

    id: str
    messages: list[HistoryMessage]


class HistoryChunkMetadata(msgspec.Struct):
    """``phase``: 0 (the last day), 1 (day 1 to 90), 2 (day 90 to 180); ``chunk_order`` counts
    the phase's chunks from 1; ``progress``: how much of the whole sync is done (0-100)."""

    phase: int
    chunk_order: int
    progress: int


class HistoryErrorData(msgspec.Struct):
    details: str


class HistoryError(msgspec.Struct):
    """2593109: the business declined to share its chat history."""

    code: int
    title: str
    message: str
    error_data: HistoryErrorData


class HistoryChunk(msgspec.Struct, omit_defaults=True):
    """A chunk of the history (``metadata`` and ``threads``), or ``errors`` when the business
    declined to share it."""

    metadata: HistoryChunkMetadata | None = None
    threads: list[HistoryThread] | None = None
    errors: list[HistoryError] | None = None


class HistoryData(EventData):
    """``data`` of ``history``: ``id`` is the WABA's (Meta's) id."""

    id: str
    messaging_product: str
    metadata: PhoneMetadata
    history: list[HistoryChunk]


class StateSyncContact(msgspec.Struct, omit_defaults=True):
    """A contact of the app's address book; the names are left out when it was removed."""

    phone_number: str
    full_name: str | None = None
    first_name: str | None = None


class StateSyncMetadata(msgspec.Struct):
    timestamp: str


class StateSyncItem(msgspec.Struct):
    """``type`` is ``contact``; ``action`` is ``add`` (added or edited) or ``remove``."""

    type: str
    contact: StateSyncContact
    action: str
    metadata: StateSyncMetadata


class SmbAppStateSyncData(EventData):
    """``data`` of ``smb_app_state_sync``: the app's contacts (``id`` is the WABA's id)."""

    id: str
    messaging_product: str
    metadata: PhoneMetadata
    state_sync: list[StateSyncItem]


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


class PhoneNumberQualityUpdate(Event, frozen=True, tag="phone_number_quality_update"):
    data: QualityData


class WebhookTest(Event, frozen=True, tag="webhook_test"):
    data: WebhookTestData


class History(Event, frozen=True, tag="history"):
    """Coexistence: a chunk of the chat history the WhatsApp Business app shared (or why not)."""

    data: HistoryData


class SmbAppStateSync(Event, frozen=True, tag="smb_app_state_sync"):
    """Coexistence: contacts of the WhatsApp Business app's address book."""

    data: SmbAppStateSyncData


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
    | PhoneNumberQualityUpdate
    | History
    | SmbAppStateSync
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
