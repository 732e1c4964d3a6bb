"""In-memory repositories: the methods of ``partnerhub.adapters`` repositories that the domain
services call, with the same names and signatures, over a :class:`tests.fakes.store.Tables`.

Each reproduces the rule its SQL states (scoping by partner, "live" meaning not revoked, the
order of a list), not how it is made fast; a fake that disagrees with its adapter is a bug in the
fake. Locks (``for_update``, ``SKIP LOCKED``) mean nothing in one task and are accepted and
ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

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
from partnerhub.domain.billing.periods import Granularity, next_period, period_start
from partnerhub.domain.catalogs.model import Catalog, Product
from partnerhub.domain.clients.model import Channel, ChannelStatus, Client, ClientLogin, WabaAccount
from partnerhub.domain.flows.model import EndpointRequest, Flow
from partnerhub.domain.hub.model import HubSession, NumberRow, SignedIn, TimelineEntry
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.messaging.model import (
    Budget,
    BudgetQuery,
    ChannelApiKey,
    Contact,
    DueMessage,
    Message,
    minute_of,
)
from partnerhub.domain.messaging.profile_model import (
    BusinessEncryptionKey,
    BusinessProfile,
    UploadSession,
)
from partnerhub.domain.messaging.quality import limit_of
from partnerhub.domain.migration.model import NumberMigration, TwoStepSetting
from partnerhub.domain.partner_change.model import PartnerChangeRequest
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template, TemplateStatus
from partnerhub.domain.webhooks.model import Delivery, DeliveryAttempt, Event
from tests.fakes.store import LoginFailure, Tables, page

_ENDED = (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED)
_MIN = datetime.min.replace(tzinfo=UTC)


def _in_use(channel: Channel) -> bool:
    """``tables.NUMBER_IN_USE``: terminated and cancelled channels hold no number."""
    return channel.status not in _ENDED


def _attr(name: str) -> Callable[[Any], Any]:
    return lambda item: getattr(item, name)


def _json(group: str, key: str) -> Callable[[Any], Any]:
    return lambda item: (getattr(item, group) or {}).get(key)


class PartnerRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, partner: Partner) -> None:
        self._t.partners[partner.id] = partner

    async def get(self, partner_id: str) -> Partner | None:
        return self._t.partners.get(partner_id)

    async def update_columns(self, partner_id: str, values: Mapping[str, Any]) -> Partner | None:
        partner = self._t.partners.get(partner_id)
        if partner is None:
            return None
        for name, value in values.items():
            setattr(partner, name, value)
        return partner

    async def count(self) -> int:
        return len(self._t.partners)

    async def list_all(self) -> list[Partner]:
        return sorted(self._t.partners.values(), key=lambda p: p.created_at)


class UserRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, user: PartnerUser) -> None:
        self._t.users[user.id] = user

    async def get(self, user_id: str) -> PartnerUser | None:
        return self._t.users.get(user_id)

    async def get_by_email(self, email: str) -> PartnerUser | None:
        wanted = email.lower()
        return next((u for u in self._t.users.values() if u.email == wanted), None)

    async def list_for_partner(self, partner_id: str) -> list[PartnerUser]:
        found = [u for u in self._t.users.values() if u.partner_id == partner_id]
        return sorted(found, key=lambda u: (u.created_at, u.id))


class ApiKeyRepository:
    COLUMNS: Mapping[str, Callable[[ApiKey], Any]] = {
        name: _attr(name) for name in ("id", "name", "prefix", "created_at", "last_used_at")
    }

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, key: ApiKey) -> None:
        self._t.api_keys[key.id] = key

    async def get_active_by_digest(self, digest: str) -> ApiKey | None:
        return next(
            (
                k
                for k in self._t.api_keys.values()
                if k.secret_digest == digest and k.revoked_at is None
            ),
            None,
        )

    async def get_active(self, partner_id: str, key_id: str) -> ApiKey | None:
        key = self._t.api_keys.get(key_id)
        if key is None or key.partner_id != partner_id or key.revoked_at is not None:
            return None
        return key

    async def list_active(self, partner_id: str, query: ListQuery) -> tuple[list[ApiKey], int]:
        live = [
            k
            for k in self._t.api_keys.values()
            if k.partner_id == partner_id and k.revoked_at is None
        ]
        return page(live, query, self.COLUMNS)


class TokenRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add_family(self, family: TokenFamily) -> None:
        self._t.token_families[family.id] = family

    def add_refresh(self, token: RefreshToken) -> None:
        self._t.refresh_tokens[token.id] = token

    async def get_family(self, family_id: str) -> TokenFamily | None:
        return self._t.token_families.get(family_id)

    async def spend_refresh(self, token_id: str, now: datetime) -> bool:
        token = self._t.refresh_tokens.get(token_id)
        if token is None or token.used_at is not None:
            return False
        token.used_at = now
        return True

    async def revoke_family(self, family_id: str, now: datetime) -> None:
        family = self._t.token_families.get(family_id)
        if family is not None and family.revoked_at is None:
            family.revoked_at = now

    async def revoke_user_families(self, user_id: str, now: datetime) -> int:
        revoked = 0
        for family in self._t.token_families.values():
            if family.user_id == user_id and family.revoked_at is None:
                family.revoked_at = now
                revoked += 1
        return revoked

    async def get_refresh_by_digest(self, digest: str) -> RefreshToken | None:
        return next((t for t in self._t.refresh_tokens.values() if t.token_digest == digest), None)


class WebhookRepository:
    """The outbox as the services write it (events, deliveries) and the log they read."""

    COLUMNS: Mapping[str, Callable[[Delivery], Any]] = {
        "id": _attr("id"),
        "event": _attr("event_type"),
        "event_id": _attr("event_id"),
        "status": _attr("status"),
        "created_at": _attr("created_at"),
        "next_attempt_at": _attr("next_attempt_at"),
        "attempt_count": _attr("attempt_count"),
    }

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def insert_events(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._t.events[row["id"]] = Event(**row)

    async def insert_deliveries(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._t.deliveries[row["id"]] = Delivery(**row)

    async def get_delivery(self, partner_id: str, delivery_id: str) -> Delivery | None:
        delivery = self._t.deliveries.get(delivery_id)
        return delivery if delivery is not None and delivery.partner_id == partner_id else None

    async def list_deliveries(
        self,
        partner_id: str,
        query: ListQuery,
        created_after: datetime | None,
        created_before: datetime | None,
    ) -> tuple[list[Delivery], int]:
        found = [
            d
            for d in self._t.deliveries.values()
            if d.partner_id == partner_id
            and (created_after is None or d.created_at >= created_after)
            and (created_before is None or d.created_at < created_before)
        ]
        return page(found, query, self.COLUMNS)

    async def attempts_for(self, delivery_ids: Sequence[str]) -> dict[str, list[DeliveryAttempt]]:
        grouped: dict[str, list[DeliveryAttempt]] = {d: [] for d in delivery_ids}
        ordered = sorted(self._t.attempts.values(), key=lambda a: (a.attempted_at, a.id))
        for attempt in ordered:
            if attempt.delivery_id in grouped:
                grouped[attempt.delivery_id].append(attempt)
        return grouped


class ClientRepository:
    """Clients, WABA accounts and channels of a partner."""

    CLIENT_COLUMNS: Mapping[str, Callable[[Client], Any]] = {
        **{
            name: _attr(name)
            for name in ("id", "name", "status", "organisation", "created_at", "modified_at")
        },
        **{
            f"{group}.{key}": _json(group, key)
            for group, keys in {
                "meta_info": (
                    "business_vertical",
                    "timezone",
                    "about",
                    "business_description",
                    "use_case",
                ),
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
            }.items()
            for key in keys
        },
    }

    def __init__(self, tables: Tables) -> None:
        self._t = tables
        t = tables
        self.CHANNEL_COLUMNS: Mapping[str, Callable[[Channel], Any]] = {
            **{
                name: _attr(name)
                for name in (
                    "id",
                    "status",
                    "client_id",
                    "account_mode",
                    "current_limit",
                    "current_quality_rating",
                    "external_id",
                    "type",
                    "version",
                    "is_migrated",
                    "availability_status",
                    "created_at",
                    "modified_at",
                )
            },
            "setup_info.phone_number": _attr("phone_number"),
            "setup_info.phone_name": _attr("phone_name"),
            "waba_account.id": _attr("waba_account_id"),
            "terminated_at": lambda c: c.terminated_at or c.cancellation_date,
            "client.contact_info.email": lambda c: (
                t.clients[c.client_id].contact_info.get("email")
                if c.client_id in t.clients
                else None
            ),
            "waba_account.fb_account_status": lambda c: (
                t.wabas[c.waba_account_id].status if c.waba_account_id in t.wabas else None
            ),
        }

    def add(self, item: Client | WabaAccount | Channel) -> None:
        if isinstance(item, Client):
            self._t.clients[item.id] = item
        elif isinstance(item, WabaAccount):
            self._t.wabas[item.id] = item
        else:
            self._t.channels[item.id] = item

    async def get_client(
        self, partner_id: str, client_id: str, *, for_update: bool = False
    ) -> Client | None:
        client = self._t.clients.get(client_id)
        return client if client is not None and client.partner_id == partner_id else None

    async def get_waba(self, partner_id: str, waba_id: str) -> WabaAccount | None:
        waba = self._t.wabas.get(waba_id)
        return waba if waba is not None and waba.partner_id == partner_id else None

    async def get_channel(
        self, partner_id: str, channel_id: str, *, for_update: bool = False
    ) -> Channel | None:
        channel = self._t.channels.get(channel_id)
        return channel if channel is not None and channel.partner_id == partner_id else None

    async def owner_of_channel(self, channel_id: str) -> str | None:
        channel = self._t.channels.get(channel_id)
        return None if channel is None else channel.partner_id

    async def owner_of_client(self, client_id: str) -> str | None:
        client = self._t.clients.get(client_id)
        return None if client is None else client.partner_id

    async def phone_taken(self, phone_numbers: Sequence[str]) -> list[str]:
        wanted = set(phone_numbers)
        return [
            c.phone_number
            for c in self._t.channels.values()
            if c.phone_number in wanted and _in_use(c)
        ]

    async def add_numbers(self, channels: Sequence[Channel]) -> bool:
        """All or none, as the savepoint does: False when a number is in use already."""
        for column in ("phone_number", "external_id"):
            held = {getattr(c, column) for c in self._t.channels.values() if _in_use(c)}
            new = [getattr(c, column) for c in channels if _in_use(c)]
            if held & set(new) or len(set(new)) != len(new):
                return False
        for channel in channels:
            self._t.channels[channel.id] = channel
        return True

    async def add_client_and_waba(self, client: Client | None, waba: WabaAccount) -> bool:
        if any(w.external_id == waba.external_id for w in self._t.wabas.values()):
            return False
        if client is not None:
            self.add(client)
        self.add(waba)
        return True

    async def holder_of_number(self, phone_number: str) -> Channel | None:
        return next(
            (c for c in self._t.channels.values() if c.phone_number == phone_number and _in_use(c)),
            None,
        )

    async def waba_by_external_id(self, external_id: str) -> WabaAccount | None:
        found = sorted(
            (w for w in self._t.wabas.values() if w.external_id == external_id),
            key=lambda w: w.created_at,
        )
        return found[0] if found else None

    async def channel_by_external_id(self, external_id: str) -> Channel | None:
        return next(
            (c for c in self._t.channels.values() if c.external_id == external_id and _in_use(c)),
            None,
        )

    async def channels_of_client(self, client_id: str) -> list[Channel]:
        found = [c for c in self._t.channels.values() if c.client_id == client_id]
        return sorted(found, key=lambda c: (c.created_at, c.id))

    async def waba_of_client(self, client_id: str) -> WabaAccount | None:
        found = sorted(
            (w for w in self._t.wabas.values() if w.client_id == client_id),
            key=lambda w: (w.created_at, w.id),
        )
        return found[0] if found else None

    async def count_channels(self, client_id: str) -> int:
        return sum(1 for c in self._t.channels.values() if c.client_id == client_id)

    async def list_clients(self, partner_id: str, query: ListQuery) -> tuple[list[Client], int]:
        found = [c for c in self._t.clients.values() if c.partner_id == partner_id]
        return page(found, query, self.CLIENT_COLUMNS)

    async def list_channels(
        self, partner_id: str, query: ListQuery, text: str | None
    ) -> tuple[list[Channel], int]:
        found = [c for c in self._t.channels.values() if c.partner_id == partner_id]
        if text:
            needle = text.lower()
            found = [
                c
                for c in found
                if needle in c.phone_number.lower()
                or needle in c.phone_name.lower()
                or text in (c.id, c.client_id, c.external_id)
            ]
        return page(found, query, self.CHANNEL_COLUMNS)

    async def clients_by_id(self, client_ids: Sequence[str]) -> dict[str, Client]:
        return {i: self._t.clients[i] for i in client_ids if i in self._t.clients}

    async def wabas_by_id(self, waba_ids: Sequence[str]) -> dict[str, WabaAccount]:
        return {i: self._t.wabas[i] for i in waba_ids if i in self._t.wabas}

    async def due_compliance(self, now: datetime, limit: int) -> list[Channel]:
        due = [
            c
            for c in self._t.channels.values()
            if c.compliance_due_at is not None and c.compliance_due_at <= now
        ]
        return sorted(due, key=lambda c: c.compliance_due_at or now)[:limit]

    async def compliance_watched(self, partner_id: str, limit: int) -> list[Channel]:
        watched = [
            c
            for c in self._t.channels.values()
            if c.partner_id == partner_id and c.compliance_due_at is not None
        ]
        return sorted(
            watched, key=lambda c: (c.compliance_due_at or datetime.min.replace(tzinfo=UTC), c.id)
        )[:limit]

    async def due_steps(self, now: datetime, limit: int) -> list[Channel]:
        due = [
            c
            for c in self._t.channels.values()
            if c.next_step_at is not None and c.next_step_at <= now
        ]
        return sorted(due, key=lambda c: c.next_step_at or now)[:limit]

    async def due_history_phases(self, now: datetime, limit: int) -> list[Channel]:
        due = [
            c
            for c in self._t.channels.values()
            if c.smb_history_next_at is not None and c.smb_history_next_at <= now
        ]
        return sorted(due, key=lambda c: c.smb_history_next_at or now)[:limit]


class TemplateRepository:
    COLUMNS: Mapping[str, Callable[[Template], Any]] = {
        **{
            name: _attr(name)
            for name in (
                "id",
                "partner_id",
                "name",
                "waba_account_id",
                "rejected_reason",
                "namespace",
                "status",
                "category",
                "language",
                "created_at",
                "modified_at",
            )
        },
        "business_templates.name": _attr("name"),
    }

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, template: Template) -> None:
        self._t.templates[template.id] = template

    async def insert_unique(self, template: Template) -> bool:
        if await self.find(template.waba_account_id, template.name, template.language):
            return False
        self._t.templates[template.id] = template
        return True

    async def delete(self, template: Template) -> None:
        self._t.templates.pop(template.id, None)

    async def get(self, template_id: str, *, for_update: bool = False) -> Template | None:
        return self._t.templates.get(template_id)

    async def find(self, waba_account_id: str, name: str, language: str) -> Template | None:
        return next(
            (
                t
                for t in self._t.templates.values()
                if (t.waba_account_id, t.name, t.language) == (waba_account_id, name, language)
            ),
            None,
        )

    async def names(self, waba_account_id: str, name: str) -> list[Template]:
        found = [
            t
            for t in self._t.templates.values()
            if t.waba_account_id == waba_account_id and t.name == name
        ]
        return sorted(found, key=lambda t: t.language)

    async def count_names(self, waba_account_id: str) -> int:
        return len(
            {t.name for t in self._t.templates.values() if t.waba_account_id == waba_account_id}
        )

    async def list_for_waba(
        self, waba_account_id: str, query: ListQuery
    ) -> tuple[list[Template], int]:
        found = [t for t in self._t.templates.values() if t.waba_account_id == waba_account_id]
        return page(found, query, self.COLUMNS)

    async def any_due(self, now: datetime) -> bool:
        return any(
            t.review_at is not None and t.review_at <= now for t in self._t.templates.values()
        )

    async def due_reviews(self, now: datetime, limit: int) -> list[Template]:
        due = [
            t for t in self._t.templates.values() if t.review_at is not None and t.review_at <= now
        ]
        return sorted(due, key=lambda t: (t.review_at or now, t.id))[:limit]


class BillingRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def get_balance(self, owner_id: str) -> Balance | None:
        return self._t.balances.get(owner_id)

    def add_balance(self, balance: Balance) -> None:
        self._t.balances[balance.owner_id] = balance

    async def debit(
        self,
        owner_id: str,
        partner_id: str,
        client_id: str | None,
        micros: int,
        currency: str,
        now: datetime,
    ) -> Funds:
        balance = self._t.balances.get(owner_id)
        if balance is None:
            balance = Balance(owner_id, partner_id, 0, currency, now, client_id)
            self._t.balances[owner_id] = balance
        balance.total_micros -= micros
        balance.modified_at = now
        return Funds(balance.total_micros, balance.currency)

    def add_usage(self, record: UsageRecord) -> None:
        self._t.usage[record.id] = record

    async def insert_usage(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._t.usage[row["id"]] = UsageRecord(**row)

    async def usage_by_period(
        self, client_id: str, start: datetime, end: datetime, granularity: Granularity
    ) -> list[PeriodUsage]:
        periods: dict[datetime, list[int]] = {}
        for r in self._t.usage.values():
            if r.client_id != client_id or not start <= r.occurred_at < end:
                continue
            sums = periods.setdefault(period_start(r.occurred_at, granularity), [0] * 6)
            free = r.pricing_type != PricingType.REGULAR
            sums[0] += r.volume
            sums[1] += r.volume if free else 0
            sums[2] += 0 if free else r.volume
            sums[3] += r.volume if r.initiated_by == "business" else 0
            sums[4] += r.volume if r.initiated_by == "user" else 0
            sums[5] += r.cost_micros
        return [PeriodUsage(at, *sums) for at, sums in sorted(periods.items())]

    async def usage_points(
        self,
        channel_id: str,
        start: datetime,
        end: datetime,
        granularity: Granularity,
        countries: frozenset[str] | None,
    ) -> list[UsagePoint]:
        groups: dict[tuple[datetime, str, str, str], list[int]] = {}
        for r in self._t.usage.values():
            if r.channel_id != channel_id or not start <= r.occurred_at < end:
                continue
            if countries is not None and r.country not in countries:
                continue
            key = (
                period_start(r.occurred_at, granularity),
                r.country,
                r.pricing_category,
                r.pricing_type,
            )
            sums = groups.setdefault(key, [0, 0])
            sums[0] += r.volume
            sums[1] += r.cost_micros
        return [
            UsagePoint(at, next_period(at, granularity), country, category, kind, *sums)
            for (at, country, category, kind), sums in sorted(groups.items())
        ]


class ClientLoginRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, login: ClientLogin) -> None:
        self._t.client_logins[login.client_id] = login

    async def candidates(
        self, partner_id: str, email: str, client_id: str | None, limit: int
    ) -> list[ClientLogin]:
        found = [
            login
            for login in self._t.client_logins.values()
            if login.partner_id == partner_id
            and login.email == email
            and (client_id is None or login.client_id == client_id)
        ]
        return sorted(found, key=lambda login: (login.created_at, login.client_id))[:limit]


class MessagingRepository:
    KEY_COLUMNS: Mapping[str, Callable[[ChannelApiKey], Any]] = {
        name: _attr(name) for name in ("id", "created_at", "last_used_at")
    }

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add_key(self, key: ChannelApiKey) -> None:
        self._t.channel_keys[key.id] = key

    async def revoke_channel_keys(
        self, channel_id: str, now: datetime, key_id: str | None = None
    ) -> list[ChannelApiKey]:
        keys = sorted(
            (
                k
                for k in self._t.channel_keys.values()
                if k.channel_id == channel_id
                and k.revoked_at is None
                and (key_id is None or k.id == key_id)
            ),
            key=lambda k: (k.created_at, k.id),
        )
        for key in keys:
            key.revoked_at = now
        return keys

    async def list_active_keys(
        self, channel_id: str, query: ListQuery
    ) -> tuple[list[ChannelApiKey], int]:
        live = [
            k
            for k in self._t.channel_keys.values()
            if k.channel_id == channel_id and k.revoked_at is None
        ]
        return page(live, query, self.KEY_COLUMNS)

    async def key_and_channel(self, secret_digest: str) -> tuple[ChannelApiKey, Channel] | None:
        for key in self._t.channel_keys.values():
            if key.secret_digest == secret_digest and key.revoked_at is None:
                channel = self._t.channels.get(key.channel_id)
                return None if channel is None else (key, channel)
        return None

    async def live_key_permissions(self, key_ids: set[str]) -> dict[str, bool]:
        found: dict[str, bool] = {}
        for key_id in key_ids:
            key = self._t.channel_keys.get(key_id)
            if key is not None and key.revoked_at is None and key.channel_id in self._t.channels:
                found[key_id] = bool(self._t.channels[key.channel_id].permission)
        return found

    async def touch_key(self, key_id: str, now: datetime) -> None:
        key = self._t.channel_keys.get(key_id)
        if key is not None and key.revoked_at is None:
            key.last_used_at = now

    def add_message(self, message: Message) -> None:
        self._t.messages[message.id] = message

    async def insert_messages(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._t.messages[row["id"]] = Message(**row)

    async def get_message(self, message_id: str) -> Message | None:
        return self._t.messages.get(message_id)

    async def due_messages(self, now: datetime, limit: int) -> list[DueMessage]:
        due = sorted(
            (
                m
                for m in self._t.messages.values()
                if m.next_status_at is not None and m.next_status_at <= now
            ),
            key=lambda m: m.next_status_at or now,
        )[:limit]
        return [
            DueMessage(
                id=m.id,
                channel_id=m.channel_id,
                wa_id=m.wa_id,
                status=m.status,
                pricing_category=m.pricing_category,
                biz_opaque_callback_data=(m.body or {}).get("biz_opaque_callback_data"),
                type=m.type,
            )
            for m in due
        ]

    async def channels_by_id(self, channel_ids: set[str]) -> dict[str, Channel]:
        return {i: self._t.channels[i] for i in channel_ids if i in self._t.channels}

    async def wabas_by_id(self, waba_ids: set[str]) -> dict[str, WabaAccount]:
        return {i: self._t.wabas[i] for i in waba_ids if i in self._t.wabas}

    async def partners_by_id(self, partner_ids: set[str]) -> dict[str, Partner]:
        return {i: self._t.partners[i] for i in partner_ids if i in self._t.partners}

    async def last_inbound_pairs(
        self, pairs: set[tuple[str, str]]
    ) -> dict[tuple[str, str], datetime]:
        return {p: self._t.contacts[p].last_inbound_at for p in pairs if p in self._t.contacts}

    async def move_statuses(
        self,
        ids: list[str],
        status: str,
        now: datetime,
        next_at: datetime | None,
        error: dict[str, Any] | None = None,
    ) -> None:
        for message_id in ids:
            message = self._t.messages[message_id]
            message.status = status
            message.modified_at = now
            message.next_status_at = next_at
            message.error = error

    async def record_inbound(
        self, channel_id: str, wa_id: str, at: datetime, profile_name: str
    ) -> None:
        self._t.contacts[(channel_id, wa_id)] = Contact(channel_id, wa_id, at, profile_name)

    async def unreachable_codes(self, wa_ids: set[str]) -> dict[str, int]:
        return {w: self._t.unreachable[w] for w in wa_ids if w in self._t.unreachable}

    async def set_unreachable(self, wa_id: str, error_code: int | None) -> None:
        self._t.unreachable.pop(wa_id, None)
        if error_code is not None:
            self._t.unreachable[wa_id] = error_code

    async def mm_lite_accepted_at(self, waba_account_id: str) -> datetime | None:
        return self._t.mm_lite_terms.get(waba_account_id)

    async def set_mm_lite_accepted(self, waba_account_id: str, at: datetime | None) -> None:
        self._t.mm_lite_terms.pop(waba_account_id, None)
        if at is not None:
            self._t.mm_lite_terms[waba_account_id] = at


class HubRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add_session(self, hub_session: HubSession) -> None:
        self._t.hub_sessions[hub_session.id] = hub_session

    async def signed_in(self, token_digest: str, now: datetime) -> SignedIn | None:
        for s in self._t.hub_sessions.values():
            if s.token_digest != token_digest or s.revoked_at is not None or s.expires_at <= now:
                continue
            user = self._t.users.get(s.user_id)
            partner = self._t.partners.get(s.partner_id)
            if user is None or partner is None or user.disabled_at is not None:
                continue
            if user.partner_id != s.partner_id:
                continue
            return SignedIn(s, user, partner)
        return None

    def _revoke(self, hub_session: HubSession, now: datetime) -> None:
        self._t.hub_sessions[hub_session.id] = dataclasses.replace(hub_session, revoked_at=now)

    async def revoke_session(self, token_digest: str, now: datetime) -> None:
        for s in list(self._t.hub_sessions.values()):
            if s.token_digest == token_digest and s.revoked_at is None:
                self._revoke(s, now)

    async def revoke_user_sessions(
        self, user_id: str, now: datetime, keep_id: str | None = None
    ) -> int:
        live = [
            s
            for s in self._t.hub_sessions.values()
            if s.user_id == user_id
            and s.revoked_at is None
            and s.expires_at > now
            and s.id != keep_id
        ]
        for s in live:
            self._revoke(s, now)
        return len(live)

    async def delete_expired_sessions(self, user_id: str, now: datetime) -> None:
        for s in list(self._t.hub_sessions.values()):
            if s.user_id == user_id and (s.expires_at <= now or s.revoked_at is not None):
                del self._t.hub_sessions[s.id]

    async def client_counts(self, partner_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self._t.clients.values():
            if c.partner_id == partner_id:
                counts[c.status] = counts.get(c.status, 0) + 1
        return counts

    async def channel_counts(self, partner_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self._t.channels.values():
            if c.partner_id == partner_id:
                counts[str(c.status)] = counts.get(str(c.status), 0) + 1
        return counts

    async def delivery_counts(self, partner_id: str, since: datetime) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self._t.deliveries.values():
            if d.partner_id == partner_id and d.created_at >= since:
                counts[str(d.status)] = counts.get(str(d.status), 0) + 1
        return counts

    async def recent_events(self, partner_id: str, limit: int) -> list[Event]:
        found = [e for e in self._t.events.values() if e.partner_id == partner_id]
        return sorted(found, key=lambda e: (e.created_at, e.id), reverse=True)[:limit]

    def _numbers(self, partner_id: str, status: str | None, text: str | None) -> list[NumberRow]:
        rows: list[NumberRow] = []
        for client in self._t.clients.values():
            if client.partner_id != partner_id:
                continue
            channels = [
                c
                for c in self._t.channels.values()
                if c.client_id == client.id and c.partner_id == partner_id
            ]
            pairs: list[Channel | None] = list(channels) or [None]
            for channel in pairs:
                if status and (channel is None or channel.status != status):
                    continue
                if text and not self._number_matches(client, channel, text):
                    continue
                rows.append(NumberRow(client, channel))

        # Newest client first, then each client's numbers oldest first: two stable sorts.
        rows.sort(key=lambda r: (r.channel.created_at, r.channel.id) if r.channel else (_MIN, ""))
        rows.sort(key=lambda r: (r.client.created_at, r.client.id), reverse=True)
        return rows

    @staticmethod
    def _number_matches(client: Client, channel: Channel | None, text: str) -> bool:
        lowered = text.lower()
        email = str(client.contact_info.get("email") or "").lower()
        checks = [lowered in client.name.lower(), lowered in email, client.id == text]
        if channel is not None:
            checks += [
                text.replace(" ", "") in channel.phone_number,
                lowered in channel.phone_name.lower(),
                channel.id == text,
            ]
        return any(checks)

    async def number_rows(
        self, partner_id: str, status: str | None, text: str | None, limit: int, offset: int
    ) -> tuple[list[NumberRow], int]:
        rows = self._numbers(partner_id, status, text)
        return rows[offset : offset + limit], len(rows)

    async def channel_events(
        self, partner_id: str, channel_id: str, limit: int
    ) -> list[TimelineEntry]:
        marker = f'"data":{{"id":"{channel_id}",'
        found = [
            e
            for e in self._t.events.values()
            if e.partner_id == partner_id and e.channel_id is None and marker in e.body
        ]
        entries = []
        for event in sorted(found, key=lambda e: (e.created_at, e.id), reverse=True)[:limit]:
            data = msgspec.json.decode(event.body).get("data") or {}
            status = data.get("status") if isinstance(data, dict) else None
            entries.append(
                TimelineEntry(
                    event.id, event.type, event.created_at, str(status) if status else None
                )
            )
        return entries

    async def client_options(self, partner_id: str, limit: int) -> list[tuple[str, str]]:
        found = [c for c in self._t.clients.values() if c.partner_id == partner_id]
        found.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        return [(c.id, c.name) for c in found[:limit]]

    async def attempts_latest(self, delivery_ids: Sequence[str]) -> dict[str, int | None]:
        latest: dict[str, int | None] = {}
        ordered = sorted(self._t.attempts.values(), key=lambda a: (a.attempted_at, a.id))
        for attempt in ordered:
            if attempt.delivery_id in delivery_ids and attempt.finished_at is not None:
                latest[attempt.delivery_id] = attempt.status_code
        return latest

    async def event(self, partner_id: str, event_id: str) -> Event | None:
        event = self._t.events.get(event_id)
        return event if event is not None and event.partner_id == partner_id else None


class LoginAttemptRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def record_failure(
        self, account: str, address: str, now: datetime, forget_before: datetime
    ) -> str:
        for f in list(self._t.login_failures.values()):
            if (f.account == account or f.address == address) and f.failed_at <= forget_before:
                del self._t.login_failures[f.id]
        failure_id = ids.new_id("LF", 14)
        self._t.login_failures[failure_id] = LoginFailure(failure_id, account, address, now)
        return failure_id

    async def forget_failure(self, failure_id: str) -> None:
        self._t.login_failures.pop(failure_id, None)

    async def account_failures(
        self, account: str, since: datetime, address: str | None = None
    ) -> list[datetime]:
        return sorted(
            f.failed_at
            for f in self._t.login_failures.values()
            if f.account == account
            and f.failed_at > since
            and (address is None or f.address == address)
        )

    async def address_failures(self, address: str, since: datetime) -> list[datetime]:
        return sorted(
            f.failed_at
            for f in self._t.login_failures.values()
            if f.address == address and f.failed_at > since
        )

    async def clear_failures(self, account: str, address: str) -> None:
        for f in list(self._t.login_failures.values()):
            if f.account == account and f.address == address:
                del self._t.login_failures[f.id]

    async def is_trusted(self, account: str, address: str, since: datetime) -> bool:
        at = self._t.trusted.get((account, address))
        return at is not None and at > since

    async def trust(
        self, account: str, address: str, now: datetime, forget_before: datetime
    ) -> None:
        for key, at in list(self._t.trusted.items()):
            if key[0] == account and at <= forget_before:
                del self._t.trusted[key]
        self._t.trusted[(account, address)] = now

    async def delete_all(self) -> None:
        self._t.login_failures.clear()
        self._t.trusted.clear()


class IoSignatureRepository:
    """The onboarding links' IO signatures already used: a link works once."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def is_spent(self, digest: str) -> bool:
        return digest in self._t.io_signatures

    async def spend(self, digest: str, partner_id: str, now: datetime) -> bool:
        if digest in self._t.io_signatures:
            return False
        self._t.io_signatures[digest] = (partner_id, now)
        return True


