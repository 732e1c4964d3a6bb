"""``partnerhub number-migration``: the Meta side of number migrations, on the local database
(issue 18 item 4). An operator turns a number's two-step verification on or off where it is
registered now, and reads the one-time code a migrating number received; in emulator mode
``/_emulator/numbers/{wa_id}/two_step`` and ``/_emulator/number_migrations/{id}/code`` do the
same over HTTP."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from partnerhub.cli._runtime import console, run_with_state
from partnerhub.domain.clock import isoformat
from partnerhub.domain.migration import services
from partnerhub.server.state import AppState

migration_app = typer.Typer(
    help="Number migrations: two-step verification and one-time codes (local database).",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]


@migration_app.command("two-step")
def two_step(
    phone_number: Annotated[str, typer.Argument(help="E.164, e.g. +4915112345678.")],
    enabled: Annotated[bool, typer.Option("--on/--off", help="Two-step verification on or off.")],
    as_json: JsonOpt = False,
) -> None:
    """Turn a number's two-step verification on or off (a migration is refused while on)."""

    async def action(state: AppState) -> dict[str, Any]:
        async with state.uow() as uow:
            setting = await services.set_two_step(uow, state.clock, phone_number, enabled)
        return {"phone_number": setting.phone_number, "enabled": setting.enabled}

    document = run_with_state(action)
    if as_json:
        typer.echo(json.dumps(document))
        return
    state = "on" if document["enabled"] else "off"
    console.print(f"two-step verification of {document['phone_number']}: [bold]{state}[/]")


@migration_app.command("code")
def code(
    channel_id: Annotated[str, typer.Argument(help="The migrating number's channel id.")],
    as_json: JsonOpt = False,
) -> None:
    """The one-time code the migrating number received (after ``request_code``)."""

    async def action(state: AppState) -> dict[str, Any]:
        async with state.uow() as uow:
            migration = await services.migration_code(uow, channel_id)
        return {
            "channel_id": migration.channel_id,
            "phone_number": migration.phone_number,
            "status": migration.status,
            "code": migration.code,
            "code_method": migration.code_method,
            "expires_at": isoformat(migration.code_expires_at),
        }

    document = run_with_state(action)
    if as_json:
        typer.echo(json.dumps(document))
        return
    if document["code"] is None:
        console.print(f"{document['phone_number']}: no code pending ({document['status']})")
        return
    console.print(
        f"{document['phone_number']}: [bold]{document['code']}[/] by {document['code_method']},"
        f" valid until {document['expires_at']}"
    )
