"""The Partner API client: one resource object per URL family under ``/api/v2/partners/{id}``.

Each family has a ``_…Calls`` base that builds the :class:`~partnerhub.client._base.Call` for
every operation, and two thin twins that send it: ``Foo`` through a :class:`SyncCore` and
``AsyncFoo`` through an :class:`AsyncCore`. The async twins take their docstrings from the sync
ones (:func:`~partnerhub.client._base.twin_docs`), so the documentation is written once as well.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import anyio
import httpx
import msgspec
from msgspec import UNSET, UnsetType

from partnerhub.client import models
from partnerhub.client._auth import ApiKeyAuth, TokenAuth
from partnerhub.client._base import (
    DEFAULT_TIMEOUT,
    AsyncCore,
    Call,
    Page,
    RetryPolicy,
    SyncCore,
    call,
    expect,
    expect_nothing,
    expect_page,
    list_params,
    twin_docs,
)
from partnerhub.wire import api_keys as wire_keys
from partnerhub.wire import billing as wire_billing
from partnerhub.wire import clients as wire_clients
from partnerhub.wire import partners as wire_partners
from partnerhub.wire import users as wire_users
from partnerhub.wire import webhooks as wire_webhooks

DEFAULT_HUB_URL = "https://hub.360dialog.io"
DEFAULT_PAGE_SIZE = 100

Sort = str | Sequence[str] | None
Filters = Mapping[str, Any] | None
Moment = int | datetime | None


def _seg(value: str) -> str:
    """One path segment, escaped: ids and template names never change the URL's shape."""
    return quote(value, safe="")


def _sort(sort: Sort) -> str | builtins.list[str] | None:
    return sort if sort is None or isinstance(sort, str) else builtins.list(sort)


def _unix(value: Moment) -> int | None:
    """Balance/usage windows are UNIX seconds on the wire; accept aware datetimes too."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


class _Resource:
    def __init__(self, partner_id: str) -> None:
        self._base = f"/api/v2/partners/{_seg(partner_id)}"


# --------------------------------------------------------------------------- partner


class _PartnerCalls(_Resource):
    def _get(self) -> Call[wire_partners.Partner]:
        return call("GET", self._base, expect(wire_partners.Partner))

    def _update(self, patch: wire_partners.PartnerPatch) -> Call[wire_partners.Partner]:
        return call("PATCH", self._base, expect(wire_partners.Partner), json=patch)


class PartnerResource(_PartnerCalls):
    """``/api/v2/partners/{partner_id}``: the partner object and its settings."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def get(self) -> wire_partners.Partner:
        """The partner object, deprecated upstream fields included."""
        return self._core.send(self._get())

    def update(
        self,
        *,
        brand_name: str | UnsetType = UNSET,
        logo_url: str | UnsetType | None = UNSET,
        webhook_url: str | UnsetType | None = UNSET,
        partner_redirect_url: str | UnsetType | None = UNSET,
        country: str | UnsetType | None = UNSET,
        allow_client_to_add_phone_no: bool | UnsetType = UNSET,
    ) -> wire_partners.Partner:
        """Change only the fields given; ``None`` clears a URL."""
        return self._core.send(
            self._update(
                wire_partners.PartnerPatch(
                    brand_name=brand_name,
                    logo_url=logo_url,
                    webhook_url=webhook_url,
                    partner_redirect_url=partner_redirect_url,
                    country=country,
                    allow_client_to_add_phone_no=allow_client_to_add_phone_no,
                )
            )
        )


