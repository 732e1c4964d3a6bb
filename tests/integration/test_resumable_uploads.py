"""Resumable uploads (Meta's Resumable Upload API as 360dialog serves it) over real HTTP:
sessions, chunks, resume, offsets, types, lengths, channel scoping, expiry and auth."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from litestar import Litestar

from partnerhub.domain.messaging.profile import MAX_UPLOAD_BYTES, UPLOAD_LIFETIME
from partnerhub.server.state import AppState
from tests.conftest import PartnerCreds
from tests.helpers.clock import advance
from tests.helpers.messaging import keys_path
from tests.helpers.uploads import (
    details,
    graph_error,
    keyed_number,
    png,
    send_chunk,
    start,
    upload,
)
from tests.integration.live_http import over_http

Client = httpx.AsyncClient


async def stored(state: AppState, session: str) -> bytes:
    """A finished upload's bytes, as the media storage holds them."""
    key = "upload" + session.removeprefix("upload:")
    return b"".join([block async for block in state.media.storage.get(key)])


async def test_two_chunks_with_a_resume_give_a_handle_and_the_same_bytes(
    client: Client, app: Litestar, partner: PartnerCreds, state: AppState
) -> None:
    picture = png(64, 64, seed=7)
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        opened = await start(http, key, len(picture))
        assert opened.status_code == 200, opened.text
        session = opened.json()["id"]
        assert session.startswith("upload:")

        status = await http.get(f"/{session}", headers=key)
        assert status.status_code == 200, status.text
        assert status.json() == {"id": session, "file_offset": 0}

        half = len(picture) // 2
        first = await send_chunk(http, key, session, 0, picture[:half])
        assert first.status_code == 200, first.text
        assert first.json() == {"id": session, "file_offset": half}

        # The client lost the answer: it asks where to resume, and resumes there.
        resumed = (await http.get(f"/{session}", headers=key)).json()
        assert resumed == {"id": session, "file_offset": half}
        last = await send_chunk(http, key, session, half, picture[half:])
        assert last.status_code == 200, last.text
        handle = last.json()["h"]
        assert handle and ":" in handle

        done = (await http.get(f"/{session}", headers=key)).json()
        assert done == {"id": session, "file_offset": len(picture)}

    # The bytes on disk are the bytes sent, whole (the picture test serves them back).
    assert await stored(state, session) == picture


