"""Issue 20, finding 9b and 9d, with a real ``partnerhub serve`` process: the data directory and
the SQLite files are readable by the server's user only, and an emulator bound beyond loopback
says clearly what that exposes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import cli_env, free_port, run_cli, start_server, stop_server


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems start processes with (022): world-readable unless we say not."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def emulator_env(data_dir: Path) -> dict[str, str]:
    env = cli_env(data_dir, "unused")
    del env["PARTNERHUB_DATABASE_URL"]  # the default: DATA_DIR/partnerhub.db
    del env["PARTNERHUB_JWT_SECRET"]  # emulator mode keeps one in DATA_DIR/jwt_secret
    return env


def test_a_fresh_data_directory_and_its_database_files_are_private(
    tmp_path: Path, usual_umask: None
) -> None:
    data_dir = tmp_path / "var"
    env = emulator_env(data_dir)
    port, log = free_port(), tmp_path / "serve.log"
    process = start_server(env, port, log)
    try:
        run_cli(
            env,
            "partners",
            "create",
            "--brand-name",
            "Files",
            "--email",
            "files@example.com",
            "--password",
            "long-enough-pw",
            "--json",
        )
        answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert answer.status_code == 200
        database = data_dir / "partnerhub.db"
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert all(f.exists() for f in files), sorted(p.name for p in data_dir.iterdir())
        assert mode_of(data_dir) == 0o700
        assert {f.name: oct(mode_of(f)) for f in files} == {f.name: "0o600" for f in files}
        assert mode_of(data_dir / "jwt_secret") == 0o600
        assert "Exposed emulator" not in log.read_text()  # 127.0.0.1: nothing to warn about
    finally:
        stop_server(process, log)


def test_database_files_an_older_version_left_readable_are_tightened(
    tmp_path: Path, usual_umask: None
) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    database = data_dir / "partnerhub.db"
    database.touch(mode=0o644)  # an empty file is an empty SQLite database
    database.chmod(0o644)
    env = emulator_env(data_dir)
    run_cli(env, "db", "upgrade")
    assert mode_of(database) == 0o600
    assert mode_of(data_dir) == 0o755  # a directory the operator made is left as it is


def test_an_emulator_bound_beyond_loopback_warns_before_it_listens(tmp_path: Path) -> None:
    """192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails, so nothing is exposed
    by the test, but the warning must already have been printed."""
    env = emulator_env(tmp_path / "var")
    result = run_cli(env, "serve", "--host", "192.0.2.1", "--port", str(free_port()), check=False)
    warning = " ".join(result.stderr.split())
    assert "Exposed emulator" in warning, result.stderr
    assert "192.0.2.1" in warning and "SSRF" in warning and "Secure" in warning
    assert "API budget" in warning
    hub = run_cli(
        {**env, "PARTNERHUB_MODE": "hub", "PARTNERHUB_JWT_SECRET": "h" * 40},
        "serve",
        "--host",
        "192.0.2.1",
        "--port",
        str(free_port()),
        check=False,
    )
    assert "Exposed emulator" not in hub.stderr  # hub mode is made to be exposed
