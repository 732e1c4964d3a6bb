"""Command tree.

``serve``, ``worker``, ``db``, ``partners``, ``keys`` and ``users`` act on the local database
(the same ``PARTNERHUB_*`` settings as the server). ``clients``, ``channels``, ``webhooks``,
``emulate``, ``state`` and ``seed`` talk to a running server over HTTP (``--base-url``), so they
work against any hub.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import secrets
import shutil
import socket
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.panel import Panel
from rich.table import Table

from partnerhub.adapters import db, migrate
from partnerhub.app import build_state
from partnerhub.cli._runtime import (
    console,
    database_label,
    err_console,
    fail,
    load_settings,
    open_database,
    run_with_state,
)
from partnerhub.cli.catalogs import catalogs_app
from partnerhub.cli.emulate import emulate_app
from partnerhub.cli.flows import flows_app
from partnerhub.cli.migration import migration_app
from partnerhub.cli.mm_lite import mm_lite_terms
from partnerhub.cli.partner_change import partner_change_app
from partnerhub.cli.release import channels_release
from partnerhub.cli.remote import channels_app, clients_app, webhooks_app
from partnerhub.cli.seed import seed
from partnerhub.cli.state import state_app
from partnerhub.cli.users import users_app
from partnerhub.domain.billing import services as billing_services
from partnerhub.domain.clock import isoformat
from partnerhub.domain.keys import services as key_services
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.partners import services as partner_services
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.webhooks import signing
from partnerhub.server.state import AppState


def _flags_take_no_value() -> None:
    """Show on/off flags (``--install-completion``, ``--json``, ``--help``) without a type.

    Typer (0.29) prints ``<bool>`` after every flag, which reads as if ``--install-completion``
    wanted a value. A flag takes none; only options that take a value show their type.
    """
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_take_no_value()

app = typer.Typer(
    help="partnerhub: a self-hostable 360dialog Partner API v2.", no_args_is_help=True
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
partners_app = typer.Typer(help="Partners and their first user.", no_args_is_help=True)
keys_app = typer.Typer(help="Partner API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(partners_app, name="partners")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")
app.add_typer(channels_app, name="channels")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(emulate_app, name="emulate")
app.add_typer(state_app, name="state")
app.add_typer(catalogs_app, name="catalogs")
app.add_typer(migration_app, name="number-migration")
app.add_typer(flows_app, name="flows")
app.add_typer(partner_change_app, name="partner-change")
app.command("seed")(seed)
channels_app.command("release")(channels_release)  # local: the operator's, not a partner's
app.command("mm-lite-terms")(mm_lite_terms)  # local: the operator records Meta's MM Lite terms

DEMO_EMAIL = "demo@partnerhub.local"
DEMO_CREDIT = 100  # in the partner's currency (EUR by default)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]
PartnerOpt = Annotated[str, typer.Option("--partner", help="Partner id (…PA).")]


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value))


# ---------------------------------------------------------------- serve


def _platform_secret(state: AppState, partner: Partner) -> str:
    """The secret that signs the partner's webhooks (every new partner has one)."""
    assert partner.platform_secret_nonce is not None
    return signing.derive_platform_secret(
        state.master_key, partner.id, partner.platform_secret_nonce
    )


