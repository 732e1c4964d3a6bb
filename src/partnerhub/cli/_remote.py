"""Plumbing for the commands that talk to a server over HTTP instead of opening its database.

Those commands (``clients``, ``channels``, ``webhooks``, ``emulate``, ``seed``) must work
against any hub a partner can reach — a local emulator or a real one — so they go through the
SDK (:class:`~partnerhub.client.PartnerClient`) or, for the ``/_emulator`` controls the SDK does
not cover, plain httpx with the emulator's bearer token. This module holds what they share: the
connection options (each also read from a ``PARTNERHUB_*`` variable, so scripts set them once),
turning a missing credential or an API error into one clean line on stderr with exit code 1,
and printing results as Rich tables or exactly one JSON document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import httpx
import msgspec
import typer
from rich.markup import escape
from rich.table import Column

from partnerhub.cli._runtime import console, err_console
from partnerhub.client import APIConnectionError, APIStatusError, PartnerClient, PartnerHubError
from partnerhub.client._errors import error_from_response

DEFAULT_BASE_URL = "http://127.0.0.1:8360"

BaseUrlOpt = Annotated[
    str,
    typer.Option(
        "--base-url",
        envvar="PARTNERHUB_BASE_URL",
        help="Server to talk to: this emulator, or a real hub.",
        show_default=True,
    ),
]
RemotePartnerOpt = Annotated[
    str | None,
    typer.Option("--partner", envvar="PARTNERHUB_PARTNER_ID", help="Partner id (…PA)."),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="PARTNERHUB_API_KEY",
        help="Partner API key (X-API-Key).",
        show_default=False,
    ),
]
UsernameOpt = Annotated[
    str | None,
    typer.Option(
        "--username",
        envvar="PARTNERHUB_USERNAME",
        help="Login for bearer tokens (instead of a key).",
    ),
]
PasswordOpt = Annotated[
    str | None,
    typer.Option("--password", envvar="PARTNERHUB_PASSWORD", help="Password for --username."),
]
EmulatorTokenOpt = Annotated[
    str | None,
    typer.Option(
        "--emulator-token",
        envvar="PARTNERHUB_EMULATOR_TOKEN",
        help="Bearer token of the /_emulator controls (the server's PARTNERHUB_EMULATOR_TOKEN).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def fail(message: str) -> NoReturn:
    """One red line on stderr and exit code 1: scripts test the code, people read the line."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def describe(exc: PartnerHubError, base_url: str) -> str:
    """An SDK error as one line: status, message, field details and the request id to quote."""
    if isinstance(exc, APIStatusError):
        text = f"{exc.status_code} {exc.message}"
        if exc.details and exc.details != [exc.message]:
            text += f" ({'; '.join(exc.details)})"
        return f"{text} [request id: {exc.request_id or '-'}]"
    if isinstance(exc, APIConnectionError):
        return f"cannot reach {base_url}: {exc}"
    return str(exc)


@contextmanager
def api_errors(base_url: str) -> Iterator[None]:
    """Report SDK errors raised inside the block cleanly instead of as a traceback."""
    try:
        yield
    except PartnerHubError as exc:
        fail(describe(exc, base_url))


def partner_client(
    base_url: str,
    partner: str | None,
    api_key: str | None,
    username: str | None,
    password: str | None,
) -> PartnerClient:
    """A client for the partner, or a clear error naming the option (and variable) missing."""
    if not partner:
        fail("no partner id: pass --partner or set PARTNERHUB_PARTNER_ID")
    if api_key:
        return PartnerClient(partner, api_key=api_key, base_url=base_url)
    if username and password:
        return PartnerClient(partner, username=username, password=password, base_url=base_url)
    if username or password:
        fail("--username and --password go together (PARTNERHUB_USERNAME, PARTNERHUB_PASSWORD)")
    fail(
        "no credentials: pass --api-key (PARTNERHUB_API_KEY), "
        "or --username and --password (PARTNERHUB_USERNAME, PARTNERHUB_PASSWORD)"
    )


class Emulator:
    """The ``/_emulator`` control plane, which the SDK leaves out (it is not part of any hub).

    Answers that are not 2xx become the SDK's typed errors, so they are reported exactly like
    Partner API errors (status, message, request id).
    """

    def __init__(self, base_url: str, token: str | None, timeout: float = 60.0) -> None:
        if not token:
            fail("no emulator token: pass --emulator-token or set PARTNERHUB_EMULATOR_TOKEN")
        self.base_url = base_url
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/_emulator",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        try:
            response = self._http.request(
                method,
                path,
                content=None if body is None else msgspec.json.encode(body),
                headers={"Content-Type": "application/json"} if body is not None else None,
                params={k: v for k, v in params.items() if v is not None} or None,
            )
        except httpx.HTTPError as exc:
            raise APIConnectionError(str(exc) or type(exc).__name__) from exc
        if not response.is_success:
            raise error_from_response(response)
        return response.json()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def to_plain(value: Any) -> Any:
    """SDK results (msgspec Structs) as plain JSON-ready data."""
    return msgspec.to_builtins(value)


def print_json(value: Any) -> None:
    """Exactly one JSON document on stdout, so ``| jq`` always works."""
    typer.echo(json.dumps(to_plain(value)))


def print_json_line(value: Any) -> None:
    """One compact JSON document per line (streams such as ``webhooks tail``)."""
    typer.echo(json.dumps(to_plain(value), separators=(",", ":")), nl=True)


def id_column(header: str, width: int = 10) -> Column:
    """A column that is never cut: an id or number with an ellipsis is useless to copy."""
    return Column(header, no_wrap=True, min_width=width)


def short_time(iso: str | None) -> str:
    """``2025-01-02T03:04:05.123Z`` → ``2025-01-02 03:04:05``: tables need room."""
    if not iso:
        return ""
    return iso.replace("T", " ")[:19]


__all__ = [
    "DEFAULT_BASE_URL",
    "ApiKeyOpt",
    "BaseUrlOpt",
    "Emulator",
    "EmulatorTokenOpt",
    "JsonOpt",
    "PasswordOpt",
    "RemotePartnerOpt",
    "UsernameOpt",
    "api_errors",
    "console",
    "describe",
    "err_console",
    "fail",
    "id_column",
    "partner_client",
    "print_json",
    "print_json_line",
    "short_time",
    "to_plain",
]
