"""Shared plumbing for CLI commands: settings, a state to act through, error reporting."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from partnerhub.adapters import db, migrate
from partnerhub.app import build_state
from partnerhub.domain.errors import DomainError
from partnerhub.server.settings import Settings, SettingsError
from partnerhub.server.state import AppState

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    # soft_wrap: one line, however narrow the terminal (or a log file) is.
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except SettingsError as exc:
        fail(str(exc), 2)
    except ValidationError as exc:
        fail(settings_problem(exc), 2)


def settings_problem(exc: ValidationError) -> str:
    """Plain sentences for settings pydantic refused: a refusal of our own (a
    :class:`SettingsError`, e.g. hub mode without a JWT secret) as it was written, and a bad
    value as ``PARTNERHUB_X: what is wrong``, never pydantic's "Value error, …" wrapping."""
    ours = [
        str(error)
        for e in exc.errors()
        if isinstance(error := (e.get("ctx") or {}).get("error"), SettingsError)
    ]
    if ours:
        return ours[0]
    problems = "; ".join(
        f"PARTNERHUB_{'_'.join(str(p) for p in e['loc']).upper()}: "
        f"{e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    )
    return f"invalid settings: {problems}"


def database_label(settings: Settings) -> str:
    """The database a command acts on, as a person can find it again (absolute file path)."""
    path = db.sqlite_path(settings.sqlalchemy_url)
    if path is not None:
        return f"sqlite:///{path.resolve().as_posix()}"
    return settings.sqlalchemy_url.render_as_string(hide_password=True)


def open_database(settings: Settings, *, must_exist: bool) -> None:
    """Say which database a local command uses (on stderr: stdout stays the command's answer),
    and refuse a command that needs data on a SQLite file that does not exist.

    Run from another folder, the default ``./var`` is another database: without this, ``partners
    list`` there created an empty one and answered with nothing, as if the partners were gone.
    """
    err_console.print(
        f"database: {escape(database_label(settings))}", highlight=False, soft_wrap=True
    )
    path = db.sqlite_path(settings.sqlalchemy_url)
    if must_exist and path is not None and not path.exists():
        fail(
            f"no database at {path.resolve()} (nothing was created). Run this command where "
            "the server runs, or point it at the server's database with PARTNERHUB_DATA_DIR "
            "(the folder holding partnerhub.db) or PARTNERHUB_DATABASE_URL.",
            2,
        )


def run_with_state(
    action: Callable[[AppState], Awaitable[T]],
    settings: Settings | None = None,
    *,
    must_exist: bool = True,
) -> T:
    """Migrate, run ``action`` against a fresh state, close it; domain errors exit 1.

    ``must_exist``: the command reads or changes data that must already be there (a partner,
    its keys), so a missing SQLite file is an error, never an empty new database.
    """
    settings = settings or load_settings()
    open_database(settings, must_exist=must_exist)

    async def main() -> T:
        state = build_state(settings)
        try:
            await migrate.upgrade(state.engine)
            return await action(state)
        finally:
            await state.close()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(f"cannot reach the database: {exc}")