async def _ensure_demo(state: AppState, base_url: str, emulator_token: str | None) -> None:
    """On an empty database, create a demo partner and show its credentials exactly once."""
    async with state.uow() as uow:
        if await partner_services.count_partners(uow) > 0:
            partners = await partner_services.list_partners(uow)
            console.print(
                f"Partners in this database: {', '.join(p.id for p in partners[:5])}"
                + (" …" if len(partners) > 5 else "")
                + "  (credentials were shown when they were created)"
            )
            return
    password = secrets.token_urlsafe(12)
    async with state.uow() as uow:
        partner, user = await partner_services.create_partner(
            uow, state.clock, brand_name="Demo Partner", email=DEMO_EMAIL, password=password
        )
    async with state.uow() as uow:
        issued = await key_services.issue_key(
            uow, state.clock, partner.id, "demo", prefix=state.key_prefix
        )
    async with state.uow() as uow:
        # A prepaid credit, so that the walkthrough's first template sends do not take the
        # balance negative (documented in the README; POST /_emulator/partners/{id}/balance
        # sets another amount).
        funds = await billing_services.set_partner_balance(
            uow, state.clock, partner.id, DEMO_CREDIT
        )
    platform_secret = _platform_secret(state, partner)
    console.print(
        Panel.fit(
            f"partner id : [bold]{partner.id}[/]\n"
            f"login      : {user.email}\n"
            f"password   : {password}\n"
            f"API key    : [bold]{issued.secret}[/]\n"
            f"balance    : {DEMO_CREDIT} {funds.currency} (demo credit)\n"
            f"webhook secret (x-360dialog-signature): [bold]{platform_secret}[/]\n"
            + (f"emulator token : [bold]{emulator_token}[/]\n" if emulator_token else "")
            + "\n"
            f"Try: curl -H 'X-API-Key: {issued.secret}' {base_url}/api/v2/partners/{partner.id}\n"
            "[yellow]These credentials are shown once. Keep them.[/]",
            title="Demo partner created",
        )
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (PARTNERHUB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (PARTNERHUB_PORT).")] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Create a demo partner if the database is empty.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="API processes sharing the port (PostgreSQL recommended above 1; see "
            "docs/operations.md).",
        ),
    ] = 1,
) -> None:
    """Migrate the database and serve the API."""
    import uvicorn

    from partnerhub.app import create_app
    from partnerhub.server.http_protocol import CoalescingHttpToolsProtocol

    settings = load_settings(host=host, port=port)
    # The exposure warning first: it is about the settings, whether or not the bind succeeds.
    warning = settings.exposure_warning
    if warning is not None:
        err_console.print(
            Panel.fit(f"[bold yellow]warning:[/] {warning}", title="Exposed emulator")
        )
    # Before anything is migrated, created or printed: a demo partner's "shown once"
    # credentials printed by a server that then cannot listen would be lost for nothing.
    _check_port_free(settings.host, settings.port)
    # One id for every process of this server, printed below and answered by /livez.
    instance_id = settings.instance_id or secrets.token_hex(6)
    os.environ["PARTNERHUB_INSTANCE_ID"] = instance_id
    settings = settings.model_copy(update={"instance_id": instance_id})
    # The demo on loopback enables the emulator controls (the walkthrough needs them) with a
    # token kept in the data directory; hub mode and exposed addresses never get one unasked.
    emulator_token = settings.demo_emulator_token() if demo else None
    if emulator_token is not None and settings.emulator_token is None:
        os.environ["PARTNERHUB_EMULATOR_TOKEN"] = emulator_token  # for --workers processes
        settings = settings.model_copy(update={"emulator_token": SecretStr(emulator_token)})

    async def prepare() -> None:
        state = build_state(settings)
        try:
            await migrate.upgrade(state.engine)
            if demo:
                await _ensure_demo(state, f"http://{settings.host}:{settings.port}", emulator_token)
        finally:
            await state.close()

    try:
        asyncio.run(prepare())
    except OSError as exc:
        fail(f"cannot reach the database: {exc}")
    console.print(
        f"partnerhub ({settings.mode} mode) on http://{settings.host}:{settings.port}  "
        f"database: {database_label(settings)}  docs: /docs  "
        f"instance: {instance_id}",
        soft_wrap=True,
    )
    if emulator_token is not None:
        console.print(
            f"emulator token: {emulator_token}  "
            "(export EMULATOR_TOKEN=…; /_emulator controls, Authorization: Bearer)",
            soft_wrap=True,
        )
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "proxy_headers": False,
        # One write(2) per response instead of two (docs/benchmarks.md).
        "http": CoalescingHttpToolsProtocol,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # Each process builds its own app from the environment: hand the flags on that way.
    os.environ["PARTNERHUB_HOST"], os.environ["PARTNERHUB_PORT"] = settings.host, str(settings.port)
    _share_metrics(settings.data_dir)
    console.print(f"{workers} API processes; uvicorn restarts any that dies")
    uvicorn.run(
        "partnerhub.app:create_app",
        factory=True,
        workers=workers,
        # uvicorn kills a process that misses a health ping for this long: on a busy machine
        # its default (5 s) restarts healthy processes mid-request.
        timeout_worker_healthcheck=30,
        **options,
    )


