"""Product catalogs connected to a WABA, and the check of product messages against them
(issue 17).

Meta keeps a business's products in a Commerce Manager catalog connected to its WhatsApp
Business Account. A ``product``, ``product_list``, ``catalog_message`` or product carousel send
names the catalog and products by retailer id (Meta's "content id"); Meta refuses a catalog not
connected to the WABA and a product it cannot find, with 131009 and the details naming the field
(docs/fidelity.md, "Interactive messages"). The emulator creates catalogs through
``/_emulator/catalogs``; :func:`check_products` is called by the one send path every surface
shares (:class:`partnerhub.domain.messaging.services.MessageSender`).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from partnerhub.domain.catalogs.model import AVAILABILITIES, Catalog, Product
from partnerhub.domain.clients.queries import any_channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.messaging.refusals import refuse
from partnerhub.domain.messaging.validation import ProductRef
from partnerhub.domain.ports import UnitOfWork

MAX_PRODUCTS_PER_CALL = 1000


def new_catalog_id() -> str:
    """Meta's catalog ids are 15-16 digit numbers."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


def _checked(products: Sequence[Product]) -> list[Product]:
    if len(products) > MAX_PRODUCTS_PER_CALL:
        raise InvalidInput("products", f"at most {MAX_PRODUCTS_PER_CALL} per call")
    seen: set[str] = set()
    for i, product in enumerate(products):
        at = f"products[{i}]"
        if product.retailer_id in seen:
            raise InvalidInput(f"{at}.retailer_id", "is given twice")
        seen.add(product.retailer_id)
        if product.availability not in AVAILABILITIES:
            options = ", ".join(sorted(AVAILABILITIES))
            raise InvalidInput(f"{at}.availability", f"must be one of: {options}")
        currency = product.currency
        if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
            raise InvalidInput(f"{at}.currency", "must be an ISO 4217 currency code")
        try:
            float(product.price)
        except ValueError:
            raise InvalidInput(f"{at}.price", "must be a decimal amount, e.g. 12.50") from None
    return [
        Product(p.retailer_id, p.name, p.price, p.currency.upper(), p.availability)
        for p in products
    ]


async def create_catalog(
    uow: UnitOfWork,
    clock: Clock,
    channel_id: str,
    name: str,
    products: Sequence[Product] = (),
) -> tuple[Catalog, dict[str, Product]]:
    """Create a catalog and connect it to the WABA of ``channel_id`` (one per WABA, as on
    Meta)."""
    checked = _checked(products)
    channel = await any_channel(uow, channel_id)
    await uow.lock_for_write()
    if await uow.catalogs.catalog_of_waba(channel.waba_account_id) is not None:
        raise Conflict("This WABA already has a catalog connected")
    catalog = Catalog(
        id=new_catalog_id(),
        partner_id=channel.partner_id,
        waba_account_id=channel.waba_account_id,
        name=name,
        created_at=clock.now(),
    )
    if not await uow.catalogs.add_catalog(catalog):  # connected by another transaction since
        raise Conflict("This WABA already has a catalog connected")
    await uow.catalogs.put_products(catalog.id, checked, clock.now())
    stored = await uow.catalogs.products(catalog.id)
    await uow.commit()
    return catalog, stored


async def put_products(
    uow: UnitOfWork, clock: Clock, catalog_id: str, products: Sequence[Product]
) -> tuple[Catalog, dict[str, Product]]:
    """Add products to a catalog, replacing those with the same retailer id."""
    checked = _checked(products)
    catalog = await get_catalog(uow, catalog_id)
    await uow.lock_for_write()
    await uow.catalogs.put_products(catalog.id, checked, clock.now())
    stored = await uow.catalogs.products(catalog.id)
    await uow.commit()
    return catalog, stored


async def get_catalog(uow: UnitOfWork, catalog_id: str) -> Catalog:
    catalog = await uow.catalogs.get_catalog(catalog_id)
    if catalog is None:
        raise NotFound("Catalog not found")
    return catalog


async def read_catalog(uow: UnitOfWork, catalog_id: str) -> tuple[Catalog, dict[str, Product]]:
    catalog = await get_catalog(uow, catalog_id)
    return catalog, await uow.catalogs.products(catalog.id)


async def check_products(uow: UnitOfWork, waba_account_id: str, ref: ProductRef) -> None:
    """Refuse a product send whose catalog is not the WABA's, or that names a product the
    catalog does not hold (131009, the field named). Products out of stock pass: WhatsApp
    shows them as unavailable rather than refusing the message."""
    connected = await uow.catalogs.catalog_of_waba(waba_account_id)
    if ref.catalog_id is None:  # a catalog message shows the WABA's catalog
        if connected is None:
            raise refuse(
                "unknown_catalog",
                ref.catalog_path,
                reason="no catalog is connected to this WhatsApp Business Account",
            )
    elif connected is None or connected.id != ref.catalog_id:
        raise refuse(
            "unknown_catalog",
            ref.catalog_path,
            reason=f"catalog {ref.catalog_id!r} is not connected to this WhatsApp Business Account",
        )
    if not ref.products:
        return
    found = await uow.catalogs.products(connected.id, {rid for _, rid in ref.products})
    for path, retailer_id in ref.products:
        if retailer_id not in found:
            raise refuse(
                "unknown_product",
                path,
                reason=f"product {retailer_id!r} was not found in catalog {connected.id}",
            )


async def priced_order(
    uow: UnitOfWork, waba_account_id: str, order: dict[str, Any]
) -> dict[str, Any]:
    """A user's cart (an inbound ``order`` message) as Meta reports it: every product must be
    in the WABA's catalog; a price or currency left out is the catalog's."""
    connected = await uow.catalogs.catalog_of_waba(waba_account_id)
    if connected is None or connected.id != order["catalog_id"]:
        raise InvalidInput("order.catalog_id", "is not the catalog connected to this number's WABA")
    items: list[dict[str, Any]] = order["product_items"]
    found = await uow.catalogs.products(connected.id, {i["product_retailer_id"] for i in items})
    priced = []
    for i, item in enumerate(items):
        product = found.get(item["product_retailer_id"])
        if product is None:
            raise InvalidInput(
                f"order.product_items[{i}].product_retailer_id", "is not in the catalog"
            )
        priced.append(
            {
                "product_retailer_id": product.retailer_id,
                "quantity": item.get("quantity", 1),
                "item_price": item.get("item_price", float(product.price)),
                "currency": item.get("currency", product.currency),
            }
        )
    return {**order, "product_items": priced}
