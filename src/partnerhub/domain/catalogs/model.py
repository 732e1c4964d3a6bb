"""A product catalog as Meta's Commerce Manager holds it, reduced to what a product message
needs: the catalog connected to a WABA, and its products by retailer id (Meta's "content id")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

IN_STOCK = "in stock"
# Meta's catalog feed values for ``availability``.
AVAILABILITIES = frozenset(
    {"in stock", "out of stock", "preorder", "available for order", "discontinued"}
)


@dataclass(frozen=True)
class Catalog:
    id: str
    partner_id: str
    waba_account_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Product:
    retailer_id: str
    name: str
    price: str  # a decimal amount as text: "12.50"
    currency: str  # ISO 4217
    availability: str = IN_STOCK
