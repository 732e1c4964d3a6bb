"""Product catalogs (issue 17): one catalog connected to a WABA, and its products.

Meta keeps catalogs in Commerce Manager and connects one to a WhatsApp Business Account; the
emulator creates them through ``/_emulator/catalogs`` so that product messages can be checked
against them. Migration 0024.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table

from partnerhub.adapters.tables.base import UTCDateTime, metadata

catalogs = Table(
    "catalogs",
    metadata,
    Column("id", String(32), primary_key=True),  # Meta's catalog id: digits
    Column("partner_id", String(32), ForeignKey("partners.id", ondelete="CASCADE"), index=True),
    Column(
        "waba_account_id",
        String(32),
        ForeignKey("waba_accounts.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,  # Meta connects one catalog to a WABA
    ),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

catalog_products = Table(
    "catalog_products",
    metadata,
    Column(
        "catalog_id",
        String(32),
        ForeignKey("catalogs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("retailer_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("price", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("availability", String(32), nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
)
