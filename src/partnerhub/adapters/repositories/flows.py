"""WhatsApp Flows (issue 18 item 1): Core SQL over ``flows``; the domain's frozen dataclasses
are built from rows, not mapped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.adapters.repositories.quality import upsert
from partnerhub.domain.flows.model import EndpointRequest, Flow

_F = tables.flows
_FR = tables.flow_endpoint_requests
_FA = tables.flow_endpoint_alerts
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

    # The endpoint's requests and health alerts (0031) ------------------------------------

    async def add_endpoint_request(self, request: EndpointRequest) -> None:
        await self._session.execute(
            insert(_FR).values(
                id=request.id,
                flow_id=request.flow_id,
                at=request.at,
                action=request.action,
                error_type=request.error_type,
                latency_ms=request.latency_ms,
            )
        )

    async def endpoint_requests(
        self, flow_id: str, since: datetime, until: datetime
    ) -> list[EndpointRequest]:
        statement = (
            select(_FR)
            .where(_FR.c.flow_id == flow_id, _FR.c.at > since, _FR.c.at <= until)
            .order_by(_FR.c.at, _FR.c.id)
        )
        return [
            EndpointRequest(
                id=row.id,
                flow_id=row.flow_id,
                at=row.at,
                action=row.action,
                error_type=row.error_type,
                latency_ms=row.latency_ms,
            )
            for row in await self._session.execute(statement)
        ]

    async def endpoint_alerts(self, flow_id: str) -> dict[str, int]:
        rows = await self._session.execute(
            select(_FA.c.event, _FA.c.level).where(_FA.c.flow_id == flow_id)
        )
        return {str(row.event): int(row.level) for row in rows}

    async def set_endpoint_alert(self, flow_id: str, event: str, level: int) -> None:
        bind = self._session.bind
        dialect = bind.dialect.name if bind is not None else "sqlite"
        values = {"flow_id": flow_id, "event": event, "level": level}
        await self._session.execute(upsert(dialect, _FA, [values], ["flow_id", "event"]))
