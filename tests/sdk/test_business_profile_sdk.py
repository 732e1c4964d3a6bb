"""The business profile and resumable uploads through the SDK: the requests the sync client
sends (MockTransport), then the async client against the real server over real HTTP."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from litestar import Litestar

from partnerhub.client import AsyncMessagingClient, MessagingClient, ValidationError
from tests.conftest import PartnerCreds
from tests.helpers.uploads import keyed_number, png
from tests.integration.live_http import over_http
from tests.sdk.conftest import BASE_URL


def recording(answers: list[Any]) -> tuple[MessagingClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answers.pop(0))

    api = MessagingClient(
        "channel-key",
        base_url=BASE_URL,
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),
    )
    return api, seen


def test_sync_requests_have_the_documented_shapes() -> None:
    api, seen = recording(
        [
            {"data": [{"messaging_product": "whatsapp", "about": "Hi"}]},
            {"success": True},
            {"id": "upload:abc"},
            {"id": "upload:abc", "file_offset": 2},
            {"h": "4:aGFuZGxl"},
            {"id": "upload:abc", "file_offset": 3},
        ]
    )
    assert api.business_profile.get(fields=["about", "email"]).about == "Hi"
    assert seen[-1].url.path == "/whatsapp_business_profile"
    assert seen[-1].url.params["fields"] == "about,email"
    assert seen[-1].headers["D360-API-KEY"] == "channel-key"

    assert api.business_profile.update(about="New", websites=["https://a.example"]) is True
    assert json.loads(seen[-1].content) == {
        "messaging_product": "whatsapp",
        "about": "New",
        "websites": ["https://a.example"],
    }

    assert api.uploads.start("a.png", 3, "image/png") == "upload:abc"
    assert dict(seen[-1].url.params) == {
        "file_name": "a.png",
        "file_length": "3",
        "file_type": "image/png",
    }
    assert api.uploads.upload("upload:abc", b"ab").file_offset == 2
    sent = seen[-1]
    assert (sent.method, sent.url.path, sent.content) == ("POST", "/upload:abc", b"ab")
    assert sent.headers["file_offset"] == "0"
    assert sent.headers["content-type"] == "application/octet-stream"
    assert api.uploads.upload("upload:abc", b"c", offset=2).h == "4:aGFuZGxl"
    assert seen[-1].headers["file_offset"] == "2"
    assert api.uploads.status("upload:abc").file_offset == 3
    assert (seen[-1].method, seen[-1].url.path) == ("GET", "/upload:abc")


async def test_async_client_sets_a_picture_and_the_profile_over_http(
    client: httpx.AsyncClient, app: Litestar, partner: PartnerCreds
) -> None:
    picture = png(24, 24, seed=5)
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        async with AsyncMessagingClient(
            key["D360-API-KEY"], base_url=str(http.base_url), max_retries=0
        ) as api:
            handle = await api.uploads.upload_file(picture, file_type="image/png", chunk_size=100)
            assert await api.business_profile.update(
                about="Fresh pizza", vertical="RESTAURANT", profile_picture_handle=handle
            )
            found = await api.business_profile.get()
            assert (found.about, found.vertical) == ("Fresh pizza", "RESTAURANT")
            assert found.profile_picture_url is not None
            assert (await http.get(found.profile_picture_url)).content == picture

            only = await api.business_profile.get(fields=["vertical"])
            assert only.about is None and only.vertical == "RESTAURANT"

            session = await api.uploads.start("half.png", len(picture), "image/png")
            await api.uploads.upload(session, picture[:10])
            assert (await api.uploads.status(session)).file_offset == 10

            with pytest.raises(ValidationError) as refused:
                await api.business_profile.update(about="x" * 140)
            assert "about" in str(refused.value)
