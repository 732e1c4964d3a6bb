"""Uploading media over the Messaging API in tests (issue 17)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

# A WebP header that says "animated" (VP8X with the animation flag) and one that does not.
WEBP_ANIMATED = b"RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02" + b"\x00" * 11
WEBP_STATIC = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 16


async def upload(
    client: httpx.AsyncClient,
    key: dict[str, str],
    data: bytes,
    mime_type: str = "image/jpeg",
    *,
    form_type: str | None = None,
    product: str | None = "whatsapp",
) -> httpx.Response:
    """``POST /media`` as 360dialog's curl example sends it (the part's type; ``type`` too
    when ``form_type`` is given)."""
    fields: dict[str, str] = {}
    if product is not None:
        fields["messaging_product"] = product
    if form_type is not None:
        fields["type"] = form_type
    return await client.post(
        "/media", headers=key, data=fields, files={"file": ("upload.bin", data, mime_type)}
    )


async def uploaded(
    client: httpx.AsyncClient, key: dict[str, str], data: bytes, mime_type: str = "image/jpeg"
) -> str:
    response = await upload(client, key, data, mime_type)
    assert response.status_code == 200, response.text
    media_id: str = response.json()["id"]
    return media_id


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def graph_code(response: httpx.Response) -> Any:
    return response.json()["error"]["code"]
