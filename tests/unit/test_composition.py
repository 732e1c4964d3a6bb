"""The composition root: hub mode runs the core alone, emulator mode adds the emulator package.

The core never asks for the mode: it reads a :class:`ModePolicy`, and what only the emulator
does arrives as an extension. These tests check the wiring, not the behaviour behind it (the
integration tests cover that through HTTP).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from pydantic import SecretStr

from partnerhub.adapters.worker_hooks import NO_HOOKS
from partnerhub.app import compose
from partnerhub.emulator.clock import VirtualClock
from partnerhub.emulator.runtime import EmulatorRuntime
from partnerhub.server.policy import ModePolicy
from partnerhub.server.settings import Settings

SECRET = SecretStr("x" * 40)


def test_the_hub_policy_applies_the_production_rules() -> None:
    policy = ModePolicy.from_settings(Settings(mode="hub", jwt_secret=SECRET))
    assert policy == ModePolicy(
        emulator=False,
        ssrf_rules=True,
        secure_cookies=True,
        key_prefix="ph_live_",
        names_data_dir=False,
        metrics_need_token=True,
    )


def test_the_emulator_policy_relaxes_them_and_adds_the_emulator() -> None:
    policy = ModePolicy.from_settings(Settings(mode="emulator"))
    assert policy == ModePolicy(
        emulator=True,
        ssrf_rules=False,
        secure_cookies=False,
        key_prefix="ph_test_",
        names_data_dir=True,
        metrics_need_token=False,
    )


def test_hub_mode_adds_nothing_and_keeps_a_test_clock() -> None:
    clock = VirtualClock()
    policy, run_on, extension = compose(Settings(mode="hub", jwt_secret=SECRET), clock)
    assert not policy.emulator
    assert run_on is clock
    assert extension.route_handlers == ()
    assert extension.hooks is NO_HOOKS


def test_emulator_mode_adds_its_routes_and_runs_on_the_virtual_clock() -> None:
    clock = VirtualClock()
    _, run_on, extension = compose(Settings(mode="emulator"), clock)
    assert run_on is clock
    assert isinstance(extension.hooks, EmulatorRuntime) and extension.hooks.clock is clock
    assert [getattr(router, "path", None) for router in extension.route_handlers] == ["/_emulator"]
    _, made, _ = compose(Settings(mode="emulator"))
    assert isinstance(made, VirtualClock)


def test_a_hub_app_imports_no_emulator_code() -> None:
    """In a fresh interpreter (this one imported the emulator above): load the CLI, build a hub
    app and its state, and look for any module of the emulator package."""
    script = textwrap.dedent(
        """
        import sys
        import partnerhub.cli.app  # the serve command's own imports
        from partnerhub.app import build_state, create_app
        from partnerhub.server.settings import Settings

        settings = Settings(mode="hub", jwt_secret="x" * 40, database_url="sqlite://")
        app = create_app(settings)
        build_state(settings)
        assert not any(path.startswith("/_emulator") for path in app.route_handler_method_map)
        loaded = sorted(name for name in sys.modules if name.startswith("partnerhub.emulator"))
        assert not loaded, loaded
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
