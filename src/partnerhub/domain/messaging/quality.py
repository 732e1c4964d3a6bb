"""Messaging limits, quality rating and health status (issue 17; docs/fidelity.md "Health
status, messaging limits and quality").

- **Messaging limit**: each number's ``current_limit`` tier is a budget of unique WhatsApp users
  it may open business-initiated conversations with (template messages to users whose customer
  service window is closed) in a rolling 24 hours. The send batch checks it
  (:func:`spend`) in the same transaction that stores the message, on every send path; a
  template to a user over the budget is refused with Meta's 131048.
- **Quality rating**: ``current_quality_rating`` is GREEN, YELLOW or RED. The emulator moves it
  (:func:`set_quality`, :func:`report_spam`) and the tier (:func:`set_limit`); every move
  emits ``phone_number_quality_update`` to the partner in the same transaction. A number RED
  for :data:`RED_DOWNGRADE_AFTER` drops one tier when the clock gets there
  (:func:`run_due_downgrades`, a simulator round), or at a quality control if that comes first.
- **Health status**: ``GET /health_status`` (:func:`health_status`) derives
  ``can_send_message`` for the number, its WABA, the business and the app from the stored
  state, worst entity first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from partnerhub.domain.billing.services import payer_of
from partnerhub.domain.clients import events as client_events
from partnerhub.domain.clients.model import (
    KEY_STATUSES,
    Channel,
    ChannelStatus,
    Client,
    WabaAccount,
)
from partnerhub.domain.clients.queries import any_channel
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import InvalidInput, NotFound
from partnerhub.domain.messaging import errors
from partnerhub.domain.messaging.auth import ChannelPrincipal
from partnerhub.domain.messaging.model import Budget
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox
from partnerhub.domain.webhooks.outbox import new_event_id
from partnerhub.wire import events as wire

WINDOW = timedelta(hours=24)

# Meta's tier names (phone_number_quality_update's current_limit) and their unique-user
# budgets per rolling 24 hours, lowest first; None is unlimited.
TIERS: dict[str, int | None] = {
    "TIER_50": 50,
    "TIER_250": 250,
    "TIER_1K": 1_000,
    "TIER_2K": 2_000,
    "TIER_10K": 10_000,
    "TIER_100K": 100_000,
    "TIER_UNLIMITED": None,
}
_TIER_ORDER = list(TIERS)

# Quality ratings, worst first.
RATINGS = ("RED", "YELLOW", "GREEN")

# [ours] Spam reports (cumulative since the rating was last set by hand) that lower quality.
SPAM_YELLOW = 10
SPAM_RED = 25
# [ours, after Meta's pre-2025 rule] A number red this long drops one tier.
RED_DOWNGRADE_AFTER = timedelta(days=7)

AVAILABLE, LIMITED, BLOCKED = "AVAILABLE", "LIMITED", "BLOCKED"
_SEVERITY = {AVAILABLE: 0, LIMITED: 1, BLOCKED: 2}

# Meta's codes in health-status ``errors`` (and the send refusal).
SPAM_RATE_LIMIT_HIT = 131048
ACCOUNT_NOT_REGISTERED = 133010
PAYMENT_ISSUE = 131042


def limit_of(tier: str) -> int | None:
    """The tier's budget; a name Meta does not use (a seeded world's free text) is unlimited."""
    return TIERS.get(tier)


# The messaging limit, inside the send batch ----------------------------------------------


def spend(budget: Budget | None, wa_id: str, window_open: bool, channel: ChannelPrincipal) -> None:
    """Count a template send against its number's budget, or refuse it (131048).

    A user already counted in the last 24 hours, or whose customer service window is open
    (the conversation is user-initiated), costs nothing."""
    if budget is None or budget.limit is None or window_open or wa_id in budget.counted:
        return
    if budget.used >= budget.limit:
        raise errors.GraphError(
            SPAM_RATE_LIMIT_HIT,
            f"Message failed to send because this phone number reached its messaging limit: "
            f"{budget.limit} unique users in a rolling 24 hours (channel {channel.channel_id})",
            field="to",
        )
    budget.used += 1
    budget.counted.add(wa_id)
    budget.opened.append(wa_id)


# Quality and limit controls (the emulator's hand on the Meta side) ------------------------


@dataclass(frozen=True)
class QualityView:
    channel_id: str
    current_quality_rating: str
    current_limit: str
    spam_reports: int
    events: list[str]  # the events emitted by this change, in order


def _rating(raw: str) -> str:
    rating = raw.strip().upper()
    if rating not in RATINGS:
        raise InvalidInput("quality_rating", f"must be one of: {', '.join(RATINGS)}")
    return rating


def _tier(raw: str) -> str:
    tier = raw.strip().upper()
    if tier not in TIERS:
        raise InvalidInput("limit", f"must be one of: {', '.join(_TIER_ORDER)}")
    return tier


class _Change:
    """One control's moves on one number, written with their events in one transaction."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, channel: Channel, client: Client, waba: WabaAccount
    ) -> None:
        self.uow, self.clock, self.channel = uow, clock, channel
        self.client, self.waba = client, waba
        self.now = clock.now()
        self.emitted: list[wire.PhoneNumberQualityUpdate] = []

    def rate(self, rating: str) -> None:
        old = self.channel.current_quality_rating
        if rating == old:
            return
        self.channel.current_quality_rating = rating
        worse = RATINGS.index(rating) < RATINGS.index(old) if old in RATINGS else True
        self._event("FLAGGED" if worse else "UNFLAGGED", None)

    def limit(self, tier: str) -> None:
        old = self.channel.current_limit
        if tier == old:
            return
        self.channel.current_limit = tier
        lower = old in TIERS and _TIER_ORDER.index(tier) < _TIER_ORDER.index(old)
        self._event("DOWNGRADE" if lower else "UPGRADE", old)

    def _event(self, kind: str, old_limit: str | None) -> None:
        data = client_events.channel_data(
            wire.QualityData,
            self.channel,
            self.client,
            self.waba,
            event=kind,
            current_limit=self.channel.current_limit,
            current_quality_rating=self.channel.current_quality_rating,
            old_limit=old_limit,
        )
        self.emitted.append(wire.PhoneNumberQualityUpdate(new_event_id(), data))

    async def finish(self, spam_reports: int, red_since: datetime | None) -> QualityView:
        channel = self.channel
        if channel.current_quality_rating == "RED":
            red_since = red_since or self.now
            # One tier down for every full seven days red (a clock jumped by fifteen days
            # drops two); each drop starts the next seven days.
            while self.now - red_since >= RED_DOWNGRADE_AFTER:
                red_since += RED_DOWNGRADE_AFTER
                known = channel.current_limit in TIERS
                position = _TIER_ORDER.index(channel.current_limit) if known else 0
                if position > 0:
                    self.limit(_TIER_ORDER[position - 1])
        else:
            red_since = None
        await self.uow.quality.save_state(channel.id, spam_reports, red_since)
        if self.emitted:
            channel.modified_at = self.now
            partner = await load_partner(self.uow, channel.partner_id)
            await outbox.emit_many(self.uow, self.clock, partner, list(self.emitted))
        await self.uow.commit()
        return QualityView(
            channel.id,
            channel.current_quality_rating,
            channel.current_limit,
            spam_reports,
            [e.data.event for e in self.emitted],
        )


