"""The SDK's promises about itself: light imports, a pinned public surface, twin parity."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import partnerhub
import partnerhub.client
import partnerhub.webhooks
from partnerhub.client import _messaging, _partner

HEAVY = {
    "litestar",
    "sqlalchemy",
    "aiohttp",
    "alembic",
    "structlog",
    "jinja2",
    "typer",
    "uvicorn",
    "standardwebhooks",
    "argon2",
    "jwt",
    "pydantic_settings",
    "limits",
    "asyncpg",
    "aiosqlite",
}
SERVER_PACKAGES = {"server", "adapters", "domain", "cli", "migrations"}
CHECK = f"""
import sys
import partnerhub.client, partnerhub.webhooks
loaded = [m.split(".") for m in sys.modules]
heavy = sorted({{m[0] for m in loaded}} & {HEAVY!r})
assert not heavy, heavy
ours = sorted({{m[1] for m in loaded if m[0] == "partnerhub" and len(m) > 1}} & {SERVER_PACKAGES!r})
assert not ours, ours
"""


def test_importing_the_sdk_pulls_in_no_server_dependency() -> None:
    subprocess.run([sys.executable, "-c", CHECK], check=True)
    # The exact check from issue 6:
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import partnerhub.client, sys; assert not any(m.split('.')[0] in "
            "{'litestar','sqlalchemy','aiohttp','alembic'} for m in sys.modules)",
        ],
        check=True,
    )


def test_public_names_are_pinned() -> None:
    assert partnerhub.client.__all__ == [
        "APIConnectionError",
        "APIStatusError",
        "ApiKeyAuth",
        "AsyncMessagingClient",
        "AsyncPartnerClient",
        "AuthenticationError",
        "ConflictError",
        "MessagingClient",
        "NotFoundError",
        "Page",
        "PartnerClient",
        "PartnerHubError",
        "PermissionDeniedError",
        "RateLimitError",
        "RetryPolicy",
        "ServerError",
        "TokenAuth",
        "ValidationError",
    ]
    for name in partnerhub.client.__all__ + partnerhub.webhooks.__all__:
        module = partnerhub.client if name in partnerhub.client.__all__ else partnerhub.webhooks
        assert getattr(module, name) is not None


def test_the_package_ships_its_type_marker() -> None:
    assert (Path(partnerhub.__file__).parent / "py.typed").is_file()


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }


def test_async_twins_match_the_sync_resources() -> None:
    """Same methods, same parameters, coroutines where the sync side returns a value."""
    pairs = [
        (getattr(_partner, n), getattr(_partner, "Async" + n))
        for n in (
            "PartnerResource",
            "ApiKeys",
            "Webhook",
            "Clients",
            "Channels",
            "WabaAccounts",
            "Templates",
            "PartnerBalance",
            "Deliveries",
        )
    ] + [
        (getattr(_messaging, n), getattr(_messaging, "Async" + n))
        for n in ("Messages", "MessagingWebhook", "MessagingTemplates")
    ]
    for sync_cls, async_cls in pairs:
        sync_methods, async_methods = _public_methods(sync_cls), _public_methods(async_cls)
        assert sync_methods.keys() == async_methods.keys(), sync_cls
        for name, signature in sync_methods.items():
            assert list(signature.parameters) == list(async_methods[name].parameters), name
            member = getattr(async_cls, name)
            assert inspect.iscoroutinefunction(member) or name == "iter", (async_cls, name)
            assert member.__doc__, (async_cls, name)  # copied from the sync twin


def test_client_resources_mirror_each_other() -> None:
    sync = partnerhub.client.PartnerClient("p", api_key="k")
    asynchronous = partnerhub.client.AsyncPartnerClient("p", api_key="k")
    names = [n for n in vars(sync) if not n.startswith("_")]
    assert names == [n for n in vars(asynchronous) if not n.startswith("_")]
    sync.close()
