"""Resumable uploads and business profiles over HTTP: a keyed number, sessions, pictures."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import httpx

from tests.conftest import PartnerCreds
from tests.helpers.messaging import generate, running_channel


def png(width: int = 4, height: int = 4, seed: int = 0) -> bytes:
    """A small valid PNG (grey pixels, ``seed`` shifts their shade): real picture bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes([(seed + x) % 256 for x in range(width)])
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


async def keyed_number(
    http: httpx.AsyncClient, partner: PartnerCreds, number: str = "+4915112345678"
) -> tuple[dict[str, Any], dict[str, str]]:
    """A running number and the ``D360-API-KEY`` header of a fresh key for it."""
    channel = await running_channel(http, partner, number)
    key = await generate(http, partner, channel["channel_id"])
    return channel, {"D360-API-KEY": key["api_key"]}


async def start(
    http: httpx.AsyncClient,
    key: dict[str, str],
    length: int,
    file_type: str = "image/png",
    file_name: str = "logo.png",
) -> httpx.Response:
    return await http.post(
        "/uploads",
        headers=key,
        params={"file_name": file_name, "file_length": str(length), "file_type": file_type},
    )


async def send_chunk(
    http: httpx.AsyncClient, key: dict[str, str], session: str, offset: int, data: bytes
) -> httpx.Response:
    return await http.post(
        f"/{session}",
        headers={**key, "file_offset": str(offset), "content-type": "application/octet-stream"},
        content=data,
    )


async def upload(
    http: httpx.AsyncClient, key: dict[str, str], data: bytes, file_type: str = "image/png"
) -> str:
    """Upload ``data`` in one chunk; the handle."""
    opened = await start(http, key, len(data), file_type)
    assert opened.status_code == 200, opened.text
    sent = await send_chunk(http, key, opened.json()["id"], 0, data)
    assert sent.status_code == 200, sent.text
    handle: str = sent.json()["h"]
    return handle


def graph_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """The Graph error of a refused Messaging API request (``{"error": {...}}``), checked to
    be in Meta's shape; its ``error`` object."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert isinstance(error["code"], int) and error["message"] and error["fbtrace_id"]
    assert error["type"] in {"OAuthException", "GraphMethodException"}
    return error


def details(response: httpx.Response) -> str:
    """``error.error_data.details``: the field at fault first."""
    text: str = response.json()["error"].get("error_data", {}).get("details", "")
    return text