async def test_a_chunk_at_the_wrong_offset_is_refused_and_changes_nothing(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    data = png(16, 16)
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        session = (await start(http, key, len(data))).json()["id"]
        ahead = await send_chunk(http, key, session, 10, data[10:])
        assert graph_error(ahead, 400)["code"] == 100
        assert "file_offset" in details(ahead) and "resume from 0" in details(ahead)

        assert (await send_chunk(http, key, session, 0, data[:10])).status_code == 200
        replayed = await send_chunk(http, key, session, 0, data[:10])  # the same chunk twice
        assert replayed.status_code == 400
        assert "file_offset" in details(replayed)
        assert (await http.get(f"/{session}", headers=key)).json()["file_offset"] == 10

        longer = await send_chunk(http, key, session, 10, data[10:] + b"extra")
        assert longer.status_code == 400 and "body" in details(longer)
        empty = await send_chunk(http, key, session, 10, b"")
        assert empty.status_code == 400 and "body" in details(empty)
        bad = await http.post(f"/{session}", headers={**key, "file_offset": "ten"}, content=b"x")
        assert bad.status_code == 400 and "file_offset" in details(bad)

        done = await send_chunk(http, key, session, 10, data[10:])
        handle = done.json()["h"]
        # The answer was lost: an empty chunk at the end asks for the handle again.
        asked = await send_chunk(http, key, session, len(data), b"")
        assert asked.status_code == 200 and asked.json() == {"h": handle}, asked.text
        more = await send_chunk(http, key, session, len(data), b"more")
        assert more.status_code == 400 and "body" in details(more)
        again = await send_chunk(http, key, session, 0, data)
        assert again.status_code == 400 and "complete" in details(again)


async def test_session_parameters_are_checked_with_the_field_named(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        cases = [
            ({"file_length": "10", "file_type": "image/png"}, "file_name"),
            ({"file_name": "a.png", "file_type": "image/png"}, "file_length"),
            ({"file_name": "a.png", "file_length": "ten", "file_type": "image/png"}, "file_length"),
            ({"file_name": "a.png", "file_length": "0", "file_type": "image/png"}, "file_length"),
            (
                {
                    "file_name": "a.png",
                    "file_length": str(MAX_UPLOAD_BYTES + 1),
                    "file_type": "image/png",
                },
                "file_length",
            ),
            ({"file_name": "a.png", "file_length": "10"}, "file_type"),
            ({"file_name": "a.gif", "file_length": "10", "file_type": "image/gif"}, "file_type"),
        ]
        for params, field in cases:
            refused = await http.post("/uploads", headers=key, params=params)
            assert graph_error(refused, 400)["code"] == 100, params
            assert details(refused).startswith(field), (params, refused.text)
        for kind in ("application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"):
            assert (await start(http, key, 10, kind)).status_code == 200, kind


async def test_another_channels_session_is_unknown_and_sessions_expire(
    client: Client, app: Litestar, partner: PartnerCreds, other_partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        _, other_key = await keyed_number(http, other_partner, "+4915198765432")
        session = (await start(http, key, 4)).json()["id"]
        for answer in (
            await http.get(f"/{session}", headers=other_key),
            await send_chunk(http, other_key, session, 0, b"abcd"),
            await http.get("/upload:nope", headers=key),
        ):
            error = graph_error(answer, 400)
            assert error["code"] == 100 and error["error_subcode"] == 33
            assert error["type"] == "GraphMethodException"
        assert (await http.get(f"/{session}", headers=key)).json()["file_offset"] == 0

        await advance(http, int((UPLOAD_LIFETIME + timedelta(seconds=1)).total_seconds()))
        expired = await http.get(f"/{session}", headers=key)
        assert graph_error(expired, 400)["error_subcode"] == 33
        late = await send_chunk(http, key, session, 0, b"abcd")
        assert graph_error(late, 400)["error_subcode"] == 33


async def test_uploads_need_a_live_key_of_the_number(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        channel, key = await keyed_number(http, partner)
        session = (await start(http, key, 4)).json()["id"]
        graph_error(await start(http, {}, 4), 401)
        graph_error(await start(http, {"D360-API-KEY": "not-a-key"}, 4), 401)
        graph_error(await start(http, {"X-API-Key": partner.api_key}, 4), 401)
        revoked = await http.delete(
            keys_path(partner, channel["channel_id"]), headers=partner.headers
        )
        assert revoked.status_code == 200, revoked.text
        for answer in (
            await start(http, key, 4),
            await http.get(f"/{session}", headers=key),
            await send_chunk(http, key, session, 0, b"abcd"),
        ):
            assert graph_error(answer, 401)["code"] == 0


async def test_a_whole_file_in_one_chunk(
    client: Client, app: Litestar, partner: PartnerCreds
) -> None:
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        handle = await upload(http, key, b"%PDF-1.4 tiny", "application/pdf")
        assert handle


async def test_a_large_chunk_is_streamed_to_disk_not_held_in_memory(
    client: Client, app: Litestar, partner: PartnerCreds, state: AppState
) -> None:
    size, block = 24 * 1024 * 1024, 256 * 1024

    async def body() -> AsyncIterator[bytes]:
        for i in range(size // block):
            yield bytes([i % 251]) * block

    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        session = (await start(http, key, size, "video/mp4", "clip.mp4")).json()["id"]
        headers = {**key, "file_offset": "0", "content-type": "application/octet-stream"}
        tracemalloc.start()
        try:
            sent = await http.post(f"/{session}", headers=headers, content=body())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert sent.status_code == 200, sent.text
        assert "h" in sent.json()
    # Server and client in this process: the whole request allocated a few blocks at a time,
    # never anything near the file's size.
    assert peak < size // 4, f"peak {peak} bytes for a {size}-byte upload"
    assert len(await stored(state, session)) == size


async def test_two_chunks_racing_for_one_offset_store_one(
    client: Client, app: Litestar, partner: PartnerCreds, state: AppState
) -> None:
    data = png(32, 32, seed=2)
    half = len(data) // 2
    async with over_http(app) as http:
        _, key = await keyed_number(http, partner)
        session = (await start(http, key, len(data))).json()["id"]
        first, second = await asyncio.gather(
            send_chunk(http, key, session, 0, data[:half]),
            send_chunk(http, key, session, 0, b"X" * half),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 400], (
            first.text,
            second.text,
        )
        winner = data[:half] if first.status_code == 200 else b"X" * half
        last = await send_chunk(http, key, session, half, data[half:])
        assert "h" in last.json(), last.text
    assert await stored(state, session) == winner + data[half:]
