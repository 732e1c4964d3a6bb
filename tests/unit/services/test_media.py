"""The media rules (domain/media/services.py) against in-memory storage and catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest

from partnerhub.domain.media.services import MediaService, TooLarge
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.ports import MediaCatalog, MediaStorage
from tests.fakes.clock import FakeClock
from tests.fakes.media import MemoryMediaCatalog, MemoryMediaStorage

KB = 1024


def principal(channel_id: str = "CH1") -> ChannelPrincipal:
    return ChannelPrincipal("K1", channel_id, "PA1", "CL1", "WA1", "running", "+491", "ext")


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


class Parts(NamedTuple):
    storage: MemoryMediaStorage
    catalog: MemoryMediaCatalog
    clock: FakeClock
    media: MediaService


@pytest.fixture
def parts() -> Parts:
    storage, catalog, clock = MemoryMediaStorage(), MemoryMediaCatalog(), FakeClock()
    ports: tuple[MediaStorage, MediaCatalog] = (storage, catalog)  # the fakes fit the ports
    return Parts(storage, catalog, clock, MediaService(ports[1], ports[0], clock, b"k" * 32))


async def test_a_stream_past_its_limit_leaves_nothing(parts: Parts) -> None:
    storage, _, _, media = parts
    with pytest.raises(TooLarge):
        await media.stage(chunks(b"x" * 5001), 5000)
    assert storage.objects == {}


async def test_register_checks_the_type_and_the_static_sticker_limit(parts: Parts) -> None:
    storage, catalog, _, media = parts
    static = await media.stage(chunks(b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * (101 * KB)), 500 * KB)
    with pytest.raises(GraphError) as refused:
        await media.register(principal(), static, "image/webp")
    assert refused.value.code == 131053
    assert storage.objects == {} and catalog.rows == {}
    gif = await media.stage(chunks(b"GIF89a"), 500 * KB)
    with pytest.raises(GraphError) as wrong:
        await media.register(principal(), gif, "image/gif")
    assert wrong.value.code == 100 and storage.objects == {}


async def test_resolve_link_and_expiry(parts: Parts) -> None:
    storage, catalog, clock, media = parts
    staged = await media.stage(chunks(b"photo"), 5000)
    stored = await media.register(principal(), staged, "image/jpeg")
    assert (await media.resolve(principal(), stored.id)).sha256 == stored.sha256
    with pytest.raises(GraphError) as other:
        await media.resolve(principal("CH2"), stored.id)
    assert other.value.error_subcode == 33

    query = parse_qs(urlsplit(media.download_url(stored, "http://hub.test")).query)
    mid, ext, hash_ = query["mid"][0], query["ext"][0], query["hash"][0]
    assert (await media.open_link(principal(), mid, ext, hash_)).id == stored.id
    with pytest.raises(GraphError):
        await media.open_link(principal(), mid, ext, "0" * 64)
    with pytest.raises(GraphError):
        await media.open_link(principal(), mid, str(int(ext) + 60), hash_)
    clock.advance(301)
    with pytest.raises(GraphError):
        await media.open_link(principal(), mid, ext, hash_)

    assert await media.sweep_expired(clock.now(), 10) == 0
    clock.advance(30 * 86400)
    with pytest.raises(GraphError):
        await media.resolve(principal(), stored.id)
    assert await media.sweep_expired(clock.now(), 10) == 1
    assert catalog.rows == {} and storage.objects == {}


async def test_check_send(parts: Parts) -> None:
    _, _, _, media = parts
    staged = await media.stage(chunks(b"clip"), 5000)
    stored = await media.register(principal(), staged, "video/mp4")
    await media.check_send(principal(), {"type": "video", "video": {"id": stored.id}})
    with pytest.raises(GraphError) as refused:
        await media.check_send(principal("CH2"), {"type": "video", "video": {"id": stored.id}})
    assert refused.value.message == (
        "(#100) Param video['id'] is not a valid whatsapp business account media attachment ID"
    )
