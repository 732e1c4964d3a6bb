"""Product catalogs and their products (issue 17): Core SQL over ``catalogs`` and
``catalog_products``; the domain's frozen dataclasses are built from rows, not mapped."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.catalogs.model import Catalog, Product

_C = tables.catalogs
_P = tables.catalog_products


def _catalog(row: Any) -> Catalog:
    return Catalog(
        id=row.id,
        partner_id=row.partner_id,
        waba_account_id=row.waba_account_id,
        name=row.name,
        created_at=row.created_at,
    )


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_catalog(self, catalog: Catalog) -> bool:
        """Insert the catalog; False when its WABA has one already (another transaction may
        have connected it since the caller looked: ``ON CONFLICT DO NOTHING`` on the WABA)."""
        bind = self._session.bind
        make_insert = (
            postgresql.insert
            if bind is not None and bind.dialect.name == "postgresql"
            else sqlite.insert
        )
        result = await self._session.execute(
            make_insert(_C)
            .values(
                id=catalog.id,
                partner_id=catalog.partner_id,
                waba_account_id=catalog.waba_account_id,
                name=catalog.name,
                created_at=catalog.created_at,
            )
            .on_conflict_do_nothing(index_elements=["waba_account_id"])
        )
        return getattr(result, "rowcount", 1) != 0

    async def get_catalog(self, catalog_id: str) -> Catalog | None:
        row = (await self._session.execute(select(_C).where(_C.c.id == catalog_id))).first()
        return None if row is None else _catalog(row)

    async def catalog_of_waba(self, waba_account_id: str) -> Catalog | None:
        statement = select(_C).where(_C.c.waba_account_id == waba_account_id)
        row = (await self._session.execute(statement)).first()
        return None if row is None else _catalog(row)

    async def put_products(
        self, catalog_id: str, products: Sequence[Product], now: datetime
    ) -> None:
        """Add the products, replacing those with the same retailer id (a feed upload): one
        upsert, so that racing uploads never collide on the key."""
        if not products:
            return
        bind = self._session.bind
        postgres = bind is not None and bind.dialect.name == "postgresql"
        statement: Any = (postgresql.insert if postgres else sqlite.insert)(_P)
        replaced = ("name", "price", "currency", "availability", "modified_at")
        statement = statement.on_conflict_do_update(
            index_elements=["catalog_id", "retailer_id"],
            set_={column: statement.excluded[column] for column in replaced},
        )
        await self._session.execute(
            statement,
            [
                {
                    "catalog_id": catalog_id,
                    "retailer_id": p.retailer_id,
                    "name": p.name,
                    "price": p.price,
                    "currency": p.currency,
                    "availability": p.availability,
                    "modified_at": now,
                }
                for p in products
            ],
        )

    async def products(
        self, catalog_id: str, retailer_ids: Collection[str] | None = None
    ) -> dict[str, Product]:
        statement = select(_P).where(_P.c.catalog_id == catalog_id).order_by(_P.c.retailer_id)
        if retailer_ids is not None:
            statement = statement.where(_P.c.retailer_id.in_(list(retailer_ids)))
        rows = (await self._session.execute(statement)).all()
        return {
            row.retailer_id: Product(
                retailer_id=row.retailer_id,
                name=row.name,
                price=row.price,
                currency=row.currency,
                availability=row.availability,
            )
            for row in rows
        }
