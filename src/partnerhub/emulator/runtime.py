"""The emulator's part of a running app: its virtual clock and its webhook faults.

The core calls it through :class:`~partnerhub.adapters.worker_hooks.WorkerHooks` (start-up,
each delivery round, each simulator round) and the ``/_emulator`` routes reach it as
``state.hooks`` (:func:`partnerhub.emulator.routes.guard.emulator_of`). Built by the composition
root (:mod:`partnerhub.app`) in emulator mode only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.adapters.worker_hooks import Fault
from partnerhub.emulator import clock as clock_control
from partnerhub.emulator import faults
from partnerhub.emulator.clock import VirtualClock


class EmulatorRuntime:
    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock

    async def start(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        """A restarted emulator resumes at the virtual time it had reached."""
        async with uow_factory() as uow:
            await clock_control.catch_up(uow, self.clock)
            await uow.commit()

    async def sync_clock(self, uow: UnitOfWork) -> None:
        await clock_control.catch_up(uow, self.clock)

    async def take_faults(self, uow: UnitOfWork, count: int) -> Sequence[Fault | None]:
        return await faults.take(uow, count)
