"""Media over real HTTP (issue 17): upload, resolve, download, delete, Meta's limits, expiry on
the virtual clock, sends by media id, inbound media, the S3 store, and a 100 MB upload refused
without being held in memory."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar

from partnerhub.server.state import AppState
from tests.conftest import EMULATOR, PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.media import (
    WEBP_ANIMATED,
    WEBP_STATIC,
    graph_code,
    sha256,
    upload,
    uploaded,
)
from tests.helpers.messaging import CUSTOMER, generate, inbound, ready_channel, running_channel
from tests.integration.live_http import over_http
from tests.receiver import Receiver

KB = 1024
MB = 1024 * 1024


@pytest.fixture
async def http(app: Litestar, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with over_http(app) as real:
        yield real


async def _key(
    client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> dict[str, str]:
    _, key = await ready_channel(client, partner, receiver)
    return key


async def test_upload_resolve_download_delete(
    http: httpx.AsyncClient, client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> None:
    key = await _key(client, partner, receiver)
    data = secrets.token_bytes(300 * KB)
    media_id = await uploaded(http, key, data, "image/png")
    assert media_id.isdigit()

    info = await http.get(f"/{media_id}", headers=key)
    assert info.status_code == 200, info.text
    body = info.json()
    assert body["id"] == media_id
    assert body["messaging_product"] == "whatsapp"
    assert body["mime_type"] == "image/png"
    assert body["file_size"] == len(data)
    assert body["sha256"] == sha256(data)
    url = urlsplit(body["url"])
    assert url.path == "/whatsapp_business/attachments/"
    query = parse_qs(url.query)
    assert query["mid"] == [media_id] and query["ext"][0].isdigit() and query["hash"][0]
    assert url.netloc == urlsplit(str(http.base_url)).netloc  # the same host

    download = await http.get(body["url"], headers=key)
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert sha256(download.content) == sha256(data)
    # 360dialog requires the key on the download too.
    assert (await http.get(body["url"])).status_code == 401

    deleted = await http.delete(f"/{media_id}", headers=key)
    assert deleted.status_code == 200 and deleted.json() == {"success": True}
    gone = await http.get(f"/{media_id}", headers=key)
    assert gone.status_code == 400
    assert gone.json()["error"]["code"] == 100
    assert gone.json()["error"]["error_subcode"] == 33
    assert (await http.get(body["url"], headers=key)).status_code == 400
    assert (await http.delete(f"/{media_id}", headers=key)).status_code == 400


async def test_limits_per_type_with_metas_codes(
    http: httpx.AsyncClient, client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> None:
    key = await _key(client, partner, receiver)
    cases = [
        ("image/jpeg", 5 * MB),
        ("audio/ogg", 16 * MB),
        ("video/mp4", 16 * MB),
        ("application/pdf", 100 * MB),
    ]
    for mime, limit in cases[:3]:
        ok = await upload(http, key, b"x" * 1024, mime)
        assert ok.status_code == 200, (mime, ok.text)
        over = await upload(http, key, b"x" * (limit + 1), mime)
        assert over.status_code == 400, (mime, over.text)
        assert graph_code(over) == 131053
        assert str(limit) in over.json()["error"]["error_data"]["details"]
    # Stickers: 100 KB static, 500 KB animated (the WebP header says which).
    static_ok = await upload(http, key, WEBP_STATIC + b"\0" * (99 * KB), "image/webp")
    assert static_ok.status_code == 200, static_ok.text
    static_over = await upload(http, key, WEBP_STATIC + b"\0" * (101 * KB), "image/webp")
    assert graph_code(static_over) == 131053
    animated_ok = await upload(http, key, WEBP_ANIMATED + b"\0" * (400 * KB), "image/webp")
    assert animated_ok.status_code == 200, animated_ok.text
    animated_over = await upload(http, key, WEBP_ANIMATED + b"\0" * (501 * KB), "image/webp")
    assert graph_code(animated_over) == 131053
    # A type Meta does not take: 100, with Graph's list of those it does.
    gif = await upload(http, key, b"GIF89a", "image/gif")
    assert gif.status_code == 400 and graph_code(gif) == 100
    assert "image/jpeg" in gif.json()["error"]["message"]
    # The form's ``type`` wins over the part's own type, as Graph reads it.
    typed = await upload(
        http, key, b"%PDF-1.4", "application/octet-stream", form_type="application/pdf"
    )
    assert typed.status_code == 200, typed.text
    info = await http.get(f"/{typed.json()['id']}", headers=key)
    assert info.json()["mime_type"] == "application/pdf"
    # The form's other fields.
    no_product = await upload(http, key, b"x", "image/jpeg", product=None)
    assert graph_code(no_product) == 100
    assert "messaging_product" in no_product.json()["error"]["message"]
    wrong_product = await upload(http, key, b"x", "image/jpeg", product="telegram")
    assert graph_code(wrong_product) == 100
    no_file = await http.post(
        "/media", headers=key, data={"messaging_product": "whatsapp"}, files={"other": ("a", b"1")}
    )
    assert graph_code(no_file) == 100 and "file" in no_file.json()["error"]["message"]
    not_multipart = await http.post("/media", headers=key, json={"file": "x"})
    assert not_multipart.status_code == 400 and graph_code(not_multipart) == 100
    empty = await upload(http, key, b"", "image/jpeg")
    assert empty.status_code == 400


async def test_another_channels_media_and_revoked_keys(
    http: httpx.AsyncClient,
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    other_partner: PartnerCreds,
    receiver: Receiver,
) -> None:
    key = await _key(client, partner, receiver)
    media_id = await uploaded(http, key, b"\xff\xd8 jpeg bytes")
    url = (await http.get(f"/{media_id}", headers=key)).json()["url"]

    rival = await running_channel(client, other_partner, "+4915199999999")
    rival_key = {
        "D360-API-KEY": (await generate(client, other_partner, rival["channel_id"]))["api_key"]
    }
    for answer in (
        await http.get(f"/{media_id}", headers=rival_key),
        await http.get(url, headers=rival_key),
        await http.delete(f"/{media_id}", headers=rival_key),
    ):
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["error_subcode"] == 33
    assert (await http.get(f"/{media_id}", headers=key)).status_code == 200  # still there

    # A key that is not one, and a revoked key: nothing, not even an upload.
    bogus = {"D360-API-KEY": "not-a-key"}
    assert (await upload(http, bogus, b"x")).status_code == 401
    assert (await http.get(f"/{media_id}", headers=bogus)).status_code == 401
    assert (await http.get(url, headers=bogus)).status_code == 401
    channel_id = await _channel_of(client, partner)
    revoked = await client.delete(
        f"/api/v2/partners/{partner.partner_id}/channels/{channel_id}/api_keys",
        headers=partner.headers,
    )
    assert revoked.status_code == 200, revoked.text
    assert (await upload(http, key, b"x")).status_code == 401
    assert (await http.get(f"/{media_id}", headers=key)).status_code == 401
    assert (await http.get(url, headers=key)).status_code == 401
    assert (await http.delete(f"/{media_id}", headers=key)).status_code == 401


async def _channel_of(client: httpx.AsyncClient, partner: PartnerCreds) -> str:
    listed = await client.get(
        f"/api/v2/partners/{partner.partner_id}/channels", headers=partner.headers
    )
    assert listed.status_code == 200, listed.text
    channel_id: str = listed.json()["partner_channels"][0]["id"]
    return channel_id


async def test_url_and_media_expire_on_the_virtual_clock(
    http: httpx.AsyncClient,
    client: httpx.AsyncClient,
    partner: PartnerCreds,
    receiver: Receiver,
    state: AppState,
) -> None:
    key = await _key(client, partner, receiver)
    data = b"voice note"
    media_id = await uploaded(http, key, data, "audio/ogg")
    url = (await http.get(f"/{media_id}", headers=key)).json()["url"]
    await advance(client, 4 * 60)
    assert (await http.get(url, headers=key)).content == data
    await advance(client, 2 * 60)
    lapsed = await http.get(url, headers=key)
    assert (
        lapsed.status_code == 400 and "expired" in lapsed.json()["error"]["error_data"]["details"]
    )
    fresh = (await http.get(f"/{media_id}", headers=key)).json()["url"]
    assert (await http.get(fresh, headers=key)).content == data

    stored = await state.media.catalog.get(media_id)
    assert stored is not None
    await advance(client, 30 * 86400)
    expired = await http.get(f"/{media_id}", headers=key)
    assert expired.status_code == 400 and expired.json()["error"]["error_subcode"] == 33
    # The worker's retention deletes the row and the bytes.
    assert state.retention is not None
    await state.retention.sweep()
    assert await state.media.catalog.get(media_id) is None
    with pytest.raises(FileNotFoundError):
        async for _ in state.media.storage.get(stored.storage_key):
            pass


async def test_sends_by_media_id_are_checked(
    http: httpx.AsyncClient, client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    media_id = await uploaded(http, key, b"\xff\xd8 photo")

    def image(media: str) -> dict[str, object]:
        return {
            "messaging_product": "whatsapp",
            "to": CUSTOMER,
            "type": "image",
            "image": {"id": media, "caption": "look"},
        }

    sent = await http.post("/messages", headers=key, json=image(media_id))
    assert sent.status_code == 200, sent.text
    unknown = await http.post("/messages", headers=key, json=image("1234567890123456"))
    assert unknown.status_code == 400
    error = unknown.json()["error"]
    assert error["code"] == 100
    assert error["message"] == (
        "(#100) Param image['id'] is not a valid whatsapp business account media attachment ID"
    )
    # By link: not checked here (WhatsApp fetches it).
    link = await http.post(
        "/messages",
        headers=key,
        json={**image(media_id), "image": {"link": "https://example.com/a.jpg"}},
    )
    assert link.status_code == 200, link.text


async def test_inbound_media_is_resolvable_with_the_bytes_supplied(
    http: httpx.AsyncClient, client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> None:
    channel, key = await ready_channel(client, partner, receiver)
    data = secrets.token_bytes(40 * KB)
    stored = await client.post(
        f"/_emulator/media?channel_id={channel['channel_id']}",
        headers={**EMULATOR, "content-type": "image/jpeg"},
        content=data,
    )
    assert stored.status_code == 201, stored.text
    media = stored.json()
    assert media["sha256"] == sha256(data)
    message = await client.post(
        "/_emulator/messages/inbound",
        headers=EMULATOR,
        json={
            "channel_id": channel["channel_id"],
            "from": CUSTOMER,
            "type": "image",
            "image": {"id": media["id"], "mime_type": "image/jpeg", "sha256": media["sha256"]},
        },
    )
    assert message.status_code == 200, message.text
    info = (await http.get(f"/{media['id']}", headers=key)).json()
    assert info["sha256"] == sha256(data)
    assert (await http.get(info["url"], headers=key)).content == data
