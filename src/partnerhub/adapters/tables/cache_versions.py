"""Which cached things changed, for the other processes on one SQLite file (adapters/cache.py).

One row per tag (``apikey:<digest>``, ``partner:<id>``...), bumped to the next ``seq`` by every
commit that changes what the tag names; a process reads the rows above the last ``seq`` it saw,
and only when ``PRAGMA data_version`` says something was committed. PostgreSQL uses ``NOTIFY``
instead and leaves the table empty.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table

from partnerhub.adapters.tables.base import metadata

cache_versions = Table(
    "cache_versions",
    metadata,
    Column("tag", String(200), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Index("ix_cache_versions_seq", "seq"),
)
