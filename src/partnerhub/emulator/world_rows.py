"""The emulator's own adapter: the whole world's rows, for its seed and export [ours].

:class:`WorldStore` wipes and reads every table at once (what no service of the core does).
The world's history travels in the seed format through one generic codec for the tables a
partner reads back as history (delivery log, lifecycle events, usage, messages, channel keys).

Each section of the world document is a list of rows of one table, column for column, so a new
column travels in an export with no code here; a new *table* is one line in :data:`SECTIONS`.
Rows are checked against the table itself before anything is written: unknown or missing
columns, wrong types, text longer than its column, duplicate keys and references to objects the
seed does not hold are each a :class:`~partnerhub.domain.errors.InvalidInput` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    Integer,
    String,
    Table,
    delete,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain.billing.model import Balance
from partnerhub.domain.clients.model import Channel, Client, ClientLogin, WabaAccount
from partnerhub.domain.clock import isoformat_exact as isoformat
from partnerhub.domain.clock import parse_timestamp
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template

# Section of the world document -> its table, parents before children (the insert order).
SECTIONS: Mapping[str, Table] = {
    "channel_api_keys": tables.channel_api_keys,
    "usage_records": tables.usage_records,
    "messages": tables.messages,
    "messaging_contacts": tables.messaging_contacts,
    "unreachable_numbers": tables.unreachable_numbers,
    "mm_lite_terms": tables.mm_lite_terms,
    "webhook_events": tables.webhook_events,
    "webhook_deliveries": tables.webhook_deliveries,
    "webhook_attempts": tables.webhook_attempts,
    # Issue 17: the business profile's text; its picture is a file, which does not travel.
    "business_profiles": tables.business_profiles,
    "catalogs": tables.catalogs,  # issue 17
    "catalog_products": tables.catalog_products,
    # Issue 18 item 4: numbers migrated into a client, and the two-step verification flags.
    "number_migrations": tables.number_migrations,
    "two_step_settings": tables.two_step_settings,
    "business_encryption_keys": tables.business_encryption_keys,  # issue 18 (Flows)
    "flows": tables.flows,  # issue 18: WhatsApp Flows, their Flow JSON and state
    # Issue 18: the requests WhatsApp made to each Flow's endpoint (its metrics) and the
    # endpoint health alerts in force (so an alert is not sent again after a seed).
    "flow_endpoint_requests": tables.flow_endpoint_requests,
    "flow_endpoint_alerts": tables.flow_endpoint_alerts,
    "partner_change_requests": tables.partner_change_requests,  # issue 18 item 5
}

# Columns that mean nothing outside the process that wrote them: a lease held by a worker of
# the exporting server (a seeded delivery is free for this server's workers at once), and the
# profile picture, whose bytes are a file of the exporting server's data directory.
_CLEARED: Mapping[str, frozenset[str]] = {
    "webhook_deliveries": frozenset({"lease_until"}),
    "business_profiles": frozenset({"picture_id"}),
}


def _out(value: Any) -> Any:
    return isoformat(value) if isinstance(value, datetime) else value


async def export_rows(session: AsyncSession, section: str) -> list[dict[str, Any]]:
    """Every row of the section's table in primary-key order (a stable export)."""
    table = SECTIONS[section]
    cleared = _CLEARED.get(section, frozenset())
    result = await session.execute(select(table).order_by(*table.primary_key.columns))
    return [
        {k: _out(v) for k, v in row.items() if k not in cleared and v is not None}
        for row in result.mappings().all()
    ]