class ApiKeyUseRepository:
    """Partner API keys' ``last_used_at``, written off the request path."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def touch(self, key_id: str, now: datetime) -> None:
        key = self._t.api_keys.get(key_id)
        if key is not None and key.revoked_at is None:
            key.last_used_at = now


class BusinessProfileRepository:
    """Business profiles and resumable upload sessions, per channel."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def get_profile(self, channel_id: str, *, lock: bool = False) -> BusinessProfile | None:
        return self._t.profiles.get(channel_id)

    async def save_profile(self, profile: BusinessProfile) -> None:
        self._t.profiles[profile.channel_id] = profile

    async def add_upload(self, session: UploadSession) -> None:
        self._t.uploads[session.id] = session

    async def get_upload(
        self, channel_id: str, session_id: str, *, lock: bool = False
    ) -> UploadSession | None:
        found = self._t.uploads.get(session_id)
        return found if found is not None and found.channel_id == channel_id else None

    async def save_upload(self, session: UploadSession) -> None:
        self._t.uploads[session.id] = session

    async def upload_by_handle(self, channel_id: str, handle: str) -> UploadSession | None:
        for found in self._t.uploads.values():
            if found.handle == handle and found.channel_id == channel_id:
                return found
        return None

    async def profile_picture(self, picture_id: str) -> UploadSession | None:
        used = {p.picture_id for p in self._t.profiles.values()}
        found = self._t.uploads.get(picture_id)
        return found if found is not None and picture_id in used and found.complete else None

    async def get_encryption_key(self, channel_id: str) -> BusinessEncryptionKey | None:
        return self._t.encryption_keys.get(channel_id)

    async def save_encryption_key(self, key: BusinessEncryptionKey) -> None:
        self._t.encryption_keys[key.channel_id] = key


