"""Display-name requests and Click-to-WhatsApp signals of a number (issue 18 items 6, 7).

Paths: ``POST/GET /api/v2/partners/{partner_id}/clients/{client_id}/channels/{channel_id}/
display_name`` and ``POST …/channels/{channel_id}/enable_ctwa`` / ``…/disable_ctwa``
(docs/fidelity.md "Display names, policy enforcement and CTWA").
"""

from __future__ import annotations

from typing import Annotated

import msgspec

DisplayName = Annotated[str, msgspec.Meta(max_length=1000)]


class DisplayNameIn(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The new display name for the channel (checked against the display-name guidelines):
    ``display_name``, or ``new_display_name`` (Meta's field for the same change, on
    ``POST /<PHONE_NUMBER_ID>``); one of the two."""

    display_name: DisplayName | None = None
    new_display_name: DisplayName | None = None


class DisplayNameRequest(msgspec.Struct):
    """One request: ``status`` is ``PENDING_REVIEW``, then ``APPROVED`` or ``REJECTED`` (with
    ``rejected_reason``); ``review_at`` is when the simulated review decides it."""

    id: str
    display_name: str
    status: str
    rejected_reason: str | None
    requested_at: str
    review_at: str
    decided_at: str | None


class DisplayNames(msgspec.Struct):
    """A number's display name, its review status and its requests, newest first."""

    channel_id: str
    phone_name: str
    name_status: str
    requests: list[DisplayNameRequest]


class CtwaStatus(msgspec.Struct):
    channel_id: str
    ctwa_enabled: bool
