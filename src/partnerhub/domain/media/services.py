"""The media rules: an upload streamed to storage within its type's limit, a media id resolved
for its own channel only, short-lived signed download links, and the 30 days a file is kept.

An upload's bytes go to :class:`~partnerhub.domain.ports.MediaStorage` chunk by chunk as they
arrive, hashed on the way; past the limit the stream raises, and storage leaves nothing behind.
Only then is the row written (:class:`~partnerhub.domain.ports.MediaCatalog`), so a media id
always names bytes that exist. Times come from the injected clock: in the emulator a download
link lapses after five virtual minutes and a file after thirty virtual days.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from partnerhub.domain.clock import Clock
from partnerhub.domain.media import model
from partnerhub.domain.media.model import MediaFile, Staged
from partnerhub.domain.messaging import errors
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.ports import MediaCatalog, MediaStorage

ATTACHMENTS_PATH = "/whatsapp_business/attachments/"


class TooLarge(Exception):
    """Raised into the storage's ``put`` when the stream passes its limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"over {limit} bytes")
        self.limit = limit


def new_media_id() -> str:
    """A numeric id of 16 digits, as Meta's media ids are (360dialog checks they are numeric)."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


def supported_types() -> list[str]:
    return list(model.LIMITS)


def check_mime(mime_type: str | None) -> str:
    """The normalized MIME type of an upload, or Graph's refusal of it."""
    if not mime_type:
        raise errors.form_parameter_missing("type")
    normalized = model.normalize_mime(mime_type)
    if normalized not in model.LIMITS:
        raise errors.media_type_unsupported(supported_types())
    return normalized


