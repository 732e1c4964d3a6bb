"""``partnerhub mm-lite-terms WABA_ID``: the operator records a WABA's MM Lite terms.

A local command (it acts on the database of ``PARTNERHUB_DATABASE_URL``, like ``keys``): on a
hub, the business accepts the Marketing Messages Lite API terms with Meta, outside any API, and
the operator records it here so the WABA's numbers may send on ``POST /marketing_messages``. In
emulator mode ``partnerhub emulate mm-lite-terms`` does the same through ``/_emulator``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from partnerhub.cli._runtime import console, run_with_state
from partnerhub.domain.clock import isoformat
from partnerhub.domain.messaging import marketing
from partnerhub.server.state import AppState


def mm_lite_terms(
    waba_account_id: Annotated[str, typer.Argument(help="WABA account id (…WA).")],
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Withdraw the acceptance instead.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Record that a WABA accepted (or withdrew) the MM Lite terms."""

    async def action(state: AppState) -> datetime | None:
        async with state.uow() as uow:
            return await marketing.accept_terms(
                uow, state.clock, waba_account_id, accepted=not withdraw
            )

    at = run_with_state(action)
    done = {
        "waba_account_id": waba_account_id,
        "accepted": not withdraw,
        "accepted_at": None if at is None else isoformat(at),
    }
    if as_json:
        typer.echo(json.dumps(done))
        return
    state = f"accepted at {done['accepted_at']}" if at else "not accepted"
    console.print(f"{waba_account_id}: MM Lite terms {state}")
