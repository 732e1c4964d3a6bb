"""Password checks, lockout and rate limits: one policy for every login [ours] (issue 20).

Three places take a password: ``POST /api/v2/token`` (password grant), ``/hub/login`` (the same
partner users) and the onboarding page's client login (``next=login``). Each goes through
:meth:`PasswordGuard.check`, so one store counts the failures of all three and one lockout
applies, whichever door an attacker knocks on. What it decides, and why:

- **Per-address budget.** Every password check (right or wrong) spends one unit of a per-minute
  budget of the client address, on the ``limits`` rate limiter (memory, or Redis when
  configured). It caps the pace of guessing and of argon2 work one address can cause.
- **Failures in the database.** Every attempt is recorded as a failure *before* the password is
  checked, in its own commit; a refused (locked) attempt then forgets its row, a success forgets
  the account's failures from that address. However many attempts race, only the allowed number
  in a window ever reach argon2, and every process sees the same counts (restarts too).
- **Per account.** More than ``max_failures`` failures for an account (an email; a client email
  per partner) within ``window`` lock it out until the oldest leaves the window. Unknown emails
  are counted the same way, so a lockout says nothing about whether an email exists.
- **Per address.** More than ``max_failures_per_address`` failures from one address within the
  window (whatever the emails) lock that address out of every password check: spraying one
  password over many emails is slowed as much as guessing one email's password.
- **Recovery (trusted addresses).** A lockout of an account must not be a way to keep its owner
  out (six requests every 15 minutes would do). An address that passed an account's password
  within ``trusted_for`` only counts its *own* failures against that account: a staff member or
  client at their usual address still logs in while someone else locks the email elsewhere.
- **Same work for every email.** Callers verify exactly one argon2 hash per check (a dummy one
  for an unknown email), so an answer's timing says nothing about the email.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from partnerhub.domain.auth import counters
from partnerhub.domain.clock import Clock
from partnerhub.domain.errors import RateLimited
from partnerhub.domain.ports import RateLimits, UnitOfWork
from partnerhub.domain.ratelimit import Rule


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    max_failures_per_address: int = 30  # 0: no per-address lockout
    window: timedelta = timedelta(minutes=15)
    attempts_per_minute: int = 30  # per address; 0: no budget
    trusted_for: timedelta = timedelta(days=30)
    budget: Rule | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        rule = (
            Rule("password_checks", self.attempts_per_minute, 60)
            if self.attempts_per_minute > 0
            else None
        )
        object.__setattr__(self, "budget", rule)


class Locked(Exception):
    """The check was refused without looking at the password.

    ``by_address``: the client address is over its failures or its budget (else the account is
    locked); ``retry_after``: whole seconds until a check can pass again, at the earliest.
    """

    def __init__(self, retry_after: int, *, by_address: bool) -> None:
        super().__init__("locked")
        self.retry_after = max(1, retry_after)
        self.by_address = by_address


def user_account(email: str) -> str:
    """A partner user's account key (the same for ``/token`` and ``/hub/login``)."""
    return "user:" + email


def client_account(partner_id: str, email: str) -> str:
    """A client login's account key: client emails are scoped to their partner."""
    return f"client:{partner_id}:{email}"


def _retry_after(times: list[datetime], allowed: int, window: timedelta, now: datetime) -> int:
    """Seconds until enough failures leave the window for one more attempt to pass: the attempt
    being refused forgets its own row (the newest), so ``len(times) - allowed`` must go."""
    leaving = times[max(0, len(times) - allowed - 1)]
    return math.ceil((leaving + window - now).total_seconds())


class PasswordGuard:
    """The one gate in front of every password check; see the module docstring."""

    def __init__(self, clock: Clock, limits: RateLimits, policy: LockoutPolicy) -> None:
        self._clock = clock
        self._limits = limits
        self.policy = policy

    async def check(
        self,
        uow: UnitOfWork,
        account: str,
        address: str,
        verify: Callable[[], Awaitable[bool]],
    ) -> bool:
        """Run ``verify`` (one argon2 verification, answering whether the login may pass)
        unless the account or address is locked out (:class:`Locked`). A pass is committed:
        the account's failures from this address are forgotten and the address is trusted."""
        policy = self.policy
        await self.spend(address)
        now = self._clock.now()
        since = now - policy.window
        # Recorded and decided in one transaction, which the store serialises per account, so
        # simultaneous attempts are decided one after the other; committed before argon2.
        failure_id = await uow.logins.record_failure(account, address, now, since)
        try:
            await self._refuse_if_locked(uow, account, address, now)
        except Locked:
            # A refused attempt checked no password: it must not push the lock further out.
            await uow.logins.forget_failure(failure_id)
            await uow.commit()
            raise
        await uow.commit()
        if not await verify():
            return False  # the failure is already counted
        await uow.logins.clear_failures(account, address)
        await uow.logins.trust(account, address, now, now - policy.trusted_for)
        await uow.commit()
        return True

    async def spend(self, address: str) -> None:
        """Spend one unit of the address's budget of password checks, or :class:`Locked`. Also
        for a check that fails before an account is known (a malformed email), since it still
        costs an argon2 verification."""
        if self.policy.budget is None:
            return
        try:
            await self._limits.hit(self.policy.budget, address)
        except RateLimited as exc:
            counters.locked_out("address_budget")
            raise Locked(exc.retry_after, by_address=True) from None

    async def _refuse_if_locked(
        self, uow: UnitOfWork, account: str, address: str, now: datetime
    ) -> None:
        policy = self.policy
        since = now - policy.window
        by_address = (
            await uow.logins.address_failures(address, since)
            if policy.max_failures_per_address > 0
            else []
        )
        if (
            policy.max_failures_per_address > 0
            and len(by_address) > policy.max_failures_per_address
        ):
            counters.locked_out("address")
            wait = _retry_after(by_address, policy.max_failures_per_address, policy.window, now)
            raise Locked(wait, by_address=True)
        trusted = await uow.logins.is_trusted(account, address, now - policy.trusted_for)
        failures = await uow.logins.account_failures(account, since, address if trusted else None)
        if len(failures) > policy.max_failures:
            counters.locked_out("account")
            raise Locked(
                _retry_after(failures, policy.max_failures, policy.window, now), by_address=False
            )