class CatalogRepository:
    """Product catalogs connected to a WABA and their products (issue 17)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add_catalog(self, catalog: Catalog) -> bool:
        if await self.catalog_of_waba(catalog.waba_account_id) is not None:
            return False
        self._t.catalogs[catalog.id] = catalog
        return True

    async def get_catalog(self, catalog_id: str) -> Catalog | None:
        return self._t.catalogs.get(catalog_id)

    async def catalog_of_waba(self, waba_account_id: str) -> Catalog | None:
        found = [c for c in self._t.catalogs.values() if c.waba_account_id == waba_account_id]
        return found[0] if found else None

    async def put_products(
        self, catalog_id: str, products: Sequence[Product], now: datetime
    ) -> None:
        for product in products:
            self._t.catalog_products[(catalog_id, product.retailer_id)] = product

    async def products(
        self, catalog_id: str, retailer_ids: Collection[str] | None = None
    ) -> dict[str, Product]:
        return {
            rid: p
            for (cid, rid), p in sorted(self._t.catalog_products.items())
            if cid == catalog_id and (retailer_ids is None or rid in retailer_ids)
        }


class QualityRepository:
    """Messaging limits and quality: the same rules as the SQL (counts to the minute)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def budgets(self, query: BudgetQuery) -> dict[str, Budget]:
        budgets: dict[str, Budget] = {}
        for channel_id in {c for c, _ in query.pairs}:
            channel = self._t.channels.get(channel_id)
            if channel is not None:
                budgets[channel_id] = Budget(limit_of(channel.current_limit))
        for channel_id, budget in budgets.items():
            if budget.limit is None:
                continue
            budget.used = sum(
                n
                for (c, minute), n in self._t.conversation_minutes.items()
                if c == channel_id and minute >= query.since_minute
            )
            budget.counted = {
                wa_id
                for (c, wa_id) in query.pairs
                if c == channel_id
                and (c, wa_id) in self._t.conversations
                and self._t.conversations[(c, wa_id)] > query.since
            }
        return budgets

    async def open_conversations(self, budgets: dict[str, Budget], query: BudgetQuery) -> None:
        for channel_id, budget in budgets.items():
            if not budget.opened:
                continue
            for wa_id in budget.opened:
                self._t.conversations[(channel_id, wa_id)] = query.now
            key = (channel_id, query.minute)
            self._t.conversation_minutes[key] = self._t.conversation_minutes.get(key, 0) + len(
                budget.opened
            )
            for old in [
                k
                for k in self._t.conversation_minutes
                if k[0] == channel_id and k[1] < query.since_minute
            ]:
                del self._t.conversation_minutes[old]

    async def conversations_since(self, channel_id: str, since: datetime) -> int:
        oldest = minute_of(since)
        return sum(
            n
            for (c, minute), n in self._t.conversation_minutes.items()
            if c == channel_id and minute >= oldest
        )

    async def get_state(self, channel_id: str) -> tuple[int, datetime | None] | None:
        return self._t.phone_quality.get(channel_id)

    async def save_state(
        self, channel_id: str, spam_reports: int, red_since: datetime | None
    ) -> None:
        self._t.phone_quality[channel_id] = (spam_reports, red_since)

    async def red_due(self, before: datetime, limit: int) -> list[str]:
        due = [
            (red_since, channel_id)
            for channel_id, (_, red_since) in self._t.phone_quality.items()
            if red_since is not None and red_since <= before
        ]
        return [channel_id for _, channel_id in sorted(due)[:limit]]

    async def paused_templates(self, waba_account_id: str) -> int:
        paused = (TemplateStatus.PAUSED, TemplateStatus.DISABLED)
        return sum(
            1
            for t in self._t.templates.values()
            if t.waba_account_id == waba_account_id and t.status in paused
        )

    async def app_id_of_key(self, key_id: str) -> str | None:
        key = self._t.channel_keys.get(key_id)
        return None if key is None else key.app_id


