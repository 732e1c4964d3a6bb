"""Multiple webhooks per number (``/multi_webhook``, issue 17 item 5).

A channel may name up to three more destinations besides its messaging webhook. Each messaging
webhook (inbound messages, statuses) is copied to every destination once the main webhook
answered 2xx; each copy is a delivery of its own (adapters/delivery/engine.py).

360dialog's operations (docs/fidelity.md "Multiple webhooks"): POST enables or disables and, with
``destinations``, sets the list; PUT appends destinations; PATCH changes the ``url`` and/or
``headers`` of destinations named in the body. Names are case-sensitive and unique.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from partnerhub.domain.clients.model import Channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.services import writable_channel
from partnerhub.domain.partners.rules import validate_url
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks.services import validate_headers
from partnerhub.domain.webhooks.ssrf import validate_webhook_destination

# [360] "Each phone number is limited to a maximum of 3 unique webhooks."
MAX_DESTINATIONS = 3
MAX_NAME_LENGTH = 64
NOT_ENABLED = "multi-webhook is not enabled; enable it first with POST /multi_webhook"


@dataclass(frozen=True)
class DestinationIn:
    """One destination of a request; ``url`` and ``headers`` None: not given (PATCH)."""

    name: str
    url: str | None = None
    headers: dict[str, str] | None = None


async def check_url(field: str, url: str, *, hub_mode: bool) -> str:
    """The main webhook's rules (form; in hub mode https and the SSRF rules), and in hub mode
    360dialog's own: no ``_`` in the host name, no explicit port."""
    cleaned = validate_url(field, url)
    if hub_mode:
        parts = urlsplit(cleaned)
        if "_" in (parts.hostname or ""):
            raise InvalidInput(field, "must not contain '_' in its host name")
        if parts.port is not None:
            raise InvalidInput(field, "must not name a port")
    await validate_webhook_destination(field, cleaned, hub_mode=hub_mode)
    return cleaned


def _check_name(field: str, name: str) -> str:
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable() or name != name.strip():
        raise InvalidInput(
            field, f"must be 1 to {MAX_NAME_LENGTH} printable characters, no edge spaces"
        )
    return name


async def _full(
    items: list[DestinationIn], *, hub_mode: bool, taken: set[str]
) -> list[dict[str, Any]]:
    """New destinations, each with a URL, names unique among themselves and ``taken``."""
    checked: list[dict[str, Any]] = []
    seen = set(taken)
    for i, item in enumerate(items):
        at = f"destinations[{i}]"
        name = _check_name(f"{at}.name", item.name)
        if name in seen:
            raise InvalidInput(f"{at}.name", f"'{name}' is already used by another destination")
        seen.add(name)
        if item.url is None:
            raise InvalidInput(f"{at}.url", "is required")
        url = await check_url(f"{at}.url", item.url, hub_mode=hub_mode)
        headers = validate_headers(item.headers or {})
        checked.append({"name": name, "url": url, "headers": headers})
    return checked


def _within_limit(count: int) -> None:
    if count > MAX_DESTINATIONS:
        raise InvalidInput(
            "destinations", f"at most {MAX_DESTINATIONS} destinations per number ({count} asked)"
        )


async def _enabled(
    uow: UnitOfWork, principal: ChannelPrincipal, destinations: list[DestinationIn]
) -> Channel:
    """PUT and PATCH: something to change, on a number whose multi-webhook is enabled."""
    if not destinations:
        raise InvalidInput("destinations", "at least one destination is required")
    channel = await writable_channel(uow, principal)
    if not channel.multi_webhook_enabled:
        raise InvalidInput("enabled", NOT_ENABLED)
    return channel


async def _save(uow: UnitOfWork, clock: Clock, channel: Channel, dests: list[Any]) -> Channel:
    # A new list, not the same one changed in place: the JSON column sees the change.
    channel.multi_webhook_destinations = [dict(d) for d in dests]
    channel.modified_at = clock.now()
    await uow.commit()
    return channel


async def get(uow: UnitOfWork, principal: ChannelPrincipal) -> Channel:
    channel = await uow.clients.get_channel(principal.partner_id, principal.channel_id)
    if channel is None:
        raise NotFound("Channel not found")
    return channel


async def enable(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    enabled: bool,
    destinations: list[DestinationIn] | None,
    *,
    hub_mode: bool,
) -> Channel:
    """POST: switch on or off; with ``destinations``, they become the list."""
    checked = None
    if destinations is not None:
        _within_limit(len(destinations))
        checked = await _full(destinations, hub_mode=hub_mode, taken=set())
    channel = await writable_channel(uow, principal)
    channel.multi_webhook_enabled = enabled
    return await _save(
        uow, clock, channel, checked if checked is not None else channel.multi_webhook_destinations
    )


async def append(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    destinations: list[DestinationIn],
    *,
    hub_mode: bool,
) -> Channel:
    """PUT: add destinations to the list; a name already there is refused."""
    channel = await _enabled(uow, principal, destinations)
    current = channel.multi_webhook_destinations
    _within_limit(len(current) + len(destinations))
    checked = await _full(destinations, hub_mode=hub_mode, taken={d["name"] for d in current})
    return await _save(uow, clock, channel, [*current, *checked])


async def update(
    uow: UnitOfWork,
    clock: Clock,
    principal: ChannelPrincipal,
    destinations: list[DestinationIn],
    *,
    hub_mode: bool,
) -> Channel:
    """PATCH: change the ``url`` and/or ``headers`` of destinations found by name; what a
    destination of the body does not give is kept. ``headers`` given replace its headers."""
    changes: dict[str, tuple[str | None, dict[str, str] | None]] = {}
    for i, item in enumerate(destinations):
        at = f"destinations[{i}]"
        if item.name in changes:
            raise InvalidInput(f"{at}.name", f"'{item.name}' is named twice")
        if item.url is None and item.headers is None:
            raise InvalidInput(at, "give the url, the headers or both to change")
        url = await check_url(f"{at}.url", item.url, hub_mode=hub_mode) if item.url else None
        headers = validate_headers(item.headers) if item.headers is not None else None
        changes[item.name] = (url, headers)
    channel = await _enabled(uow, principal, destinations)
    current = {d["name"]: dict(d) for d in channel.multi_webhook_destinations}
    for name, (url, headers) in changes.items():
        if name not in current:
            raise NotFound(f"No destination named '{name}'")
        if url is not None:
            current[name]["url"] = url
        if headers is not None:
            current[name]["headers"] = headers
    return await _save(uow, clock, channel, list(current.values()))


def targets(channel: Channel) -> list[str]:
    """The names a main webhook delivered to this channel is copied to (none when disabled)."""
    if not channel.multi_webhook_enabled:
        return []
    return [d["name"] for d in channel.multi_webhook_destinations]


def destination(channel: Channel, name: str) -> dict[str, Any] | None:
    for item in channel.multi_webhook_destinations:
        if item["name"] == name:
            return dict(item)
    return None
