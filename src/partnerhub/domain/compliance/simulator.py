"""The compliance round of the simulated Meta side: reviews due, restrictions ending."""

from __future__ import annotations

from partnerhub.domain.clock import Clock
from partnerhub.domain.compliance import display_names, enforcement, schedule
from partnerhub.domain.ports import UnitOfWork


async def run_due(uow: UnitOfWork, clock: Clock, limit: int = 200) -> int:
    """Decide every display-name review that is due and end every restriction that expired,
    with their events, in one transaction. Returns how many numbers moved."""
    await uow.lock_for_write()
    now = clock.now()
    due = await uow.clients.due_compliance(now, limit)
    if not due:
        return 0
    wabas: dict[str, None] = {}
    for channel in due:
        await display_names.review_due(uow, clock, channel, now)
        if any(r["expiration"] <= now.timestamp() for r in channel.restrictions):
            wabas[channel.waba_account_id] = None
        else:
            following = schedule.next_due(channel)
            # Nothing left to do at ``now`` (never loop on a moment already passed).
            channel.compliance_due_at = following if following and following > now else None
    for waba_id in wabas:
        await enforcement.expire_due(uow, clock, waba_id, now)
    await uow.commit()
    return len(due)