class MediaService:
    def __init__(
        self,
        catalog: MediaCatalog,
        storage: MediaStorage,
        clock: Clock,
        signing_key: bytes,
    ) -> None:
        self.catalog = catalog
        self.storage = storage
        self._clock = clock
        self._key = signing_key

    # --- writing ---------------------------------------------------------------------------

    async def stage(self, chunks: AsyncIterator[bytes], limit: int) -> Staged:
        """Stream ``chunks`` into storage under a fresh key; :class:`TooLarge` once they pass
        ``limit`` bytes (storage then keeps nothing)."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        key = secrets.token_hex(16)

        async def counted() -> AsyncIterator[bytes]:
            nonlocal size, head
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(limit)
                if len(head) < 32:
                    head += chunk[: 32 - len(head)]
                digest.update(chunk)
                yield chunk

        await self.storage.put(key, counted())
        return Staged(key, digest.hexdigest(), size, model.webp_is_animated(head))

    async def register(
        self,
        principal: ChannelPrincipal | None,
        staged: Staged,
        mime_type: str,
        *,
        channel: tuple[str, str] | None = None,
        origin: str = "upload",
    ) -> MediaFile:
        """Check the staged bytes against ``mime_type``'s limit and record them as a media file
        of the caller's channel (or ``channel``: partner id, channel id); refused bytes are
        removed."""
        try:
            mime = check_mime(mime_type)
            limit = model.LIMITS[mime][1]
            if mime == "image/webp" and not staged.animated:
                limit = model.STICKER_STATIC_MAX
            if staged.file_size > limit:
                raise errors.media_too_large(mime, limit)
            if staged.file_size == 0:
                raise errors.form_parameter_invalid("file", "must not be empty")
        except GraphError:
            await self.storage.delete(staged.storage_key)
            raise
        if principal is not None:
            partner_id, channel_id = principal.partner_id, principal.channel_id
        else:
            assert channel is not None
            partner_id, channel_id = channel
        now = self._clock.now()
        media = MediaFile(
            id=new_media_id(),
            partner_id=partner_id,
            channel_id=channel_id,
            mime_type=mime,
            sha256=staged.sha256,
            file_size=staged.file_size,
            storage_key=staged.storage_key,
            origin=origin,
            created_at=now,
            expires_at=now + model.KEPT_FOR,
        )
        try:
            await self.catalog.add(media)
        except BaseException:
            await self.storage.delete(staged.storage_key)
            raise
        return media

    # --- reading ---------------------------------------------------------------------------

    async def resolve(
        self, principal: ChannelPrincipal, media_id: str, verb: str = "get"
    ) -> MediaFile:
        """The caller's media file, or Graph's "does not exist" (unknown, another channel's,
        expired: Meta does not tell them apart)."""
        media = await self.catalog.get(media_id) if media_id.isdigit() else None
        if (
            media is None
            or media.channel_id != principal.channel_id
            or media.expires_at <= self._clock.now()
        ):
            raise errors.media_not_found(media_id, verb)
        return media

    def download_url(self, media: MediaFile, base_url: str) -> str:
        """360dialog's form of the link: ``/whatsapp_business/attachments/?mid=&ext=&hash=``,
        valid for five minutes of the clock."""
        expiry = int((self._clock.now() + model.URL_VALID_FOR).timestamp())
        return (
            f"{base_url.rstrip('/')}{ATTACHMENTS_PATH}?mid={media.id}&ext={expiry}"
            f"&hash={self._sign(media.id, expiry)}"
        )

    def _sign(self, media_id: str, expiry: int) -> str:
        return hmac.new(self._key, f"{media_id}:{expiry}".encode(), hashlib.sha256).hexdigest()

    async def open_link(
        self, principal: ChannelPrincipal, mid: str | None, ext: str | None, hash_: str | None
    ) -> MediaFile:
        """The media file a download link names, when the link is genuine, not lapsed, and the
        caller's channel owns the file."""
        if not mid or not ext or not hash_ or not ext.isdigit() or not mid.isdigit():
            raise errors.invalid_parameter("url", "is not a valid media download URL")
        if not hmac.compare_digest(self._sign(mid, int(ext)), hash_):
            raise errors.invalid_parameter("hash", "does not match this URL")
        if int(ext) < self._clock.now().timestamp():
            raise errors.invalid_parameter("ext", "the URL has expired; GET /{media_id} again")
        return await self.resolve(principal, mid)

    def read(self, media: MediaFile) -> AsyncIterator[bytes]:
        return self.storage.get(media.storage_key)

    # --- deleting --------------------------------------------------------------------------

    async def delete(self, principal: ChannelPrincipal, media_id: str) -> None:
        media = await self.resolve(principal, media_id, "delete")
        if await self.catalog.remove(media.id):
            await self.storage.delete(media.storage_key)

    async def sweep_expired(self, now: datetime, limit: int) -> int:
        """Delete one batch of expired media files (row first, then bytes)."""
        found = await self.catalog.expired(now, limit)
        for media in found:
            if await self.catalog.remove(media.id):
                await self.storage.delete(media.storage_key)
        return len(found)

    # --- sends -----------------------------------------------------------------------------

    async def check_send(self, principal: ChannelPrincipal, body: dict[str, Any]) -> None:
        """A send naming media by ``id``: each must be a file of the sending number."""
        found = media_references(body)
        if not found:
            return
        ids = {media_id for _, media_id in found}
        have = await self.catalog.existing(principal.channel_id, ids, self._clock.now())
        for param, media_id in found:
            if media_id not in have:
                raise errors.invalid_media_id(param)


def media_references(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Every media ``id`` a normalized send body names, with the parameter as Graph names it
    (``image['id']``, ``template['components'][0]['parameters'][0]['image']['id']``)."""
    found: list[tuple[str, str]] = []
    kind = body.get("type")
    content = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(content, dict):
        return found
    if kind in model.MEDIA_KINDS:
        _add(found, f"{kind}", content)
    elif kind == "interactive":
        header = content.get("header")
        if isinstance(header, dict):
            media_kind = header.get("type")
            if isinstance(media_kind, str) and isinstance(header.get(media_kind), dict):
                _add(found, f"interactive['header']['{media_kind}']", header[media_kind])
    elif kind == "template":
        components = content.get("components")
        for i, component in enumerate(components if isinstance(components, list) else []):
            parameters = component.get("parameters") if isinstance(component, dict) else None
            for j, parameter in enumerate(parameters if isinstance(parameters, list) else []):
                if not isinstance(parameter, dict):
                    continue
                media_kind = parameter.get("type")
                if media_kind in model.MEDIA_KINDS and isinstance(parameter.get(media_kind), dict):
                    _add(
                        found,
                        f"template['components'][{i}]['parameters'][{j}]['{media_kind}']",
                        parameter[media_kind],
                    )
    return found


def _add(found: list[tuple[str, str]], param: str, media: dict[str, Any]) -> None:
    media_id = media.get("id")
    if isinstance(media_id, str) and media_id:
        found.append((f"{param}['id']", media_id))
