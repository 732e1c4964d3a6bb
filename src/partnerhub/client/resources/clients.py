"""``…/clients``: the partner's clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from msgspec import UNSET, UnsetType

from partnerhub.client._base import (
    AsyncCore,
    Call,
    Page,
    SyncCore,
    call,
    expect,
    expect_page,
    list_params,
)
from partnerhub.client.resources._common import (
    DEFAULT_PAGE_SIZE,
    Filters,
    Moment,
    Sort,
    _Resource,
    _seg,
    _sort,
    _unix,
)
from partnerhub.wire import billing as wire_billing
from partnerhub.wire import clients as wire_clients


class _ClientCalls(_Resource):
    def _list(
        self, limit: int | None, offset: int | None, sort: Sort, filters: Filters
    ) -> Call[Page[wire_clients.Client]]:
        return call(
            "GET",
            f"{self._base}/clients",
            expect_page(wire_clients.ClientList, "clients"),
            params=list_params(limit, offset, _sort(sort), filters),
        )

    def _update(self, client_id: str, patch: wire_clients.ClientPatch) -> Call[wire_clients.Client]:
        return call(
            "PATCH",
            f"{self._base}/clients/{_seg(client_id)}",
            expect(wire_clients.Client),
            json=patch,
        )

    def _create_shared(self, body: wire_clients.SharedClientIn) -> Call[wire_clients.Client]:
        return call(
            "POST",
            f"{self._base}/account_sharing/clients",
            expect(wire_clients.Client),
            json=body,
        )

    def _share_number(
        self, body: wire_clients.AccountSharingNumberIn
    ) -> Call[wire_clients.AccountSharingNumberOut]:
        return call(
            "POST",
            f"{self._base}/account_sharing/numbers",
            expect(wire_clients.AccountSharingNumberOut),
            json=body,
        )

    def _balance(
        self, client_id: str, start: Moment, end: Moment, granularity: str | None
    ) -> Call[wire_billing.ClientBalance]:
        return call(
            "GET",
            f"{self._base}/clients/{_seg(client_id)}/info/balance",
            expect(wire_billing.ClientBalance),
            params={"start_date": _unix(start), "end_date": _unix(end), "granularity": granularity},
        )


class AsyncClients(_ClientCalls):
    """``…/clients``: the partner's end clients."""

    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def list(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Page[wire_clients.Client]:
        """One page of clients; ``filters`` take the spec's keys (``contact_info.email``…)."""
        return await self._core.send(self._list(limit, offset, sort, filters))

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, sort: Sort = None, filters: Filters = None
    ) -> AsyncIterator[wire_clients.Client]:
        """Every client, a page at a time (offset paging: sort by a stable key while others
        may add clients, e.g. ``sort="created_at"``)."""
        return self._core.iterate(lambda offset: self._list(page_size, offset, sort, filters))

    async def update(
        self,
        client_id: str,
        *,
        partner_payload: str | UnsetType | None = UNSET,
        max_channels: int | UnsetType | None = UNSET,
    ) -> wire_clients.Client:
        """Change ``partner_payload`` (``None`` clears it) and/or ``max_channels`` (``None``
        leaves it as it is, as the server reads a ``null``)."""
        patch = wire_clients.ClientPatch(partner_payload=partner_payload, max_channels=max_channels)
        return await self._core.send(self._update(client_id, patch))

    async def create_shared(
        self,
        name: str,
        email: str,
        *,
        user_name: str | None = None,
        partner_payload: str | None = None,
    ) -> wire_clients.Client:
        """A client for your own hosted embedded signup (``account_sharing/clients``)."""
        body = wire_clients.SharedClientIn(
            name=name, email=email, user_name=user_name, partner_payload=partner_payload
        )
        return await self._core.send(self._create_shared(body))

    async def onboard_shared_number(
        self,
        solution_id: str,
        waba_external_id: str,
        *,
        waba_business_id: str | None = None,
        client_id: str | None = None,
        tier: wire_clients.Tier | None = None,
        channel_external_id: str | None = None,
        phone_number: str | None = None,
    ) -> wire_clients.AccountSharingNumberOut:
        """A number shared in your own hosted Embedded Signup (``account_sharing/numbers``):
        pass ``client_id`` (an existing client) or ``waba_business_id`` (a new client)."""
        body = wire_clients.AccountSharingNumberIn(
            solution_id=solution_id,
            waba_external_id=waba_external_id,
            waba_business_id=waba_business_id,
            client_id=client_id,
            tier=tier,
            channel_external_id=channel_external_id,
            phone_number=phone_number,
        )
        return await self._core.send(self._share_number(body))

    async def balance(
        self,
        client_id: str,
        *,
        start_date: Moment = None,
        end_date: Moment = None,
        granularity: str | None = None,
    ) -> wire_billing.ClientBalance:
        """Balance and usage per ``day`` or ``month`` (5 requests / 30 s per client)."""
        return await self._core.send(self._balance(client_id, start_date, end_date, granularity))


