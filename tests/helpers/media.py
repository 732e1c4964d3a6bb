"""Uploading media over the Messaging API in tests (issue 17)."""

from __future__ import annotations

import hashlib
from pathlib import Path
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


BOUNDARY = "partnerhubmediatestboundary"


def streamed_form(size: int, mime_type: str, chunk: int = 1024 * 1024) -> Any:
    """A multipart ``POST /media`` body of a ``size``-byte file, generated a chunk at a time (the
    test process never holds it either), for ``content=`` with this content type:"""

    def body() -> Any:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\n'
            f'whatsapp\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.bin"\r\nContent-Type: {mime_type}\r\n\r\n'
        ).encode()
        block = b"\0" * chunk
        left = size
        while left > 0:
            yield block[: min(chunk, left)]
            left -= chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    return body()


STREAMED_CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set (VmHWM), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


def server_channel_key(server: Any) -> dict[str, str]:
    """A running number with a channel key on a ``PartnerhubServer`` subprocess."""
    partner = server.create_partner(brand_name="Media")
    done = server.call(
        "POST",
        "/onboard",
        {
            "partner_id": partner["partner_id"],
            "client": {"name": "Media Client", "email": "media@example.com"},
            "phone_numbers": ["+4915100000001"],
        },
    )
    channel_id = done["channel_ids"][0]
    server.call("POST", f"/channels/{channel_id}/status", {"status": "running"})
    answer = server.sdk_http.post(
        f"{server.base_url}/api/v2/partners/{partner['partner_id']}/channels/{channel_id}/api_keys",
        headers={"X-API-Key": partner["api_key"]},
    )
    assert answer.status_code == 200, answer.text
    return {"D360-API-KEY": answer.json()["api_key"]}
