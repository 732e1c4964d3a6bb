"""A partner of a test's own: its credentials and ready SDK clients."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from partnerhub.client import MessagingClient, PartnerClient
from partnerhub.client.models import ChannelApiKey


@dataclass
class TestPartner:
    """A fresh partner: ``id``, ``api_key``, ``platform_secret`` (signs its webhooks),
    ``base_url`` and ``client``, a :class:`~partnerhub.client.PartnerClient` for it.

    :meth:`messaging` opens a :class:`~partnerhub.client.MessagingClient` for a channel key;
    the fixture closes every client it made.
    """

    __test__ = False  # a fixture's value, not a test class for pytest to collect

    id: str
    api_key: str
    platform_secret: str | None
    base_url: str
    webhook_url: str | None
    client: PartnerClient
    _http: httpx.Client
    _messaging: list[MessagingClient] = field(default_factory=list)

    def messaging(self, key: ChannelApiKey | str) -> MessagingClient:
        """The Messaging API with a channel's D360-API-KEY (a generated key or its secret)."""
        if isinstance(key, ChannelApiKey):
            secret, address = key.api_key, key.address
        else:
            secret, address = key, self.base_url
        client = MessagingClient(secret, base_url=address, http_client=self._http)
        self._messaging.append(client)
        return client

    def close(self) -> None:
        for client in self._messaging:
            client.close()
        self.client.close()
