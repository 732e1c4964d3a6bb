"""``seed``: fill an emulator with clients and channels to develop or load-test against.

Two ways, because the emulator offers two and they suit different moments:

- **Default: add to a partner** (``--partner``). Clients are signed up through
  ``POST /_emulator/onboard``, one request per client (at most 20 numbers each, the signup
  limit), with a progress bar that moves as each batch lands. Nothing that exists is touched,
  every channel goes through the same code path as a real signup (``channel_created`` webhooks,
  the simulated Meta review), and it works with credentials a partner already has.
- **``--replace-world``**: one ``POST /_emulator/seed`` with a generated document — a new
  partner with a login and an API key, its clients, WABAs and live channels. Far faster for
  thousands of channels, but ``/seed`` *replaces the whole world* (every partner, key and
  channel is deleted first) and sends no webhooks, so it is opt-in and prints the new
  partner's credentials.
"""

from __future__ import annotations

import math
import secrets
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from partnerhub.cli._remote import (
    DEFAULT_BASE_URL,
    BaseUrlOpt,
    Emulator,
    EmulatorTokenOpt,
    JsonOpt,
    RemotePartnerOpt,
    api_errors,
    console,
    err_console,
    fail,
    id_column,
    print_json,
)
from partnerhub.client import ConflictError
from partnerhub.domain import ids
from partnerhub.domain.keys import secrets as key_secrets

if TYPE_CHECKING:  # imported where used: a hub's serve process loads nothing of the emulator
    from partnerhub.emulator import wire


MAX_NUMBERS_PER_SIGNUP = 20  # the onboarding flow's limit (domain.clients.onboarding)
CHANNELS_PER_CLIENT = 10  # a client's default max_channels


def _phone() -> str:
    """A random German mobile number: 10^9 choices, so collisions are rare and retried."""
    return f"+4915{secrets.randbelow(10**9):09d}"


