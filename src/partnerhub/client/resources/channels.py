"""``…/channels``: the partner's channels, their Messaging API keys, cancellation and usage."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

import msgspec

from partnerhub.client import models
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
from partnerhub.wire import compliance as wire_compliance

_REVOKED = msgspec.json.Decoder(models.ChannelApiKeysRevoked)


def _expect_revoked(content: bytes) -> models.ChannelApiKeysRevoked:
    """partnerhub answers what it revoked; an empty answer (a server answering 204) decodes
    to an empty result rather than failing after the keys are gone."""
    return _REVOKED.decode(content) if content.strip() else models.ChannelApiKeysRevoked()


class _ChannelCalls(_Resource):
    def _list(
        self, limit: int | None, offset: int | None, sort: Sort, filters: Filters
    ) -> Call[Page[wire_clients.Channel]]:
        return call(
            "GET",
            f"{self._base}/channels",
            expect_page(wire_clients.ChannelList, "partner_channels"),
            params=list_params(limit, offset, _sort(sort), filters),
        )

    def _keys_path(self, channel_id: str) -> str:
        return f"{self._base}/channels/{_seg(channel_id)}/api_keys"

    def _generate_key(self, channel_id: str) -> Call[models.ChannelApiKey]:
        return call("POST", self._keys_path(channel_id), expect(models.ChannelApiKey))

    def _list_keys(self, channel_id: str) -> Call[Page[models.ChannelApiKeyInfo]]:
        return call(
            "GET", self._keys_path(channel_id), expect_page(models.ChannelApiKeyList, "api_keys")
        )

    def _revoke_keys(self, channel_id: str) -> Call[models.ChannelApiKeysRevoked]:
        return call("DELETE", self._keys_path(channel_id), _expect_revoked)

    def _cancellation(
        self, client_id: str, channel_id: str, enabled: bool
    ) -> Call[wire_clients.Channel]:
        return call(
            "POST",
            f"{self._base}/clients/{_seg(client_id)}/channels/{_seg(channel_id)}"
            "/control/cancellation_request",
            expect(wire_clients.Channel),
            json=wire_clients.CancellationIn(enabled=enabled),
        )

    def _number(self, client_id: str, channel_id: str) -> str:
        return f"{self._base}/clients/{_seg(client_id)}/channels/{_seg(channel_id)}"

    def _request_display_name(
        self, client_id: str, channel_id: str, display_name: str
    ) -> Call[wire_compliance.DisplayNameRequest]:
        return call(
            "POST",
            self._number(client_id, channel_id) + "/display_name",
            expect(wire_compliance.DisplayNameRequest),
            json=wire_compliance.DisplayNameIn(display_name=display_name),
        )

    def _display_names(self, client_id: str, channel_id: str) -> Call[wire_compliance.DisplayNames]:
        return call(
            "GET",
            self._number(client_id, channel_id) + "/display_name",
            expect(wire_compliance.DisplayNames),
        )

    def _ctwa(self, client_id: str, channel_id: str, on: bool) -> Call[wire_compliance.CtwaStatus]:
        verb = "enable_ctwa" if on else "disable_ctwa"
        return call(
            "POST",
            f"{self._number(client_id, channel_id)}/{verb}",
            expect(wire_compliance.CtwaStatus),
        )

    def _usage(
        self,
        client_id: str,
        channel_id: str,
        start: Moment,
        end: Moment,
        granularity: str | None,
        countries: Sequence[str] | None,
    ) -> Call[wire_billing.ChannelUsage]:
        return call(
            "GET",
            f"{self._base}/clients/{_seg(client_id)}/channels/{_seg(channel_id)}/info/usage",
            expect(wire_billing.ChannelUsage),
            params={
                "start_date": _unix(start),
                "end_date": _unix(end),
                "granularity": granularity,
                "countries": ",".join(countries) if countries else None,
            },
        )


class AsyncChannels(_ChannelCalls):
    """``…/channels``: the partner's numbers, their D360-API-KEYs, cancellation and usage."""

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
    ) -> Page[wire_clients.Channel]:
        """One page of channels; ``filters={"q": "…"}`` searches text."""
        return await self._core.send(self._list(limit, offset, sort, filters))

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, sort: Sort = None, filters: Filters = None
    ) -> AsyncIterator[wire_clients.Channel]:
        """Every channel, a page at a time."""
        return self._core.iterate(lambda offset: self._list(page_size, offset, sort, filters))

    async def generate_api_key(self, channel_id: str) -> models.ChannelApiKey:
        """A new D360-API-KEY for a running channel; all its previous keys stop working.

        Not retried on a lost answer (it is not idempotent: a second call revokes the first
        key); use ``address`` from the result as the Messaging API base URL."""
        return await self._core.send(self._generate_key(channel_id))

    async def list_api_keys(self, channel_id: str) -> Page[models.ChannelApiKeyInfo]:
        """The channel's keys, secrets masked."""
        return await self._core.send(self._list_keys(channel_id))

    async def revoke_api_keys(self, channel_id: str) -> models.ChannelApiKeysRevoked:
        """Revoke every key of the channel; the answer lists the keys revoked (masked)."""
        return await self._core.send(self._revoke_keys(channel_id))

    async def request_cancellation(
        self, client_id: str, channel_id: str, enabled: bool = True
    ) -> wire_clients.Channel:
        """Request (``enabled=True``) or withdraw (``False``) the channel's cancellation."""
        return await self._core.send(self._cancellation(client_id, channel_id, enabled))

    async def request_display_name(
        self, client_id: str, channel_id: str, display_name: str
    ) -> wire_compliance.DisplayNameRequest:
        """Submit a new display name for Meta's review (``PENDING_REVIEW``); the decision
        arrives as the ``phone_number_name_update`` partner event."""
        return await self._core.send(
            self._request_display_name(client_id, channel_id, display_name)
        )

    async def display_names(self, client_id: str, channel_id: str) -> wire_compliance.DisplayNames:
        """The number's display name, its review status and its requests, newest first."""
        return await self._core.send(self._display_names(client_id, channel_id))

    async def enable_ctwa(self, client_id: str, channel_id: str) -> wire_compliance.CtwaStatus:
        """Turn Click-to-WhatsApp ads signals on for the number."""
        return await self._core.send(self._ctwa(client_id, channel_id, True))

    async def disable_ctwa(self, client_id: str, channel_id: str) -> wire_compliance.CtwaStatus:
        """Turn Click-to-WhatsApp ads signals off for the number."""
        return await self._core.send(self._ctwa(client_id, channel_id, False))

    async def usage(
        self,
        client_id: str,
        channel_id: str,
        *,
        start_date: Moment = None,
        end_date: Moment = None,
        granularity: str | None = None,
        countries: Sequence[str] | None = None,
    ) -> wire_billing.ChannelUsage:
        """Usage in Meta's pricing analytics shape (``DAILY``, ``MONTHLY``, ``HALF_HOUR``)."""
        return await self._core.send(
            self._usage(client_id, channel_id, start_date, end_date, granularity, countries)
        )


