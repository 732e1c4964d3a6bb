"""Message templates of a WABA account and their pending reviews."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.adapters.repositories.paging import fetch_page
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.templates.model import Template

_TP = tables.waba_templates.c


class TemplateRepository:
    """Message templates of a WABA account (spec §4, §5 Template) and their pending reviews."""

    # Filter and sort keys (spec §3.3); ``business_templates.name`` is 360dialog's name for it.
    COLUMNS: Mapping[str, ColumnElement[Any]] = {
        "id": _TP.id,
        "partner_id": _TP.partner_id,
        "name": _TP.name,
        "business_templates.name": _TP.name,
        "waba_account_id": _TP.waba_account_id,
        "rejected_reason": _TP.rejected_reason,
        "namespace": _TP.namespace,
        "status": _TP.status,
        "category": _TP.category,
        "language": _TP.language,
        "created_at": _TP.created_at,
        "modified_at": _TP.modified_at,
    }

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, template: Template) -> None:
        self._session.add(template)

    async def insert_unique(self, template: Template) -> bool:
        """Add and flush; False when (WABA, name, language) is taken after all (a concurrent
        twin on PostgreSQL). The transaction is then spoilt: the caller must end it."""
        self._session.add(template)
        try:
            await self._session.flush()
        except IntegrityError:
            return False
        return True

    async def delete(self, template: Template) -> None:
        await self._session.delete(template)

    async def get(self, template_id: str, *, for_update: bool = False) -> Template | None:
        return await self._session.get(
            Template, template_id, with_for_update=for_update, populate_existing=for_update
        )

    async def find(self, waba_account_id: str, name: str, language: str) -> Template | None:
        statement = select(Template).where(
            _TP.waba_account_id == waba_account_id, _TP.name == name, _TP.language == language
        )
        return (await self._session.scalars(statement)).first()

    async def names(self, waba_account_id: str, name: str) -> list[Template]:
        """Every language of one template name."""
        statement = (
            select(Template)
            .where(_TP.waba_account_id == waba_account_id, _TP.name == name)
            .order_by(_TP.language)
        )
        return list((await self._session.scalars(statement)).all())

    async def count_names(self, waba_account_id: str) -> int:
        statement = select(func.count(func.distinct(_TP.name))).where(
            _TP.waba_account_id == waba_account_id
        )
        return int(await self._session.scalar(statement) or 0)

    async def list_for_waba(
        self, waba_account_id: str, query: ListQuery
    ) -> tuple[list[Template], int]:
        statement = select(Template).where(_TP.waba_account_id == waba_account_id)
        return await fetch_page(self._session, statement, query, self.COLUMNS)

    async def any_due(self, now: datetime) -> bool:
        """A cheap look before taking the write lock: is any review due at all?"""
        statement = select(_TP.id).where(_TP.review_at.is_not(None), _TP.review_at <= now).limit(1)
        return await self._session.scalar(statement) is not None

    async def due_reviews(self, now: datetime, limit: int) -> list[Template]:
        """Templates whose simulated review is due, locked for this transaction."""
        statement = (
            select(Template)
            .where(_TP.review_at.is_not(None), _TP.review_at <= now)
            .order_by(_TP.review_at, _TP.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self._session.scalars(statement)).all())
