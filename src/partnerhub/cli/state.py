"""``state export FILE`` / ``state import FILE``: a whole emulated world as a file to check in.

A team keeps the world its tests start from in its repository: ``export`` writes
``GET /_emulator/state`` to a file (pretty-printed with sorted keys, so a diff shows what
changed), ``import`` sends a file to ``POST /_emulator/seed``, which replaces the whole world.
Both need the emulator token. Secrets in the file are hashes or sealed with the server's secret
key (README, "Seed and export"): a world with custom webhook headers imports only into a server
with the same ``PARTNERHUB_SECRET_KEY`` (or ``PARTNERHUB_JWT_SECRET``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from partnerhub.cli._remote import (
    DEFAULT_BASE_URL,
    BaseUrlOpt,
    Emulator,
    EmulatorTokenOpt,
    JsonOpt,
    api_errors,
    console,
    fail,
    print_json,
)

state_app = typer.Typer(
    help="The whole emulated world as a file: export it, import (seed) it.", no_args_is_help=True
)

FileArg = Annotated[Path, typer.Argument(help="The world document (JSON); '-' for stdout/stdin.")]


@state_app.command("export")
def export(
    file: FileArg,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Write the server's whole world (GET /_emulator/state) to FILE."""
    with Emulator(base_url, emulator_token) as emulator, api_errors(base_url):
        world: dict[str, Any] = emulator.call("GET", "/state")
    text = json.dumps(world, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if str(file) == "-":
        typer.echo(text, nl=False)
        return
    file.write_text(text, encoding="utf-8")
    counts = ", ".join(
        f"{len(v)} {k}" for k, v in sorted(world.items()) if isinstance(v, list) and v
    )
    console.print(f"exported world version {world.get('version')} to {file}: {counts or 'empty'}")


@state_app.command("import")
def import_(
    file: FileArg,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Replace the server's whole world with FILE (POST /_emulator/seed); a bad file changes
    nothing and the error names the field."""
    try:
        raw = typer.get_text_stream("stdin").read() if str(file) == "-" else file.read_text("utf-8")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    try:
        document = json.loads(raw)
    except ValueError as exc:
        fail(f"{file} is not JSON: {exc}")
    with Emulator(base_url, emulator_token) as emulator, api_errors(base_url):
        done: dict[str, Any] = emulator.call("POST", "/seed", document)
    if as_json:
        print_json(done)
        return
    seeded = ", ".join(f"{n} {kind}" for kind, n in done.get("seeded", {}).items())
    console.print(f"imported {file}: {seeded}")
