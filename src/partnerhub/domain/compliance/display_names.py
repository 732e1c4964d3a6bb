"""Display-name changes: the request, the guideline checks that can be made on the text, and the
simulated Meta review (docs/fidelity.md "Display names, policy enforcement and CTWA").

A request is ``{"id", "display_name", "status", "rejected_reason", "requested_at",
"review_at", "decided_at"}`` kept on the channel, newest last; ``status`` is
``PENDING_REVIEW`` until the review decides ``APPROVED`` or ``REJECTED``. An approved name
becomes the channel's ``phone_name``.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from partnerhub.domain.clients.lifecycle import channel_of
from partnerhub.domain.clients.model import Channel, ChannelStatus, Client, WabaAccount
from partnerhub.domain.clients.queries import any_channel
from partnerhub.domain.clock import Clock, isoformat
from partnerhub.domain.compliance import events, schedule
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound
from partnerhub.domain.partners.services import load_partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import outbox

PENDING = "PENDING_REVIEW"
APPROVED = "APPROVED"
REJECTED = "REJECTED"
DECISIONS = (APPROVED, REJECTED)
# [ours] How long the simulated review takes; Meta does not promise a time.
REVIEW_SECONDS = 86_400.0
MIN_LENGTH = 3  # [360] "A display name must contain a minimum of 3 characters"
MAX_LENGTH = 75  # [ours] no documented maximum; long enough for real brand names
KEEP_REQUESTS = 20  # the newest requests a channel keeps
WATCHED = 1000  # [ours] numbers under review or restriction the dashboard looks through

# [ours] Words that name a kind of business, not a brand: a name of only these is generic
# (Meta: a display name should not be "generic terms only").
GENERIC_WORDS = frozenset(
    {
        "shop",
        "store",
        "shoes",
        "pizza",
        "food",
        "restaurant",
        "cafe",
        "coffee",
        "bakery",
        "hotel",
        "travel",
        "bank",
        "insurance",
        "pharmacy",
        "clinic",
        "doctor",
        "support",
        "service",
        "services",
        "help",
        "delivery",
        "taxi",
        "market",
        "news",
        "sales",
        "fashion",
        "clothes",
        "beauty",
        "salon",
        "fitness",
        "gym",
        "electronics",
        "phones",
        "books",
        "music",
        "games",
        "the",
        "and",
        "of",
        "online",
        "official",
        "best",
    }
)
# A domain name: a label, a dot and a top-level domain, i.e. any country code (two letters) or
# one of the common generic ones (".example" too: the docs' stand-in for a real site). "Co. KG"
# or "Dr. Oetker" (a space after the dot) are not domains.
_GENERIC_TLDS = (
    "com|net|org|info|biz|io|co|app|dev|shop|store|online|site|xyz|tech|club|blog|email|"
    "example|test|pizza|restaurant|cafe|bar|menu|travel|health|digital|agency|studio|news"
)
_URL = re.compile(rf"(https?://|www\.|\b[\w-]+\.([a-z]{{2}}|{_GENERIC_TLDS})\b)", re.I)
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
_PUNCTUATION = re.compile(r"[~!@#$%^*()_+={}\[\]|\\:;\"<>?/]")


def check(name: str) -> str:
    """The name, stripped, if it passes every checkable guideline; else InvalidInput naming
    the rule (``display_name: …``)."""
    stripped = " ".join(name.split())
    if len(stripped) < MIN_LENGTH:
        raise InvalidInput("display_name", f"must have at least {MIN_LENGTH} characters")
    if len(stripped) > MAX_LENGTH:
        raise InvalidInput("display_name", f"must have at most {MAX_LENGTH} characters")
    if _URL.search(stripped):
        raise InvalidInput("display_name", "must not contain a URL")
    if _EMOJI.search(stripped):
        raise InvalidInput("display_name", "must not contain emojis")
    if _PUNCTUATION.search(stripped):
        raise InvalidInput("display_name", "must not contain symbols or extraneous punctuation")
    if "whatsapp" in stripped.lower().replace(" ", ""):
        raise InvalidInput("display_name", "must not contain 'WhatsApp'")
    words = re.findall(r"[^\W_]+", stripped.lower())
    if not words or all(word in GENERIC_WORDS for word in words):
        raise InvalidInput("display_name", "must not consist of generic words only")
    letters = [c for c in stripped if c.isalpha()]
    if (
        stripped.upper() == stripped
        and any(len(word) > 4 for word in re.findall(r"[^\W\d_]+", stripped))
        and letters
    ):
        raise InvalidInput(
            "display_name", "must not be all capitals unless it is an acronym (4 letters or fewer)"
        )
    return stripped


def latest(channel: Channel) -> dict[str, Any] | None:
    return channel.display_name_requests[-1] if channel.display_name_requests else None


def pending(channel: Channel) -> dict[str, Any] | None:
    last = latest(channel)
    return last if last is not None and last["status"] == PENDING else None


async def in_review(
    uow: UnitOfWork, partner_id: str, limit: int = 50
) -> list[tuple[Channel, dict[str, Any]]]:
    """The partner's numbers with a display name in Meta's review and that request, the soonest
    decided first (the dashboard's overview lists them)."""
    watched = await uow.clients.compliance_watched(partner_id, WATCHED)
    found = [(channel, request) for channel in watched if (request := pending(channel))]
    return sorted(found, key=lambda pair: (pair[1]["review_at"], pair[0].id))[:limit]


async def requests_of(uow: UnitOfWork, partner_id: str, client_id: str, channel_id: str) -> Channel:
    channel = await uow.clients.get_channel(partner_id, channel_id)
    if channel is None or channel.client_id != client_id:
        raise NotFound("Channel not found")
    return channel


async def request_change(
    uow: UnitOfWork,
    clock: Clock,
    partner_id: str,
    client_id: str,
    channel_id: str,
    display_name: str,
    review_seconds: float = REVIEW_SECONDS,
) -> tuple[Channel, dict[str, Any]]:
    """Submit a new display name for review; one request at a time per number."""
    name = check(display_name)
    await uow.lock_for_write()
    channel, _client, _waba = await channel_of(uow, partner_id, client_id, channel_id)
    if channel.status in (ChannelStatus.TERMINATED, ChannelStatus.CANCELLED):
        raise Conflict("The channel is terminated")
    if pending(channel) is not None:
        raise Conflict("A display name change is already in review for this number")
    if name == channel.phone_name:
        raise InvalidInput("display_name", "is already the number's display name")
    now = clock.now()
    request: dict[str, Any] = {
        "id": secrets.token_hex(8),
        "display_name": name,
        "status": PENDING,
        "rejected_reason": None,
        "requested_at": isoformat(now),
        "review_at": isoformat(now + timedelta(seconds=review_seconds)),
        "decided_at": None,
    }
    # Reassigned, not appended: the JSON column sees a new value.
    channel.display_name_requests = [
        *channel.display_name_requests[-(KEEP_REQUESTS - 1) :],
        request,
    ]
    channel.compliance_due_at = schedule.next_due(channel)
    channel.modified_at = now
    await uow.commit()
    return channel, request


async def decide(
    uow: UnitOfWork, clock: Clock, channel_id: str, decision: str, reason: str | None
) -> tuple[Channel, dict[str, Any]]:
    """The emulator deciding the pending review now (Meta's side)."""
    decision = decision.upper()
    if decision not in DECISIONS:
        raise InvalidInput("decision", "must be APPROVED or REJECTED")
    if decision == REJECTED and not reason:
        reason = "Display name does not comply with WhatsApp's display name guidelines"
    await uow.lock_for_write()
    found = await any_channel(uow, channel_id)
    channel, client, waba = await channel_of(uow, found.partner_id, found.client_id, channel_id)
    if pending(channel) is None:
        raise Conflict("No display name change is in review for this number")
    request = await _apply(uow, clock, channel, client, waba, decision, reason)
    await uow.commit()
    return channel, request


async def _apply(
    uow: UnitOfWork,
    clock: Clock,
    channel: Channel,
    client: Client,
    waba: WabaAccount,
    decision: str,
    reason: str | None,
) -> dict[str, Any]:
    now = clock.now()
    current = pending(channel)
    assert current is not None
    request = {
        **current,
        "status": decision,
        "rejected_reason": reason if decision == REJECTED else None,
        "decided_at": isoformat(now),
    }
    channel.display_name_requests = [*channel.display_name_requests[:-1], request]
    if decision == APPROVED:
        channel.phone_name = request["display_name"]
        channel.name_status = APPROVED
    channel.compliance_due_at = schedule.next_due(channel)
    channel.modified_at = now
    partner = await load_partner(uow, channel.partner_id)
    await outbox.emit(uow, clock, partner, events.name_update(channel, client, waba, request))
    return request


async def review_due(uow: UnitOfWork, clock: Clock, channel: Channel, now: datetime) -> bool:
    """The simulated review: a pending request whose time has come is approved (it passed the
    checkable guidelines when it was made; the emulator rejects one with :func:`decide`)."""
    current = pending(channel)
    if current is None or schedule.parse(current["review_at"]) > now:
        return False
    client = await uow.clients.get_client(channel.partner_id, channel.client_id)
    waba = await uow.clients.get_waba(channel.partner_id, channel.waba_account_id)
    assert client is not None and waba is not None
    await _apply(uow, clock, channel, client, waba, APPROVED, None)
    return True
