"""The Partner API clients: :class:`PartnerClient` and :class:`AsyncPartnerClient`.

Each client holds one resource object per URL family under ``/api/v2/partners/{id}``; the
resources live in :mod:`partnerhub.client.resources`, one module per family, where every
operation's :class:`~partnerhub.client._base.Call` is built once, the async twin sends it, and
the sync twin is generated from the async one.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

import anyio
import httpx

from partnerhub.client._auth import ApiKeyAuth, TokenAuth
from partnerhub.client._base import (
    DEFAULT_TIMEOUT,
    AsyncCore,
    RetryPolicy,
    SyncCore,
)
from partnerhub.client.resources.api_keys import ApiKeys, AsyncApiKeys
from partnerhub.client.resources.balance import AsyncPartnerBalance, PartnerBalance
from partnerhub.client.resources.channels import AsyncChannels, Channels
from partnerhub.client.resources.clients import AsyncClients, Clients
from partnerhub.client.resources.deliveries import AsyncDeliveries, Deliveries
from partnerhub.client.resources.flows import AsyncFlows, Flows
from partnerhub.client.resources.number_migrations import AsyncNumberMigrations, NumberMigrations
from partnerhub.client.resources.partner import AsyncPartnerResource, PartnerResource
from partnerhub.client.resources.partner_changes import AsyncPartnerChanges, PartnerChanges
from partnerhub.client.resources.templates import AsyncTemplates, Templates
from partnerhub.client.resources.users import AsyncUsers, Users
from partnerhub.client.resources.waba_accounts import AsyncWabaAccounts, WabaAccounts
from partnerhub.client.resources.webhook import AsyncWebhook, Webhook

DEFAULT_HUB_URL = "https://hub.360dialog.io"


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
        self.flows = Flows(self._core, partner_id)
        self.balance = PartnerBalance(self._core, partner_id)
        self.deliveries = Deliveries(self._core, partner_id)
        self.users = Users(self._core, partner_id, self.auth)
        self.number_migrations = NumberMigrations(self._core, partner_id)
        self.partner_changes = PartnerChanges(self._core, partner_id)

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
        self.flows = AsyncFlows(self._core, partner_id)
        self.balance = AsyncPartnerBalance(self._core, partner_id)
        self.deliveries = AsyncDeliveries(self._core, partner_id)
        self.users = AsyncUsers(self._core, partner_id, self.auth)
        self.number_migrations = AsyncNumberMigrations(self._core, partner_id)
        self.partner_changes = AsyncPartnerChanges(self._core, partner_id)

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