# --- Sync twins, generated by partnerhub.client.resources._twins from the async ones above:
# --- do not edit below this line; change the async twin and regenerate.


class Clients(_ClientCalls):
    """``…/clients``: the partner's end clients."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def list(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Page[wire_clients.Client]:
        """One page of clients; ``filters`` take the spec's keys (``contact_info.email``…)."""
        return self._core.send(self._list(limit, offset, sort, filters))

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, sort: Sort = None, filters: Filters = None
    ) -> Iterator[wire_clients.Client]:
        """Every client, a page at a time (offset paging: sort by a stable key while others
        may add clients, e.g. ``sort="created_at"``)."""
        return self._core.iterate(lambda offset: self._list(page_size, offset, sort, filters))

    def update(
        self,
        client_id: str,
        *,
        partner_payload: str | UnsetType | None = UNSET,
        max_channels: int | UnsetType | None = UNSET,
    ) -> wire_clients.Client:
        """Change ``partner_payload`` (``None`` clears it) and/or ``max_channels`` (``None``
        leaves it as it is, as the server reads a ``null``)."""
        patch = wire_clients.ClientPatch(partner_payload=partner_payload, max_channels=max_channels)
        return self._core.send(self._update(client_id, patch))

    def create_shared(
        self,
        name: str,
        email: str,
        *,
        user_name: str | None = None,
        partner_payload: str | None = None,
    ) -> wire_clients.Client:
        """A client for your own hosted embedded signup (``account_sharing/clients``)."""
        body = wire_clients.SharedClientIn(
            name=name, email=email, user_name=user_name, partner_payload=partner_payload
        )
        return self._core.send(self._create_shared(body))

    def onboard_shared_number(
        self,
        solution_id: str,
        waba_external_id: str,
        *,
        waba_business_id: str | None = None,
        client_id: str | None = None,
        tier: wire_clients.Tier | None = None,
        channel_external_id: str | None = None,
        phone_number: str | None = None,
    ) -> wire_clients.AccountSharingNumberOut:
        """A number shared in your own hosted Embedded Signup (``account_sharing/numbers``):
        pass ``client_id`` (an existing client) or ``waba_business_id`` (a new client)."""
        body = wire_clients.AccountSharingNumberIn(
            solution_id=solution_id,
            waba_external_id=waba_external_id,
            waba_business_id=waba_business_id,
            client_id=client_id,
            tier=tier,
            channel_external_id=channel_external_id,
            phone_number=phone_number,
        )
        return self._core.send(self._share_number(body))

    def balance(
        self,
        client_id: str,
        *,
        start_date: Moment = None,
        end_date: Moment = None,
        granularity: str | None = None,
    ) -> wire_billing.ClientBalance:
        """Balance and usage per ``day`` or ``month`` (5 requests / 30 s per client)."""
        return self._core.send(self._balance(client_id, start_date, end_date, granularity))
