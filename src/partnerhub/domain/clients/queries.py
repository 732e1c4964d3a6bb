"""Reading clients, channels and WABA accounts: the Partner API's lists (their sort and filter
keys) and single look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from partnerhub.domain.clients.model import Channel, Client, WabaAccount
from partnerhub.domain.errors import NotFound
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.ports import UnitOfWork

CLIENT_SORTABLE = ("id", "name", "status", "created_at", "modified_at")
CHANNEL_SORTABLE = (
    "id",
    "status",
    "created_at",
    "modified_at",
    "client_id",
    "terminated_at",
    "external_id",
)
# spec §3.3 [360], plus ``organisation``, which a published .NET partner client sends
# (docs/fidelity.md, "Typed clients").
CLIENT_FILTER_KEYS = (
    "id",
    "name",
    "status",
    "organisation",
    "meta_info.business_vertical",
    "meta_info.timezone",
    "meta_info.about",
    "meta_info.business_description",
    "meta_info.use_case",
    "contact_info.webpage_url",
    "contact_info.phone",
    "contact_info.language",
    "contact_info.country",
    "contact_info.street_name",
    "contact_info.city",
    "contact_info.email",
    "contact_info.zip_code",
    "contact_user.phone",
    "contact_user.email",
    "contact_user.name",
)
# spec §3.3 [360, partial list] plus the nested keys a published .NET partner client sends
# (``client.contact_info.email``, ``waba_account.fb_account_status``: docs/fidelity.md), with
# the type each value must have; time fields take an ISO timestamp (that second) or a
# {"gte"/"gt"/"lte"/"lt": ...} range [ours]. ``terminated_at`` is the date shown on the
# channel: when it was terminated, or when its requested cancellation takes effect.
CHANNEL_FILTERS: dict[str, type] = {
    "q": str,
    "id": str,
    "status": str,
    "client_id": str,
    "type": str,
    "version": int,
    "account_mode": str,
    "is_migrated": bool,
    "current_limit": str,
    "current_quality_rating": str,
    "availability_status": str,
    "terminated_at": datetime,
    "setup_info.phone_number": str,
    "setup_info.phone_name": str,
    "created_at": datetime,
    "modified_at": datetime,
    "external_id": str,
    "waba_account.id": str,
    "waba_account.fb_account_status": str,
    "client.contact_info.email": str,
}


async def list_clients(
    uow: UnitOfWork, partner_id: str, query: ListQuery
) -> tuple[list[Client], int]:
    return await uow.clients.list_clients(partner_id, query)


@dataclass(frozen=True)
class ChannelView:
    channel: Channel
    client: Client
    waba: WabaAccount


async def list_channels(
    uow: UnitOfWork, partner_id: str, query: ListQuery, text: str | None
) -> tuple[list[ChannelView], int]:
    channels, total = await uow.clients.list_channels(partner_id, query, text)
    clients = await uow.clients.clients_by_id(list({c.client_id for c in channels}))
    wabas = await uow.clients.wabas_by_id(list({c.waba_account_id for c in channels}))
    return [ChannelView(c, clients[c.client_id], wabas[c.waba_account_id]) for c in channels], total


async def get_waba(uow: UnitOfWork, partner_id: str, waba_id: str) -> WabaAccount:
    waba = await uow.clients.get_waba(partner_id, waba_id)
    if waba is None:
        raise NotFound("WABA account not found")
    return waba


async def any_channel(uow: UnitOfWork, channel_id: str) -> Channel:
    """A channel of whichever partner: for the emulator and the simulated Meta side, which act
    across partners (the Partner API always looks channels up under the caller's partner)."""
    partner_id = await uow.clients.owner_of_channel(channel_id)
    channel = None if partner_id is None else await uow.clients.get_channel(partner_id, channel_id)
    if channel is None:
        raise NotFound("Channel not found")
    return channel