@twin_docs(PartnerResource)
class AsyncPartnerResource(_PartnerCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def get(self) -> wire_partners.Partner:
        return await self._core.send(self._get())

    async def update(
        self,
        *,
        brand_name: str | UnsetType = UNSET,
        logo_url: str | UnsetType | None = UNSET,
        webhook_url: str | UnsetType | None = UNSET,
        partner_redirect_url: str | UnsetType | None = UNSET,
        country: str | UnsetType | None = UNSET,
        allow_client_to_add_phone_no: bool | UnsetType = UNSET,
    ) -> wire_partners.Partner:
        return await self._core.send(
            self._update(
                wire_partners.PartnerPatch(
                    brand_name=brand_name,
                    logo_url=logo_url,
                    webhook_url=webhook_url,
                    partner_redirect_url=partner_redirect_url,
                    country=country,
                    allow_client_to_add_phone_no=allow_client_to_add_phone_no,
                )
            )
        )


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


# --------------------------------------------------------------------------- webhook


class _WebhookCalls(_Resource):
    def _get(self) -> Call[wire_partners.WebhookUrlOut]:
        return call("GET", f"{self._base}/webhook_url", expect(wire_partners.WebhookUrlOut))

    def _set(
        self, url: str | None, headers: Mapping[str, str] | UnsetType | None
    ) -> Call[wire_partners.Partner]:
        body = wire_partners.WebhookUrlIn(
            webhook_url=url,
            headers=headers if headers is None or headers is UNSET else dict(headers),
        )
        return call("POST", f"{self._base}/webhook_url", expect(wire_partners.Partner), json=body)

    def _auto_approve(self, enabled: bool) -> Call[wire_partners.PartnerChangeRequestOut]:
        return call(
            "PATCH",
            f"{self._base}/settings/partner_change_request",
            expect(wire_partners.PartnerChangeRequestOut),
            json=wire_partners.PartnerChangeRequestIn(auto_approve=enabled),
        )

    def _io_signature(self, enabled: bool) -> Call[wire_partners.IoSignatureSetting]:
        return call(
            "PATCH",
            f"{self._base}/settings/io_signature",
            expect(wire_partners.IoSignatureSetting),
            json=wire_partners.IoSignatureSetting(enabled=enabled),
        )

    def _platform_secret(
        self, grace_period_seconds: int | None
    ) -> Call[wire_webhooks.PlatformSecret]:
        body: Any = (
            msgspec.UNSET  # no body: the server's default grace period
            if grace_period_seconds is None
            else wire_webhooks.PlatformSecretRequest(grace_period_seconds=grace_period_seconds)
        )
        return call(
            "POST",
            f"{self._base}/platform_secret",
            expect(wire_webhooks.PlatformSecret),
            json=body,
        )

    def _test(self, count: int) -> Call[wire_webhooks.TestEventSent]:
        return call(
            "POST",
            f"{self._base}/webhook_url/test",
            expect(wire_webhooks.TestEventSent),
            json=wire_webhooks.TestEventRequest(count=count),
        )


class Webhook(_WebhookCalls):
    """The partner webhook: URL and headers, signing secret, and related settings."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def get(self) -> str | None:
        """The webhook URL (``None`` when unset)."""
        return self._core.send(self._get()).webhook_url

    def status(self) -> wire_partners.WebhookUrlOut:
        """The URL with its state: ``webhook_disabled_at`` / ``webhook_disabled_reason`` are set
        while a 410 Gone has disabled it (partnerhub; ``None`` on hubs that do not say)."""
        return self._core.send(self._get())

    def set(
        self, url: str | None, *, headers: Mapping[str, str] | UnsetType | None = UNSET
    ) -> wire_partners.Partner:
        """Set the URL; ``headers`` go with every delivery (omit to keep, ``None`` to drop)."""
        return self._core.send(self._set(url, headers))

    def set_auto_approve(self, enabled: bool) -> wire_partners.PartnerChangeRequestOut:
        """``settings/partner_change_request``: approve partner change requests unasked."""
        return self._core.send(self._auto_approve(enabled))

    def set_io_signature(self, enabled: bool) -> wire_partners.IoSignatureSetting:
        """``settings/io_signature``: require signed onboarding links (needs a platform secret)."""
        return self._core.send(self._io_signature(enabled))

    def regenerate_platform_secret(self, grace_period_seconds: int | None = None) -> str:
        """A new platform secret (``whsec_…``), shown once. The old one keeps verifying for
        ``grace_period_seconds`` (the server's default, 24 h, when ``None``; 0 stops it at
        once, for a leaked secret)."""
        return self._core.send(self._platform_secret(grace_period_seconds)).platform_secret

    def send_test(self, count: int = 1) -> wire_webhooks.TestEventSent:
        """Queue ``count`` ``webhook_test`` events through the real delivery engine."""
        return self._core.send(self._test(count))


@twin_docs(Webhook)
class AsyncWebhook(_WebhookCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def get(self) -> str | None:
        return (await self._core.send(self._get())).webhook_url

    async def status(self) -> wire_partners.WebhookUrlOut:
        return await self._core.send(self._get())

    async def set(
        self, url: str | None, *, headers: Mapping[str, str] | UnsetType | None = UNSET
    ) -> wire_partners.Partner:
        return await self._core.send(self._set(url, headers))

    async def set_auto_approve(self, enabled: bool) -> wire_partners.PartnerChangeRequestOut:
        return await self._core.send(self._auto_approve(enabled))

    async def set_io_signature(self, enabled: bool) -> wire_partners.IoSignatureSetting:
        return await self._core.send(self._io_signature(enabled))

    async def regenerate_platform_secret(self, grace_period_seconds: int | None = None) -> str:
        return (await self._core.send(self._platform_secret(grace_period_seconds))).platform_secret

    async def send_test(self, count: int = 1) -> wire_webhooks.TestEventSent:
        return await self._core.send(self._test(count))


# --------------------------------------------------------------------------- clients


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

    def _balance(
        self, client_id: str, start: Moment, end: Moment, granularity: str | None
    ) -> Call[wire_billing.ClientBalance]:
        return call(
            "GET",
            f"{self._base}/clients/{_seg(client_id)}/info/balance",
            expect(wire_billing.ClientBalance),
            params={"start_date": _unix(start), "end_date": _unix(end), "granularity": granularity},
        )


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


@twin_docs(Clients)
class AsyncClients(_ClientCalls):
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
        return await self._core.send(self._list(limit, offset, sort, filters))

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, sort: Sort = None, filters: Filters = None
    ) -> AsyncIterator[wire_clients.Client]:
        return self._core.iterate(lambda offset: self._list(page_size, offset, sort, filters))

    async def update(
        self,
        client_id: str,
        *,
        partner_payload: str | UnsetType | None = UNSET,
        max_channels: int | UnsetType | None = UNSET,
    ) -> wire_clients.Client:
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
        body = wire_clients.SharedClientIn(
            name=name, email=email, user_name=user_name, partner_payload=partner_payload
        )
        return await self._core.send(self._create_shared(body))

    async def balance(
        self,
        client_id: str,
        *,
        start_date: Moment = None,
        end_date: Moment = None,
        granularity: str | None = None,
    ) -> wire_billing.ClientBalance:
        return await self._core.send(self._balance(client_id, start_date, end_date, granularity))


# --------------------------------------------------------------------------- channels


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


@twin_docs(Channels)
class AsyncChannels(_ChannelCalls):
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
        return await self._core.send(self._list(limit, offset, sort, filters))

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, sort: Sort = None, filters: Filters = None
    ) -> AsyncIterator[wire_clients.Channel]:
        return self._core.iterate(lambda offset: self._list(page_size, offset, sort, filters))

    async def generate_api_key(self, channel_id: str) -> models.ChannelApiKey:
        return await self._core.send(self._generate_key(channel_id))

    async def list_api_keys(self, channel_id: str) -> Page[models.ChannelApiKeyInfo]:
        return await self._core.send(self._list_keys(channel_id))

    async def revoke_api_keys(self, channel_id: str) -> models.ChannelApiKeysRevoked:
        return await self._core.send(self._revoke_keys(channel_id))

    async def request_cancellation(
        self, client_id: str, channel_id: str, enabled: bool = True
    ) -> wire_clients.Channel:
        return await self._core.send(self._cancellation(client_id, channel_id, enabled))

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
        return await self._core.send(
            self._usage(client_id, channel_id, start_date, end_date, granularity, countries)
        )


# --------------------------------------------------------------------------- WABA accounts


class _WabaCalls(_Resource):
    def _get(self, waba_account_id: str) -> Call[wire_clients.WabaAccount]:
        return call(
            "GET",
            f"{self._base}/waba_accounts/{_seg(waba_account_id)}",
            expect(wire_clients.WabaAccount),
        )


class WabaAccounts(_WabaCalls):
    """``…/waba_accounts/{id}``: a client's WhatsApp Business Account."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def get(self, waba_account_id: str) -> wire_clients.WabaAccount:
        """One WABA account (404 for another partner's, as for a missing one)."""
        return self._core.send(self._get(waba_account_id))


@twin_docs(WabaAccounts)
class AsyncWabaAccounts(_WabaCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def get(self, waba_account_id: str) -> wire_clients.WabaAccount:
        return await self._core.send(self._get(waba_account_id))


# --------------------------------------------------------------------------- templates


class _TemplateCalls(_Resource):
    def _path(self, waba_account_id: str) -> str:
        return f"{self._base}/waba_accounts/{_seg(waba_account_id)}/waba_templates"

    def _list(
        self,
        waba_account_id: str,
        limit: int | None,
        offset: int | None,
        sort: Sort,
        filters: Filters,
    ) -> Call[Page[models.Template]]:
        return call(
            "GET",
            self._path(waba_account_id),
            expect_page(models.TemplateList, "waba_templates"),
            params=list_params(limit, offset, _sort(sort), filters),
        )

    def _create(self, waba_account_id: str, body: dict[str, Any]) -> Call[models.Template]:
        return call("POST", self._path(waba_account_id), expect(models.Template), json=body)

    def _delete(self, waba_account_id: str, name: str) -> Call[None]:
        return call("DELETE", f"{self._path(waba_account_id)}/{_seg(name)}", expect_nothing)

    def _edit(
        self, waba_account_id: str, template_id: str, body: dict[str, Any]
    ) -> Call[models.Template]:
        return call(
            "PATCH",
            f"{self._path(waba_account_id)}/{_seg(template_id)}",
            expect(models.Template),
            json=body,
        )


def template_edit_body(
    components: Sequence[Mapping[str, Any]] | None, category: str | None, extra: Mapping[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = dict(extra)
    if components is not None:
        body["components"] = [dict(c) for c in components]
    if category is not None:
        body["category"] = category
    return body


def template_body_for_review(
    name: str,
    language: str,
    category: str,
    components: Sequence[Mapping[str, Any]] | None,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "name": name,
        "language": language,
        "category": category,
        "components": [dict(c) for c in components or ()],
        **extra,
    }


class Templates(_TemplateCalls):
    """``…/waba_accounts/{id}/waba_templates``: message templates of one WABA."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def list(
        self,
        waba_account_id: str,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Page[models.Template]:
        """One page of templates (400 requests / minute)."""
        return self._core.send(self._list(waba_account_id, limit, offset, sort, filters))

    def iter(
        self,
        waba_account_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Iterator[models.Template]:
        """Every template of the WABA, a page at a time."""
        return self._core.iterate(
            lambda offset: self._list(waba_account_id, page_size, offset, sort, filters)
        )

    def create(
        self,
        waba_account_id: str,
        *,
        name: str,
        language: str,
        category: str,
        components: Sequence[Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> models.Template:
        """Submit a template for review (60 / minute per WABA); ``extra`` goes in the body."""
        body = template_body_for_review(name, language, category, components, extra)
        return self._core.send(self._create(waba_account_id, body))

    def delete(self, waba_account_id: str, name: str) -> None:
        """Delete a template by name (every language of it)."""
        self._core.send(self._delete(waba_account_id, name))

    def edit(
        self,
        waba_account_id: str,
        template_id: str,
        *,
        components: Sequence[Mapping[str, Any]] | None = None,
        category: str | None = None,
        **extra: Any,
    ) -> models.Template:
        """Replace a template's components and/or category; it goes back to review. Meta's
        rules apply: only approved, rejected or paused templates; an approved one keeps its
        category and can be edited once a day, ten times in 30 days."""
        body = template_edit_body(components, category, extra)
        return self._core.send(self._edit(waba_account_id, template_id, body))


@twin_docs(Templates)
class AsyncTemplates(_TemplateCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def list(
        self,
        waba_account_id: str,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Page[models.Template]:
        return await self._core.send(self._list(waba_account_id, limit, offset, sort, filters))

    def iter(
        self,
        waba_account_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        sort: Sort = None,
        filters: Filters = None,
    ) -> AsyncIterator[models.Template]:
        return self._core.iterate(
            lambda offset: self._list(waba_account_id, page_size, offset, sort, filters)
        )

    async def create(
        self,
        waba_account_id: str,
        *,
        name: str,
        language: str,
        category: str,
        components: Sequence[Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> models.Template:
        body = template_body_for_review(name, language, category, components, extra)
        return await self._core.send(self._create(waba_account_id, body))

    async def delete(self, waba_account_id: str, name: str) -> None:
        await self._core.send(self._delete(waba_account_id, name))

    async def edit(
        self,
        waba_account_id: str,
        template_id: str,
        *,
        components: Sequence[Mapping[str, Any]] | None = None,
        category: str | None = None,
        **extra: Any,
    ) -> models.Template:
        body = template_edit_body(components, category, extra)
        return await self._core.send(self._edit(waba_account_id, template_id, body))


# --------------------------------------------------------------------------- balance


class _BalanceCalls(_Resource):
    def _get(self) -> Call[wire_billing.Balance]:
        return call("GET", f"{self._base}/balance", expect(wire_billing.Balance))


class PartnerBalance(_BalanceCalls):
    """``…/balance``: the partner's prepaid balance."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def get(self) -> wire_billing.Balance:
        """``total`` and ``currency`` (``"eur"``)."""
        return self._core.send(self._get())


@twin_docs(PartnerBalance)
class AsyncPartnerBalance(_BalanceCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def get(self) -> wire_billing.Balance:
        return await self._core.send(self._get())


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


# --------------------------------------------------------------------------- users

ME = "me"


class _UserCalls(_Resource):
    def _path(self, user_id: str) -> str:
        return f"{self._base}/users/{_seg(user_id)}"

    def _list(self) -> Call[wire_users.UserList]:
        return call("GET", f"{self._base}/users", expect(wire_users.UserList))

    def _get(self, user_id: str) -> Call[wire_users.User]:
        return call("GET", self._path(user_id), expect(wire_users.User))

    def _set_disabled(self, user_id: str, disabled: bool) -> Call[wire_users.User]:
        return call(
            "PATCH",
            self._path(user_id),
            expect(wire_users.User),
            json=wire_users.UserPatch(disabled=disabled),
        )

    def _change_password(
        self, user_id: str, current_password: str, new_password: str
    ) -> Call[wire_users.LoginsRevoked]:
        return call(
            "POST",
            self._path(user_id) + "/password",
            expect(wire_users.LoginsRevoked),
            json=wire_users.PasswordChange(
                current_password=current_password, new_password=new_password
            ),
        )

    def _revoke_sessions(self, user_id: str) -> Call[wire_users.LoginsRevoked]:
        return call(
            "POST", self._path(user_id) + "/revoke_sessions", expect(wire_users.LoginsRevoked)
        )


def _follow_password(auth: httpx.Auth, user_id: str, new_password: str) -> None:
    """A client signed in as the user whose password changed keeps working: its token auth
    signs in with the new password next time (the change ended its tokens)."""
    if user_id == ME and isinstance(auth, TokenAuth):
        auth.use_password(new_password)


class Users(_UserCalls):
    """``…/users`` [ours]: the partner's users, their passwords and logins.

    ``user_id="me"`` is the user signed in through this client's ``username`` and ``password``
    (bearer tokens); with an API key, give a user id (from :meth:`list`).
    """

    def __init__(self, core: SyncCore, partner_id: str, auth: httpx.Auth) -> None:
        super().__init__(partner_id)
        self._core = core
        self._auth = auth

    def list(self) -> builtins.list[wire_users.User]:
        """Every user of the partner (never a password)."""
        return self._core.send(self._list()).users

    def get(self, user_id: str = ME) -> wire_users.User:
        """One user; ``me`` by default."""
        return self._core.send(self._get(user_id))

    def change_password(
        self, current_password: str, new_password: str, *, user_id: str = ME
    ) -> wire_users.LoginsRevoked:
        """Change a password (the current one is required). Every login of the user ends: its
        bearer tokens and dashboard sessions. For ``me`` this client switches to the new
        password by itself."""
        revoked = self._core.send(self._change_password(user_id, current_password, new_password))
        _follow_password(self._auth, user_id, new_password)
        return revoked

    def revoke_sessions(self, user_id: str = ME) -> wire_users.LoginsRevoked:
        """End every login of the user (token families and dashboard sessions); the password
        stays. For ``me``, this client signs in again on its next request."""
        return self._core.send(self._revoke_sessions(user_id))

    def disable(self, user_id: str) -> wire_users.User:
        """Disable a user: its logins end and no new one is allowed until :meth:`enable`."""
        return self._core.send(self._set_disabled(user_id, True))

    def enable(self, user_id: str) -> wire_users.User:
        """Enable a disabled user again (its old logins stay ended)."""
        return self._core.send(self._set_disabled(user_id, False))


@twin_docs(Users)
class AsyncUsers(_UserCalls):
    def __init__(self, core: AsyncCore, partner_id: str, auth: httpx.Auth) -> None:
        super().__init__(partner_id)
        self._core = core
        self._auth = auth

    async def list(self) -> builtins.list[wire_users.User]:
        return (await self._core.send(self._list())).users

    async def get(self, user_id: str = ME) -> wire_users.User:
        return await self._core.send(self._get(user_id))

    async def change_password(
        self, current_password: str, new_password: str, *, user_id: str = ME
    ) -> wire_users.LoginsRevoked:
        revoked = await self._core.send(
            self._change_password(user_id, current_password, new_password)
        )
        _follow_password(self._auth, user_id, new_password)
        return revoked

    async def revoke_sessions(self, user_id: str = ME) -> wire_users.LoginsRevoked:
        return await self._core.send(self._revoke_sessions(user_id))

    async def disable(self, user_id: str) -> wire_users.User:
        return await self._core.send(self._set_disabled(user_id, True))

    async def enable(self, user_id: str) -> wire_users.User:
        return await self._core.send(self._set_disabled(user_id, False))


# --------------------------------------------------------------------------- clients


def _partner_auth(
    base_url: str,
    api_key: str | None,
    username: str | None,
    password: str | None,
    token_clock: Callable[[], float],
) -> httpx.Auth:
    """Exactly one credential: an API key (preferred upstream) or a username and password."""
    if api_key is not None:
        if username is not None or password is not None:
            raise ValueError("pass either api_key or username and password, not both")
        return ApiKeyAuth(api_key)
    if username is None or password is None:
        raise ValueError("pass api_key, or both username and password")
    return TokenAuth(base_url.rstrip("/") + "/api/v2/token", username, password, clock=token_clock)


class PartnerClient:
    """The Partner API, synchronous. Thread-safe; reuse one per process (it pools connections).

    ``api_key`` sends ``X-API-Key``; ``username`` + ``password`` use bearer tokens from
    ``/api/v2/token`` (cached and refreshed). ``max_retries`` counts retries after the first
    attempt (see :class:`~partnerhub.client.RetryPolicy` for what is retried). Bring your own
    ``http_client`` to add proxies, TLS settings or transports; it is then yours to close.
    ``sleep`` and ``token_clock`` exist so tests need not wait.
    """

    def __init__(
        self,
        partner_id: str,
        api_key: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        base_url: str = DEFAULT_HUB_URL,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        token_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.partner_id = partner_id
        self.auth = _partner_auth(base_url, api_key, username, password, token_clock)
        self._core = SyncCore(
            base_url,
            self.auth,
            retry=RetryPolicy(max_retries=max_retries),
            timeout=timeout,
            headers=headers,
            http_client=http_client,
            sleep=sleep,
        )
        self.partner = PartnerResource(self._core, partner_id)
        self.api_keys = ApiKeys(self._core, partner_id)
        self.webhook = Webhook(self._core, partner_id)
        self.clients = Clients(self._core, partner_id)
        self.channels = Channels(self._core, partner_id)
        self.waba_accounts = WabaAccounts(self._core, partner_id)
        self.templates = Templates(self._core, partner_id)
        self.balance = PartnerBalance(self._core, partner_id)
        self.deliveries = Deliveries(self._core, partner_id)
        self.users = Users(self._core, partner_id, self.auth)

    @property
    def retry_policy(self) -> RetryPolicy:
        """The live retry settings (tune ``initial_delay``, ``max_retry_after``… here)."""
        return self._core.retry

    def close(self) -> None:
        """Close the connection pool (not a caller-supplied ``http_client``)."""
        self._core.close()

    def __enter__(self) -> PartnerClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncPartnerClient:
    """The Partner API for asyncio/trio code; same arguments as :class:`PartnerClient`."""

    def __init__(
        self,
        partner_id: str,
        api_key: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        base_url: str = DEFAULT_HUB_URL,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        token_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.partner_id = partner_id
        self.auth = _partner_auth(base_url, api_key, username, password, token_clock)
        self._core = AsyncCore(
            base_url,
            self.auth,
            retry=RetryPolicy(max_retries=max_retries),
            timeout=timeout,
            headers=headers,
            http_client=http_client,
            sleep=sleep,
        )
        self.partner = AsyncPartnerResource(self._core, partner_id)
        self.api_keys = AsyncApiKeys(self._core, partner_id)
        self.webhook = AsyncWebhook(self._core, partner_id)
        self.clients = AsyncClients(self._core, partner_id)
        self.channels = AsyncChannels(self._core, partner_id)
        self.waba_accounts = AsyncWabaAccounts(self._core, partner_id)
        self.templates = AsyncTemplates(self._core, partner_id)
        self.balance = AsyncPartnerBalance(self._core, partner_id)
        self.deliveries = AsyncDeliveries(self._core, partner_id)
        self.users = AsyncUsers(self._core, partner_id, self.auth)

    @property
    def retry_policy(self) -> RetryPolicy:
        """The live retry settings."""
        return self._core.retry

    async def aclose(self) -> None:
        """Close the connection pool (not a caller-supplied ``http_client``)."""
        await self._core.aclose()

    async def __aenter__(self) -> AsyncPartnerClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
