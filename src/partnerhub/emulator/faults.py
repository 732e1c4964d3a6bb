"""Webhook fault injection: fail or delay the next deliveries, as a partner's test asks [ours].

``POST /_emulator/webhooks/faults`` stores the faults in the ``emulator_state`` row; every
delivery round takes them there (:func:`take`, through the core's worker hooks) in the same
transaction that claims the deliveries, so across processes each fault is used exactly once.
"""

from __future__ import annotations

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.adapters.worker_hooks import Fault


async def take(uow: UnitOfWork, count: int) -> list[Fault | None]:
    """The faults for the next ``count`` deliveries: the first ``fail_next`` fail with the
    stored status; the configured delay applies to every one."""
    state = await uow.webhooks.emulator_state()
    failing = min(state.fail_next, count)
    if failing:
        state.fail_next -= failing
    return [Fault(state.fail_status if i < failing else None, state.delay_ms) for i in range(count)]


async def clear(uow: UnitOfWork) -> None:
    """No faults: what a reset of the emulator's data leaves."""
    state = await uow.webhooks.emulator_state()
    state.fail_next, state.fail_status, state.delay_ms = 0, 500, 0


async def set_faults(
    uow: UnitOfWork, fail_next: int | None, status: int | None, delay_ms: int | None
) -> tuple[int, int, int]:
    """Change what is given (None: keep); returns (fail_next, status, delay_ms) as stored."""
    state = await uow.webhooks.emulator_state()
    if fail_next is not None:
        state.fail_next = fail_next
    if status is not None:
        state.fail_status = status
    if delay_ms is not None:
        state.delay_ms = delay_ms
    return state.fail_next, state.fail_status, state.delay_ms
