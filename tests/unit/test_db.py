"""A process started while the database is down waits for it; other errors fail at once."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, ProgrammingError

from partnerhub.adapters.db import is_unreachable, when_reachable


def test_unreachable_means_refused_lost_or_restarting() -> None:
    assert is_unreachable(ConnectionRefusedError(111, "refused"))
    assert is_unreachable(asyncpg.CannotConnectNowError("the database system is starting up"))
    wrapped = DBAPIError("SELECT 1", None, asyncpg.ConnectionDoesNotExistError("closed"))
    assert not wrapped.connection_invalidated
    try:
        raise wrapped from asyncpg.ConnectionDoesNotExistError("closed")
    except DBAPIError as exc:
        assert is_unreachable(exc)
    assert not is_unreachable(ProgrammingError("SELECT nope", None, Exception("syntax error")))


async def test_startup_waits_while_the_database_is_unreachable() -> None:
    calls = 0

    async def step() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConnectionRefusedError(111, "refused")
        return "migrated"

    assert await when_reachable(step, patience_seconds=10) == "migrated"
    assert calls == 3


async def test_startup_fails_at_once_on_other_errors_and_after_its_patience() -> None:
    async def broken() -> None:
        raise ProgrammingError("SELECT nope", None, Exception("syntax error"))

    with pytest.raises(ProgrammingError):
        await when_reachable(broken, patience_seconds=10)

    async def down() -> None:
        raise ConnectionRefusedError(111, "refused")

    with pytest.raises(ConnectionRefusedError):
        await when_reachable(down, patience_seconds=0.5)
