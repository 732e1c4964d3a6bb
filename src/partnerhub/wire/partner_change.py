"""Partner change requests (PCR) of the Partner API: ``/selective_partner_change_requests``
(issue 18 item 5; fields as 360dialog's reference documents them)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec


class PartnerChangeRequest(msgspec.Struct):
    id: str
    status: str  # pending, completed, rejected [ours]
    is_full_migration: bool
    source_client_id: str
    # The clone created under the target partner in a partial migration; a full migration moves
    # the client itself, so this is the same id.
    target_client_id: str
    source_partner_id: str
    target_partner_id: str
    channel_ids: list[str]
    created_at: str
    updated_at: str


class PartnerChangeRequestList(msgspec.Struct):
    limit: int
    offset: int
    sort: list[str]
    total: int
    count: int
    filters: dict[str, Any]
    partner_change_requests: list[PartnerChangeRequest]


class PartnerChangeRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    """Emulator control: the client (from its Client Hub) asks to move to ``target_partner_id``."""

    client_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    target_partner_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
