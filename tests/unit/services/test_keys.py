"""Partner API keys: issued once with their secret, stored as a digest, revoked at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.keys import secrets
from partnerhub.domain.keys import services as keys
from partnerhub.domain.listing import ListQuery
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]


@pytest.fixture
def partner_id(db: FakeDatabase, clock: FakeClock) -> str:
    partner = builders.partner(clock.now())
    db.seed(partner)
    return partner.id


async def test_an_issued_key_keeps_only_the_digest_and_display_prefix(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner_id: str
) -> None:
    async with new_uow() as uow:
        issued = await keys.issue_key(uow, clock, partner_id, "  ci  ")
    stored = db.tables.api_keys[issued.key.id]
    assert stored.name == "ci"
    assert issued.secret.startswith("ph_live_")
    assert secrets.well_formed(issued.secret)
    assert stored.secret_digest == secrets.digest(issued.secret)
    assert issued.secret not in vars(stored).values()
    assert issued.secret.startswith(stored.prefix)


@pytest.mark.parametrize("name", ["", "   ", "k" * 256])
async def test_a_key_needs_a_name_of_sensible_length(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner_id: str, name: str
) -> None:
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await keys.issue_key(uow, clock, partner_id, name)
    assert refused.value.field == "name"
    assert not db.tables.api_keys


async def test_a_key_for_an_unknown_partner_is_not_found(new_uow: Uow, clock: FakeClock) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await keys.issue_key(uow, clock, "missing", "ci")


async def test_a_revoked_key_leaves_the_list_and_cannot_be_revoked_twice(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner_id: str
) -> None:
    async with new_uow() as uow:
        kept = await keys.issue_key(uow, clock, partner_id, "kept")
        clock.advance(1)
        gone = await keys.issue_key(uow, clock, partner_id, "gone")
    async with new_uow() as uow:
        revoked = await keys.revoke_key(uow, clock, partner_id, gone.key.id)
        assert revoked.revoked_at is not None
    async with new_uow() as uow:
        listed, total = await keys.list_keys(uow, partner_id, ListQuery())
        assert [k.id for k in listed] == [kept.key.id]
        assert total == 1
        with pytest.raises(NotFound):
            await keys.revoke_key(uow, clock, partner_id, gone.key.id)
    assert db.tables.api_keys[gone.key.id].revoked_at is not None


async def test_another_partners_key_cannot_be_revoked(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, partner_id: str
) -> None:
    other = builders.partner(clock.now())
    db.seed(other)
    async with new_uow() as uow:
        issued = await keys.issue_key(uow, clock, other.id, "theirs")
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await keys.revoke_key(uow, clock, partner_id, issued.key.id)
    assert db.tables.api_keys[issued.key.id].revoked_at is None


async def test_keys_are_listed_newest_first_a_page_at_a_time(
    new_uow: Uow, clock: FakeClock, partner_id: str
) -> None:
    async with new_uow() as uow:
        for name in ("a", "b", "c"):
            await keys.issue_key(uow, clock, partner_id, name)
            clock.advance(1)
    async with new_uow() as uow:
        listed, total = await keys.list_keys(uow, partner_id, ListQuery(limit=2))
        assert [k.name for k in listed] == ["c", "b"]
        assert total == 3
        listed, _ = await keys.list_keys(uow, partner_id, ListQuery(limit=2, offset=2))
        assert [k.name for k in listed] == ["a"]