def _check_port_free(host: str, port: int) -> None:
    """Fail with a way out when another process (often another partnerhub) holds the port.

    Binds the way uvicorn will (SO_REUSEADDR, so a socket lingering in TIME_WAIT is no
    obstacle) and lets go at once: a port taken in between still fails in uvicorn, but the
    usual case (a server left running) is caught before anything else happens.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                fail(
                    f"cannot listen on {host}:{port}: {exc.strerror or exc}. Is {host} an "
                    "address of this machine? Set PARTNERHUB_HOST (or --host) to one."
                )
            fail(
                f"port {port} on {host} is already in use (another partnerhub? "
                f"`curl http://{host}:{port}/livez` shows which server answers there). "
                f"Pick another port: PARTNERHUB_PORT={port + 1} make run, "
                f"make run PORT={port + 1}, or partnerhub serve --port {port + 1}."
            )


def _share_metrics(data_dir: Path) -> None:
    """Let every API process's counters add up in one /metrics (prometheus-client's multiprocess
    mode): a fresh directory for this run, unless the operator chose one."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    db.private_dir(data_dir)
    directory = data_dir.resolve() / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


@app.command()
def worker() -> None:
    """Deliver webhooks from the outbox (run any number, on any machines, against PostgreSQL).

    Start the API processes with PARTNERHUB_EMBEDDED_WORKER=false so they only write the outbox.
    SIGTERM or Ctrl-C finishes the round in flight, then exits.
    """
    import signal

    settings = load_settings()

    async def main() -> None:
        state = build_state(settings)
        try:
            await db.when_reachable(state.start_on_database, settings.database_startup_wait_seconds)
            loop = asyncio.get_running_loop()
            stop = asyncio.Event()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            state.worker.start()
            console.print(
                f"partnerhub worker (pid {os.getpid()}) delivering from "
                f"{settings.sqlalchemy_url.render_as_string(hide_password=True)}"
            )
            await stop.wait()
        finally:
            await state.close()

    try:
        asyncio.run(main())
    except Exception as exc:
        if not db.is_unreachable(exc):
            raise
        fail(f"cannot reach the database: {exc}")


# ---------------------------------------------------------------- db


