"""Product catalogs (issue 17) against the fakes: one per WABA, products added or replaced by
retailer id, and the check of a product send (catalog of the WABA, products in it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.catalogs import services as catalogs
from partnerhub.domain.catalogs.model import Product
from partnerhub.domain.clients.model import Channel, ChannelStatus
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.validation import ProductRef
from tests.fakes import FakeClock, FakeDatabase, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
MARGHERITA = Product("sku-1", "Margherita", "8.50", "eur")


@pytest.fixture
def channel(db: FakeDatabase, clock: FakeClock) -> Channel:
    partner = builders.partner(clock.now())
    client = builders.client(partner, clock.now())
    waba = builders.waba(client, clock.now())
    live = builders.channel(client, waba, clock.now(), ChannelStatus.LIVE)
    db.seed(partner, client, waba, live)
    return live


async def test_a_catalog_is_connected_to_the_numbers_waba_once(
    new_uow: Uow, clock: FakeClock, channel: Channel, db: FakeDatabase
) -> None:
    async with new_uow() as uow:
        catalog, products = await catalogs.create_catalog(
            uow, clock, channel.id, "Menu", [MARGHERITA]
        )
    assert catalog.waba_account_id == channel.waba_account_id and len(catalog.id) == 16
    assert products["sku-1"].currency == "EUR"  # stored upper-case
    assert db.commits == 1
    with pytest.raises(Conflict):
        async with new_uow() as uow:
            await catalogs.create_catalog(uow, clock, channel.id, "Again")
    with pytest.raises(NotFound):
        async with new_uow() as uow:
            await catalogs.create_catalog(uow, clock, "nopeCH", "Menu")


@pytest.mark.parametrize(
    ("product", "field"),
    [
        (Product("a", "A", "x", "EUR"), "products[0].price"),
        (Product("a", "A", "1", "EU"), "products[0].currency"),
        (Product("a", "A", "1", "EUR", "maybe"), "products[0].availability"),
    ],
)
async def test_bad_products_are_refused_naming_the_field(
    new_uow: Uow, clock: FakeClock, channel: Channel, product: Product, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        async with new_uow() as uow:
            await catalogs.create_catalog(uow, clock, channel.id, "Menu", [product])
    assert refused.value.field == field


async def test_products_are_added_or_replaced_by_retailer_id(
    new_uow: Uow, clock: FakeClock, channel: Channel
) -> None:
    async with new_uow() as uow:
        catalog, _ = await catalogs.create_catalog(uow, clock, channel.id, "Menu", [MARGHERITA])
    gone = Product("sku-1", "Margherita", "8.50", "EUR", "out of stock")
    async with new_uow() as uow:
        _, products = await catalogs.put_products(
            uow, clock, catalog.id, [gone, Product("sku-2", "Diavola", "9", "EUR")]
        )
    assert sorted(products) == ["sku-1", "sku-2"]
    assert products["sku-1"].availability == "out of stock"
    with pytest.raises(InvalidInput):
        async with new_uow() as uow:
            await catalogs.put_products(uow, clock, catalog.id, [MARGHERITA, MARGHERITA])


async def test_product_sends_are_checked_against_the_wabas_catalog(
    new_uow: Uow, clock: FakeClock, channel: Channel
) -> None:
    waba = channel.waba_account_id
    at = "interactive.action.product_retailer_id"
    showcase = ProductRef(None, (), "interactive.action")
    with pytest.raises(GraphError) as none_yet:
        async with new_uow() as uow:
            await catalogs.check_products(uow, waba, showcase)
    assert (none_yet.value.code, none_yet.value.field) == (131009, "interactive.action")
    async with new_uow() as uow:
        catalog, _ = await catalogs.create_catalog(uow, clock, channel.id, "Menu", [MARGHERITA])
    async with new_uow() as uow:
        await catalogs.check_products(uow, waba, showcase)
        await catalogs.check_products(uow, waba, ProductRef(catalog.id, ((at, "sku-1"),)))
    cases = [
        (ProductRef("123", ((at, "sku-1"),)), "interactive.action.catalog_id"),
        (ProductRef(catalog.id, ((at, "sku-9"),)), at),
    ]
    for ref, field in cases:
        with pytest.raises(GraphError) as refused:
            async with new_uow() as uow:
                await catalogs.check_products(uow, waba, ref)
        assert (refused.value.code, refused.value.field) == (131009, field)
