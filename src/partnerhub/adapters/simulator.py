"""The simulated Meta side, run as one more round of the worker loop.

Each round moves every channel whose next step is due one step on
(``created -> submitted -> ready -> running -> live``, or a cancellation taking effect), with
its partner webhook event in the same transaction; see :mod:`domain.clients.services`.
"""

from __future__ import annotations

from collections.abc import Callable

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.domain.clients.services import run_due_steps
from partnerhub.domain.clock import Clock, VirtualClock


class Simulator:
    def __init__(
        self, uow_factory: Callable[[], UnitOfWork], clock: Clock, step_seconds: float
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self.step_seconds = step_seconds

    async def run_due(self) -> int:
        async with self._uow_factory() as uow:
            await uow.lock_for_write()
            if isinstance(self._clock, VirtualClock):
                state = await uow.webhooks.emulator_state()
                self._clock.catch_up(state.clock_offset_seconds)
            return await run_due_steps(uow, self._clock, self.step_seconds)