def _engine_action(action: Any, *, must_exist: bool = True, quiet: bool = False) -> Any:
    settings = load_settings()
    if not quiet:
        open_database(settings, must_exist=must_exist)

    async def main() -> Any:
        state = build_state(settings)
        try:
            return await action(state.engine)
        finally:
            await state.close()

    return asyncio.run(main())


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    _engine_action(lambda engine: migrate.upgrade(engine, revision), must_exist=False)
    console.print(f"database at {_engine_action(migrate.current_revision, quiet=True)}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()] = "base") -> None:
    """Revert migrations down to REVISION (default: base, which drops every table)."""
    _engine_action(lambda engine: migrate.downgrade(engine, revision))
    console.print(f"database at {_engine_action(migrate.current_revision, quiet=True) or 'base'}")


@db_app.command("current")
def db_current() -> None:
    """Print the applied revision and the newest one this version ships."""
    console.print(
        f"current: {_engine_action(migrate.current_revision) or 'base'}  "
        f"head: {migrate.head_revision()}"
    )


# ---------------------------------------------------------------- partners


@partners_app.command("create")
def partners_create(
    brand_name: Annotated[str, typer.Option("--brand-name")],
    email: Annotated[str, typer.Option("--email")],
    password: Annotated[str, typer.Option("--password")],
    country: Annotated[str | None, typer.Option("--country")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a partner, its first user and a first API key."""

    async def action(state: AppState) -> tuple[str, str, str, str]:
        async with state.uow() as uow:
            partner, user = await partner_services.create_partner(
                uow,
                state.clock,
                brand_name=brand_name,
                email=email,
                password=password,
                country=country,
            )
        async with state.uow() as uow:
            issued = await key_services.issue_key(
                uow, state.clock, partner.id, "default", prefix=state.key_prefix
            )
        return partner.id, user.email, issued.secret, _platform_secret(state, partner)

    partner_id, user_email, secret, platform_secret = run_with_state(action, must_exist=False)
    if as_json:
        _print_json(
            {
                "partner_id": partner_id,
                "email": user_email,
                "api_key": secret,
                "platform_secret": platform_secret,
            }
        )
        return
    console.print(
        Panel.fit(
            f"partner id : [bold]{partner_id}[/]\nlogin      : {user_email}\n"
            f"API key    : [bold]{secret}[/]\n"
            f"webhook secret (x-360dialog-signature): [bold]{platform_secret}[/]\n"
            "[yellow]The key is shown once. Keep it.[/] The webhook secret is also in the "
            "dashboard (Settings).",
            title="Partner created",
        )
    )


@partners_app.command("list")
def partners_list(as_json: JsonOpt = False) -> None:
    """List partners."""

    async def action(state: AppState) -> list[dict[str, Any]]:
        async with state.uow() as uow:
            return [
                {
                    "id": p.id,
                    "brand_name": p.brand_name,
                    "country": p.country,
                    "created_at": isoformat(p.created_at),
                }
                for p in await partner_services.list_partners(uow)
            ]

    rows = run_with_state(action)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "brand name", "country", "created")
    for row in rows:
        table.add_row(row["id"], row["brand_name"], row["country"] or "", row["created_at"])
    console.print(table)


# ---------------------------------------------------------------- keys


@keys_app.command("create")
def keys_create(
    partner: PartnerOpt,
    name: Annotated[str, typer.Option("--name")] = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Create an API key for a partner; the secret is printed once."""

    async def action(state: AppState) -> tuple[str, str, str]:
        async with state.uow() as uow:
            issued = await key_services.issue_key(
                uow, state.clock, partner, name, prefix=state.key_prefix
            )
        return issued.key.id, issued.key.name, issued.secret

    key_id, key_name, secret = run_with_state(action)
    if as_json:
        _print_json({"id": key_id, "name": key_name, "api_key": secret})
        return
    console.print(f"key [bold]{key_id}[/] ({key_name}): [bold]{secret}[/]")
    console.print("[yellow]The secret is shown once. Keep it.[/]")


@keys_app.command("list")
def keys_list(partner: PartnerOpt, as_json: JsonOpt = False) -> None:
    """List a partner's active API keys (never their secrets)."""

    async def action(state: AppState) -> list[dict[str, Any]]:
        async with state.uow() as uow:
            if await uow.partners.get(partner) is None:
                fail(f"no partner {partner}")
            keys, _ = await key_services.list_keys(uow, partner, ListQuery(limit=1000))
        return [
            {
                "id": k.id,
                "name": k.name,
                "prefix": k.prefix,
                "created_at": isoformat(k.created_at),
                "last_used_at": isoformat(k.last_used_at),
            }
            for k in keys
        ]

    rows = run_with_state(action)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "name", "prefix", "created", "last used")
    for row in rows:
        table.add_row(
            row["id"], row["name"], row["prefix"], row["created_at"], row["last_used_at"] or "never"
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(partner: PartnerOpt, key_id: Annotated[str, typer.Argument()]) -> None:
    """Revoke a key; it fails on the very next request."""

    async def action(state: AppState) -> None:
        async with state.uow() as uow:
            await key_services.revoke_key(uow, state.clock, partner, key_id)

    run_with_state(action)
    console.print(f"revoked {key_id}")