async def _begin(
    uow: UnitOfWork, clock: Clock, channel_id: str
) -> tuple[_Change, int, datetime | None]:
    await uow.lock_for_write()
    found = await any_channel(uow, channel_id)
    channel = await uow.clients.get_channel(found.partner_id, channel_id, for_update=True)
    assert channel is not None
    client = await uow.clients.get_client(channel.partner_id, channel.client_id)
    waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
    assert client is not None and waba is not None
    change = _Change(uow, clock, channel, client, waba)
    state = await uow.quality.get_state(channel.id)
    spam, red_since = (0, None) if state is None else state
    return change, spam, red_since


async def set_quality(uow: UnitOfWork, clock: Clock, channel_id: str, raw: str) -> QualityView:
    """Set the number's quality rating (and forget the spam reports counted so far)."""
    rating = _rating(raw)
    change, _, red_since = await _begin(uow, clock, channel_id)
    change.rate(rating)
    return await change.finish(0, red_since)


async def set_limit(uow: UnitOfWork, clock: Clock, channel_id: str, raw: str) -> QualityView:
    tier = _tier(raw)
    change, spam, red_since = await _begin(uow, clock, channel_id)
    change.limit(tier)
    return await change.finish(spam, red_since)


async def report_spam(uow: UnitOfWork, clock: Clock, channel_id: str, count: int) -> QualityView:
    """``count`` users report the number's messages as spam: at :data:`SPAM_YELLOW` reports the
    quality drops to YELLOW, at :data:`SPAM_RED` to RED (reports only ever lower it)."""
    if not 1 <= count <= 1_000_000:
        raise InvalidInput("count", "must be between 1 and 1000000")
    change, spam, red_since = await _begin(uow, clock, channel_id)
    spam += count
    derived = "RED" if spam >= SPAM_RED else "YELLOW" if spam >= SPAM_YELLOW else "GREEN"
    current = change.channel.current_quality_rating
    if RATINGS.index(derived) < (RATINGS.index(current) if current in RATINGS else 2):
        change.rate(derived)
    return await change.finish(spam, red_since)


