"""Media files: what is kept about one (never its bytes), and Meta's types and size limits.

Sources (docs/fidelity.md, "Media"): Meta's "Supported media types" table, as 360dialog's
"Upload, retrieve or delete media" page links it: image (jpeg, png) 5 MB; audio (aac, amr,
mpeg, mp4, ogg) 16 MB; video (mp4, 3gpp) 16 MB; document (text, pdf, Office) 100 MB; sticker
(webp) 100 KB static, 500 KB animated. Graph's refusal of another type lists the types it takes
(audio/opus and video/3gpp among them), and those are the ones accepted here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

KB = 1024
MB = 1024 * 1024

# How long an upload is kept (360dialog: "stored for 30 days ... unless deleted earlier"), and
# how long a download URL from ``GET /{media_id}`` works (360dialog: "valid for 5 minutes").
KEPT_FOR = timedelta(days=30)
URL_VALID_FOR = timedelta(minutes=5)

STICKER_STATIC_MAX = 100 * KB
STICKER_ANIMATED_MAX = 500 * KB

# MIME type -> (media type, largest size in bytes). The sticker's limit here is the animated one;
# a static sticker's (100 KB) is checked once the file's header says it is not animated.
LIMITS: dict[str, tuple[str, int]] = {
    "image/jpeg": ("image", 5 * MB),
    "image/png": ("image", 5 * MB),
    "image/webp": ("sticker", STICKER_ANIMATED_MAX),
    "audio/aac": ("audio", 16 * MB),
    "audio/amr": ("audio", 16 * MB),
    "audio/mpeg": ("audio", 16 * MB),
    "audio/mp4": ("audio", 16 * MB),
    "audio/ogg": ("audio", 16 * MB),
    "audio/opus": ("audio", 16 * MB),
    "video/mp4": ("video", 16 * MB),
    "video/3gpp": ("video", 16 * MB),
    "video/3gp": ("video", 16 * MB),
    "text/plain": ("document", 100 * MB),
    "application/pdf": ("document", 100 * MB),
    "application/msword": ("document", 100 * MB),
    "application/vnd.ms-excel": ("document", 100 * MB),
    "application/vnd.ms-powerpoint": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "document",
        100 * MB,
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "document",
        100 * MB,
    ),
}
# The largest any upload may be, whatever its type (Cloud API: 100 MB).
MAX_UPLOAD = max(limit for _, limit in LIMITS.values())
MEDIA_KINDS = frozenset({"image", "audio", "video", "document", "sticker"})


def normalize_mime(value: str) -> str:
    """``Image/JPEG; charset=x`` -> ``image/jpeg``: parameters dropped, lower case."""
    return value.split(";", 1)[0].strip().lower()


def limit_of(mime_type: str) -> int | None:
    found = LIMITS.get(normalize_mime(mime_type))
    return None if found is None else found[1]


def webp_is_animated(head: bytes) -> bool | None:
    """Whether a WebP file's first bytes say it is animated (``VP8X`` with the animation flag);
    None when fewer than 21 bytes are known."""
    if len(head) < 21:
        return None
    return head[12:16] == b"VP8X" and bool(head[20] & 0x02)


@dataclass(frozen=True)
class MediaFile:
    """One stored media file of a channel (an upload, or the media of a user's message)."""

    id: str
    partner_id: str
    channel_id: str
    mime_type: str
    sha256: str
    file_size: int
    storage_key: str
    origin: str  # "upload" or "inbound"
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Staged:
    """Bytes written to storage, not yet registered as a media file."""

    storage_key: str
    sha256: str
    file_size: int
    animated: bool | None  # WebP only: what its header says
