"""Read models of the dashboard's pages, built from the repositories in one unit of work.

Ownership is checked here, the Partner API's way: another partner's client or number is
:class:`NotFound`, exactly like one that does not exist.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from partnerhub.domain.billing.periods import Granularity
from partnerhub.domain.clients.model import Channel, ChannelStatus, Client
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.hub.model import DayUsage, NumberRow, TimelineEntry
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.text import clean_text
from partnerhub.domain.webhooks.model import Delivery, DeliveryAttempt, DeliveryStatus, Event

CHANNEL_STATUSES = [status.value for status in ChannelStatus]
PAGE_SIZE = 25
MAX_EXPORT_ROWS = 100_000
MAX_SEARCH_LENGTH = 200
USAGE_DAYS = (7, 30, 90)


@dataclass(frozen=True)
class Overview:
    clients: dict[str, int]
    channels: list[tuple[str, int]]  # in lifecycle order
    deliveries: dict[str, int]
    events: list[Event]

    @property
    def client_total(self) -> int:
        return sum(self.clients.values())

    @property
    def channel_total(self) -> int:
        return sum(n for _, n in self.channels)

    @property
    def success_rate(self) -> float | None:
        """Delivered out of those decided (delivered or failed); pending ones are not judged yet."""
        delivered = self.deliveries.get(DeliveryStatus.DELIVERED, 0)
        decided = delivered + self.deliveries.get(DeliveryStatus.FAILED, 0)
        return None if decided == 0 else delivered / decided


async def overview(uow: UnitOfWork, partner_id: str, now: datetime) -> Overview:
    channels = await uow.hub.channel_counts(partner_id)
    ordered = [(s, channels[s]) for s in CHANNEL_STATUSES if s in channels]
    ordered += sorted((s, n) for s, n in channels.items() if s not in CHANNEL_STATUSES)
    return Overview(
        clients=await uow.hub.client_counts(partner_id),
        channels=ordered,
        deliveries=await uow.hub.delivery_counts(partner_id, now - timedelta(hours=24)),
        events=await uow.hub.recent_events(partner_id, 10),
    )


def clean_search(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > MAX_SEARCH_LENGTH or "\x00" in text:
        raise InvalidInput("q", f"must be at most {MAX_SEARCH_LENGTH} characters")
    return text


def clean_status(raw: str | None) -> str | None:
    if not raw:
        return None
    if raw not in CHANNEL_STATUSES:
        raise InvalidInput("status", f"must be one of: {', '.join(CHANNEL_STATUSES)}")
    return raw


async def number_rows(
    uow: UnitOfWork, partner_id: str, status: str | None, text: str | None, page: int
) -> tuple[list[NumberRow], int]:
    offset = (max(page, 1) - 1) * PAGE_SIZE
    return await uow.hub.number_rows(partner_id, status, text, PAGE_SIZE, offset)


async def export_rows(
    uow: UnitOfWork, partner_id: str, status: str | None, text: str | None
) -> list[NumberRow]:
    rows: list[NumberRow] = []
    while len(rows) < MAX_EXPORT_ROWS:
        batch, _ = await uow.hub.number_rows(partner_id, status, text, 1000, len(rows))
        rows.extend(batch)
        if len(batch) < 1000:
            break
    return rows[:MAX_EXPORT_ROWS]


CSV_HEADER = [
    "company",
    "number",
    "number_name",
    "contact_email",
    "client_status",
    "number_status",
    "client_id",
    "channel_id",
]


def _cell(value: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ (or a tab/CR) is made text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def numbers_csv(rows: Iterable[NumberRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        channel = row.channel
        writer.writerow(
            [
                _cell(row.client.name),
                # Numbers are +E.164: kept as typed (the leading + is not a formula here).
                channel.phone_number if channel else "",
                _cell(channel.phone_name) if channel else "",
                _cell(row.contact_email),
                _cell(row.client.status),
                channel.status if channel else "",
                row.client.id,
                channel.id if channel else "",
            ]
        )
    return out.getvalue()


async def client_of(uow: UnitOfWork, partner_id: str, client_id: str) -> Client:
    client = await uow.clients.get_client(partner_id, client_id)
    if client is None:
        raise NotFound("Client not found")
    return client


async def channel_of(uow: UnitOfWork, partner_id: str, channel_id: str) -> Channel:
    channel = await uow.clients.get_channel(partner_id, channel_id)
    if channel is None:
        raise NotFound("Channel not found")
    return channel


async def timeline(uow: UnitOfWork, partner_id: str, channel_id: str) -> list[TimelineEntry]:
    return await uow.hub.channel_events(partner_id, channel_id, 100)


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def daily_usage(
    uow: UnitOfWork,
    partner_id: str,
    client_id: str | None,
    channel_id: str | None,
    now: datetime,
    days: int,
) -> list[DayUsage]:
    """Messages and cost per day over the last ``days`` days (today included), zeros filled in.

    Read straight from the usage records rather than through the client balance endpoint's
    service: that one spends the API's 5-per-30-s budget, which a page reload must not.
    """
    if days not in USAGE_DAYS:
        raise InvalidInput("days", f"must be one of {', '.join(map(str, USAGE_DAYS))}")
    start = _day(now) - timedelta(days=days - 1)
    end = _day(now) + timedelta(days=1)
    found: dict[datetime, tuple[int, int]] = {}
    if channel_id:
        channel = await channel_of(uow, partner_id, channel_id)
        for point in await uow.billing.usage_points(channel.id, start, end, Granularity.DAY, None):
            messages, cost = found.get(_day(point.start), (0, 0))
            found[_day(point.start)] = (messages + point.volume, cost + point.cost_micros)
    elif client_id:
        client = await client_of(uow, partner_id, client_id)
        for period in await uow.billing.usage_by_period(client.id, start, end, Granularity.DAY):
            found[_day(period.period_start)] = (period.quantity, period.cost_micros)
    series = []
    for n in range(days):
        day = start + timedelta(days=n)
        messages, cost = found.get(day, (0, 0))
        series.append(DayUsage(day, messages, cost))
    return series


async def api_key_of(uow: UnitOfWork, partner_id: str, key_id: str) -> ApiKey:
    """An active key of this partner (for the revoke confirmation), else NotFound."""
    key = await uow.api_keys.get_active(partner_id, key_id)
    if key is None:
        raise NotFound("API key not found")
    return key


DELIVERY_STATUSES = [status.value for status in DeliveryStatus]


def delivery_query(status: str | None, event: str | None, page: int) -> ListQuery:
    filters: dict[str, str] = {}
    if status:
        if status not in DELIVERY_STATUSES:
            raise InvalidInput("status", f"must be one of: {', '.join(DELIVERY_STATUSES)}")
        filters["status"] = status
    if event:
        filters["event"] = clean_text("event", event.strip())[:64]
    return ListQuery(limit=PAGE_SIZE, offset=(max(page, 1) - 1) * PAGE_SIZE, filters=filters)


@dataclass(frozen=True)
class DeliveryDetail:
    delivery: Delivery
    attempts: list[DeliveryAttempt]
    event: Event | None


async def delivery_of(uow: UnitOfWork, partner_id: str, delivery_id: str) -> DeliveryDetail:
    delivery = await uow.webhooks.get_delivery(partner_id, delivery_id)
    if delivery is None:
        raise NotFound("Webhook delivery not found")
    attempts = (await uow.webhooks.attempts_for([delivery.id]))[delivery.id]
    return DeliveryDetail(delivery, attempts, await uow.hub.event(partner_id, delivery.event_id))