async def run_due_downgrades(uow: UnitOfWork, clock: Clock, limit: int = 200) -> int:
    """The simulator's round: every number red for :data:`RED_DOWNGRADE_AFTER` drops a tier
    now, by itself (``DOWNGRADE``, with its ``phone_number_quality_update`` in the same
    transaction), not at its next quality control. Returns how many numbers were looked at."""
    due = await uow.quality.red_due(clock.now() - RED_DOWNGRADE_AFTER, limit)
    for channel_id in due:
        change, spam, red_since = await _begin(uow, clock, channel_id)
        await change.finish(spam, red_since)
    return len(due)


# Health status -----------------------------------------------------------------------------


def _entity(
    kind: str,
    ident: str,
    blocked: list[tuple[int, str, str]],
    limited: list[str],
) -> dict[str, Any]:
    entity: dict[str, Any] = {"entity_type": kind, "id": ident}
    if blocked:
        entity["can_send_message"] = BLOCKED
        entity["errors"] = [
            {"error_code": code, "error_description": text, "possible_solution": fix}
            for code, text, fix in blocked
        ]
    elif limited:
        entity["can_send_message"] = LIMITED
        entity["additional_info"] = limited
    else:
        entity["can_send_message"] = AVAILABLE
    return entity


_RESTRICTED_WABA = {"account_violation", "account_restriction", "account_banned"}


async def health_status(
    uow: UnitOfWork, clock: Clock, principal: ChannelPrincipal
) -> dict[str, Any]:
    """Meta's ``health_status`` of the key's number, read from the stored state."""
    channel = await uow.clients.get_channel(principal.partner_id, principal.channel_id)
    if channel is None:
        raise NotFound("Channel not found")
    waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
    if waba is None:  # pragma: no cover - a channel always has its WABA (foreign key)
        raise NotFound("WABA account not found")
    phone = await _phone_health(uow, clock, channel)
    entities = [
        phone,
        await _waba_health(uow, channel, waba),
        await _business_health(uow, channel, waba),
        _entity("APP", await uow.quality.app_id_of_key(principal.key_id) or "", [], []),
    ]
    overall = max((e["can_send_message"] for e in entities), key=_SEVERITY.__getitem__)
    return {
        "health_status": {"can_send_message": overall, "entities": entities},
        "id": channel.external_id,
    }


async def _phone_health(uow: UnitOfWork, clock: Clock, channel: Channel) -> dict[str, Any]:
    blocked: list[tuple[int, str, str]] = []
    limited: list[str] = []
    status = channel.status
    if status not in KEY_STATUSES and status not in (
        ChannelStatus.ACCOUNT_VIOLATION,
        ChannelStatus.ACCOUNT_RESTRICTION,
    ):
        blocked.append(
            (
                ACCOUNT_NOT_REGISTERED,
                f"The phone number is not registered on the Cloud API (channel status '{status}').",
                "Wait until the number is running, or register it again.",
            )
        )
    if channel.current_quality_rating == "RED":
        limited.append(
            "The phone number's quality rating is RED: messages are being blocked or reported "
            "by users. Its messaging limit may be lowered."
        )
    limit = limit_of(channel.current_limit)
    if limit is not None:
        used = await uow.quality.conversations_since(channel.id, clock.now() - WINDOW)
        if used >= limit:
            limited.append(
                f"The phone number reached its messaging limit ({channel.current_limit}): "
                f"{used} business-initiated conversations in the last 24 hours."
            )
    return _entity("PHONE_NUMBER", channel.external_id, blocked, limited)


async def _waba_health(uow: UnitOfWork, channel: Channel, waba: WabaAccount) -> dict[str, Any]:
    blocked: list[tuple[int, str, str]] = []
    limited: list[str] = []
    restricted = channel.status in (
        ChannelStatus.ACCOUNT_VIOLATION,
        ChannelStatus.ACCOUNT_RESTRICTION,
    )
    if restricted or waba.status in _RESTRICTED_WABA:
        blocked.append(
            (
                errors.BUSINESS_ACCOUNT_LOCKED,
                f"The WhatsApp Business Account is restricted ('{waba.status}') for a policy "
                "violation.",
                "Review the violation in the Business Manager and request a review.",
            )
        )
    paused = await uow.quality.paused_templates(waba.id)
    if paused:
        limited.append(
            f"{paused} message template(s) of this WhatsApp Business Account are paused or "
            "disabled for low quality."
        )
    return _entity("WABA", waba.external_id, blocked, limited)


async def _business_health(uow: UnitOfWork, channel: Channel, waba: WabaAccount) -> dict[str, Any]:
    blocked: list[tuple[int, str, str]] = []
    partner = await load_partner(uow, channel.partner_id)
    owner = channel.client_id if payer_of(partner) == "client" else partner.id
    balance = await uow.billing.get_balance(owner)
    if balance is not None and balance.total_micros < 0:
        blocked.append(
            (
                PAYMENT_ISSUE,
                "Could not send message due to lack of payment: the balance that pays for this "
                "number's messages is negative.",
                "Top up the balance, or settle the overdue invoices.",
            )
        )
    return _entity("BUSINESS", waba.fb_business_id, blocked, [])
