"""Clients, WABA accounts and channels of a partner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import channel_counts, tables
from partnerhub.adapters.repositories.paging import fetch_page
from partnerhub.domain.clients.model import Channel, Client, WabaAccount
from partnerhub.domain.listing import ListQuery

_CL = tables.clients.c
_CH = tables.channels.c
_CLIENT_JSON_FILTERS = {
    "meta_info": ("business_vertical", "timezone", "about", "business_description", "use_case"),
    "contact_info": (
        "webpage_url",
        "phone",
        "language",
        "country",
        "street_name",
        "city",
        "email",
        "zip_code",
    ),
    "contact_user": ("phone", "email", "name"),
}


class ClientRepository:
    """Clients, WABA accounts and channels of a partner (spec §3.3 lists, §5 objects)."""

    _cl = _CL
    _ch = _CH

    # Dotted filter keys read inside the JSON columns (json_extract / ->> by dialect).
    CLIENT_COLUMNS: Mapping[str, ColumnElement[Any]] = {
        "id": _CL.id,
        "name": _CL.name,
        "status": _CL.status,
        "organisation": _CL.organisation,
        "created_at": _CL.created_at,
        "modified_at": _CL.modified_at,
        **{
            f"{group}.{key}": getattr(_CL, group)[key].as_string()
            for group, keys in _CLIENT_JSON_FILTERS.items()
            for key in keys
        },
    }
    CHANNEL_COLUMNS: Mapping[str, ColumnElement[Any]] = {
        "id": _CH.id,
        "status": _CH.status,
        "client_id": _CH.client_id,
        "account_mode": _CH.account_mode,
        "current_limit": _CH.current_limit,
        "current_quality_rating": _CH.current_quality_rating,
        "setup_info.phone_number": _CH.phone_number,
        "setup_info.phone_name": _CH.phone_name,
        "external_id": _CH.external_id,
        "waba_account.id": _CH.waba_account_id,
        "type": _CH.type,
        "version": _CH.version,
        "is_migrated": _CH.is_migrated,
        "availability_status": _CH.availability_status,
        "created_at": _CH.created_at,
        "modified_at": _CH.modified_at,
        # The date the channel shows (docs/fidelity.md): terminated, or due to be.
        "terminated_at": func.coalesce(_CH.terminated_at, _CH.cancellation_date),
        # Nested keys of the channel object, read from its client and WABA.
        "client.contact_info.email": select(_CL.contact_info["email"].as_string())
        .where(_CL.id == _CH.client_id)
        .scalar_subquery(),
        "waba_account.fb_account_status": select(tables.waba_accounts.c.status)
        .where(tables.waba_accounts.c.id == _CH.waba_account_id)
        .scalar_subquery(),
    }

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, item: Client | WabaAccount | Channel) -> None:
        self._session.add(item)

    async def get_client(
        self, partner_id: str, client_id: str, *, for_update: bool = False
    ) -> Client | None:
        client = await self._session.get(
            Client, client_id, with_for_update=for_update, populate_existing=for_update
        )
        return client if client is not None and client.partner_id == partner_id else None

    async def get_waba(self, partner_id: str, waba_id: str) -> WabaAccount | None:
        waba = await self._session.get(WabaAccount, waba_id)
        return waba if waba is not None and waba.partner_id == partner_id else None

    async def get_channel(
        self, partner_id: str, channel_id: str, *, for_update: bool = False
    ) -> Channel | None:
        channel = await self._session.get(
            Channel, channel_id, with_for_update=for_update, populate_existing=for_update
        )
        return channel if channel is not None and channel.partner_id == partner_id else None

    async def owner_of_channel(self, channel_id: str) -> str | None:
        """For the emulator, which acts across partners."""
        statement = select(self._ch.partner_id).where(self._ch.id == channel_id)
        owner = await self._session.scalar(statement)
        return None if owner is None else str(owner)

    async def owner_of_client(self, client_id: str) -> str | None:
        """For the emulator, which acts across partners."""
        owner = await self._session.scalar(
            select(self._cl.partner_id).where(self._cl.id == client_id)
        )
        return None if owner is None else str(owner)

    async def phone_taken(self, phone_numbers: Sequence[str]) -> list[str]:
        """The numbers a channel in use holds (terminated and cancelled ones hold none)."""
        statement = select(self._ch.phone_number).where(
            self._ch.phone_number.in_(phone_numbers), tables.NUMBER_IN_USE
        )
        return list((await self._session.scalars(statement)).all())

    async def add_numbers(self, channels: Sequence[Channel]) -> bool:
        """Insert new channels; False, changing nothing, when the database refuses one's number
        because a concurrent transaction took it after our :meth:`phone_taken` check (the
        unique index on numbers in use is the one arbiter). A savepoint keeps the rest of the
        unit of work, and the objects it read, usable for the answer. Any other integrity error
        propagates."""
        if not channels:
            return True
        try:
            async with self._session.begin_nested():
                self._session.add_all(channels)
        except IntegrityError as exc:
            if not _names_column(exc, "phone_number", "external_id"):
                raise
            return False
        return True

    async def add_client_and_waba(self, client: Client | None, waba: WabaAccount) -> bool:
        """Insert a new WABA (and the new client holding it, if given) in a savepoint; False,
        changing nothing, when the database refuses the WABA's Meta id because a concurrent
        transaction filed it after our :meth:`waba_by_external_id` check (the unique index on
        ``waba_accounts.external_id`` is the arbiter). On PostgreSQL the insert waits for that
        transaction and fails only once it committed, so a fresh read then sees its WABA."""
        try:
            async with self._session.begin_nested():
                if client is not None:
                    self._session.add(client)
                    await self._session.flush()  # the client before the WABA that names it
                self._session.add(waba)
        except IntegrityError as exc:
            if not _names_column(exc, "external_id"):
                raise
            return False
        return True

    async def holder_of_number(self, phone_number: str) -> Channel | None:
        """The channel in use that holds the number, whichever partner's (for the operator)."""
        statement = select(Channel).where(
            self._ch.phone_number == phone_number, tables.NUMBER_IN_USE
        )
        return (await self._session.scalars(statement)).first()

    async def waba_by_external_id(self, external_id: str) -> WabaAccount | None:
        """The WABA with this Meta id, whichever partner's (account sharing's duplicate check)."""
        c = tables.waba_accounts.c
        statement = select(WabaAccount).where(c.external_id == external_id).order_by(c.created_at)
        return (await self._session.scalars(statement)).first()

    async def channel_by_external_id(self, external_id: str) -> Channel | None:
        """The channel in use with this Meta phone-number id, whichever partner's."""
        statement = select(Channel).where(self._ch.external_id == external_id, tables.NUMBER_IN_USE)
        return (await self._session.scalars(statement)).first()

    async def channels_of_client(self, client_id: str) -> list[Channel]:
        statement = (
            select(Channel)
            .where(self._ch.client_id == client_id)
            .order_by(self._ch.created_at, self._ch.id)
        )
        return list((await self._session.scalars(statement)).all())

    async def waba_of_client(self, client_id: str) -> WabaAccount | None:
        """The client's WABA (onboarding creates exactly one; the oldest if there were more)."""
        c = tables.waba_accounts.c
        statement = select(WabaAccount).where(c.client_id == client_id).order_by(c.created_at, c.id)
        return (await self._session.scalars(statement)).first()

    async def count_channels(self, client_id: str) -> int:
        statement = select(func.count()).where(self._ch.client_id == client_id)
        return int(await self._session.scalar(statement) or 0)

    async def list_clients(self, partner_id: str, query: ListQuery) -> tuple[list[Client], int]:
        statement = select(Client).where(self._cl.partner_id == partner_id)
        return await fetch_page(
            self._session,
            statement,
            query,
            self.CLIENT_COLUMNS,
        )

    async def list_channels(
        self, partner_id: str, query: ListQuery, text: str | None
    ) -> tuple[list[Channel], int]:
        statement = select(Channel).where(self._ch.partner_id == partner_id)
        if text:
            pattern = f"%{text}%"
            statement = statement.where(
                or_(
                    self._ch.phone_number.ilike(pattern),
                    self._ch.phone_name.ilike(pattern),
                    self._ch.id == text,
                    self._ch.client_id == text,
                    self._ch.external_id == text,
                )
            )
        counted = None
        if not text and set(query.filters) <= {"status"}:
            status = query.filters.get("status")
            if status is not None or "status" not in query.filters:
                counted = channel_counts.total_query(partner_id, status)
        return await fetch_page(
            self._session, statement, query, self.CHANNEL_COLUMNS, total_from=counted
        )

    async def clients_by_id(self, client_ids: Sequence[str]) -> dict[str, Client]:
        if not client_ids:
            return {}
        rows = await self._session.scalars(select(Client).where(self._cl.id.in_(client_ids)))
        return {client.id: client for client in rows.all()}

    async def wabas_by_id(self, waba_ids: Sequence[str]) -> dict[str, WabaAccount]:
        if not waba_ids:
            return {}
        c = tables.waba_accounts.c
        rows = await self._session.scalars(select(WabaAccount).where(c.id.in_(waba_ids)))
        return {waba.id: waba for waba in rows.all()}

    async def due_compliance(self, now: datetime, limit: int) -> list[Channel]:
        statement = (
            select(Channel)
            .where(self._ch.compliance_due_at.is_not(None), self._ch.compliance_due_at <= now)
            .order_by(self._ch.compliance_due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self._session.scalars(statement)).all())

    async def compliance_watched(self, partner_id: str, limit: int) -> list[Channel]:
        statement = (
            select(Channel)
            .where(self._ch.partner_id == partner_id, self._ch.compliance_due_at.is_not(None))
            .order_by(self._ch.compliance_due_at, self._ch.id)
            .limit(limit)
        )
        return list((await self._session.scalars(statement)).all())

    async def due_steps(self, now: datetime, limit: int) -> list[Channel]:
        """Channels whose next simulated step is due, locked for this transaction."""
        statement = (
            select(Channel)
            .where(self._ch.next_step_at.is_not(None), self._ch.next_step_at <= now)
            .order_by(self._ch.next_step_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self._session.scalars(statement)).all())

    async def due_history_phases(self, now: datetime, limit: int) -> list[Channel]:
        """Coexistence numbers whose next history phase is due, locked for this transaction."""
        statement = (
            select(Channel)
            .where(self._ch.smb_history_next_at.is_not(None), self._ch.smb_history_next_at <= now)
            .order_by(self._ch.smb_history_next_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self._session.scalars(statement)).all())


def _names_column(exc: IntegrityError, *columns: str) -> bool:
    """Whether a unique violation is about one of these columns: SQLite names the column
    (``UNIQUE constraint failed: channels.external_id``), PostgreSQL the index
    (``uq_channels_external_id_in_use``)."""
    message = str(exc.orig)
    return any(column in message for column in columns)
