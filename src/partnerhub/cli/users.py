"""``partnerhub users``: an operator's hand on partner users, on the local database.

For when the API cannot help: a forgotten password (``set-password`` needs no current one: the
operator already holds the database), a leaked token (``revoke-sessions``), someone who left
(``disable``). Every command ends the user's logins exactly as the API does
(:mod:`partnerhub.domain.auth.users`), and a running server sees it on the next request.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from partnerhub.adapters.unit_of_work import UnitOfWork
from partnerhub.cli._runtime import console, fail, run_with_state
from partnerhub.domain.auth import users as services
from partnerhub.domain.auth.users import LoginsRevoked
from partnerhub.domain.clock import isoformat
from partnerhub.domain.partners.model import PartnerUser
from partnerhub.server.state import AppState

users_app = typer.Typer(
    help="Partner users: passwords, logins, disabling (local database).", no_args_is_help=True
)

UserArg = Annotated[str, typer.Argument(help="The user's email (or its id, …US).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]


async def _find(uow: UnitOfWork, who: str) -> PartnerUser:
    if "@" in who:
        return await services.user_by_email(uow, who)
    user = await uow.users.get(who)
    if user is None:
        fail(f"no user {who}")
    return user


def _report(email: str, revoked: LoginsRevoked, what: str) -> None:
    console.print(
        f"{what} {email}: ended {revoked.token_families} token families and "
        f"{revoked.dashboard_sessions} dashboard sessions"
    )


@users_app.command("list")
def users_list(
    partner: Annotated[str, typer.Option("--partner", help="Partner id (…PA).")],
    as_json: JsonOpt = False,
) -> None:
    """List a partner's users (never a password)."""

    async def action(state: AppState) -> list[dict[str, Any]]:
        async with state.uow() as uow:
            if await uow.partners.get(partner) is None:
                fail(f"no partner {partner}")
            found = await services.users_of(uow, partner)
        return [
            {
                "id": u.id,
                "email": u.email,
                "created_at": isoformat(u.created_at),
                "disabled": u.disabled_at is not None,
                "disabled_at": isoformat(u.disabled_at),
            }
            for u in found
        ]

    rows = run_with_state(action)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("id", "email", "created", "disabled")
    for row in rows:
        table.add_row(row["id"], row["email"], row["created_at"], row["disabled_at"] or "")
    console.print(table)


@users_app.command("set-password")
def users_set_password(
    user: UserArg,
    password: Annotated[
        str,
        typer.Option(
            "--password",
            envvar="PARTNERHUB_NEW_PASSWORD",
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for (hidden, twice) when not given; or PARTNERHUB_NEW_PASSWORD.",
        ),
    ],
) -> None:
    """Set a user's password (no current one needed) and end every login of the user."""

    async def action(state: AppState) -> tuple[str, LoginsRevoked]:
        async with state.uow() as uow:
            found = await _find(uow, user)
            return found.email, await services.set_password(uow, state.clock, found, password)

    email, revoked = run_with_state(action)
    _report(email, revoked, "password set for")


@users_app.command("revoke-sessions")
def users_revoke_sessions(user: UserArg) -> None:
    """End every login of a user: all bearer token families and dashboard sessions."""

    async def action(state: AppState) -> tuple[str, LoginsRevoked]:
        async with state.uow() as uow:
            found = await _find(uow, user)
            return found.email, await services.revoke_user_logins(uow, state.clock, found)

    email, revoked = run_with_state(action)
    _report(email, revoked, "signed out")


@users_app.command("disable")
def users_disable(user: UserArg) -> None:
    """Disable a user: every login ends, and no new one is allowed until `enable`."""

    async def action(state: AppState) -> tuple[str, LoginsRevoked]:
        async with state.uow() as uow:
            found = await _find(uow, user)
            return found.email, await services.set_disabled(uow, state.clock, found, True)

    email, revoked = run_with_state(action)
    _report(email, revoked, "disabled")


@users_app.command("enable")
def users_enable(user: UserArg) -> None:
    """Enable a disabled user again (its old logins stay ended)."""

    async def action(state: AppState) -> str:
        async with state.uow() as uow:
            found = await _find(uow, user)
            await services.set_disabled(uow, state.clock, found, False)
            return found.email

    console.print(f"enabled {run_with_state(action)}")
