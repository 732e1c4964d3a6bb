"""Media of the Messaging API (issue 17): the answers of ``POST /media`` and ``GET /{media_id}``,
in Meta's Cloud API shapes (360dialog's "Upload, retrieve or delete media")."""

from __future__ import annotations

from typing import Literal

import msgspec


class MediaUploadForm(msgspec.Struct):
    """``POST /media``'s multipart form, for the schema: ``file`` (its part's Content-Type is
    the MIME type when ``type`` is left out), ``messaging_product`` and ``type``."""

    file: bytes
    messaging_product: Literal["whatsapp"]
    type: str | None = None


class MediaUploaded(msgspec.Struct):
    id: str


class MediaInfo(msgspec.Struct):
    """``GET /{media_id}``: ``url`` is a download link valid for 5 minutes (send it back with
    the same ``D360-API-KEY``)."""

    url: str
    mime_type: str
    sha256: str
    file_size: int
    id: str
    messaging_product: str = "whatsapp"


class MediaDeleted(msgspec.Struct):
    success: bool
