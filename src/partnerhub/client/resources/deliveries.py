"""``…/webhook_deliveries``: the webhook delivery log, and replays."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime

from partnerhub.client._base import (
    AsyncCore,
    Call,
    Page,
    SyncCore,
    call,
    expect,
    expect_page,
    list_params,
    twin_docs,
)
from partnerhub.client.resources._common import (
    DEFAULT_PAGE_SIZE,
    Filters,
    Sort,
    _Resource,
    _seg,
    _sort,
)
from partnerhub.wire import webhooks as wire_webhooks

# --------------------------------------------------------------------------- deliveries


class _DeliveryCalls(_Resource):
    def _list(
        self,
        limit: int | None,
        offset: int | None,
        sort: Sort,
        filters: Filters,
        created_after: datetime | str | None,
        created_before: datetime | str | None,
    ) -> Call[Page[wire_webhooks.Delivery]]:
        return call(
            "GET",
            f"{self._base}/webhook_deliveries",
            expect_page(wire_webhooks.DeliveryList, "webhook_deliveries"),
            params=list_params(
                limit,
                offset,
                _sort(sort),
                filters,
                created_after=_iso(created_after),
                created_before=_iso(created_before),
            ),
        )

    def _retry(self, delivery_id: str) -> Call[wire_webhooks.Delivery]:
        return call(
            "POST",
            f"{self._base}/webhook_deliveries/{_seg(delivery_id)}/retry",
            expect(wire_webhooks.Delivery),
        )


def _iso(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class Deliveries(_DeliveryCalls):
    """``…/webhook_deliveries``: the webhook delivery log, and replays."""

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
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
    ) -> Page[wire_webhooks.Delivery]:
        """One page of deliveries with their attempts (``filters={"status": "failed"}``)."""
        return self._core.send(
            self._list(limit, offset, sort, filters, created_after, created_before)
        )

    def iter(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        sort: Sort = None,
        filters: Filters = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
    ) -> Iterator[wire_webhooks.Delivery]:
        """Every matching delivery, a page at a time."""
        return self._core.iterate(
            lambda offset: self._list(
                page_size, offset, sort, filters, created_after, created_before
            )
        )

    def retry(self, delivery_id: str) -> wire_webhooks.Delivery:
        """Send a delivery again now (failed ones included)."""
        return self._core.send(self._retry(delivery_id))


@twin_docs(Deliveries)
class AsyncDeliveries(_DeliveryCalls):
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
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
    ) -> Page[wire_webhooks.Delivery]:
        return await self._core.send(
            self._list(limit, offset, sort, filters, created_after, created_before)
        )

    def iter(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        sort: Sort = None,
        filters: Filters = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
    ) -> AsyncIterator[wire_webhooks.Delivery]:
        return self._core.iterate(
            lambda offset: self._list(
                page_size, offset, sort, filters, created_after, created_before
            )
        )

    async def retry(self, delivery_id: str) -> wire_webhooks.Delivery:
        return await self._core.send(self._retry(delivery_id))
