"""Partner services: creating a partner, its settings, cached reads, test partners."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.auth import passwords
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.partners import services as partners
from partnerhub.domain.partners.services import PartnerChanges, PartnerReader
from tests.fakes import FakeCache, FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]


async def _create(new_uow: Uow, clock: FakeClock, **fields: str) -> None:
    values = {"brand_name": "Acme", "email": "Ops@Acme.example", "password": "long enough pw"}
    async with new_uow() as uow:
        await partners.create_partner(uow, clock, **(values | fields))


async def test_create_partner_stores_partner_and_first_user_with_a_hashed_password(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    await _create(new_uow, clock, country="de")
    (partner,) = db.tables.partners.values()
    (user,) = db.tables.users.values()
    assert partner.brand_name == "Acme"
    assert partner.country == "DE"
    assert partner.platform_secret_nonce  # signs webhooks from the first event
    assert user.partner_id == partner.id
    assert user.email == "ops@acme.example"
    assert user.password_hash != "long enough pw"
    assert await passwords.verify_password(user.password_hash, "long enough pw")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"password": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"brand_name": "   "}, "brand_name"),
        ({"brand_name": "x" * 256}, "brand_name"),
        ({"country": "Germany"}, "country"),
    ],
)
async def test_create_partner_refuses_a_bad_field_and_stores_nothing(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _create(new_uow, clock, **fields)
    assert refused.value.field == field
    assert not db.tables.partners
    assert not db.tables.users


async def test_create_partner_refuses_an_email_already_used_in_any_case(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    await _create(new_uow, clock)
    with pytest.raises(Conflict):
        await _create(new_uow, clock, brand_name="Other", email="OPS@acme.EXAMPLE")
    assert len(db.tables.partners) == 1


async def _seeded(db: FakeDatabase, clock: FakeClock, **fields: object) -> str:
    partner = builders.partner(clock.now(), **fields)
    db.seed(partner)
    return partner.id


async def test_update_partner_changes_only_the_fields_given(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner_id = await _seeded(db, clock, logo_url="https://acme.example/logo.png", country="FR")
    clock.advance(60)
    async with new_uow() as uow:
        await partners.update_partner(
            uow,
            clock,
            partner_id,
            PartnerChanges(brand_name="  Acme GmbH ", country="de", logo_url=None),
        )
    stored = db.tables.partners[partner_id]
    assert stored.brand_name == "Acme GmbH"
    assert stored.country == "DE"
    assert stored.logo_url is None
    assert stored.partner_redirect_url is None
    assert stored.modified_at > stored.created_at


async def test_setting_the_webhook_url_again_re_enables_delivery_after_a_410(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    url = "https://acme.example/hook"
    partner_id = await _seeded(db, clock, webhook_url=url, webhook_disabled_at=clock.now())
    async with new_uow() as uow:
        await partners.update_partner(uow, clock, partner_id, PartnerChanges(webhook_url=url))
    assert db.tables.partners[partner_id].webhook_disabled_at is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (PartnerChanges(brand_name=None), "brand_name"),
        (PartnerChanges(allow_client_to_add_phone_no=None), "allow_client_to_add_phone_no"),
        (PartnerChanges(webhook_url="ftp://acme.example"), "webhook_url"),
        (PartnerChanges(partner_redirect_url="/relative"), "partner_redirect_url"),
        (PartnerChanges(logo_url=""), "logo_url"),
    ],
)
async def test_update_partner_refuses_a_bad_change_and_keeps_the_partner_as_it_was(
    new_uow: Uow,
    clock: FakeClock,
    db: FakeDatabase,
    changes: PartnerChanges,
    field: str,
) -> None:
    partner_id = await _seeded(db, clock)
    before = db.tables.partners[partner_id]
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await partners.update_partner(
                uow, clock, partner_id, PartnerChanges(country="DE", **_fields(changes))
            )
    assert refused.value.field == field
    assert db.tables.partners[partner_id] == before
    assert db.commits == 0


def _fields(changes: PartnerChanges) -> dict[str, object]:
    return {k: v for k, v in vars(changes).items() if v is not partners.UNSET and k != "country"}


async def test_update_of_an_unknown_partner_is_not_found(new_uow: Uow, clock: FakeClock) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await partners.update_partner(uow, clock, "nope", PartnerChanges(brand_name="X"))


async def test_change_request_auto_approve_is_stored_in_the_settings(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner_id = await _seeded(db, clock)
    async with new_uow() as uow:
        assert await partners.set_change_request_auto_approve(uow, clock, partner_id, True)
    settings = db.tables.partners[partner_id].settings
    assert settings["partner_change_request"] == {"auto_approve": True}
    assert "account_sharing" in settings  # the rest of the object is kept


async def test_io_signature_needs_a_platform_secret_first(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner_id = await _seeded(db, clock, platform_secret_nonce=None)
    async with new_uow() as uow:
        with pytest.raises(Conflict):
            await partners.set_io_signature(uow, clock, partner_id, True)
        assert not await partners.set_io_signature(uow, clock, partner_id, False)
    assert not db.tables.partners[partner_id].io_signature_enabled


async def test_list_and_count_partners_oldest_first(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    first = builders.partner(clock.now(), brand_name="First")
    clock.advance(1)
    second = builders.partner(clock.now(), brand_name="Second")
    db.seed(second, first)
    async with new_uow() as uow:
        assert [p.brand_name for p in await partners.list_partners(uow)] == ["First", "Second"]
        assert await partners.count_partners(uow) == 2


async def test_partner_reader_serves_a_cached_partner_until_the_cache_is_invalidated(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    partner_id = await _seeded(db, clock, brand_name="Before")
    cache = FakeCache()
    reader = PartnerReader(new_uow, cache)
    assert (await reader.get(partner_id)).brand_name == "Before"
    async with new_uow() as uow:
        await partners.update_partner(uow, clock, partner_id, PartnerChanges(brand_name="After"))
    assert (await reader.get(partner_id)).brand_name == "Before"  # served from the cache
    cache.invalidate()  # what a commit seen by the change detector does
    assert (await reader.get(partner_id)).brand_name == "After"
    assert await reader.view(partner_id, lambda p: p.brand_name.upper()) == "AFTER"
    assert ("view", partner_id) == next(k for k in cache.data if isinstance(k, tuple))[:2]


async def test_partner_reader_raises_not_found_and_caches_nothing(new_uow: Uow) -> None:
    cache = FakeCache()
    with pytest.raises(NotFound):
        await PartnerReader(new_uow, cache).get("missing")
    assert not cache.data
