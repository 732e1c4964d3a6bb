"""A product catalog and its products as the emulator's controls and the CLI show them
(issue 17)."""

from __future__ import annotations

from typing import Any

from partnerhub.domain.catalogs.model import Catalog, Product
from partnerhub.domain.clock import isoformat


def catalog(found: Catalog, products: dict[str, Product]) -> dict[str, Any]:
    return {
        "id": found.id,
        "name": found.name,
        "waba_account_id": found.waba_account_id,
        "created_at": isoformat(found.created_at),
        "products": [
            {
                "retailer_id": p.retailer_id,
                "name": p.name,
                "price": p.price,
                "currency": p.currency,
                "availability": p.availability,
            }
            for p in products.values()
        ],
    }
