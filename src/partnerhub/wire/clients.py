"""Clients, channels and WABA accounts on the wire (spec §5), and the bodies that change them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType


class Client(msgspec.Struct):
    id: str
    name: str
    status: str
    organisation: str | None
    partner_payload: str | None
    max_channels: int
    meta_info: dict[str, Any]
    contact_info: dict[str, Any]
    contact_user: dict[str, Any]
    created_at: str
    modified_at: str
    created_by: dict[str, Any]
    modified_by: dict[str, Any]
    # Whether 360dialog flagged the client for review; nothing here flags one.
    suspicious: bool


class ClientList(msgspec.Struct):
    limit: int
    offset: int
    sort: list[str]
    total: int
    count: int
    filters: dict[str, Any]
    clients: list[Client]


class ClientPatch(msgspec.Struct, forbid_unknown_fields=True):
    """``PATCH …/clients/{client_id}``: send only what changes. ``partner_payload: null``
    clears the payload; ``max_channels: null`` leaves the limit unchanged (typed clients send
    it whenever the caller set only ``partner_payload``)."""

    partner_payload: Annotated[
        str | UnsetType | None,
        msgspec.Meta(description="Free text kept for the partner; null clears it."),
    ] = UNSET
    max_channels: Annotated[
        int | UnsetType | None,
        msgspec.Meta(
            description="How many numbers the client may have (1-1000, not below its current "
            "count); null leaves it unchanged."
        ),
    ] = UNSET


class ChannelClient(msgspec.Struct):
    id: str
    name: str
    partner_payload: str | None
    contact_info: dict[str, Any]


class SetupInfo(msgspec.Struct):
    phone_number: str
    phone_name: str
    was_in_use: bool
    verification_method: str
    default_language: str


class OnBehalfOfBusinessInfo(msgspec.Struct):
    id: str
    name: str
    status: str
    type: str


class ChannelWaba(msgspec.Struct):
    id: str
    fb_account_status: str
    on_behalf_of_business_info: OnBehalfOfBusinessInfo


class Integration(msgspec.Struct):
    enabled: bool
    app_id: str | None
    state: str


class Channel(msgspec.Struct):
    id: str
    client_id: str
    status: str
    type: str
    version: int
    is_migrated: bool
    availability_status: str
    account_mode: str
    created_at: str
    modified_at: str
    billing_started_at: str | None
    terminated_at: str | None
    current_limit: str
    current_quality_rating: str
    external_id: str
    client: ChannelClient
    setup_info: SetupInfo
    waba_account: ChannelWaba
    integration: Integration
    permission: bool
    cancellation_date: str | None
    # A 360dialog Inbox provisioned for the number; none is offered here.
    has_inbox: bool
    # Meta's Official Business Account (green badge); not simulated.
    is_oba: bool
    # WhatsApp Coexistence: the number stays on the WhatsApp Business app (Meta's phone-number
    # field; 360dialog documents no channel field for it: docs/fidelity.md "Coexistence").
    is_on_biz_app: bool = False
    # 360dialog's license plan for the number: basic, regular (every onboarding but
    # ``account_sharing/numbers`` with a ``tier``) or premium. Not Meta's messaging limit
    # (``current_limit``): docs/fidelity.md "Host-your-own Embedded Signup".
    tier: str = "regular"
    # Display names and CTWA (issue 18): the current name's review status (Meta's
    # ``name_status``), the name in review and its status (``new_name_status``: PENDING_REVIEW,
    # or DECLINED after a rejection), and whether Click-to-WhatsApp signals are enabled.
    name_status: str = "APPROVED"
    new_display_name: str | None = None
    new_name_status: str | None = None
    ctwa_enabled: bool = False


class ChannelList(msgspec.Struct):
    limit: int
    offset: int
    sort: list[str]
    total: int
    count: int
    filters: dict[str, Any]
    partner_channels: list[Channel]


class WabaAccount(msgspec.Struct):
    id: str
    name: str
    namespace: str
    partner_id: str
    client_id: str
    external_id: str
    timezone_id: str
    fb_business_id: str
    status: str
    settings: dict[str, Any]
    # Meta's restrictions in force (policy enforcement, issue 18): ``{restriction_type,
    # expiration}`` with ``expiration`` in Unix seconds, as in Meta's ``account_update``.
    restriction_info: list[dict[str, Any]] = msgspec.field(default_factory=list)


class CancellationIn(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool


class SharedClientIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST …/account_sharing/clients`` [360 endpoint; field names ours, see docs/fidelity.md]."""

    name: str
    email: str
    user_name: str | None = None
    partner_payload: str | None = None
    send_invitation: bool = False
    is_initial_onboarding_client: bool = False


# --- Host-your-own Embedded Signup: ``POST …/account_sharing/numbers`` (issue 18 item 2) ---
# Meta's ids are numeric strings; the hub stores them in 32 characters.
MetaId = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,32}$")]
Tier = Literal["basic", "regular", "premium", ""]
ONBOARDING_MESSAGE = "Success. Please wait, your number is onboarding."


class AccountSharingNumberIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST …/account_sharing/numbers``: a number the client shared with the partner's Meta
    solution in the partner's own Embedded Signup. One of ``waba_business_id`` or
    ``client_id`` is required. ``phone_number`` is ours: the emulator's stand-in for the
    number Meta would report for ``channel_external_id``."""

    solution_id: MetaId
    waba_external_id: MetaId
    waba_business_id: MetaId | None = None
    client_id: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None
    tier: Tier | None = None
    channel_external_id: MetaId | None = None
    phone_number: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class AccountSharingNumberOut(msgspec.Struct):
    """The documented answer: the request echoed, with the client that now owns the number,
    and the success message."""

    solution_id: str
    waba_external_id: str
    client_id: str
    channel_external_id: str
    waba_business_id: str | None = None
    tier: str | None = None
    message: str = ONBOARDING_MESSAGE
