"""Stored answers of Idempotency-Key requests."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    String,
    Table,
)

from partnerhub.adapters.tables.base import UTCDateTime, metadata

# Idempotency-Key (POSTs of the Partner API): one row per partner and key, found by the key's
# SHA-256; ``status_code`` stays NULL while the first request runs. The stored answer is
# encrypted with a key derived from the Idempotency-Key itself (server/idempotency.py), so the
# table alone never reveals a secret that a stored answer carried.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("partner_id", String(32), primary_key=True),
    Column("key_digest", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    # Who claimed the key (API key id or token family id): the only one it replays to.
    Column("credential_id", String(64)),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("status_code", Integer),
    Column("content_type", String(100)),
    Column("body", LargeBinary),
)
