"""The business profile's and resumable uploads' rules against the fakes: offsets, completion,
expiry, channel scoping, picture handles and partial updates."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.messaging import profile
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.errors import GraphError
from tests.fakes import FakeClock, FakeUnitOfWork

Uow = Callable[[], FakeUnitOfWork]


def principal(channel_id: str = "chanCH") -> ChannelPrincipal:
    return ChannelPrincipal(
        key_id="key",
        channel_id=channel_id,
        partner_id="partner",
        client_id="client",
        waba_account_id="waba",
        channel_status="live",
        phone_number="+4915112345678",
        external_id="1",
    )


async def _nothing() -> None:
    return None


async def upload(
    new_uow: Uow, clock: FakeClock, size: int, kind: str = "image/png", who: str = "chanCH"
) -> profile.UploadSession:
    async with new_uow() as uow:
        session = await profile.start_upload(uow, clock, principal(who), "a.png", str(size), kind)
    async with new_uow() as uow:
        return await profile.accept_chunk(
            uow, clock, principal(who), session.wire_id, 0, size, _nothing
        )


async def test_chunks_move_the_offset_and_the_last_gives_a_handle(
    new_uow: Uow, clock: FakeClock
) -> None:
    async with new_uow() as uow:
        session = await profile.start_upload(uow, clock, principal(), "a.png", "10", "image/png")
    node = session.wire_id
    async with new_uow() as uow:
        half = await profile.accept_chunk(uow, clock, principal(), node, 0, 4, _nothing)
    assert (half.file_offset, half.handle) == (4, None)
    async with new_uow() as uow:
        with pytest.raises(GraphError, match="file_offset"):
            await profile.accept_chunk(uow, clock, principal(), node, 0, 4, _nothing)
    async with new_uow() as uow:
        with pytest.raises(GraphError, match="past file_length"):
            await profile.accept_chunk(uow, clock, principal(), node, 4, 7, _nothing)
    async with new_uow() as uow:
        done = await profile.accept_chunk(uow, clock, principal(), node, 4, 6, _nothing)
    assert done.complete and done.handle and done.file_offset == 10
    async with new_uow() as uow:
        with pytest.raises(GraphError) as other:
            await profile.find_upload(uow, clock, principal("otherCH"), node)
    assert other.value.error_subcode == profile.UNKNOWN_OBJECT_SUBCODE


async def test_a_failed_placement_leaves_the_offset_where_it_was(
    new_uow: Uow, clock: FakeClock
) -> None:
    async with new_uow() as uow:
        session = await profile.start_upload(uow, clock, principal(), "a.png", "10", "image/png")

    async def broken() -> None:
        raise OSError("disk full")

    async with new_uow() as uow:
        with pytest.raises(OSError):
            await profile.accept_chunk(uow, clock, principal(), session.wire_id, 0, 10, broken)
    async with new_uow() as uow:
        found = await profile.find_upload(uow, clock, principal(), session.wire_id)
    assert found.file_offset == 0 and found.handle is None


async def test_updates_keep_what_they_do_not_name_and_check_the_picture(
    new_uow: Uow, clock: FakeClock
) -> None:
    picture = await upload(new_uow, clock, 100)
    pdf = await upload(new_uow, clock, 100, "application/pdf")
    theirs = await upload(new_uow, clock, 100, who="otherCH")
    assert picture.handle and pdf.handle and theirs.handle
    async with new_uow() as uow:
        await profile.update_profile(
            uow,
            clock,
            principal(),
            profile.ProfileChange(about="Hi", websites=["https://a.example"]),
        )
    async with new_uow() as uow:
        await profile.update_profile(
            uow,
            clock,
            principal(),
            profile.ProfileChange(vertical="RETAIL", profile_picture_handle=picture.handle),
        )
    async with new_uow() as uow:
        found = await profile.get_profile(uow, principal())
    assert (found.about, found.websites, found.vertical) == ("Hi", ["https://a.example"], "RETAIL")
    assert found.picture_id == picture.id
    for handle in (pdf.handle, theirs.handle, "4:nope"):
        async with new_uow() as uow:
            with pytest.raises(GraphError, match="profile_picture_handle"):
                await profile.update_profile(
                    uow, clock, principal(), profile.ProfileChange(profile_picture_handle=handle)
                )
    clock.advance(profile.UPLOAD_LIFETIME.total_seconds() + 1)
    async with new_uow() as uow:
        with pytest.raises(GraphError, match="expired"):
            await profile.update_profile(
                uow,
                clock,
                principal(),
                profile.ProfileChange(profile_picture_handle=picture.handle),
            )
