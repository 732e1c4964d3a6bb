"""``partnerhub partner-change``: partner change requests on the local database (issue 18 item 5):
list those to a partner's hub, approve or reject one as that partner would through the Partner
API, or file one as a client does in its Client Hub (``request``)."""

from __future__ import annotations

import json
from typing import Annotated

import msgspec
import typer
from rich.table import Table

from partnerhub.cli._remote import id_column, short_time
from partnerhub.cli._runtime import console, run_with_state
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partner_change import services
from partnerhub.domain.partner_change.model import PartnerChangeRequest
from partnerhub.server.presenters.partner_change import partner_change_request
from partnerhub.server.state import AppState

partner_change_app = typer.Typer(
    help="Partner change requests: a client moving to another partner (local database).",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]
PartnerOpt = Annotated[
    str, typer.Option("--partner", help="The partner whose hub the requests are to (target).")
]


def _show(found: list[PartnerChangeRequest], as_json: bool, *, one: bool = False) -> None:
    """A table, or JSON: an array (``one``: the one request)."""
    documents = [msgspec.to_builtins(partner_change_request(p)) for p in found]
    if as_json:
        typer.echo(json.dumps(documents[0] if one else documents))
        return
    # Ids in full (what `approve` and `reject` take); the target is the --partner given.
    table = Table(
        id_column("id", 11),
        id_column("status", 9),
        id_column("client", 10),
        id_column("from partner", 10),
        "numbers",
        "created",
    )
    for d in documents:
        table.add_row(
            d["id"],
            d["status"],
            d["source_client_id"],
            d["source_partner_id"],
            str(len(d["channel_ids"])),
            short_time(d["created_at"]),
        )
    console.print(table)


@partner_change_app.command("list")
def partner_change_list(
    partner: PartnerOpt,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, completed, rejected")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The partner change requests to a partner's hub, newest first."""

    async def action(state: AppState) -> list[PartnerChangeRequest]:
        async with state.reads() as uow:
            found, _ = await services.list_requests(uow, partner, ListQuery(limit=1000), status)
            return found

    _show(run_with_state(action), as_json)


def _decide(partner: str, pcr_id: str, decision: services.Decision, as_json: bool) -> None:
    async def action(state: AppState) -> PartnerChangeRequest:
        async with state.uow() as uow:
            return await decision(uow, state.clock, partner, pcr_id)

    _show([run_with_state(action)], as_json, one=True)


@partner_change_app.command("approve")
def partner_change_approve(
    pcr_id: Annotated[str, typer.Argument(help="The request's id.")],
    partner: PartnerOpt,
    as_json: JsonOpt = False,
) -> None:
    """Approve a pending request: the client and all its numbers move to the partner, their
    API keys revoked; both partners get their webhook events."""
    _decide(partner, pcr_id, services.approve, as_json)


@partner_change_app.command("reject")
def partner_change_reject(
    pcr_id: Annotated[str, typer.Argument(help="The request's id.")],
    partner: PartnerOpt,
    as_json: JsonOpt = False,
) -> None:
    """Reject a pending request: the client stays with its partner."""
    _decide(partner, pcr_id, services.reject, as_json)


@partner_change_app.command("request")
def partner_change_request_command(
    client_id: Annotated[str, typer.Option("--client", help="The client that asks to move.")],
    target: Annotated[str, typer.Option("--to", help="The partner it asks to move to.")],
    as_json: JsonOpt = False,
) -> None:
    """File a request as the client does in its Client Hub (decided at once when the target
    auto-approves)."""

    async def action(state: AppState) -> PartnerChangeRequest:
        async with state.uow() as uow:
            return await services.request_change(uow, state.clock, client_id, target)

    _show([run_with_state(action)], as_json, one=True)
