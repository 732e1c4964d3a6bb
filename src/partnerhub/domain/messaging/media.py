"""Media objects (image, document, audio, video, sticker), in messages and template headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from partnerhub.domain.messaging import _json as j
from partnerhub.domain.messaging.errors import invalid_value, missing_parameter

MAX_CAPTION = 1024
MAX_URL = 2048
MAX_MEDIA_ID = 256
MAX_FILENAME = 240
_CAPTIONED = frozenset({"image", "video", "document"})


def http_url(value: object, path: str) -> str:
    """An absolute http(s) URL with a host: WhatsApp fetches media and opens links over HTTP."""
    url = j.string(value, path, max_len=MAX_URL)
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - reading it validates it (a bad port raises ValueError)
    except ValueError:
        raise invalid_value(path, "is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise invalid_value(path, "must be an absolute http or https URL")
    if any(ch.isspace() for ch in url.strip()):
        raise invalid_value(path, "must not contain whitespace")
    return url.strip()


def _allowed_keys(kind: str, in_template: bool) -> set[str]:
    keys = {"link", "id"}
    if kind in _CAPTIONED and not in_template:
        keys.add("caption")
    if kind == "document":
        keys.add("filename")
    return keys


def media_object(
    value: object, path: str, kind: str, *, in_template: bool = False
) -> dict[str, Any]:
    """Exactly one of ``link`` (fetched by WhatsApp) or ``id`` (uploaded before); a caption
    only where WhatsApp shows one, a filename only on documents."""
    media = j.obj(value, path, _allowed_keys(kind, in_template))
    has_link, has_id = media.get("link") is not None, media.get("id") is not None
    if has_link and has_id:
        raise invalid_value(path, "must have either link or id, not both")
    if not has_link and not has_id:
        raise missing_parameter(path, "must have a link or an id")
    result: dict[str, Any] = (
        {"link": http_url(media["link"], j.join(path, "link"))}
        if has_link
        else {"id": j.req_str(media, "id", path, max_len=MAX_MEDIA_ID)}
    )
    caption = j.opt_str(media, "caption", path, max_len=MAX_CAPTION, allow_empty=True)
    if caption is not None:
        result["caption"] = caption
    filename = j.opt_str(media, "filename", path, max_len=MAX_FILENAME)
    if filename is not None:
        result["filename"] = filename
    return result
