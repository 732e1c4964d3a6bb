"""The Messaging API client (``D360-API-KEY``): send messages, the channel's webhook, templates.

Bodies are the WhatsApp Cloud API's (spec §9). The helpers build the common message types;
:meth:`Messages.send` takes any Cloud API body for everything else. Same sync/async layout as
:mod:`partnerhub.client._partner`: builders once, two thin twins.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio
import httpx
import msgspec

from partnerhub.client import models
from partnerhub.client._auth import CHANNEL_KEY_HEADER, ApiKeyAuth
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
    twin_docs,
)
from partnerhub.client.resources._common import _seg
from partnerhub.client.resources.templates import template_body_for_review
from partnerhub.wire import cloud_api

DEFAULT_MESSAGING_URL = "https://waba-v2.360dialog.io"
MEDIA_KINDS = frozenset({"image", "audio", "video", "document", "sticker"})


def _message(to: str, kind: str, payload: msgspec.Struct | Mapping[str, Any]) -> dict[str, Any]:
    """A send body built from the Cloud API Structs the server decodes it with."""
    content = payload if isinstance(payload, msgspec.Struct) else dict(payload)
    request = cloud_api.SendRequest(
        messaging_product="whatsapp",
        recipient_type="individual",
        to=to,
        type=kind,  # type: ignore[arg-type]
    )
    body: dict[str, Any] = msgspec.to_builtins(request)
    body[kind] = msgspec.to_builtins(content)
    return body


def text_body(to: str, body: str, preview_url: bool = False) -> dict[str, Any]:
    return _message(to, "text", cloud_api.Text(body=body, preview_url=preview_url))


def template_body(
    to: str, name: str, language: str, components: Sequence[Mapping[str, Any]] | None
) -> dict[str, Any]:
    template: dict[str, Any] = msgspec.to_builtins(
        cloud_api.Template(name=name, language=cloud_api.Language(code=language))
    )
    if components:
        template["components"] = [dict(c) for c in components]
    return _message(to, "template", template)


def media_body(
    to: str,
    kind: str,
    link: str | None,
    media_id: str | None,
    caption: str | None,
    filename: str | None,
) -> dict[str, Any]:
    if kind not in MEDIA_KINDS:
        raise ValueError(f"kind must be one of {sorted(MEDIA_KINDS)}")
    if (link is None) == (media_id is None):
        raise ValueError("pass exactly one of link and media_id")
    # The widest media shape: the server refuses what a kind does not take (a caption on audio).
    media = cloud_api.Document(link=link, id=media_id, caption=caption, filename=filename)
    return _message(to, kind, media)


def location_body(
    to: str, latitude: float, longitude: float, name: str | None, address: str | None
) -> dict[str, Any]:
    location = cloud_api.Location(
        latitude=latitude, longitude=longitude, name=name, address=address
    )
    return _message(to, "location", location)


def reaction_body(to: str, message_id: str, emoji: str) -> dict[str, Any]:
    return _message(to, "reaction", cloud_api.Reaction(message_id=message_id, emoji=emoji))


class _MessageCalls:
    def _send(self, body: Mapping[str, Any]) -> Call[models.MessageSent]:
        return call("POST", "/messages", expect(models.MessageSent), json=dict(body))


class Messages(_MessageCalls):
    """``POST /messages``. Sends are not retried after the request left (a lost answer may
    still mean a delivered message); pass ``headers={"Idempotency-Key": …}`` to the client only
    if your server deduplicates on it."""

    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def send(self, body: Mapping[str, Any]) -> models.MessageSent:
        """Any Cloud API message body, as is."""
        return self._core.send(self._send(body))

    def send_text(self, to: str, body: str, preview_url: bool = False) -> models.MessageSent:
        """A text message (inside the 24-hour customer service window)."""
        return self.send(text_body(to, body, preview_url))

    def send_template(
        self,
        to: str,
        name: str,
        language: str,
        components: Sequence[Mapping[str, Any]] | None = None,
    ) -> models.MessageSent:
        """An approved template (works outside the service window)."""
        return self.send(template_body(to, name, language, components))

    def send_media(
        self,
        to: str,
        kind: str,
        *,
        link: str | None = None,
        media_id: str | None = None,
        caption: str | None = None,
        filename: str | None = None,
    ) -> models.MessageSent:
        """An image, audio, video, document or sticker, by ``link`` or uploaded ``media_id``."""
        return self.send(media_body(to, kind, link, media_id, caption, filename))

    def send_interactive(self, to: str, interactive: Mapping[str, Any]) -> models.MessageSent:
        """Buttons or lists: ``interactive`` is the Cloud API's ``interactive`` object."""
        return self.send(_message(to, "interactive", interactive))

    def send_location(
        self,
        to: str,
        latitude: float,
        longitude: float,
        *,
        name: str | None = None,
        address: str | None = None,
    ) -> models.MessageSent:
        """A pin on the map."""
        return self.send(location_body(to, latitude, longitude, name, address))

    def send_reaction(self, to: str, message_id: str, emoji: str) -> models.MessageSent:
        """React to a message (``emoji=""`` removes the reaction)."""
        return self.send(reaction_body(to, message_id, emoji))


