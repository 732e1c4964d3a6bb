"""When the compliance simulator next looks at a number: its pending display-name review or
the end of its earliest restriction, whichever comes first."""

from __future__ import annotations

from datetime import UTC, datetime

from partnerhub.domain.clients.model import Channel


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def next_due(channel: Channel) -> datetime | None:
    moments = [from_unix(int(r["expiration"])) for r in channel.restrictions]
    requests = channel.display_name_requests
    if requests and requests[-1]["status"] == "PENDING_REVIEW":
        moments.append(parse(requests[-1]["review_at"]))
    return min(moments) if moments else None
