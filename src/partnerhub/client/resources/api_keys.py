"""``…/api_keys``: the partner's own API keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from partnerhub.client._base import (
    AsyncCore,
    Call,
    Page,
    SyncCore,
    call,
    expect,
    expect_nothing,
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
from partnerhub.wire import api_keys as wire_keys

# --------------------------------------------------------------------------- API keys


class _ApiKeyCalls(_Resource):
    def _create(self, name: str) -> Call[wire_keys.ApiKeyCreated]:
        return call(
            "POST",
            f"{self._base}/api_keys",
            expect(wire_keys.ApiKeyCreated),
            json=wire_keys.ApiKeyCreate(name=name),
        )

    def _list(
        self, limit: int | None, offset: int | None, sort: Sort, filters: Filters
    ) -> Call[Page[wire_keys.ApiKey]]:
        return call(
            "GET",
            f"{self._base}/api_keys",
            expect_page(wire_keys.ApiKeyList, "api_keys"),
            params=list_params(limit, offset, _sort(sort), filters),
        )

    def _revoke(self, key_id: str) -> Call[None]:
        return call("DELETE", f"{self._base}/api_keys/{_seg(key_id)}", expect_nothing)


class ApiKeys(_ApiKeyCalls):
    """``…/api_keys``: the partner's own API keys (the hub's "API Keys" section)."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def create(self, name: str) -> wire_keys.ApiKeyCreated:
        """A new key; ``api_key`` holds the secret, which no later call returns again."""
        return self._core.send(self._create(name))

    def list(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Page[wire_keys.ApiKey]:
        """One page of keys (never their secrets)."""
        return self._core.send(self._list(limit, offset, sort, filters))

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, sort: Sort = None, filters: Filters = None
    ) -> Iterator[wire_keys.ApiKey]:
        """Every key, fetched a page at a time as the iteration reaches it."""
        return self._core.iterate(lambda offset: self._list(page_size, offset, sort, filters))

    def revoke(self, key_id: str) -> None:
        """Revoke one key; it stops working at once."""
        self._core.send(self._revoke(key_id))


@twin_docs(ApiKeys)
class AsyncApiKeys(_ApiKeyCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def create(self, name: str) -> wire_keys.ApiKeyCreated:
        return await self._core.send(self._create(name))

    async def list(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Page[wire_keys.ApiKey]:
        return await self._core.send(self._list(limit, offset, sort, filters))

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, sort: Sort = None, filters: Filters = None
    ) -> AsyncIterator[wire_keys.ApiKey]:
        return self._core.iterate(lambda offset: self._list(page_size, offset, sort, filters))

    async def revoke(self, key_id: str) -> None:
        await self._core.send(self._revoke(key_id))
