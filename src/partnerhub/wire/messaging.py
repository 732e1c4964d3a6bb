"""Channel API keys (Partner API) and the Messaging API's webhook configuration."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec


class ChannelKeyCreated(msgspec.Struct):
    """The only response that carries a channel key's secret (spec §2.3)."""

    id: str
    address: str
    api_key: str
    app_id: str


class ChannelKey(msgspec.Struct):
    """A listed key: ``api_key`` is masked."""

    id: str
    address: str
    api_key: str
    app_id: str
    channel_id: str
    created_at: str
    last_used_at: str | None


class ChannelKeyList(msgspec.Struct):
    limit: int
    offset: int
    sort: list[str]
    total: int
    count: int
    filters: dict[str, Any]
    api_keys: list[ChannelKey]


class DeleteMeta(msgspec.Struct):
    """The ``meta`` of a successful delete: 360dialog answers its deletes with the ``meta``
    envelope (a published .NET client reads "delete success" from it), ``success`` true."""

    success: bool
    http_code: int
    developer_message: str
    details: list[str]


class RevokedChannelKey(msgspec.Struct):
    """A key a revocation just ended: ``api_key`` masked, as in the listing."""

    id: str
    api_key: str
    app_id: str
    created_at: str
    revoked_at: str


class ChannelKeysRevoked(msgspec.Struct):
    """``DELETE …/channels/{channel_id}/api_keys`` (and ``…/api_keys/{key_id}``): 200 with what
    was revoked; ``count`` 0 and an empty ``revoked`` when the channel had no live key."""

    meta: DeleteMeta
    channel_id: str
    count: int
    revoked: list[RevokedChannelKey]


class MessagingWebhookIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /v1/configs/webhook``: ``url`` null or empty removes the webhook."""

    url: str | None
    headers: dict[str, str] | None = None


class MessagingWebhook(msgspec.Struct):
    url: str | None
    headers: dict[str, str]


# ``/multi_webhook`` (issue 17 item 5) -------------------------------------------------------

MultiWebhookName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class MultiWebhookDestinationIn(msgspec.Struct, forbid_unknown_fields=True):
    """One destination: ``url`` is required by POST and PUT, optional in PATCH (which changes
    only what it is given)."""

    name: MultiWebhookName
    url: str | None = None
    headers: dict[str, str] | None = None


class MultiWebhookIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /multi_webhook`` (``enabled`` required), ``PUT`` and ``PATCH`` (``destinations``).

    PUT and PATCH also take one destination's ``name``/``url``/``headers`` at the top level."""

    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    destinations: list[MultiWebhookDestinationIn] | msgspec.UnsetType = msgspec.UNSET
    name: MultiWebhookName | msgspec.UnsetType = msgspec.UNSET
    url: str | msgspec.UnsetType = msgspec.UNSET
    headers: dict[str, str] | msgspec.UnsetType = msgspec.UNSET


class MultiWebhookDestination(msgspec.Struct):
    name: str
    url: str
    headers: dict[str, str]


class MultiWebhook(msgspec.Struct):
    """``GET /multi_webhook``: 360dialog's ``{enabled, destinations}`` (header values masked)."""

    enabled: bool
    destinations: list[MultiWebhookDestination]


class MultiWebhookChanged(msgspec.Struct):
    """POST/PUT/PATCH: 360dialog's ``{"message"}``, and the configuration as it now stands."""

    message: str
    enabled: bool
    destinations: list[MultiWebhookDestination]
