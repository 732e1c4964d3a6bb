"""The whole emulated world at once: wipe, length checks and export for the emulator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    delete,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.billing.model import (
    Balance,
)
from partnerhub.domain.clients.model import Channel, Client, ClientLogin, WabaAccount
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template


class WorldRepository:
    """The whole emulated world at once: for the emulator's seed and state export."""

    # Kept across a seed: the emulator's own knobs (clock offset, faults), and the cache's
    # version counters (other processes must see the seed's bump above what they last read).
    _KEEP = frozenset({"emulator_state", "cache_versions"})

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def wipe(self) -> None:
        """Delete every row of every table but the emulator's own, children first."""
        for table in reversed(tables.metadata.sorted_tables):
            if table.name not in self._KEEP:
                await self._session.execute(delete(table))

    @staticmethod
    def too_long(item: object) -> tuple[str, int] | None:
        """The first text field of ``item`` longer than its column holds, with that length."""
        table = tables.metadata.tables[_TABLE_OF[type(item)]]
        for column in table.c:
            limit = getattr(column.type, "length", None)
            value = getattr(item, column.key, None)
            if limit and isinstance(value, str) and len(value) > limit:
                return column.key, int(limit)
        return None

    async def all_of(self, kind: type[Any]) -> list[Any]:
        """Every stored object of a mapped domain class, in id order (a stable export)."""
        table = tables.metadata.tables[_TABLE_OF[kind]]
        key = next(table.c[name] for name in ("id", "owner_id", "client_id") if name in table.c)
        rows = await self._session.scalars(select(kind).order_by(key))
        return list(rows.all())


_TABLE_OF: Mapping[type[Any], str] = {
    Partner: "partners",
    PartnerUser: "partner_users",
    ApiKey: "partner_api_keys",
    Client: "clients",
    WabaAccount: "waba_accounts",
    Channel: "channels",
    Balance: "balances",
    ClientLogin: "client_logins",
    Template: "waba_templates",
}
