"""Shared plumbing for CLI commands: settings, a state to act through, error reporting."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from partnerhub.adapters import migrate
from partnerhub.domain.errors import DomainError
from partnerhub.server.settings import Settings, SettingsError
from partnerhub.server.state import AppState, build_state

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except SettingsError as exc:
        fail(str(exc), 2)
    except ValidationError as exc:
        problems = "; ".join(
            f"PARTNERHUB_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        fail(f"invalid settings: {problems}", 2)


def run_with_state(
    action: Callable[[AppState], Awaitable[T]], settings: Settings | None = None
) -> T:
    """Migrate, run ``action`` against a fresh state, close it; domain errors exit 1."""
    settings = settings or load_settings()

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
