"""The in-memory database behind the fakes: one dict (or list) per table, and a page helper.

:class:`Tables` is what a committed database holds. A fake unit of work works on a copy of it
(:func:`clone_tables`) and writes the copy back on commit, so a service that fails half-way, or
a unit of work left without committing, changes nothing, exactly as a rolled-back transaction.
Objects are copied field by field rather than with ``copy.deepcopy``: the domain classes may be
mapped by SQLAlchemy in the same process (another test built an app), and their instance
state must not be shared or copied.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from partnerhub.domain.auth.model import RefreshToken, TokenFamily
from partnerhub.domain.billing.model import Balance, UsageRecord
from partnerhub.domain.catalogs.model import Catalog, Product
from partnerhub.domain.clients.model import Channel, Client, ClientLogin, WabaAccount
from partnerhub.domain.flows.model import EndpointRequest, Flow
from partnerhub.domain.hub.model import HubSession
from partnerhub.domain.keys.model import ApiKey
from partnerhub.domain.listing import ListQuery, SortKey, TimeRange
from partnerhub.domain.messaging.model import ChannelApiKey, Contact, Message
from partnerhub.domain.messaging.profile_model import (
    BusinessEncryptionKey,
    BusinessProfile,
    UploadSession,
)
from partnerhub.domain.migration.model import NumberMigration, TwoStepSetting
from partnerhub.domain.partner_change.model import PartnerChangeRequest
from partnerhub.domain.partners.model import Partner, PartnerUser
from partnerhub.domain.templates.model import Template
from partnerhub.domain.webhooks.model import Delivery, DeliveryAttempt, Event

T = TypeVar("T")

NEWEST_FIRST = (SortKey("created_at", descending=True),)


@dataclass
class LoginFailure:
    id: str
    account: str
    address: str
    failed_at: datetime


@dataclass
class Tables:
    """Every table a domain service reads or writes, keyed by primary key."""

    partners: dict[str, Partner] = field(default_factory=dict)
    users: dict[str, PartnerUser] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    token_families: dict[str, TokenFamily] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    attempts: dict[str, DeliveryAttempt] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    wabas: dict[str, WabaAccount] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    client_logins: dict[str, ClientLogin] = field(default_factory=dict)  # by client id
    templates: dict[str, Template] = field(default_factory=dict)
    balances: dict[str, Balance] = field(default_factory=dict)
    usage: dict[str, UsageRecord] = field(default_factory=dict)
    hub_sessions: dict[str, HubSession] = field(default_factory=dict)
    channel_keys: dict[str, ChannelApiKey] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    contacts: dict[tuple[str, str], Contact] = field(default_factory=dict)
    unreachable: dict[str, int] = field(default_factory=dict)
    mm_lite_terms: dict[str, datetime] = field(default_factory=dict)
    login_failures: dict[str, LoginFailure] = field(default_factory=dict)
    trusted: dict[tuple[str, str], datetime] = field(default_factory=dict)
    # IO signature digest -> (partner id, when it was used).
    io_signatures: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    profiles: dict[str, BusinessProfile] = field(default_factory=dict)  # by channel id
    uploads: dict[str, UploadSession] = field(default_factory=dict)
    encryption_keys: dict[str, BusinessEncryptionKey] = field(default_factory=dict)  # by channel

    catalogs: dict[str, Catalog] = field(default_factory=dict)
    catalog_products: dict[tuple[str, str], Product] = field(default_factory=dict)
    number_migrations: dict[str, NumberMigration] = field(default_factory=dict)
    two_step: dict[str, TwoStepSetting] = field(default_factory=dict)

    # Messaging limits and quality (issue 17): (channel, user) -> when the conversation opened;
    # (channel, minute) -> conversations opened; channel -> (spam reports, red since).
    conversations: dict[tuple[str, str], datetime] = field(default_factory=dict)
    conversation_minutes: dict[tuple[str, datetime], int] = field(default_factory=dict)
    phone_quality: dict[str, tuple[int, datetime | None]] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    flow_endpoint_requests: dict[str, EndpointRequest] = field(default_factory=dict)
    flow_endpoint_alerts: dict[tuple[str, str], int] = field(default_factory=dict)
    partner_changes: dict[str, PartnerChangeRequest] = field(default_factory=dict)  # issue 18


def clone(item: T) -> T:
    """A copy of one stored object: a new instance, its dicts and lists copied too. Frozen
    dataclasses are immutable and shared as they are."""
    if not dataclasses.is_dataclass(item) or isinstance(item, type):
        return copy.deepcopy(item)
    if type(item).__dataclass_params__.frozen:  # type: ignore[attr-defined]
        return item
    fields = dataclasses.fields(item)
    values = {f.name: _copied(getattr(item, f.name)) for f in fields if f.init}
    copied = type(item)(**values)
    for f in fields:
        if not f.init:
            setattr(copied, f.name, _copied(getattr(item, f.name)))
    return copied


def _copied(value: T) -> T:
    # Only containers can be changed in place; strings, numbers and datetimes are shared.
    return copy.deepcopy(value) if isinstance(value, dict | list | set) else value


def clone_tables(tables: Tables) -> Tables:
    return Tables(
        **{
            f.name: {key: clone(value) for key, value in getattr(tables, f.name).items()}
            for f in dataclasses.fields(tables)
        }
    )


def _matches(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return value is None
    if isinstance(wanted, TimeRange):
        if value is None:
            return False
        return (wanted.gte is None or value >= wanted.gte) and (
            wanted.lt is None or value < wanted.lt
        )
    return bool(value == wanted)


def _order_key(value: Any) -> tuple[int, Any]:
    # NULLs sort first ascending, as SQLite does.
    return (0, 0) if value is None else (1, value)


def page(
    items: Iterable[T],
    query: ListQuery,
    columns: Mapping[str, Callable[[T], Any]],
    *,
    default_sort: tuple[SortKey, ...] = NEWEST_FIRST,
) -> tuple[list[T], int]:
    """:func:`partnerhub.adapters.repositories.fetch_page` over a list: filters, the sort with
    ``id`` as the last tie-breaker in the direction of the last key, the total and the page."""
    found = [
        item
        for item in items
        if all(_matches(columns[name](item), value) for name, value in query.filters.items())
    ]
    keys = list(query.sort) or list(default_sort)
    if keys[-1].field != "id":
        keys.append(SortKey("id", keys[-1].descending))
    for key in reversed(keys):  # stable sorts, the least significant key first
        column = columns[key.field]

        def order(item: T, column: Callable[[T], Any] = column) -> tuple[int, Any]:
            return _order_key(column(item))

        found.sort(key=order, reverse=key.descending)
    return found[query.offset : query.offset + query.limit], len(found)


def decoded(event: Event) -> dict[str, Any]:
    """An event's body as the receiver gets it."""
    body: dict[str, Any] = msgspec.json.decode(event.body)
    return body