def _chunks(total: int, parts: int) -> list[int]:
    """``total`` split as evenly as possible into ``parts`` (the first ones get the rest)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _progress() -> Progress:
    # On stderr, so that --json output on stdout stays one document.
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    )


def _onboard_all(
    emulator: Emulator, partner: str, sizes: list[int], tag: str
) -> list[dict[str, Any]]:
    done: list[dict[str, Any]] = []
    with _progress() as progress:
        task = progress.add_task("onboarding channels", total=sum(sizes))
        for k, size in enumerate(sizes, 1):
            body = {
                "partner_id": partner,
                "client": {
                    "name": f"Seed client {tag}-{k}",
                    "email": f"seed-{tag}-{k}@example.com",
                },
                "phone_numbers": [_phone() for _ in range(size)],
            }
            for attempt in range(3):  # a random number may already be registered
                try:
                    done.append(emulator.call("POST", "/onboard", body))
                    break
                except ConflictError:
                    if attempt == 2:
                        raise
                    body["phone_numbers"] = [_phone() for _ in range(size)]
            progress.advance(task, size)
    return done


def build_world(
    channels: int, clients: int, brand_name: str, email: str, password: str, api_key: str
) -> wire.World:
    """A world with one partner, ``clients`` clients (a WABA each) and ``channels`` channels."""
    from partnerhub.emulator import wire

    partner_id = ids.new_id(ids.PARTNER)
    world = wire.World(
        version=wire.FORMAT_VERSION,
        partners=[
            wire.WorldPartner(
                id=partner_id,
                brand_name=brand_name,
                users=[wire.WorldUser(email=email, password=password)],
                api_keys=[wire.WorldApiKey(name="seed", key=api_key)],
            )
        ],
    )
    phones: set[str] = set()
    for k, size in enumerate(_chunks(channels, clients), 1):
        client_id, waba_id = ids.new_id(ids.CLIENT), ids.new_id(ids.WABA_ACCOUNT)
        world.clients.append(
            wire.WorldClient(
                id=client_id,
                partner_id=partner_id,
                name=f"Seed client {k}",
                max_channels=max(CHANNELS_PER_CLIENT, size),
                contact_info={"email": f"seed-client-{k}@example.com"},
            )
        )
        world.waba_accounts.append(wire.WorldWaba(id=waba_id, client_id=client_id))
        for _ in range(size):
            phone = _phone()
            while phone in phones:
                phone = _phone()
            phones.add(phone)
            world.channels.append(
                wire.WorldChannel(
                    id=ids.new_id(ids.CHANNEL),
                    client_id=client_id,
                    waba_account_id=waba_id,
                    phone_number=phone,
                )
            )
    return world


def seed(
    channels: Annotated[int, typer.Option("--channels", min=1, max=100_000, help="How many.")],
    clients: Annotated[
        int | None,
        typer.Option("--clients", min=1, help="Spread over this many clients (default: 10 each)."),
    ] = None,
    partner: RemotePartnerOpt = None,
    replace_world: Annotated[
        bool,
        typer.Option(
            "--replace-world",
            help="Delete everything and seed a new partner instead (fast, no webhooks).",
        ),
    ] = False,
    brand_name: Annotated[
        str, typer.Option("--brand-name", help="With --replace-world.")
    ] = "Seed Partner",
    email: Annotated[
        str, typer.Option("--email", help="With --replace-world: the partner's login.")
    ] = "seed@partnerhub.local",
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Create N channels: onboarded into --partner (default), or a whole new world."""
    clients = clients or math.ceil(channels / CHANNELS_PER_CLIENT)
    if clients > channels:
        fail(f"--clients {clients} is more than --channels {channels}")
    if replace_world:
        _seed_world(channels, clients, brand_name, email, as_json, base_url, emulator_token)
        return
    if not partner:
        fail(
            "no partner id: pass --partner (or set PARTNERHUB_PARTNER_ID) to add channels to it, "
            "or --replace-world to seed a new partner"
        )
    if math.ceil(channels / clients) > MAX_NUMBERS_PER_SIGNUP:
        fail(
            f"at most {MAX_NUMBERS_PER_SIGNUP} channels per client when onboarding: "
            f"pass --clients {math.ceil(channels / MAX_NUMBERS_PER_SIGNUP)} or more"
        )
    with Emulator(base_url, emulator_token) as emulator, api_errors(base_url):
        done = _onboard_all(emulator, partner, _chunks(channels, clients), secrets.token_hex(3))
    result = {
        "mode": "onboard",
        "partner_id": partner,
        "clients": done,
        "channels": sum(len(d["channel_ids"]) for d in done),
    }
    if as_json:
        print_json(result)
        return
    table = Table(
        id_column("client"), id_column("WABA"), "channels", title=f"Onboarded into {partner}"
    )
    for d in done:
        table.add_row(d["client_id"], d["waba_account_id"], str(len(d["channel_ids"])))
    table.caption = f"{result['channels']} channels, {len(done)} clients"
    console.print(table)


def _seed_world(
    channels: int,
    clients: int,
    brand_name: str,
    email: str,
    as_json: bool,
    base_url: str,
    emulator_token: str | None,
) -> None:
    password = secrets.token_urlsafe(12)
    api_key = key_secrets.generate("ph_test_")
    with Emulator(base_url, emulator_token, timeout=600) as emulator, _progress() as progress:
        building = progress.add_task("building world", total=1)
        world = build_world(channels, clients, brand_name, email, password, api_key)
        progress.advance(building)
        upload = progress.add_task(f"seeding {channels} channels", total=1)
        with api_errors(base_url):
            answer = emulator.call("POST", "/seed", world)
        progress.advance(upload)
    result = {
        "mode": "replace-world",
        "partner_id": world.partners[0].id,
        "email": email,
        "password": password,
        "api_key": api_key,
        "seeded": answer["seeded"],
    }
    if as_json:
        print_json(result)
        return
    counts = ", ".join(f"{v} {k}" for k, v in answer["seeded"].items())
    console.print(
        f"world replaced: {counts}\n"
        f"partner id : [bold]{result['partner_id']}[/]\nlogin      : {email}\n"
        f"password   : {password}\nAPI key    : [bold]{api_key}[/]\n"
        "[yellow]These credentials are shown once. Keep them.[/]"
    )


__all__ = ["build_world", "seed"]
