"""Media over real HTTP (issue 17): upload, resolve, download, delete, Meta's limits, expiry on
the virtual clock, sends by media id, inbound media, the S3 store, and a 100 MB upload refused
without being held in memory."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar
from pydantic import SecretStr

from partnerhub.adapters.media_storage import S3MediaStorage
from partnerhub.app import create_app
from partnerhub.emulator.clock import VirtualClock
from partnerhub.server.settings import Settings
from partnerhub.server.state import AppState
from partnerhub.testing._server import PartnerhubServer, free_port
from tests.conftest import EMULATOR, PartnerCreds, make_partner, running
from tests.helpers.clock import advance
from tests.helpers.hot_paths import routed_twin
from tests.helpers.media import (
    STREAMED_CONTENT_TYPE,
    WEBP_ANIMATED,
    WEBP_STATIC,
    graph_code,
    peak_rss_kib,
    server_channel_key,
    sha256,
    streamed_form,
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
    ]
    for mime, limit in cases:
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


def test_a_100_mb_upload_is_refused_without_being_held_in_memory(tmp_path: Path) -> None:
    """The server runs as its own process; its peak RSS (VmHWM) barely moves while 100 MB and
    one byte of a document stream through it and are refused at the limit."""
    server = PartnerhubServer(tmp_path / "server")
    server.start()
    try:
        key = server_channel_key(server)
        pid = server.pid
        assert pid is not None
        with httpx.Client(base_url=server.base_url, timeout=120) as http:
            small = http.post(
                "/media",
                headers={**key, "content-type": STREAMED_CONTENT_TYPE},
                content=streamed_form(2 * MB, "application/pdf"),
            )
            assert small.status_code == 200, small.text  # warmed up: the code paths are loaded
            before = peak_rss_kib(pid)
            refused = http.post(
                "/media",
                headers={**key, "content-type": STREAMED_CONTENT_TYPE},
                content=streamed_form(100 * MB + 1, "application/pdf"),
            )
            after = peak_rss_kib(pid)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == 131053
        growth_mib = (after - before) / 1024
        assert growth_mib < 20, f"peak RSS grew {growth_mib:.1f} MiB for a 100 MB upload"
        incoming = tmp_path / "server" / "media" / ".incoming"
        assert list(incoming.iterdir()) == []  # the partial file was removed
    finally:
        server.stop()


@pytest.fixture
def s3_url() -> Iterator[str]:
    """moto's S3-compatible server on a loopback port, for the life of one test."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


async def _chunks(data: bytes, size: int = 256 * KB) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _read(storage: S3MediaStorage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.get(key)])


async def test_s3_storage_round_trip(s3_url: str) -> None:
    storage = S3MediaStorage(s3_url, "media-test", access_key="test", secret_key="test")
    try:
        await storage.ensure_bucket()
        small, large = secrets.token_bytes(10 * KB), secrets.token_bytes(20 * MB + 123)
        await storage.put("small01", _chunks(small))
        await storage.put("large01", _chunks(large))  # three parts of a multipart upload
        assert await _read(storage, "small01") == small
        assert sha256(await _read(storage, "large01")) == sha256(large)

        async def broken() -> AsyncIterator[bytes]:
            yield b"\0" * (9 * MB)
            raise RuntimeError("client went away")

        with pytest.raises(RuntimeError):
            await storage.put("broken01", broken())
        with pytest.raises(FileNotFoundError):
            await _read(storage, "broken01")  # the aborted upload left nothing
        await storage.delete("large01")
        with pytest.raises(FileNotFoundError):
            await _read(storage, "large01")
        await storage.delete("large01")  # deleting twice is fine
    finally:
        await storage.aclose()


async def test_the_api_on_an_s3_bucket(
    s3_url: str, settings: Settings, clock: VirtualClock, tmp_path: Path, receiver: Receiver
) -> None:
    """Two API processes' worth of apps on one database and one bucket: what one stores the
    other serves."""
    bucket_settings = settings.model_copy(
        update={
            "media_s3_url": s3_url,
            "media_s3_bucket": "shared-media",
            "media_s3_access_key": "test",
            "media_s3_secret_key": SecretStr("test"),
        }
    )
    setup = S3MediaStorage(s3_url, "shared-media", access_key="test", secret_key="test")
    await setup.ensure_bucket()
    await setup.aclose()
    first = create_app(bucket_settings, clock=clock)
    second = create_app(bucket_settings, clock=clock, migrate_on_start=False)
    async with running(first), running(second):
        state: AppState = first.state.partnerhub
        partner = await make_partner(state)
        async with over_http(first) as one, over_http(second) as two:
            key = await _key(one, partner, receiver)
            data = secrets.token_bytes(MB + 17)
            media_id = await uploaded(one, key, data, "video/mp4")
            info = (await two.get(f"/{media_id}", headers=key)).json()
            assert info["sha256"] == sha256(data)
            download = await two.get(info["url"], headers=key)
            assert download.status_code == 200 and download.content == data
            assert (await two.delete(f"/{media_id}", headers=key)).status_code == 200
            assert (await one.get(f"/{media_id}", headers=key)).status_code == 400
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*"))


async def test_uploads_and_downloads_are_counted_in_metrics(
    http: httpx.AsyncClient, client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> None:
    def value(text: str, name: str) -> float:
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    key = await _key(client, partner, receiver)
    before = (await http.get("/metrics")).text
    media_id = await uploaded(http, key, b"x" * 1000)
    url = (await http.get(f"/{media_id}", headers=key)).json()["url"]
    assert (await http.get(url, headers=key)).status_code == 200
    await upload(http, key, b"GIF89a", "image/gif")
    after = (await http.get("/metrics")).text
    stored = 'partnerhub_media_uploads_total{outcome="stored"}'
    refused = 'partnerhub_media_uploads_total{outcome="refused"}'
    assert value(after, stored) == value(before, stored) + 1
    assert value(after, refused) == value(before, refused) + 1
    assert value(after, "partnerhub_media_upload_bytes_total") >= 1000 + value(
        before, "partnerhub_media_upload_bytes_total"
    )
    assert value(after, "partnerhub_media_downloads_total") == 1 + value(
        before, "partnerhub_media_downloads_total"
    )


async def test_the_routed_send_handler_checks_media_ids_too(
    app: Litestar, client: httpx.AsyncClient, partner: PartnerCreds, receiver: Receiver
) -> None:
    """POST /messages below the framework (server/fastpath/send.py) and the routed handler
    share the check: the routed one, reached with the raw send path taken out, refuses too."""
    channel, key = await ready_channel(client, partner, receiver)
    await inbound(client, channel["channel_id"])
    routed = routed_twin(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=routed), base_url="http://partnerhub.test"
    ) as direct:
        answer = await direct.post(
            "/messages",
            headers=key,
            json={
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "document",
                "document": {"id": "9999999999999999", "filename": "a.pdf"},
            },
        )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"] == (
        "(#100) Param document['id'] is not a valid whatsapp business account media attachment ID"
    )
