"""Partner change requests as the Partner API shows them."""

from __future__ import annotations

from partnerhub.domain.clock import isoformat
from partnerhub.domain.partner_change.model import PartnerChangeRequest
from partnerhub.wire import partner_change as wire


def partner_change_request(pcr: PartnerChangeRequest) -> wire.PartnerChangeRequest:
    return wire.PartnerChangeRequest(
        id=pcr.id,
        status=pcr.status,
        is_full_migration=pcr.is_full_migration,
        source_client_id=pcr.client_id,
        target_client_id=pcr.client_id,
        source_partner_id=pcr.source_partner_id,
        target_partner_id=pcr.target_partner_id,
        channel_ids=list(pcr.channel_ids),
        created_at=isoformat(pcr.created_at) or "",
        updated_at=isoformat(pcr.updated_at) or "",
    )
