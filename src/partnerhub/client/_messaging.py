"""The Messaging API clients (``D360-API-KEY``): :class:`MessagingClient` and its async twin.

Each client holds the channel's resources: ``messages`` (send), ``webhook`` (where Cloud API
webhooks go), ``templates``, ``business_profile``, ``uploads`` (resumable uploads), ``media``
(upload, get, download, delete), ``multi_webhook``, ``health`` (also as ``health_status()``),
``encryption`` (the business public key of WhatsApp Flows) and ``flows`` (the WABA's Flows,
``GET /flows``). They live in :mod:`partnerhub.client.resources`, one module per resource
(``messages``, ``messaging_webhook``, ``messaging_templates``, ``business_profile``, ``media``,
``multi_webhook``, ``messaging_health``, ``business_encryption``, ``messaging_flows``), where
the async twin is written once and the sync twin is generated from it, like the Partner API's.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

import anyio
import httpx

from partnerhub.client import models
from partnerhub.client._auth import CHANNEL_KEY_HEADER, ApiKeyAuth
from partnerhub.client._base import DEFAULT_TIMEOUT, AsyncCore, RetryPolicy, SyncCore
from partnerhub.client.resources.business_encryption import (
    AsyncBusinessEncryption,
    BusinessEncryption,
)
from partnerhub.client.resources.business_profile import (
    AsyncBusinessProfile,
    AsyncUploads,
    BusinessProfile,
    Uploads,
)
from partnerhub.client.resources.coexistence import AsyncCoexistence, Coexistence
from partnerhub.client.resources.media import AsyncMedia, Media
from partnerhub.client.resources.messages import AsyncMessages, Messages
from partnerhub.client.resources.messaging_flows import AsyncMessagingFlows, MessagingFlows
from partnerhub.client.resources.messaging_health import AsyncMessagingHealth, MessagingHealth
from partnerhub.client.resources.messaging_templates import (
    AsyncMessagingTemplates,
    MessagingTemplates,
)
from partnerhub.client.resources.messaging_webhook import AsyncMessagingWebhook, MessagingWebhook
from partnerhub.client.resources.multi_webhook import AsyncMultiWebhook, MultiWebhook

DEFAULT_MESSAGING_URL = "https://waba-v2.360dialog.io"


class MessagingClient:
    """The Messaging API for one channel, synchronous; ``api_key`` is its D360-API-KEY.

    ``base_url`` is the ``address`` that :meth:`Channels.generate_api_key` returned (for
    partnerhub, the hub's own URL). Other arguments as for :class:`PartnerClient`.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_MESSAGING_URL,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._core = SyncCore(
            base_url,
            ApiKeyAuth(api_key, CHANNEL_KEY_HEADER),
            retry=RetryPolicy(max_retries=max_retries),
            timeout=timeout,
            headers=headers,
            http_client=http_client,
            sleep=sleep,
        )
        self.messages = Messages(self._core)
        self.webhook = MessagingWebhook(self._core)
        self.templates = MessagingTemplates(self._core)
        self.business_profile = BusinessProfile(self._core)
        self.uploads = Uploads(self._core)
        self.media = Media(self._core)

        self.multi_webhook = MultiWebhook(self._core)
        # WhatsApp Flows: the business public key (issue 18)
        self.encryption = BusinessEncryption(self._core)
        self.flows = MessagingFlows(self._core)
        # WhatsApp Coexistence: POST /synchronization.
        self.coexistence = Coexistence(self._core)
        self.health = MessagingHealth(self._core)

    def health_status(self) -> models.HealthStatus:
        """``GET /health_status``: can this number send, and if not, why (Meta's errors)."""
        return self.health.status()

    def close(self) -> None:
        """Close the connection pool (not a caller-supplied ``http_client``)."""
        self._core.close()

    def __enter__(self) -> MessagingClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncMessagingClient:
    """The Messaging API for one channel, async; same arguments as :class:`MessagingClient`."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_MESSAGING_URL,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._core = AsyncCore(
            base_url,
            ApiKeyAuth(api_key, CHANNEL_KEY_HEADER),
            retry=RetryPolicy(max_retries=max_retries),
            timeout=timeout,
            headers=headers,
            http_client=http_client,
            sleep=sleep,
        )
        self.messages = AsyncMessages(self._core)
        self.webhook = AsyncMessagingWebhook(self._core)
        self.templates = AsyncMessagingTemplates(self._core)
        self.business_profile = AsyncBusinessProfile(self._core)
        self.uploads = AsyncUploads(self._core)
        self.media = AsyncMedia(self._core)

        self.multi_webhook = AsyncMultiWebhook(self._core)
        # WhatsApp Flows: the business public key (issue 18)
        self.encryption = AsyncBusinessEncryption(self._core)
        self.flows = AsyncMessagingFlows(self._core)
        # WhatsApp Coexistence: POST /synchronization.
        self.coexistence = AsyncCoexistence(self._core)
        self.health = AsyncMessagingHealth(self._core)

    async def health_status(self) -> models.HealthStatus:
        """``GET /health_status``: can this number send, and if not, why (Meta's errors)."""
        return await self.health.status()

    async def aclose(self) -> None:
        """Close the connection pool (not a caller-supplied ``http_client``)."""
        await self._core.aclose()

    async def __aenter__(self) -> AsyncMessagingClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