# --- Sync twins, generated by partnerhub.client.resources._twins from the async ones above:
# --- do not edit below this line; change the async twin and regenerate.


class Channels(_ChannelCalls):
    """``…/channels``: the partner's numbers, their D360-API-KEYs, cancellation and usage."""

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
    ) -> Page[wire_clients.Channel]:
        """One page of channels; ``filters={"q": "…"}`` searches text."""
        return self._core.send(self._list(limit, offset, sort, filters))

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, sort: Sort = None, filters: Filters = None
    ) -> Iterator[wire_clients.Channel]:
        """Every channel, a page at a time."""
        return self._core.iterate(lambda offset: self._list(page_size, offset, sort, filters))

    def generate_api_key(self, channel_id: str) -> models.ChannelApiKey:
        """A new D360-API-KEY for a running channel; all its previous keys stop working.

        Not retried on a lost answer (it is not idempotent: a second call revokes the first
        key); use ``address`` from the result as the Messaging API base URL."""
        return self._core.send(self._generate_key(channel_id))

    def list_api_keys(self, channel_id: str) -> Page[models.ChannelApiKeyInfo]:
        """The channel's keys, secrets masked."""
        return self._core.send(self._list_keys(channel_id))

    def revoke_api_keys(self, channel_id: str) -> models.ChannelApiKeysRevoked:
        """Revoke every key of the channel; the answer lists the keys revoked (masked)."""
        return self._core.send(self._revoke_keys(channel_id))

    def request_cancellation(
        self, client_id: str, channel_id: str, enabled: bool = True
    ) -> wire_clients.Channel:
        """Request (``enabled=True``) or withdraw (``False``) the channel's cancellation."""
        return self._core.send(self._cancellation(client_id, channel_id, enabled))

    def request_display_name(
        self, client_id: str, channel_id: str, display_name: str
    ) -> wire_compliance.DisplayNameRequest:
        """Submit a new display name for Meta's review (``PENDING_REVIEW``); the decision
        arrives as the ``phone_number_name_update`` partner event."""
        return self._core.send(self._request_display_name(client_id, channel_id, display_name))

    def display_names(self, client_id: str, channel_id: str) -> wire_compliance.DisplayNames:
        """The number's display name, its review status and its requests, newest first."""
        return self._core.send(self._display_names(client_id, channel_id))

    def enable_ctwa(self, client_id: str, channel_id: str) -> wire_compliance.CtwaStatus:
        """Turn Click-to-WhatsApp ads signals on for the number."""
        return self._core.send(self._ctwa(client_id, channel_id, True))

    def disable_ctwa(self, client_id: str, channel_id: str) -> wire_compliance.CtwaStatus:
        """Turn Click-to-WhatsApp ads signals off for the number."""
        return self._core.send(self._ctwa(client_id, channel_id, False))

    def usage(
        self,
        client_id: str,
        channel_id: str,
        *,
        start_date: Moment = None,
        end_date: Moment = None,
        granularity: str | None = None,
        countries: Sequence[str] | None = None,
    ) -> wire_billing.ChannelUsage:
        """Usage in Meta's pricing analytics shape (``DAILY``, ``MONTHLY``, ``HALF_HOUR``)."""
        return self._core.send(
            self._usage(client_id, channel_id, start_date, end_date, granularity, countries)
        )