@twin_docs(Messages)
class AsyncMessages(_MessageCalls):
    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def send(self, body: Mapping[str, Any]) -> models.MessageSent:
        return await self._core.send(self._send(body))

    async def send_text(self, to: str, body: str, preview_url: bool = False) -> models.MessageSent:
        return await self.send(text_body(to, body, preview_url))

    async def send_template(
        self,
        to: str,
        name: str,
        language: str,
        components: Sequence[Mapping[str, Any]] | None = None,
    ) -> models.MessageSent:
        return await self.send(template_body(to, name, language, components))

    async def send_media(
        self,
        to: str,
        kind: str,
        *,
        link: str | None = None,
        media_id: str | None = None,
        caption: str | None = None,
        filename: str | None = None,
    ) -> models.MessageSent:
        return await self.send(media_body(to, kind, link, media_id, caption, filename))

    async def send_interactive(self, to: str, interactive: Mapping[str, Any]) -> models.MessageSent:
        return await self.send(_message(to, "interactive", interactive))

    async def send_location(
        self,
        to: str,
        latitude: float,
        longitude: float,
        *,
        name: str | None = None,
        address: str | None = None,
    ) -> models.MessageSent:
        return await self.send(location_body(to, latitude, longitude, name, address))

    async def send_reaction(self, to: str, message_id: str, emoji: str) -> models.MessageSent:
        return await self.send(reaction_body(to, message_id, emoji))


class _MessagingWebhookCalls:
    def _get(self) -> Call[models.MessagingWebhookConfig]:
        return call("GET", "/v1/configs/webhook", expect(models.MessagingWebhookConfig))

    def _set(
        self, url: str, headers: Mapping[str, str] | None
    ) -> Call[models.MessagingWebhookConfig]:
        body: dict[str, Any] = {"url": url}
        if headers is not None:
            body["headers"] = dict(headers)
        return call("POST", "/v1/configs/webhook", expect(models.MessagingWebhookConfig), json=body)


class MessagingWebhook(_MessagingWebhookCalls):
    """``/v1/configs/webhook``: where this channel's Cloud API webhooks are posted."""

    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def get(self) -> models.MessagingWebhookConfig:
        """The current URL (and headers, if the server shows them)."""
        return self._core.send(self._get())

    def set(
        self, url: str, headers: Mapping[str, str] | None = None
    ) -> models.MessagingWebhookConfig:
        """Set the URL; ``headers`` are sent with every webhook."""
        return self._core.send(self._set(url, headers))


@twin_docs(MessagingWebhook)
class AsyncMessagingWebhook(_MessagingWebhookCalls):
    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def get(self) -> models.MessagingWebhookConfig:
        return await self._core.send(self._get())

    async def set(
        self, url: str, headers: Mapping[str, str] | None = None
    ) -> models.MessagingWebhookConfig:
        return await self._core.send(self._set(url, headers))


class _MessagingTemplateCalls:
    def _list(self, limit: int | None, offset: int | None) -> Call[Page[models.Template]]:
        return call(
            "GET",
            "/v1/configs/templates",
            expect_page(models.TemplateList, "waba_templates"),
            params={"limit": limit, "offset": offset},
        )

    def _create(self, body: dict[str, Any]) -> Call[models.TemplateCreated]:
        return call("POST", "/v1/configs/templates", expect(models.TemplateCreated), json=body)

    def _delete(self, name: str) -> Call[None]:
        return call("DELETE", f"/v1/configs/templates/{_seg(name)}", expect_nothing)


class MessagingTemplates(_MessagingTemplateCalls):
    """``/v1/configs/templates``: the templates of this channel's WABA. 360dialog documents no
    edit on the Messaging API; edit through :meth:`Templates.edit` (the Partner API)."""

    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def list(self, *, limit: int | None = None, offset: int | None = None) -> Page[models.Template]:
        """One page of the WABA's templates."""
        return self._core.send(self._list(limit, offset))

    def create(
        self,
        *,
        name: str,
        language: str,
        category: str,
        components: Sequence[Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> models.TemplateCreated:
        """Submit a template for review: its ``id``, ``status`` ``"PENDING"`` and ``category``."""
        body = template_body_for_review(name, language, category, components, extra)
        return self._core.send(self._create(body))

    def delete(self, name: str) -> None:
        """Delete a template by name: every language of it."""
        self._core.send(self._delete(name))


@twin_docs(MessagingTemplates)
class AsyncMessagingTemplates(_MessagingTemplateCalls):
    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def list(
        self, *, limit: int | None = None, offset: int | None = None
    ) -> Page[models.Template]:
        return await self._core.send(self._list(limit, offset))

    async def create(
        self,
        *,
        name: str,
        language: str,
        category: str,
        components: Sequence[Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> models.TemplateCreated:
        body = template_body_for_review(name, language, category, components, extra)
        return await self._core.send(self._create(body))

    async def delete(self, name: str) -> None:
        await self._core.send(self._delete(name))


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

    async def aclose(self) -> None:
        """Close the connection pool (not a caller-supplied ``http_client``)."""
        await self._core.aclose()

    async def __aenter__(self) -> AsyncMessagingClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
