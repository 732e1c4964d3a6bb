"""Repositories: the queries each aggregate needs, and nothing else. Services never write SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from partnerhub.adapters import channel_counts, tables
from partnerhub.adapters.buckets import parse_key, period_key
from partnerhub.domain import ids
from partnerhub.domain.auth.model import RefreshToken, TokenFamily
from partnerhub.domain.billing.model import (
    Balance,
    Funds,
    PeriodUsage,
    PricingType,
    UsagePoint,
    UsageRecord,
)
from partnerhub.domain.billing.periods import Granularity, next_period
from partnerhub.domain.clients.model import Channel, Client, ClientLogin, WabaAccount
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.listing import ListQuery, SortKey, TimeRange
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template
from partnerhub.domain.webhooks.model import (
    ABANDONED,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    EmulatorState,
    Event,
)

NEWEST_FIRST = (SortKey("created_at", descending=True),)


def _condition(column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    if value is None:
        return column.is_(None)
    if isinstance(value, TimeRange):
        bounds = [
            column >= value.gte if value.gte is not None else None,
            column < value.lt if value.lt is not None else None,
        ]
        return and_(*(bound for bound in bounds if bound is not None))
    condition: ColumnElement[bool] = column == value
    return condition


async def fetch_page(
    session: AsyncSession,
    statement: Select[Any],
    query: ListQuery,
    columns: Mapping[str, ColumnElement[Any]],
    *,
    default_sort: Sequence[SortKey] = NEWEST_FIRST,
    total: int | None = None,
) -> tuple[list[Any], int]:
    """Apply a validated :class:`ListQuery` (filters, sort, paging) and count the total.

    The order always ends with ``id`` in the direction of the last sort key, so pages are
    stable and an index on ``(…, created_at, id)`` serves the default newest-first order.
    ``total`` may be given when the caller has a cheaper way to count than ``COUNT(*)``.
    """
    for name, value in query.filters.items():
        statement = statement.where(_condition(columns[name], value))
    if total is None:
        counted = await session.scalar(select(func.count()).select_from(statement.subquery()))
        total = int(counted or 0)
    keys = list(query.sort) or list(default_sort)
    order = [columns[k.field].desc() if k.descending else columns[k.field].asc() for k in keys]
    if keys[-1].field != "id":
        order.append(columns["id"].desc() if keys[-1].descending else columns["id"].asc())
    statement = statement.order_by(*order).limit(query.limit).offset(query.offset)
    items = list((await session.scalars(statement)).all())
    return items, total


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, partner: Partner) -> None:
        self._session.add(partner)

    async def get(self, partner_id: str) -> Partner | None:
        return await self._session.get(Partner, partner_id)

    async def count(self) -> int:
        return int(
            await self._session.scalar(select(func.count()).select_from(tables.partners)) or 0
        )

    async def list_all(self) -> list[Partner]:
        result = await self._session.scalars(select(Partner).order_by(tables.partners.c.created_at))
        return list(result.all())


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, user: PartnerUser) -> None:
        self._session.add(user)

    async def get(self, user_id: str) -> PartnerUser | None:
        return await self._session.get(PartnerUser, user_id)

    async def get_by_email(self, email: str) -> PartnerUser | None:
        statement = select(PartnerUser).where(tables.partner_users.c.email == email.lower())
        return (await self._session.scalars(statement)).first()

    async def list_for_partner(self, partner_id: str) -> list[PartnerUser]:
        c = tables.partner_users.c
        statement = (
            select(PartnerUser).where(c.partner_id == partner_id).order_by(c.created_at, c.id)
        )
        return list((await self._session.scalars(statement)).all())


class ApiKeyRepository:
    COLUMNS: Mapping[str, ColumnElement[Any]] = {
        "id": tables.partner_api_keys.c.id,
        "name": tables.partner_api_keys.c.name,
        "prefix": tables.partner_api_keys.c.prefix,
        "created_at": tables.partner_api_keys.c.created_at,
        "last_used_at": tables.partner_api_keys.c.last_used_at,
    }

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, key: ApiKey) -> None:
        self._session.add(key)

    async def get_active_by_digest(self, digest: str) -> ApiKey | None:
        c = tables.partner_api_keys.c
        statement = select(ApiKey).where(c.secret_digest == digest, c.revoked_at.is_(None))
        return (await self._session.scalars(statement)).first()

    async def get_active(self, partner_id: str, key_id: str) -> ApiKey | None:
        c = tables.partner_api_keys.c
        statement = select(ApiKey).where(
            c.id == key_id, c.partner_id == partner_id, c.revoked_at.is_(None)
        )
        return (await self._session.scalars(statement)).first()

    async def list_active(self, partner_id: str, query: ListQuery) -> tuple[list[ApiKey], int]:
        c = tables.partner_api_keys.c
        statement = select(ApiKey).where(c.partner_id == partner_id, c.revoked_at.is_(None))
        return await fetch_page(self._session, statement, query, self.COLUMNS)


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add_family(self, family: TokenFamily) -> None:
        self._session.add(family)

    def add_refresh(self, token: RefreshToken) -> None:
        self._session.add(token)

    async def get_family(self, family_id: str) -> TokenFamily | None:
        return await self._session.get(TokenFamily, family_id)

    async def spend_refresh(self, token_id: str, now: datetime) -> bool:
        """Mark a refresh token used, atomically: True for exactly one of any concurrent callers.

        A plain read-then-write would let two requests racing with the same token both win,
        which is the very reuse that rotation exists to detect.
        """
        c = tables.refresh_tokens.c
        result = await self._session.execute(
            update(tables.refresh_tokens)
            .where(c.id == token_id, c.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def revoke_family(self, family_id: str, now: datetime) -> None:
        c = tables.token_families.c
        await self._session.execute(
            update(tables.token_families)
            .where(c.id == family_id, c.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )

    async def revoke_user_families(self, user_id: str, now: datetime) -> int:
        """End every live login of one user (password change, revoke, disable); how many."""
        c = tables.token_families.c
        result = await self._session.execute(
            update(tables.token_families)
            .where(c.user_id == user_id, c.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def get_refresh_by_digest(self, digest: str) -> RefreshToken | None:
        statement = select(RefreshToken).where(tables.refresh_tokens.c.token_digest == digest)
        return (await self._session.scalars(statement)).first()


class WebhookRepository:
    """The outbox: events, their deliveries and the attempt log; and the emulator's knobs."""

    COLUMNS: Mapping[str, ColumnElement[Any]] = {
        "id": tables.webhook_deliveries.c.id,
        "event": tables.webhook_deliveries.c.event_type,
        "event_id": tables.webhook_deliveries.c.event_id,
        "status": tables.webhook_deliveries.c.status,
        "created_at": tables.webhook_deliveries.c.created_at,
        "next_attempt_at": tables.webhook_deliveries.c.next_attempt_at,
        "attempt_count": tables.webhook_deliveries.c.attempt_count,
    }

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_events(self, rows: list[dict[str, Any]]) -> None:
        await self._session.execute(insert(tables.webhook_events), rows)

    async def insert_deliveries(self, rows: list[dict[str, Any]]) -> None:
        await self._session.execute(insert(tables.webhook_deliveries), rows)

    async def get_delivery(self, partner_id: str, delivery_id: str) -> Delivery | None:
        delivery = await self._session.get(Delivery, delivery_id)
        if delivery is None or delivery.partner_id != partner_id:
            return None
        return delivery

    async def list_deliveries(
        self,
        partner_id: str,
        query: ListQuery,
        created_after: datetime | None,
        created_before: datetime | None,
    ) -> tuple[list[Delivery], int]:
        c = tables.webhook_deliveries.c
        statement = select(Delivery).where(c.partner_id == partner_id)
        if created_after is not None:
            statement = statement.where(c.created_at >= created_after)
        if created_before is not None:
            statement = statement.where(c.created_at < created_before)
        return await fetch_page(self._session, statement, query, self.COLUMNS)

    async def attempts_for(self, delivery_ids: Sequence[str]) -> dict[str, list[DeliveryAttempt]]:
        if not delivery_ids:
            return {}
        c = tables.webhook_attempts.c
        statement = (
            select(DeliveryAttempt)
            .where(c.delivery_id.in_(delivery_ids))
            .order_by(c.attempted_at, c.id)
        )
        grouped: dict[str, list[DeliveryAttempt]] = {d: [] for d in delivery_ids}
        for attempt in (await self._session.scalars(statement)).all():
            grouped[attempt.delivery_id].append(attempt)
        return grouped

    async def claim_due(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[tuple[str, str]]:
        """Lease up to ``limit`` due deliveries and open an attempt for each.

        Returns ``(delivery_id, attempt_id)`` pairs. On PostgreSQL ``SKIP LOCKED`` lets any
        number of workers claim side by side without waiting on each other; SQLite serialises
        writers, which has the same effect. A worker that dies keeps its lease only until
        ``lease_until``; whoever claims the delivery next closes the attempt it left open as
        abandoned, so the log accounts for every request that may have reached the receiver.
        """
        d, a = tables.webhook_deliveries, tables.webhook_attempts
        due = (
            select(d.c.id)
            .where(
                d.c.status == DeliveryStatus.PENDING,
                d.c.next_attempt_at <= now,
                or_(d.c.lease_until.is_(None), d.c.lease_until < now),
            )
            .order_by(d.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self._session.execute(
            update(d)
            .where(d.c.id.in_(due.scalar_subquery()))
            .values(
                lease_until=lease_until,
                attempt_count=d.c.attempt_count + 1,
                last_attempt_at=now,
            )
            .returning(d.c.id)
        )
        claimed = [row[0] for row in result.all()]
        if not claimed:
            return []
        abandoned = await self._session.execute(
            update(a)
            .where(a.c.delivery_id.in_(claimed), a.c.finished_at.is_(None))
            .values(finished_at=now, error=ABANDONED)
            .returning(a.c.delivery_id)
        )
        retaken = [row[0] for row in abandoned.all()]
        if retaken:
            # A worker's death is not the receiver's failure: it does not use up the schedule.
            await self._session.execute(
                update(d).where(d.c.id.in_(retaken)).values(attempt_count=d.c.attempt_count - 1)
            )
        pairs = [(delivery_id, ids.new_id("AT", 14)) for delivery_id in claimed]
        await self._session.execute(
            insert(a),
            [
                {
                    "id": attempt_id,
                    "delivery_id": delivery_id,
                    "attempted_at": now,
                    "latency_ms": 0.0,
                    "request_headers": {},
                }
                for delivery_id, attempt_id in pairs
            ],
        )
        return pairs

    async def load_claimed(
        self, delivery_ids: Sequence[str]
    ) -> list[tuple[Delivery, Event, Partner, Channel | None]]:
        """Each claimed delivery with its event, partner and, for a Messaging API webhook, the
        channel whose messaging webhook URL it goes to."""
        d, e, p = tables.webhook_deliveries.c, tables.webhook_events.c, tables.partners.c
        statement = (
            select(Delivery, Event, Partner)
            .join(Event, e.id == d.event_id)
            .join(Partner, p.id == d.partner_id)
            .where(d.id.in_(delivery_ids))
        )
        rows = [(r[0], r[1], r[2]) for r in (await self._session.execute(statement)).all()]
        channel_ids = {event.channel_id for _, event, _ in rows if event.channel_id}
        channels: dict[str, Channel] = {}
        if channel_ids:
            found = await self._session.scalars(
                select(Channel).where(tables.channels.c.id.in_(channel_ids))
            )
            channels = {c.id: c for c in found.all()}
        return [
            (delivery, event, partner, channels.get(event.channel_id or ""))
            for delivery, event, partner in rows
        ]

    async def emulator_state(self) -> EmulatorState:
        state = await self._session.get(EmulatorState, 1)
        if state is None:
            # Processes starting together (``serve --workers N``) all find no row: insert it
            # only if it is still missing, then read whichever insert won.
            bind = self._session.bind
            make_insert = (
                postgresql.insert
                if bind is not None and bind.dialect.name == "postgresql"
                else sqlite.insert
            )
            defaults = EmulatorState(id=1)
            await self._session.execute(
                make_insert(tables.emulator_state)
                .values(
                    id=1,
                    clock_offset_seconds=defaults.clock_offset_seconds,
                    clock_epoch=defaults.clock_epoch,
                    fail_next=defaults.fail_next,
                    fail_status=defaults.fail_status,
                    delay_ms=defaults.delay_ms,
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )
            state = await self._session.get(EmulatorState, 1)
            assert state is not None  # inserted above, or by the process that won
        return state

    async def delete_all_events(self) -> None:
        await self._session.execute(delete(tables.webhook_attempts))
        await self._session.execute(delete(tables.webhook_deliveries))
        await self._session.execute(delete(tables.webhook_events))


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
            if "phone_number" not in str(exc.orig):
                raise
            return False
        return True

    async def holder_of_number(self, phone_number: str) -> Channel | None:
        """The channel in use that holds the number, whichever partner's (for the operator)."""
        statement = select(Channel).where(
            self._ch.phone_number == phone_number, tables.NUMBER_IN_USE
        )
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
        total = None
        if not text and set(query.filters) <= {"status"}:
            status = query.filters.get("status")
            if status is not None or "status" not in query.filters:
                total = await channel_counts.total(self._session, partner_id, status)
        return await fetch_page(self._session, statement, query, self.CHANNEL_COLUMNS, total=total)

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


_US = tables.usage_records.c
_BA = tables.balances.c


def _total(expression: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(expression), 0)


class BillingRepository:
    """Balances and usage records (spec §4: balance, client balance, channel usage)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _dialect(self) -> str:
        bind = self._session.bind
        return "sqlite" if bind is None else bind.dialect.name

    async def get_balance(self, owner_id: str) -> Balance | None:
        return await self._session.get(Balance, owner_id)

    def add_balance(self, balance: Balance) -> None:
        self._session.add(balance)

    async def debit(
        self,
        owner_id: str,
        partner_id: str,
        client_id: str | None,
        micros: int,
        currency: str,
        now: datetime,
    ) -> Funds:
        """Take ``micros`` off a balance (creating it at zero first) and return what is left.

        One UPDATE computing ``total - micros`` in the database: concurrent debits of the same
        payer serialise on the row and none is lost, which a read-modify-write would risk.
        """
        make_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        await self._session.execute(
            make_insert(tables.balances)
            .values(
                owner_id=owner_id,
                partner_id=partner_id,
                client_id=client_id,
                total_micros=0,
                currency=currency,
                modified_at=now,
            )
            .on_conflict_do_nothing(index_elements=["owner_id"])
        )
        result = await self._session.execute(
            update(tables.balances)
            .where(_BA.owner_id == owner_id)
            .values(total_micros=_BA.total_micros - micros, modified_at=now)
            .returning(_BA.total_micros, _BA.currency)
            .execution_options(synchronize_session=False)
        )
        total, currency = result.one()
        return Funds(int(total), str(currency))

    def add_usage(self, record: UsageRecord) -> None:
        self._session.add(record)

    async def insert_usage(self, rows: list[dict[str, Any]]) -> None:
        """Many usage records in one statement (the simulator charging a batch of deliveries)."""
        if rows:
            await self._session.execute(insert(tables.usage_records), rows)

    async def usage_by_period(
        self, client_id: str, start: datetime, end: datetime, granularity: Granularity
    ) -> list[PeriodUsage]:
        """The client's usage in ``[start, end)``, one row per period that has any."""
        key = period_key(_US.occurred_at, granularity, self._dialect).label("period")
        statement = (
            select(
                key,
                _total(_US.volume),
                _total(case((_US.pricing_type != PricingType.REGULAR, _US.volume), else_=0)),
                _total(case((_US.pricing_type == PricingType.REGULAR, _US.volume), else_=0)),
                _total(case((_US.initiated_by == "business", _US.volume), else_=0)),
                _total(case((_US.initiated_by == "user", _US.volume), else_=0)),
                _total(_US.cost_micros),
            )
            .where(_US.client_id == client_id, _US.occurred_at >= start, _US.occurred_at < end)
            # By the label: PostgreSQL would not see two renderings of the expression (each
            # with its own bound format string) as the same grouping.
            .group_by("period")
            .order_by("period")
        )
        rows = (await self._session.execute(statement)).all()
        return [
            PeriodUsage(
                period_start=parse_key(row[0], granularity),
                quantity=int(row[1]),
                free_quantity=int(row[2]),
                paid_quantity=int(row[3]),
                business_initiated_quantity=int(row[4]),
                user_initiated_quantity=int(row[5]),
                cost_micros=int(row[6]),
            )
            for row in rows
        ]

    async def usage_points(
        self,
        channel_id: str,
        start: datetime,
        end: datetime,
        granularity: Granularity,
        countries: frozenset[str] | None,
    ) -> list[UsagePoint]:
        """The channel's usage in ``[start, end)`` per period, country, category and type."""
        key = period_key(_US.occurred_at, granularity, self._dialect).label("period")
        statement = (
            select(
                key,
                _US.country,
                _US.pricing_category,
                _US.pricing_type,
                _total(_US.volume),
                _total(_US.cost_micros),
            )
            .where(_US.channel_id == channel_id, _US.occurred_at >= start, _US.occurred_at < end)
            .group_by("period", _US.country, _US.pricing_category, _US.pricing_type)
            .order_by("period", _US.country, _US.pricing_category, _US.pricing_type)
        )
        if countries is not None:
            statement = statement.where(_US.country.in_(sorted(countries)))
        points = []
        for row in (await self._session.execute(statement)).all():
            period_start = parse_key(row[0], granularity)
            points.append(
                UsagePoint(
                    start=period_start,
                    end=next_period(period_start, granularity),
                    country=row[1],
                    pricing_category=row[2],
                    pricing_type=row[3],
                    volume=int(row[4]),
                    cost_micros=int(row[5]),
                )
            )
        return points


class ClientLoginRepository:
    """Client passwords for the onboarding page's login (failures: :mod:`login_attempts`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, login: ClientLogin) -> None:
        self._session.add(login)

    async def candidates(
        self, partner_id: str, email: str, client_id: str | None, limit: int
    ) -> list[ClientLogin]:
        """The partner's client logins with this email (of ``client_id`` only, when given)."""
        c = tables.client_logins.c
        statement = select(ClientLogin).where(c.partner_id == partner_id, c.email == email)
        if client_id is not None:
            statement = statement.where(c.client_id == client_id)
        statement = statement.order_by(c.created_at, c.client_id).limit(limit)
        return list((await self._session.scalars(statement)).all())
