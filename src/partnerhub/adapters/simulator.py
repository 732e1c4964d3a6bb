"""The simulated Meta side, run as one more round of the worker loop.

Each round moves every channel whose next step is due one step on
(``created -> submitted -> ready -> running -> live``, or a cancellation taking effect), with
its partner webhook event in the same transaction (see :mod:`domain.clients.lifecycle`); then it
decides every template whose review is due (:mod:`domain.templates.services`), and moves every
message whose next status is due (:mod:`domain.messaging.services`).

Part of the core, not of :mod:`partnerhub.emulator`: a hub has no real Meta behind it either,
so hub mode runs the same simulated review, lifecycle and message statuses; the emulator only
adds its controls on top (moving the clock, forcing statuses, faults).
"""

from __future__ import annotations

from collections.abc import Callable

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.adapters.worker_hooks import NO_HOOKS, WorkerHooks
from partnerhub.domain.clients.lifecycle import run_due_steps
from partnerhub.domain.clock import Clock
from partnerhub.domain.compliance.simulator import run_due as run_due_compliance
from partnerhub.domain.messaging.coexistence import run_due_history
from partnerhub.domain.messaging.quality import run_due_downgrades
from partnerhub.domain.messaging.services import MessagingConfig, run_due_statuses
from partnerhub.domain.templates.services import run_due_reviews


class Simulator:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        step_seconds: float,
        messaging: MessagingConfig | None = None,
        *,
        reject_template_names: bool = True,
        hooks: WorkerHooks = NO_HOOKS,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._hooks = hooks  # the emulator keeps its virtual clock in step through these
        self.step_seconds = step_seconds
        self.messaging = messaging or MessagingConfig()
        self.reject_template_names = reject_template_names

    async def run_due(self) -> int:
        """One round of every simulated process; returns how many objects moved.

        One unit of work for the three: each step commits what it moved (so one failing part
        cannot undo another's events), and the write lock and the clock are taken once.
        """
        async with self._uow_factory() as uow:
            await uow.lock_for_write()
            await self._hooks.sync_clock(uow)
            moved = await run_due_steps(uow, self._clock, self.step_seconds)
            await uow.lock_for_write()
            moved += await run_due_reviews(
                uow, self._clock, reject_names=self.reject_template_names
            )
            await uow.lock_for_write()
            moved += await run_due_statuses(uow, self._clock, self.messaging)
            await uow.lock_for_write()  # WhatsApp Coexistence: the history sync's next phases
            moved += await run_due_history(uow, self._clock, self.step_seconds)
            await uow.lock_for_write()
            moved += await run_due_compliance(uow, self._clock)
            await uow.lock_for_write()  # a number red for seven days drops a tier
            moved += await run_due_downgrades(uow, self._clock)
        return moved
