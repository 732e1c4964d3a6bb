"""``/_emulator/catalogs``: product catalogs connected to a WABA [ours; Meta's Commerce Manager
holds them], so that product messages can be checked against them (issue 17)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath

from partnerhub.domain.catalogs import services
from partnerhub.domain.catalogs.model import IN_STOCK, Product
from partnerhub.emulator.routes.guard import guard
from partnerhub.server.auth import app_state
from partnerhub.server.body import read_body
from partnerhub.server.openapi import documents_body
from partnerhub.server.presenters.catalogs import catalog as present_catalog

_Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ProductIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    retailer_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    name: _Text
    price: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] = "0.00"
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)] = "USD"
    availability: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] = IN_STOCK


class CatalogIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A catalog for the WABA of ``channel_id``, with its first products."""

    channel_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    name: _Text = "Catalog"
    products: list[ProductIn] = []


class ProductsIn(msgspec.Struct, forbid_unknown_fields=True):
    products: list[ProductIn]


def _products(given: list[ProductIn]) -> list[Product]:
    return [Product(p.retailer_id, p.name, p.price, p.currency, p.availability) for p in given]


@post(
    "/catalogs",
    summary="Create a product catalog and connect it to a number's WABA (one per WABA)",
    status_code=201,
)
@documents_body(CatalogIn)
async def create_catalog(request: Request[Any, Any, Any]) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, CatalogIn)
    state = app_state(request)
    async with state.uow() as uow:
        catalog, products = await services.create_catalog(
            uow, state.clock, body.channel_id, body.name, _products(body.products)
        )
    return present_catalog(catalog, products)


@post(
    "/catalogs/{catalog_id:str}/products",
    summary="Add products to a catalog (replacing those with the same retailer id)",
    status_code=200,
)
@documents_body(ProductsIn)
async def put_products(
    request: Request[Any, Any, Any], catalog_id: FromPath[str]
) -> dict[str, Any]:
    await guard(request)
    body = await read_body(request, ProductsIn)
    state = app_state(request)
    async with state.uow() as uow:
        catalog, products = await services.put_products(
            uow, state.clock, catalog_id, _products(body.products)
        )
    return present_catalog(catalog, products)


@get("/catalogs/{catalog_id:str}", summary="A catalog and its products")
async def read_catalog(
    request: Request[Any, Any, Any], catalog_id: FromPath[str]
) -> dict[str, Any]:
    await guard(request)
    async with app_state(request).uow() as uow:
        catalog, products = await services.read_catalog(uow, catalog_id)
    return present_catalog(catalog, products)


HANDLERS = [create_catalog, put_products, read_catalog]
