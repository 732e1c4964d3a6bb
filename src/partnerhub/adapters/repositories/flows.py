"""WhatsApp Flows (issue 18 item 1): Core SQL over ``flows``; the domain's frozen dataclasses
are built from rows, not mapped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.flows.model import Flow

_F = tables.flows
_FIELDS = [c.name for c in _F.columns]


def _flow(row: Any) -> Flow:
    return Flow(**{name: getattr(row, name) for name in _FIELDS})


def _values(flow: Flow) -> dict[str, Any]:
    return {name: getattr(flow, name) for name in _FIELDS}


class FlowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, flow: Flow) -> bool:
        """Insert; False when the WABA has a Flow of that name already (``ON CONFLICT DO
        NOTHING`` on (WABA, name): another transaction may have taken it since we looked)."""
        bind = self._session.bind
        make_insert = (
            postgresql.insert
            if bind is not None and bind.dialect.name == "postgresql"
            else sqlite.insert
        )
        result = await self._session.execute(
            make_insert(_F)
            .values(**_values(flow))
            .on_conflict_do_nothing(index_elements=["waba_account_id", "name"])
        )
        return getattr(result, "rowcount", 1) != 0

    async def save(self, flow: Flow) -> None:
        values = _values(flow)
        del values["id"]
        await self._session.execute(update(_F).where(_F.c.id == flow.id).values(**values))

    async def delete(self, flow_id: str) -> None:
        await self._session.execute(delete(_F).where(_F.c.id == flow_id))

    async def get(self, flow_id: str) -> Flow | None:
        row = (await self._session.execute(select(_F).where(_F.c.id == flow_id))).first()
        return None if row is None else _flow(row)

    async def find_by_name(self, waba_account_id: str, name: str) -> Flow | None:
        statement = select(_F).where(_F.c.waba_account_id == waba_account_id, _F.c.name == name)
        row = (await self._session.execute(statement)).first()
        return None if row is None else _flow(row)

    async def list_for_waba(self, waba_account_id: str) -> list[Flow]:
        statement = (
            select(_F)
            .where(_F.c.waba_account_id == waba_account_id)
            .order_by(_F.c.created_at.desc(), _F.c.id)
        )
        return [_flow(row) for row in await self._session.execute(statement)]

    async def list_for_partner(self, partner_id: str) -> list[Flow]:
        statement = (
            select(_F)
            .where(_F.c.partner_id == partner_id)
            .order_by(_F.c.waba_account_id, _F.c.name)
        )
        return [_flow(row) for row in await self._session.execute(statement)]
