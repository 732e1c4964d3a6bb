"""``partnerhub channels release NUMBER``: the operator gives a squatted number back.

A local command (it acts on the database of ``PARTNERHUB_DATABASE_URL``, like ``keys``), though
it sits under ``channels``: only the hub's operator may end another partner's channel, and no
partner credential could. What it does is in :mod:`partnerhub.domain.clients.release`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from partnerhub.cli._runtime import console, err_console, fail, run_with_state
from partnerhub.domain.clients import release
from partnerhub.domain.clock import isoformat
from partnerhub.server.state import AppState


def _describe(holder: release.Holder) -> dict[str, Any]:
    channel = holder.channel
    return {
        "phone_number": channel.phone_number,
        "channel_id": channel.id,
        "status": channel.status,
        "created_at": isoformat(channel.created_at),
        "terminated_at": isoformat(channel.terminated_at),
        "partner_id": holder.partner.id,
        "partner": holder.partner.brand_name,
        "client_id": holder.client.id,
        "client": holder.client.name,
        "client_email": holder.client.contact_info.get("email"),
        "keys_revoked": holder.keys_revoked,
    }


def channels_release(
    number: Annotated[str, typer.Argument(help="The number, in international format.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")] = (
        False
    ),
) -> None:
    """Terminate the channel that holds NUMBER so its owner can sign up with it (operator).

    Revokes the channel's API keys and sends its partner cancellation_processed, in one
    transaction. Check first that whoever asks really owns the number (docs/operations.md).
    """

    async def find(state: AppState) -> release.Holder:
        async with state.uow() as uow:
            return await release.find_holder(uow, number)

    holder = run_with_state(find)
    shown = _describe(holder)
    if not yes:
        if as_json:
            fail("--json needs --yes (there is no prompt to answer)", 2)
        err_console.print(
            f"{shown['phone_number']} is held by channel [bold]{shown['channel_id']}[/] "
            f"({shown['status']}, since {shown['created_at']})\n"
            f"  client  {shown['client_id']}  {shown['client']}  <{shown['client_email']}>\n"
            f"  partner {shown['partner_id']}  {shown['partner']}"
        )
        if not typer.confirm(
            "Terminate this channel, revoke its API keys and notify the partner?", err=True
        ):
            fail("nothing changed")

    async def act(state: AppState) -> release.Holder:
        async with state.uow() as uow:
            return await release.release_number(
                uow, state.clock, number, expected_channel_id=holder.channel.id
            )

    done = _describe(run_with_state(act))
    if as_json:
        typer.echo(json.dumps(done))
        return
    console.print(
        f"released {done['phone_number']}: channel {done['channel_id']} terminated, "
        f"{done['keys_revoked']} API key(s) revoked, partner {done['partner_id']} notified "
        "(cancellation_processed)"
    )