class MigrationRepository:
    """Numbers migrated into a client and the two-step flags (issue 18 item 4)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, item: NumberMigration | TwoStepSetting) -> None:
        if isinstance(item, NumberMigration):
            self._t.number_migrations[item.channel_id] = item
        else:
            self._t.two_step[item.phone_number] = item

    async def get_migration(
        self, channel_id: str, *, for_update: bool = False
    ) -> NumberMigration | None:
        return self._t.number_migrations.get(channel_id)

    async def two_step(self, phone_number: str) -> TwoStepSetting | None:
        return self._t.two_step.get(phone_number)

    async def migrations_of_partner(self, partner_id: str) -> list[NumberMigration]:
        found = [m for m in self._t.number_migrations.values() if m.partner_id == partner_id]
        return sorted(found, key=lambda m: m.created_at)


class FlowRepository:
    """WhatsApp Flows of the WABA accounts (issue 18 item 1)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, flow: Flow) -> bool:
        if await self.find_by_name(flow.waba_account_id, flow.name) is not None:
            return False
        self._t.flows[flow.id] = flow
        return True

    async def save(self, flow: Flow) -> None:
        self._t.flows[flow.id] = flow

    async def add_endpoint_request(self, request: EndpointRequest) -> None:
        self._t.flow_endpoint_requests[request.id] = request

    async def endpoint_requests(
        self, flow_id: str, since: datetime, until: datetime
    ) -> list[EndpointRequest]:
        found = [
            r
            for r in self._t.flow_endpoint_requests.values()
            if r.flow_id == flow_id and since < r.at <= until
        ]
        return sorted(found, key=lambda r: (r.at, r.id))

    async def endpoint_alerts(self, flow_id: str) -> dict[str, int]:
        return {e: level for (f, e), level in self._t.flow_endpoint_alerts.items() if f == flow_id}

    async def set_endpoint_alert(self, flow_id: str, event: str, level: int) -> None:
        self._t.flow_endpoint_alerts[(flow_id, event)] = level

    async def delete(self, flow_id: str) -> None:
        self._t.flows.pop(flow_id, None)

    async def get(self, flow_id: str) -> Flow | None:
        return self._t.flows.get(flow_id)

    async def find_by_name(self, waba_account_id: str, name: str) -> Flow | None:
        found = [
            f
            for f in self._t.flows.values()
            if f.waba_account_id == waba_account_id and f.name == name
        ]
        return found[0] if found else None

    async def list_for_waba(self, waba_account_id: str) -> list[Flow]:
        found = [f for f in self._t.flows.values() if f.waba_account_id == waba_account_id]
        return sorted(found, key=lambda f: (-f.created_at.timestamp(), f.id))

    async def list_for_partner(self, partner_id: str) -> list[Flow]:
        found = [f for f in self._t.flows.values() if f.partner_id == partner_id]
        return sorted(found, key=lambda f: (f.waba_account_id, f.name))


