"""Plain values the hub's repository returns: sessions and rows of the dashboard's tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from partnerhub.domain.clients.model import Channel, Client
from partnerhub.domain.partners.model import Partner, PartnerUser


@dataclass(frozen=True)
class HubSession:
    """One login of a partner user. The cookie carries a secret; only its digest is stored."""

    id: str
    token_digest: str
    user_id: str
    partner_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class SignedIn:
    """What every dashboard page knows about its caller, from one lookup of the cookie."""

    session: HubSession
    user: PartnerUser
    partner: Partner


@dataclass(frozen=True)
class NumberRow:
    """A row of "Clients & numbers": a client with one of its numbers (or none yet)."""

    client: Client
    channel: Channel | None

    @property
    def contact_email(self) -> str:
        email = self.client.contact_info.get("email") or self.client.contact_user.get("email")
        return str(email or "")


@dataclass(frozen=True)
class TimelineEntry:
    event_id: str
    event_type: str
    created_at: datetime
    status: str | None


@dataclass(frozen=True)
class DayUsage:
    day: datetime
    messages: int
    cost_micros: int
