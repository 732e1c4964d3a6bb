"""``partnerhub flows``: WhatsApp Flows of a partner's WABAs on the local database (issue 18),
and ``validate``, which checks a Flow JSON file against Meta's rules with no server at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.table import Table

from partnerhub.cli._remote import id_column
from partnerhub.cli._runtime import console, fail, run_with_state
from partnerhub.domain.flows import services
from partnerhub.domain.flows.model import Flow
from partnerhub.domain.flows.validation import validate
from partnerhub.server.state import AppState

flows_app = typer.Typer(
    help="WhatsApp Flows of a partner's WABAs (local database); validate a Flow JSON file.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]
PartnerOpt = Annotated[str, typer.Option("--partner", help="The partner's id.")]
WabaOpt = Annotated[str, typer.Option("--waba", help="The WABA account's id.")]


def _row(flow: Flow) -> dict[str, object]:
    return {
        "id": flow.id,
        "name": flow.name,
        "categories": flow.categories,
        "status": flow.status,
        "json_version": flow.json_version,
        "validation_errors": len(flow.validation_errors),
    }


@flows_app.command("list")
def flows_list(partner: PartnerOpt, waba: WabaOpt, as_json: JsonOpt = False) -> None:
    """The WABA's Flows with their status."""

    async def action(state: AppState) -> list[Flow]:
        async with state.uow() as uow:
            return await services.list_flows(uow, partner, waba)

    flows = run_with_state(action)
    if as_json:
        typer.echo(json.dumps([_row(f) for f in flows], ensure_ascii=False))
        return
    # The id in full: it is what `flows publish` and the Partner API take.
    table = Table(id_column("id", 16), "name", "categories", "status", "json version", "errors")
    for flow in flows:
        row = _row(flow)
        row["categories"] = ", ".join(flow.categories)
        table.add_row(*(str(v if v is not None else "") for v in row.values()))
    console.print(table)


@flows_app.command("publish")
def flows_publish(
    flow_id: Annotated[str, typer.Argument(help="The Flow's id.")],
    partner: PartnerOpt,
    waba: WabaOpt,
) -> None:
    """Publish a DRAFT Flow whose Flow JSON has no validation errors."""

    async def action(state: AppState) -> Flow:
        async with state.uow() as uow:
            return await services.publish(uow, state.clock, partner, waba, flow_id)

    flow = run_with_state(action)
    console.print(f"Flow [bold]{flow.id}[/] ({flow.name}) is {flow.status}")


@flows_app.command("validate")
def flows_validate(
    path: Annotated[Path, typer.Argument(help="A Flow JSON file.", exists=True, dir_okay=False)],
    as_json: JsonOpt = False,
) -> None:
    """Check a Flow JSON file as an upload would; exit 1 when it has validation errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    errors = validate(text).errors
    if as_json:
        typer.echo(msgspec.json.encode({"validation_errors": errors}).decode())
    else:
        for e in errors:
            console.print(
                f"{path}:{e.line_start}:{e.column_start}: {e.error} {e.message}",
                markup=False,
                highlight=False,
            )
        if not errors:
            console.print(f"{path}: valid")
    if errors:
        raise typer.Exit(1)
