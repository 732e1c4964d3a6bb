"""A partner change request (PCR), as 360dialog's Partner API presents it
(``/selective_partner_change_requests``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class PcrStatus(StrEnum):
    """360dialog documents ``created``, ``pending``, ``completed`` and ``failed``; a request the
    target partner refused is ``rejected`` [ours: the docs list no value for it]."""

    PENDING = "pending"
    COMPLETED = "completed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class PartnerChangeRequest:
    id: str
    status: str
    client_id: str
    source_partner_id: str
    target_partner_id: str
    channel_ids: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    # 360dialog's full migration moves the client with every number; partial ("selective")
    # migrations are not simulated [ours].
    is_full_migration: bool = True

    def decided(self, status: PcrStatus, now: datetime) -> PartnerChangeRequest:
        return replace(self, status=str(status), updated_at=now)
