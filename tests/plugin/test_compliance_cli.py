"""``partnerhub channels display-name`` and ``channels ctwa`` against a running server."""

from __future__ import annotations

from typer.testing import CliRunner

from partnerhub.cli.app import app
from partnerhub.testing import Emulator, TestPartner


def test_display_name_and_ctwa_commands(partner: TestPartner, emulator: Emulator) -> None:
    number = emulator.onboard(partner.id)
    creds = ["--base-url", partner.base_url, "--partner", partner.id, "--api-key", partner.api_key]
    runner = CliRunner()
    asked = runner.invoke(
        app, ["channels", "display-name", number.channel_id, "Luigi Pizzeria", *creds]
    )
    assert asked.exit_code == 0, asked.output
    assert "PENDING_REVIEW" in asked.output
    refused = runner.invoke(app, ["channels", "display-name", number.channel_id, "Pizza", *creds])
    assert refused.exit_code != 0 and "generic" in refused.output
    listed = runner.invoke(app, ["channels", "display-name", number.channel_id, "--json", *creds])
    assert listed.exit_code == 0 and "Luigi Pizzeria" in listed.output
    on = runner.invoke(app, ["channels", "ctwa", number.channel_id, "--enable", *creds])
    assert on.exit_code == 0 and "enabled" in on.output, on.output
    shown = runner.invoke(app, ["channels", "show", number.channel_id, *creds])
    assert "CTWA signals" in shown.output and "PENDING_REVIEW" in shown.output
    assert partner.client.channels.list(filters={"id": number.channel_id}).items[0].ctwa_enabled
