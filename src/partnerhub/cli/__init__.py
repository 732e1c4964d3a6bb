"""The ``partnerhub`` command line (Typer + Rich).

Every command reads the same ``PARTNERHUB_*`` settings as the server, so it acts on the same
database; data commands migrate the database first, so they work on a fresh machine.
"""

from __future__ import annotations

from partnerhub.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