class PartnerChangeRepository:
    """Partner change requests (issue 18 item 5)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, pcr: PartnerChangeRequest) -> bool:
        if await self.pending_for_client(pcr.client_id) is not None:
            return False
        self._t.partner_changes[pcr.id] = pcr
        return True

    async def save(self, pcr: PartnerChangeRequest) -> None:
        self._t.partner_changes[pcr.id] = pcr

    async def get(self, pcr_id: str, *, for_update: bool = False) -> PartnerChangeRequest | None:
        return self._t.partner_changes.get(pcr_id)

    async def pending_for_client(self, client_id: str) -> PartnerChangeRequest | None:
        found = [
            p
            for p in self._t.partner_changes.values()
            if p.client_id == client_id and p.status == "pending"
        ]
        return found[0] if found else None

    async def list_for_target(
        self, partner_id: str, query: ListQuery, status: str | None = None
    ) -> tuple[list[PartnerChangeRequest], int]:
        found = sorted(
            (
                p
                for p in self._t.partner_changes.values()
                if p.target_partner_id == partner_id and status in (None, p.status)
            ),
            key=lambda p: (p.created_at, p.id),
            reverse=not (query.sort and not query.sort[0].descending),
        )
        return found[query.offset : query.offset + query.limit], len(found)

    async def move_client_rows(
        self,
        client_id: str,
        waba_ids: Sequence[str],
        channel_ids: Sequence[str],
        target_partner_id: str,
        now: datetime,
    ) -> None:
        login = self._t.client_logins.get(client_id)
        if login is not None:
            login.partner_id = target_partner_id
        for template in self._t.templates.values():
            if template.waba_account_id in waba_ids:
                template.partner_id = target_partner_id
        for catalog_id, catalog in list(self._t.catalogs.items()):
            if catalog.waba_account_id in waba_ids:
                self._t.catalogs[catalog_id] = dataclasses.replace(
                    catalog, partner_id=target_partner_id
                )
