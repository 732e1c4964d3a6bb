"""What reaches PostgreSQL during a block: the statements SQLAlchemy sends and the simple
queries asyncpg runs itself (where ``BEGIN``, ``ROLLBACK`` and the pool's ping would show)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from partnerhub.server.state import AppState


@dataclass
class RoundTrips:
    statements: list[str] = field(default_factory=list)
    simple: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.statements.clear()
        self.simple.clear()

    def drop_pings(self, state: AppState) -> None:
        """The pool's pre-ping, while it is on, is the only other traffic allowed (SQLAlchemy
        pings in a transaction of its own, for PgBouncer); issue 16 turned it off."""
        if getattr(state.engine.sync_engine.pool, "_pre_ping", False):
            for ping in (["BEGIN;", ";", "ROLLBACK;"], [";"]):
                if self.simple[: len(ping)] == ping:
                    del self.simple[: len(ping)]
                    break


@contextmanager
def counted(state: AppState) -> Iterator[RoundTrips]:
    seen = RoundTrips()
    logged: set[int] = set()

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.statements.append(statement)

    def on_checkout(dbapi_connection: Any, *_: Any) -> None:
        raw = dbapi_connection.driver_connection
        if id(raw) not in logged:
            logged.add(id(raw))
            raw.add_query_logger(lambda record: seen.simple.append(record.query))

    sync_engine = state.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", on_statement)
    event.listen(sync_engine.pool, "checkout", on_checkout)
    try:
        yield seen
    finally:
        event.remove(sync_engine, "before_cursor_execute", on_statement)
        event.remove(sync_engine.pool, "checkout", on_checkout)
