"""The dashboard's queries: sessions and the read models of its pages.

A module of its own because none of it is on the Partner API's paths; every query is scoped
by ``partner_id`` so a page can never read another partner's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec
from sqlalchemy import Select, and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import tables
from partnerhub.domain.clients.model import Channel, Client
from partnerhub.domain.hub.model import HubSession, NumberRow, SignedIn, TimelineEntry
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.webhooks.model import Event

_S = tables.hub_sessions
_CL = tables.clients.c
_CH = tables.channels.c
_EV = tables.webhook_events.c
_WD = tables.webhook_deliveries.c


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern with ``\\`` as the escape: matched as typed, never a wildcard."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class HubRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- sessions and the lockout -------------------------------------------------------------

    async def add_session(self, hub_session: HubSession) -> None:
        await self._session.execute(
            insert(_S).values(
                id=hub_session.id,
                token_digest=hub_session.token_digest,
                user_id=hub_session.user_id,
                partner_id=hub_session.partner_id,
                created_at=hub_session.created_at,
                expires_at=hub_session.expires_at,
            )
        )

    async def signed_in(self, token_digest: str, now: datetime) -> SignedIn | None:
        """The live session with this digest, its user and partner: one query per page view."""
        statement = (
            select(_S, PartnerUser, Partner)
            .join(PartnerUser, tables.partner_users.c.id == _S.c.user_id)
            .join(Partner, tables.partners.c.id == _S.c.partner_id)
            .where(
                _S.c.token_digest == token_digest,
                _S.c.revoked_at.is_(None),
                _S.c.expires_at > now,
                tables.partner_users.c.disabled_at.is_(None),
                tables.partner_users.c.partner_id == _S.c.partner_id,
            )
        )
        row = (await self._session.execute(statement)).first()
        if row is None:
            return None
        mapping = row._mapping
        hub_session = HubSession(
            id=mapping[_S.c.id],
            token_digest=mapping[_S.c.token_digest],
            user_id=mapping[_S.c.user_id],
            partner_id=mapping[_S.c.partner_id],
            created_at=mapping[_S.c.created_at],
            expires_at=mapping[_S.c.expires_at],
        )
        return SignedIn(hub_session, mapping[PartnerUser], mapping[Partner])

    async def revoke_session(self, token_digest: str, now: datetime) -> None:
        await self._session.execute(
            update(_S)
            .where(_S.c.token_digest == token_digest, _S.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_user_sessions(
        self, user_id: str, now: datetime, keep_id: str | None = None
    ) -> int:
        """End every live dashboard session of one user but ``keep_id``; how many."""
        condition = and_(_S.c.user_id == user_id, _S.c.revoked_at.is_(None), _S.c.expires_at > now)
        if keep_id is not None:
            condition = and_(condition, _S.c.id != keep_id)
        result = await self._session.execute(update(_S).where(condition).values(revoked_at=now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def delete_expired_sessions(self, user_id: str, now: datetime) -> None:
        """Housekeeping at each login, so the table holds live sessions and little else."""
        await self._session.execute(
            delete(_S).where(
                _S.c.user_id == user_id, or_(_S.c.expires_at <= now, _S.c.revoked_at.is_not(None))
            )
        )

    # --- overview -------------------------------------------------------------------------------

    async def client_counts(self, partner_id: str) -> dict[str, int]:
        statement = (
            select(_CL.status, func.count())
            .where(_CL.partner_id == partner_id)
            .group_by(_CL.status)
        )
        return {str(s): int(n) for s, n in (await self._session.execute(statement)).all()}

    async def channel_counts(self, partner_id: str) -> dict[str, int]:
        """From the per-status counters kept with every status change: one small read."""
        c = tables.channel_counts.c
        statement = select(c.status, c.n).where(c.partner_id == partner_id, c.n > 0)
        return {str(s): int(n) for s, n in (await self._session.execute(statement)).all()}

    async def delivery_counts(self, partner_id: str, since: datetime) -> dict[str, int]:
        statement = (
            select(_WD.status, func.count())
            .where(_WD.partner_id == partner_id, _WD.created_at >= since)
            .group_by(_WD.status)
        )
        return {str(s): int(n) for s, n in (await self._session.execute(statement)).all()}

    async def recent_events(self, partner_id: str, limit: int) -> list[Event]:
        statement = (
            select(Event)
            .where(_EV.partner_id == partner_id)
            .order_by(_EV.created_at.desc(), _EV.id.desc())
            .limit(limit)
        )
        return list((await self._session.scalars(statement)).all())

    # --- clients & numbers ----------------------------------------------------------------------

    def _numbers(
        self, partner_id: str, status: str | None, text: str | None
    ) -> Select[Client, Channel]:
        statement = (
            select(Client, Channel)
            .outerjoin(Channel, and_(_CH.client_id == _CL.id, _CH.partner_id == partner_id))
            .where(_CL.partner_id == partner_id)
        )
        if status:
            statement = statement.where(_CH.status == status)
        if text:
            pattern = f"%{_like_literal(text.lower())}%"
            digits = f"%{_like_literal(text.replace(' ', ''))}%"
            email = func.lower(_CL.contact_info["email"].as_string())
            statement = statement.where(
                or_(
                    func.lower(_CL.name).like(pattern, escape="\\"),
                    email.like(pattern, escape="\\"),
                    _CH.phone_number.like(digits, escape="\\"),
                    func.lower(_CH.phone_name).like(pattern, escape="\\"),
                    _CL.id == text,
                    _CH.id == text,
                )
            )
        return statement

    async def number_rows(
        self, partner_id: str, status: str | None, text: str | None, limit: int, offset: int
    ) -> tuple[list[NumberRow], int]:
        statement = self._numbers(partner_id, status, text)
        total = await self._session.scalar(select(func.count()).select_from(statement.subquery()))
        statement = (
            statement.order_by(
                _CL.created_at.desc(), _CL.id.desc(), _CH.created_at.asc(), _CH.id.asc()
            )
            .limit(limit)
            .offset(offset)
        )
        rows = (await self._session.execute(statement)).all()
        return [NumberRow(row[0], row[1]) for row in rows], int(total or 0)

    # --- a number's timeline ----------------------------------------------------------------------

    async def channel_events(
        self, partner_id: str, channel_id: str, limit: int
    ) -> list[TimelineEntry]:
        """The partner events about this number, newest first.

        Channel events carry the channel as their ``data`` object, whose first key is its id
        (``{"id":…,"event":…,"data":{"id":"<channel>",…``), so a LIKE on the stored body finds
        them among the partner's own events without a column of its own. Messaging API events
        (``channel_id`` set) are message traffic, not lifecycle, and are left out.
        """
        pattern = f'%"data":{{"id":"{_like_literal(channel_id)}",%'
        statement = (
            select(Event)
            .where(
                _EV.partner_id == partner_id,
                _EV.channel_id.is_(None),
                _EV.body.like(pattern, escape="\\"),
            )
            .order_by(_EV.created_at.desc(), _EV.id.desc())
            .limit(limit)
        )
        entries = []
        for event in (await self._session.scalars(statement)).all():
            data = msgspec.json.decode(event.body).get("data") or {}
            status = data.get("status") if isinstance(data, dict) else None
            entries.append(
                TimelineEntry(
                    event.id, event.type, event.created_at, str(status) if status else None
                )
            )
        return entries

    async def client_options(self, partner_id: str, limit: int) -> list[tuple[str, str]]:
        """(id, name) of the partner's newest clients, for the usage page's picker."""
        statement = (
            select(_CL.id, _CL.name)
            .where(_CL.partner_id == partner_id)
            .order_by(_CL.created_at.desc(), _CL.id.desc())
            .limit(limit)
        )
        return [(str(i), str(n)) for i, n in (await self._session.execute(statement)).all()]

    async def attempts_latest(self, delivery_ids: Sequence[str]) -> dict[str, int | None]:
        """The status code of each delivery's latest finished attempt (for the log's table)."""
        if not delivery_ids:
            return {}
        a = tables.webhook_attempts.c
        statement = (
            select(a.delivery_id, a.status_code)
            .where(a.delivery_id.in_(delivery_ids), a.finished_at.is_not(None))
            .order_by(a.attempted_at, a.id)
        )
        latest: dict[str, int | None] = {}
        for delivery_id, status_code in (await self._session.execute(statement)).all():
            latest[str(delivery_id)] = status_code
        return latest

    async def event(self, partner_id: str, event_id: str) -> Event | None:
        event = await self._session.get(Event, event_id)
        return event if event is not None and event.partner_id == partner_id else None