def _value(where: str, column: Any, value: Any) -> Any:
    kind = column.type
    if isinstance(kind, tables.UTCDateTime):
        if not isinstance(value, str):
            raise InvalidInput(where, "must be an ISO 8601 time")
        return parse_timestamp(where, value, whole_seconds=False)
    if isinstance(kind, JSON):
        return value
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise InvalidInput(where, "must be true or false")
        return value
    if isinstance(kind, Integer | BigInteger):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(where, "must be an integer")
        limit = 2**63 if isinstance(kind, BigInteger) else 2**31
        if not -limit <= value < limit:
            raise InvalidInput(where, "is out of range")
        return value
    if isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(where, "must be a number")
        return float(value)
    if not isinstance(value, str):  # String, Text
        raise InvalidInput(where, "must be a string")
    if "\x00" in value:
        raise InvalidInput(where, "must not contain NUL characters")
    length = getattr(kind, "length", None) if isinstance(kind, String) else None
    if length and len(value) > length:
        raise InvalidInput(where, f"must be at most {length} characters")
    return value


def check_rows(
    section: str, rows: list[dict[str, Any]], known: dict[str, set[Any]]
) -> list[dict[str, Any]]:
    """The section's rows ready to insert, or the first fault as ``section[i].column``.

    ``known`` maps a table name to the primary keys the seed holds so far (typed sections and
    earlier generic ones); this section's keys are added to it.
    """
    table = SECTIONS[section]
    cleared = _CLEARED.get(section, frozenset())
    keys = [c.name for c in table.primary_key.columns]
    seen: set[Any] = set()
    unique = [c for c in table.c if c.unique]
    unique_seen: dict[str, set[Any]] = {c.name: set() for c in unique}
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        at = f"{section}[{i}]"
        if not isinstance(row, dict):
            raise InvalidInput(at, "must be an object")
        for name in row:
            if name not in table.c:
                raise InvalidInput(f"{at}.{name}", "is not a field of this section")
        clean: dict[str, Any] = {}
        for column in table.c:
            where = f"{at}.{column.name}"
            value = row.get(column.name)
            if column.name in cleared:
                value = None
            if value is None:
                if not column.nullable and column.server_default is None:
                    raise InvalidInput(where, "is required")
                if column.server_default is not None and not column.nullable:
                    continue  # the column's own default
                clean[column.name] = None
                continue
            clean[column.name] = _value(where, column, value)
            for fk in column.foreign_keys:
                target = fk.column.table.name
                if clean[column.name] not in known.get(target, set()):
                    raise InvalidInput(where, f"no {target} row '{value}' in this seed")
        key = tuple(clean[k] for k in keys)
        if key in seen:
            raise InvalidInput(at, f"{', '.join(keys)} {key} is used twice")
        seen.add(key)
        for column in unique:
            value = clean.get(column.name)
            if value in unique_seen[column.name]:
                raise InvalidInput(f"{at}.{column.name}", "is used twice")
            unique_seen[column.name].add(value)
        out.append(clean)
    if len(keys) == 1:
        known.setdefault(table.name, set()).update(k[0] for k in seen)
    return out


async def insert_rows(session: AsyncSession, section: str, rows: list[dict[str, Any]]) -> None:
    """Insert checked rows, one statement per set of columns given (a row that leaves a
    defaulted column out gets the column's default)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for group in groups.values():
        await session.execute(insert(SECTIONS[section]), group)


# The mapped domain classes a world holds, by table.
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


class WorldStore:
    """The whole emulated world at once, in one unit of work: for the seed and the export."""

    # Kept across a seed: the emulator's own knobs (clock offset, faults).
    # Also kept: the cache's version counters (other processes must see the seed's bump above
    # what they last read, adapters/cache_tags.py).
    _KEEP = frozenset({"emulator_state", "cache_versions"})

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

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

    def add(self, item: object) -> None:
        self._session.add(item)

    async def all_of(self, kind: type[Any]) -> list[Any]:
        """Every stored object of a mapped domain class, in id order (a stable export)."""
        table = tables.metadata.tables[_TABLE_OF[kind]]
        key = next(table.c[name] for name in ("id", "owner_id", "client_id") if name in table.c)
        rows = await self._session.scalars(select(kind).order_by(key))
        return list(rows.all())

    async def insert_rows(self, section: str, rows: list[dict[str, Any]]) -> None:
        await insert_rows(self._session, section, rows)

    async def export_rows(self, section: str) -> list[dict[str, Any]]:
        return await export_rows(self._session, section)
