"""The auth hot path's cache misses in one round trip each (issue 16).

A miss through the unit of work costs an ORM session, and on PostgreSQL a ``BEGIN`` and a
``ROLLBACK`` around its query: three round trips for one read that needs no transaction. Here
each miss is one joined SQLAlchemy Core query on a pooled connection in autocommit (PostgreSQL:
no ``BEGIN``; asyncpg prepares each statement once per connection and reuses it), turned into
the domain's objects by the column names the table definitions share with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from partnerhub.adapters import tables
from partnerhub.domain.clients.model import Channel
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.messaging.model import ChannelApiKey
from partnerhub.domain.partners.model import Partner

T = TypeVar("T")

_AK, _P = tables.partner_api_keys, tables.partners
_CK, _CH = tables.channel_api_keys, tables.channels


def _labelled(table: Table, prefix: str) -> list[Any]:
    return [column.label(prefix + column.name) for column in table.c]


def _build(cls: type[T], table: Table, prefix: str, row: Mapping[str, Any]) -> T:
    return cls(**{column.name: row[prefix + column.name] for column in table.c})


_API_KEY: Select[Any] = (
    select(*_labelled(_AK, "k_"), *_labelled(_P, "p_"))
    .join_from(_AK, _P, _P.c.id == _AK.c.partner_id)
    .where(_AK.c.secret_digest == bindparam("digest"), _AK.c.revoked_at.is_(None))
)
_PARTNER: Select[Any] = select(*_labelled(_P, "p_")).where(_P.c.id == bindparam("partner_id"))
_CHANNEL_KEY: Select[Any] = (
    select(*_labelled(_CK, "k_"), *_labelled(_CH, "c_"))
    .join_from(_CK, _CH, _CH.c.id == _CK.c.channel_id)
    .where(_CK.c.secret_digest == bindparam("digest"), _CK.c.revoked_at.is_(None))
)


class CoreCredentialReads:
    """:class:`partnerhub.domain.ports.CredentialReads` on the app's engine (and its pool)."""

    def __init__(self, engine: AsyncEngine) -> None:
        # PostgreSQL: autocommit, so no BEGIN/ROLLBACK. SQLite's driver opens no transaction
        # for a SELECT anyway.
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._engine = engine

    async def _first(self, statement: Select[Any], **params: str) -> Mapping[str, Any] | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement, params)).first()
        return None if row is None else row._mapping

    async def api_key(self, digest: str) -> tuple[ApiKey, Partner] | None:
        row = await self._first(_API_KEY, digest=digest)
        if row is None:
            return None
        return _build(ApiKey, _AK, "k_", row), _build(Partner, _P, "p_", row)

    async def partner(self, partner_id: str) -> Partner | None:
        row = await self._first(_PARTNER, partner_id=partner_id)
        return None if row is None else _build(Partner, _P, "p_", row)

    async def channel_key(self, digest: str) -> tuple[ChannelApiKey, Channel] | None:
        row = await self._first(_CHANNEL_KEY, digest=digest)
        if row is None:
            return None
        return _build(ChannelApiKey, _CK, "k_", row), _build(Channel, _CH, "c_", row)
