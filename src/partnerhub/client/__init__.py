"""The partnerhub Python SDK: typed clients for the Partner API and the Messaging API.

Works against partnerhub and against 360dialog's own hosts (``base_url`` defaults to them).
Depends only on httpx and msgspec; results are the same :mod:`partnerhub.wire` Structs the
server encodes, so a shape is defined once for both sides.

>>> from partnerhub.client import PartnerClient
>>> hub = PartnerClient("f167CmPA", api_key="ph_live_…", base_url="http://127.0.0.1:8360")
>>> for channel in hub.channels.iter(filters={"status": "running"}):
...     print(channel.id, channel.setup_info.phone_number)

See docs/sdk.md for a tour.
"""

from partnerhub.client._auth import ApiKeyAuth, TokenAuth
from partnerhub.client._base import Page, RetryPolicy
from partnerhub.client._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PartnerHubError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from partnerhub.client._messaging import AsyncMessagingClient, MessagingClient
from partnerhub.client._partner import AsyncPartnerClient, PartnerClient

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "ApiKeyAuth",
    "AsyncMessagingClient",
    "AsyncPartnerClient",
    "AuthenticationError",
    "ConflictError",
    "MessagingClient",
    "NotFoundError",
    "Page",
    "PartnerClient",
    "PartnerHubError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "TokenAuth",
    "ValidationError",
]
