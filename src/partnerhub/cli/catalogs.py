"""``partnerhub catalogs``: product catalogs connected to a number's WABA, on the local database
(issue 17). Product messages (``product``, ``product_list``, ``catalog_message``, product
carousels) are checked against them; in emulator mode ``/_emulator/catalogs`` does the same
over HTTP, on a hub this is how an operator loads a catalog."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from partnerhub.cli._runtime import console, run_with_state
from partnerhub.domain.catalogs import services
from partnerhub.domain.catalogs.model import IN_STOCK, Catalog, Product
from partnerhub.server.presenters.catalogs import catalog as present_catalog
from partnerhub.server.state import AppState

catalogs_app = typer.Typer(
    help="Product catalogs connected to a number's WABA (local database).", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]
ProductOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--product",
        help="RETAILER_ID|NAME[|PRICE[|CURRENCY[|AVAILABILITY]]], e.g. 'sku-1|Margherita|8.50|EUR'"
        " (repeatable).",
    ),
]


def parse_product(text: str) -> Product:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 2 or not parts[0] or not parts[1] or len(parts) > 5:
        raise typer.BadParameter(f"{text!r}: RETAILER_ID|NAME[|PRICE[|CURRENCY[|AVAILABILITY]]]")
    defaults = ["", "", "0.00", "USD", IN_STOCK]
    values = parts + defaults[len(parts) :]
    return Product(values[0], values[1], values[2], values[3], values[4])


def _show(catalog: Catalog, products: dict[str, Product], as_json: bool) -> None:
    document = present_catalog(catalog, products)
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    console.print(f"catalog [bold]{catalog.id}[/] ({catalog.name}), WABA {catalog.waba_account_id}")
    table = Table("retailer id", "name", "price", "currency", "availability")
    for row in document["products"]:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


@catalogs_app.command("create")
def catalogs_create(
    channel: Annotated[str, typer.Option("--channel", help="A number's channel id.")],
    name: Annotated[str, typer.Option("--name")] = "Catalog",
    product: ProductOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create the catalog of a number's WABA (one per WABA), with its first products."""
    products = [parse_product(p) for p in product or []]

    async def action(state: AppState) -> tuple[Catalog, dict[str, Product]]:
        async with state.uow() as uow:
            return await services.create_catalog(uow, state.clock, channel, name, products)

    _show(*run_with_state(action), as_json)


@catalogs_app.command("add")
def catalogs_add(
    catalog_id: Annotated[str, typer.Argument(help="The catalog's id.")],
    product: ProductOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add products to a catalog (replacing those with the same retailer id)."""
    products = [parse_product(p) for p in product or []]

    async def action(state: AppState) -> tuple[Catalog, dict[str, Product]]:
        async with state.uow() as uow:
            return await services.put_products(uow, state.clock, catalog_id, products)

    _show(*run_with_state(action), as_json)


@catalogs_app.command("show")
def catalogs_show(
    catalog_id: Annotated[str, typer.Argument(help="The catalog's id.")],
    as_json: JsonOpt = False,
) -> None:
    """A catalog and its products."""

    async def action(state: AppState) -> tuple[Catalog, dict[str, Product]]:
        async with state.uow() as uow:
            return await services.read_catalog(uow, catalog_id)

    _show(*run_with_state(action), as_json)
