"""``POST /messages`` on the Messaging API (``D360-API-KEY``): send Cloud API message bodies
(and MM Lite's ``POST /marketing_messages``: :meth:`AsyncMessages.send_marketing`).

Bodies are the WhatsApp Cloud API's (spec §9), built from the Structs in
:mod:`partnerhub.wire.cloud_api` that the server decodes them with. The helpers build the common
message types; :meth:`AsyncMessages.send` takes any Cloud API body for everything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from partnerhub.client import models
from partnerhub.client._base import AsyncCore, Call, SyncCore, call, expect
from partnerhub.wire import cloud_api

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

    def _send_marketing(self, body: Mapping[str, Any]) -> Call[models.MessageSent]:
        return call("POST", "/marketing_messages", expect(models.MessageSent), json=dict(body))


class AsyncMessages(_MessageCalls):
    """``POST /messages``. Sends are not retried after the request left (a lost answer may
    still mean a delivered message); pass ``headers={"Idempotency-Key": …}`` to the client only
    if your server deduplicates on it."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def send(self, body: Mapping[str, Any]) -> models.MessageSent:
        """Any Cloud API message body, as is."""
        return await self._core.send(self._send(body))

    async def send_text(self, to: str, body: str, preview_url: bool = False) -> models.MessageSent:
        """A text message (inside the 24-hour customer service window)."""
        return await self.send(text_body(to, body, preview_url))

    async def send_template(
        self,
        to: str,
        name: str,
        language: str,
        components: Sequence[Mapping[str, Any]] | None = None,
    ) -> models.MessageSent:
        """An approved template (works outside the service window)."""
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
        """An image, audio, video, document or sticker, by ``link`` or uploaded ``media_id``."""
        return await self.send(media_body(to, kind, link, media_id, caption, filename))

    async def send_interactive(
        self, to: str, interactive: cloud_api.Interactive | Mapping[str, Any]
    ) -> models.MessageSent:
        """Any interactive type: the Cloud API's ``interactive`` object, or a Struct built with
        :mod:`partnerhub.client.interactive` (buttons, list, cta_url, location_request,
        address_request, product, product_list, catalog, flow, carousel)."""
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
        """A pin on the map."""
        return await self.send(location_body(to, latitude, longitude, name, address))

    async def send_reaction(self, to: str, message_id: str, emoji: str) -> models.MessageSent:
        """React to a message (``emoji=""`` removes the reaction)."""
        return await self.send(reaction_body(to, message_id, emoji))

    async def send_marketing(self, body: Mapping[str, Any]) -> models.MessageSent:
        """MM Lite (``POST /marketing_messages``): any Cloud API template body, as is. Only
        MARKETING templates, once the WABA accepted the MM Lite terms; statuses arrive on the
        number's webhook as for :meth:`send`, priced ``marketing_lite``."""
        return await self._core.send(self._send_marketing(body))

    async def send_marketing_template(
        self,
        to: str,
        name: str,
        language: str,
        components: Sequence[Mapping[str, Any]] | None = None,
    ) -> models.MessageSent:
        """An approved MARKETING template through MM Lite."""
        return await self.send_marketing(template_body(to, name, language, components))


# --- Sync twins, generated by partnerhub.client.resources._twins from the async ones above:
# --- do not edit below this line; change the async twin and regenerate.


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

    def send_interactive(
        self, to: str, interactive: cloud_api.Interactive | Mapping[str, Any]
    ) -> models.MessageSent:
        """Any interactive type: the Cloud API's ``interactive`` object, or a Struct built with
        :mod:`partnerhub.client.interactive` (buttons, list, cta_url, location_request,
        address_request, product, product_list, catalog, flow, carousel)."""
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

    def send_marketing(self, body: Mapping[str, Any]) -> models.MessageSent:
        """MM Lite (``POST /marketing_messages``): any Cloud API template body, as is. Only
        MARKETING templates, once the WABA accepted the MM Lite terms; statuses arrive on the
        number's webhook as for :meth:`send`, priced ``marketing_lite``."""
        return self._core.send(self._send_marketing(body))

    def send_marketing_template(
        self,
        to: str,
        name: str,
        language: str,
        components: Sequence[Mapping[str, Any]] | None = None,
    ) -> models.MessageSent:
        """An approved MARKETING template through MM Lite."""
        return self.send_marketing(template_body(to, name, language, components))
