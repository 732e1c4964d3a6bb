"""The one password gate: per-address budget, failures per account and per address, trusted
addresses, and one verification per attempt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from partnerhub.domain.auth.lockout import Locked, LockoutPolicy, PasswordGuard
from tests.fakes import FakeClock, FakeDatabase, FakeRateLimits, FakeUnitOfWork

Uow = Callable[[], FakeUnitOfWork]
ACCOUNT = "user:ops@acme.example"
HOME, ELSEWHERE = "192.0.2.1", "198.51.100.7"


def _guard(clock: FakeClock, **policy: object) -> PasswordGuard:
    values: dict[str, object] = {"max_failures": 3, "max_failures_per_address": 10}
    return PasswordGuard(clock, FakeRateLimits(clock), LockoutPolicy(**(values | policy)))  # type: ignore[arg-type]


class Verifier:
    """The argon2 check a caller passes in; counts how often the gate let it run."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.calls = 0

    async def __call__(self) -> bool:
        self.calls += 1
        return self.answer


async def _try(
    new_uow: Uow, guard: PasswordGuard, ok: bool, address: str = HOME, account: str = ACCOUNT
) -> bool:
    async with new_uow() as uow:
        return await guard.check(uow, account, address, Verifier(ok))


async def test_a_right_password_passes_and_trusts_the_address(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    guard = _guard(clock)
    assert not await _try(new_uow, guard, ok=False)
    assert await _try(new_uow, guard, ok=True)
    assert not db.tables.login_failures  # a success forgets this address's failures
    assert (ACCOUNT, HOME) in db.tables.trusted


async def test_more_failures_than_allowed_lock_the_account_until_the_oldest_expires(
    new_uow: Uow, clock: FakeClock
) -> None:
    guard = _guard(clock)
    for _ in range(3):
        assert not await _try(new_uow, guard, ok=False)
        clock.advance(60)
    verify = Verifier(True)  # the fourth attempt in the window is one too many
    async with new_uow() as uow:
        with pytest.raises(Locked) as locked:
            await guard.check(uow, ACCOUNT, HOME, verify)
    assert verify.calls == 0  # no password is looked at while locked
    assert not locked.value.by_address
    assert 0 < locked.value.retry_after <= 15 * 60
    clock.advance(locked.value.retry_after)
    assert await _try(new_uow, guard, ok=True)


async def test_a_refused_attempt_does_not_push_the_lockout_further_out(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    guard = _guard(clock)
    for _ in range(3):
        await _try(new_uow, guard, ok=False)
    counted = len(db.tables.login_failures)
    for _ in range(3):
        with pytest.raises(Locked):
            await _try(new_uow, guard, ok=True)
    assert len(db.tables.login_failures) == counted


async def test_a_trusted_address_still_logs_in_while_the_account_is_locked_elsewhere(
    new_uow: Uow, clock: FakeClock
) -> None:
    guard = _guard(clock)
    assert await _try(new_uow, guard, ok=True, address=HOME)
    for _ in range(3):
        await _try(new_uow, guard, ok=False, address=ELSEWHERE)
    with pytest.raises(Locked):
        await _try(new_uow, guard, ok=True, address=ELSEWHERE)
    assert await _try(new_uow, guard, ok=True, address=HOME)


async def test_one_address_spraying_many_accounts_is_locked_out_as_an_address(
    new_uow: Uow, clock: FakeClock
) -> None:
    guard = _guard(clock, max_failures_per_address=5)
    for n in range(5):
        await _try(new_uow, guard, ok=False, account=f"user:{n}@acme.example")
    with pytest.raises(Locked) as locked:
        await _try(new_uow, guard, ok=True, account="user:fresh@acme.example")
    assert locked.value.by_address


async def test_the_address_budget_caps_attempts_per_minute(new_uow: Uow, clock: FakeClock) -> None:
    guard = _guard(clock, attempts_per_minute=2, max_failures=100)
    await _try(new_uow, guard, ok=False)
    await _try(new_uow, guard, ok=False)
    with pytest.raises(Locked) as locked:
        await _try(new_uow, guard, ok=True)
    assert locked.value.by_address
    clock.advance(60)
    assert await _try(new_uow, guard, ok=True)


async def test_failures_older_than_the_window_are_forgotten(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase
) -> None:
    guard = _guard(clock, window=timedelta(minutes=1))
    for _ in range(3):
        await _try(new_uow, guard, ok=False)
    clock.advance(120)
    await _try(new_uow, guard, ok=False)
    assert len(db.tables.login_failures) == 1  # the old ones were dropped with the new one
