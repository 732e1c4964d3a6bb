"""The HTTP commands (clients, channels, webhooks, emulate, seed) against a real server.

They never open the database: every fact they print comes over HTTP from ``partnerhub serve``
running in its own process, the way they would run against a remote hub. Most tests drive the
Typer app in-process (``CliRunner``) with the ``PARTNERHUB_*`` variables a user would export;
``webhooks tail`` and ``seed`` (a live poll loop, a progress bar) also run as real subprocesses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from partnerhub.cli import app
from partnerhub.cli.emulate import parse_duration
from partnerhub.client import PartnerClient
from tests.conftest import EMULATOR_TOKEN
from tests.e2e.conftest import cli_env, free_port, run_cli, start_server
from tests.receiver import Receiver

PASSWORD = "correct-horse-battery"


@dataclass
class Remote:
    base_url: str
    partner_id: str
    api_key: str
    email: str
    env: dict[str, str]  # for subprocesses: server settings plus the CLI's connection variables

    @property
    def cli_vars(self) -> dict[str, str]:
        """What a user exports to point the CLI at this server."""
        return {
            "PARTNERHUB_BASE_URL": self.base_url,
            "PARTNERHUB_PARTNER_ID": self.partner_id,
            "PARTNERHUB_API_KEY": self.api_key,
            "PARTNERHUB_EMULATOR_TOKEN": EMULATOR_TOKEN,
        }

    def sdk(self) -> PartnerClient:
        return PartnerClient(self.partner_id, api_key=self.api_key, base_url=self.base_url)


@pytest.fixture
def remote(tmp_path: Path, database_url: str) -> Iterator[Remote]:
    """``partnerhub serve`` with the emulator controls on and the simulated review stopped
    (one step a minute), so statuses move only when a test moves the clock."""
    env = cli_env(
        tmp_path,
        database_url,
        PARTNERHUB_EMULATOR_TOKEN=EMULATOR_TOKEN,
        PARTNERHUB_SIMULATOR_STEP_SECONDS="60",
        PARTNERHUB_DELIVERY_POLL_SECONDS="0.05",
    )
    creds = json.loads(
        run_cli(
            env,
            *("partners", "create", "--brand-name", "Acme", "--email", "ops@acme.example"),
            *("--password", PASSWORD, "--json"),
        ).stdout
    )
    port = free_port()
    log = tmp_path / "server.log"
    process = start_server(env, port, log)
    base_url = f"http://127.0.0.1:{port}"
    server = Remote(base_url, creds["partner_id"], creds["api_key"], creds["email"], env)
    server.env = {**env, **server.cli_vars}
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        assert "Traceback" not in log.read_text(errors="replace")


def cli(remote: Remote | None, *args: str, code: int = 0, **env: str | None) -> Result:
    """Run the app in-process with the connection variables (``env`` overrides; None unsets)."""
    base = dict(remote.cli_vars) if remote else {}
    variables: dict[str, str | None] = {
        "PARTNERHUB_BASE_URL": None,
        "PARTNERHUB_PARTNER_ID": None,
        "PARTNERHUB_API_KEY": None,
        "PARTNERHUB_USERNAME": None,
        "PARTNERHUB_PASSWORD": None,
        "PARTNERHUB_EMULATOR_TOKEN": None,
        **base,
        **env,
    }
    result = CliRunner().invoke(app, list(args), env=variables)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.output
    return result


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)  # the whole stdout is one JSON document


def onboard(remote: Remote, *phones: str, name: str = "Acme Shop") -> dict[str, Any]:
    args = [arg for phone in phones for arg in ("--phone", phone)]
    return as_json(cli(remote, "emulate", "onboard", *args, "--name", name, "--json"))


# ---------------------------------------------------------------- errors


def test_missing_credentials_are_named_not_tracebacks() -> None:
    no_partner = cli(None, "clients", "list", code=1)
    assert "--partner" in no_partner.stderr and "PARTNERHUB_PARTNER_ID" in no_partner.stderr
    no_key = cli(None, "channels", "list", "--partner", "xPA", code=1)
    assert "PARTNERHUB_API_KEY" in no_key.stderr and "--username" in no_key.stderr
    half = cli(None, "channels", "list", "--partner", "xPA", "--username", "u", code=1)
    assert "--password" in half.stderr
    no_token = cli(None, "emulate", "advance", "1h", code=1)
    assert "PARTNERHUB_EMULATOR_TOKEN" in no_token.stderr
    no_partner_seed = cli(None, "seed", "--channels", "3", "--emulator-token", "t", code=1)
    assert "--replace-world" in no_partner_seed.stderr
    too_dense = cli(None, "seed", "--channels", "50", "--clients", "2", "--partner", "xPA", code=1)
    assert "--clients 3" in too_dense.stderr
    bad_duration = cli(None, "emulate", "advance", "1 fortnight", "--emulator-token", "t", code=2)
    assert "15m" in bad_duration.output


def test_parse_duration() -> None:
    assert parse_duration("90") == 90
    assert parse_duration("90s") == 90
    assert parse_duration("15m") == 900
    assert parse_duration("1h") == 3600
    assert parse_duration("2d") == 172800
    assert parse_duration("1h30m") == 5400
    assert parse_duration("0.5") == 0.5


def test_api_errors_print_status_message_and_request_id(remote: Remote) -> None:
    unauthorized = cli(remote, "clients", "list", "--api-key", "ph_test_nope", code=1)
    assert "401" in unauthorized.stderr and "request id: " in unauthorized.stderr
    assert "request id: -" not in unauthorized.stderr
    forbidden = cli(remote, "channels", "list", "--partner", "someoneElsePA", code=1)
    assert "403" in forbidden.stderr
    missing = cli(remote, "emulate", "status", "nosuchCH", "running", code=1)
    assert "404" in missing.stderr and "request id: " in missing.stderr
    no_channel = cli(remote, "channels", "show", "nosuchCH", code=1)
    assert "no channel nosuchCH" in no_channel.stderr
    wrong_token = cli(remote, "emulate", "advance", "1m", "--emulator-token", "wrong", code=1)
    assert "401" in wrong_token.stderr
    invalid = cli(remote, "emulate", "onboard", "--phone", "12", code=1)
    assert "400" in invalid.stderr and "phone_numbers" in invalid.stderr
    bad_filters = cli(remote, "clients", "list", "--filters", "[1]", code=1)
    assert "JSON object" in bad_filters.stderr
    unreachable = cli(
        remote, "clients", "list", "--base-url", f"http://127.0.0.1:{free_port()}", code=1
    )
    assert "cannot reach" in unreachable.stderr

    # A login instead of a key: bearer tokens through the SDK, refused ones reported the same.
    onboard(remote, "+4915144444444")
    result = cli(
        remote,
        "channels",
        "list",
        "--json",
        PARTNERHUB_API_KEY=None,
        PARTNERHUB_USERNAME=remote.email,
        PARTNERHUB_PASSWORD=PASSWORD,
    )
    assert len(as_json(result)) == 1
    wrong = cli(
        remote,
        "channels",
        "list",
        PARTNERHUB_API_KEY=None,
        PARTNERHUB_USERNAME=remote.email,
        PARTNERHUB_PASSWORD="wrong-password-here",
        code=1,
    )
    assert "401" in wrong.stderr


# ---------------------------------------------------------------- clients, channels, emulate


def test_onboard_then_clients_and_channels_through_the_api(remote: Remote) -> None:
    shop = onboard(remote, "+4915111111111", "+4915111111112", name="Acme Shop")
    other = onboard(remote, "+4915122222222", name="Other GmbH")
    assert shop["client_id"].endswith("CL") and len(shop["channel_ids"]) == 2

    clients = as_json(cli(remote, "clients", "list", "--json"))
    assert {c["id"] for c in clients} == {shop["client_id"], other["client_id"]}
    named = as_json(cli(remote, "clients", "list", "--filters", '{"name": "Other GmbH"}', "--json"))
    assert [c["id"] for c in named] == [other["client_id"]]
    paged = as_json(
        cli(remote, "clients", "list", "--limit", "1", "--all", "--sort", "name", "--json")
    )
    assert [c["name"] for c in paged] == ["Acme Shop", "Other GmbH"]
    assert len(as_json(cli(remote, "clients", "list", "--limit", "1", "--json"))) == 1
    table = cli(remote, "clients", "list").stdout
    assert shop["client_id"] in table and "2 of 2" in table

    channels = as_json(cli(remote, "channels", "list", "--json"))
    assert len(channels) == 3
    mine = as_json(cli(remote, "channels", "list", "--client", shop["client_id"], "--json"))
    assert {c["id"] for c in mine} == set(shop["channel_ids"])
    created = as_json(cli(remote, "channels", "list", "--status", "created", "--json"))
    assert len(created) == 3
    assert as_json(cli(remote, "channels", "list", "--status", "live", "--json")) == []
    listing = cli(remote, "channels", "list").stdout
    assert all(ch in listing for ch in shop["channel_ids"]) and "+4915111111111" in listing

    chid = shop["channel_ids"][0]
    shown = as_json(cli(remote, "channels", "show", chid, "--json"))
    assert shown["id"] == chid and shown["client"]["name"] == "Acme Shop"
    assert "+49151111111" in cli(remote, "channels", "show", chid).stdout


def test_emulate_clock_status_and_inbound_move_channel_status(
    remote: Remote, receiver: Receiver
) -> None:
    with remote.sdk() as hub:
        hub.webhook.set(receiver.url)
    chid = onboard(remote, "+4915133333333")["channel_ids"][0]
    before = as_json(cli(remote, "channels", "status", chid, "--json"))
    assert before["status"] == "created" and before["can_generate_api_key"] is False
    assert [s["state"] for s in before["lifecycle"]] == ["current", "next", "next", "next", "next"]

    moved = as_json(cli(remote, "emulate", "advance", "10m", "--json"))
    assert moved["offset_seconds"] == 600
    assert "offset 1200 s" in cli(remote, "emulate", "advance", "600").stdout
    after = as_json(cli(remote, "channels", "status", chid, "--json"))
    assert after["status"] == "live" and after["can_generate_api_key"] is True
    assert after["lifecycle"][-1] == {"status": "live", "event": "channel_live", "state": "current"}
    receiver.wait_for(5)  # channel_created … channel_live, client events
    after = as_json(cli(remote, "channels", "status", chid, "--json"))
    events = [e["event"] for e in after["events"]]
    assert {"channel_created", "channel_live"} <= set(events)
    assert all(e["status_code"] == 200 for e in after["events"])
    text = cli(remote, "channels", "status", chid).stdout
    assert "status live" in text and "D360-API-KEY can be generated" in text
    assert "channel_live" in text

    received = as_json(
        cli(remote, "emulate", "inbound", chid, "--from", "4917612345678", "--text", "hi", "--json")
    )
    assert received["channel_id"] == chid and received["from"] == "4917612345678"

    forced = as_json(
        cli(
            remote,
            "emulate",
            "status",
            chid,
            "account_violation",
            "--violation-type",
            "SPAM",
            "--json",
        )
    )
    assert forced == {
        "id": chid,
        "status": "account_violation",
        "fb_account_status": "account_violation",
    }
    off = cli(remote, "channels", "status", chid, code=0, PARTNERHUB_EMULATOR_TOKEN=None)
    assert "off the review path" in off.stdout and "--emulator-token" in off.stdout
    refused = cli(
        remote, "emulate", "inbound", chid, "--from", "4917612345678", "--text", "x", code=1
    )
    assert "400" in refused.stderr and "account_violation" in refused.stderr


# ---------------------------------------------------------------- webhooks


def _tail(remote: Remote, *args: str) -> subprocess.Popen[str]:
    """Start ``webhooks tail`` and return once it has taken its baseline (its stderr notice)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "partnerhub", "webhooks", "tail", "--interval", "0.1", *args],
        env=remote.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    assert "tailing webhook deliveries" in process.stderr.readline()
    return process


def test_webhooks_tail_follows_a_test_event_to_a_real_receiver(
    remote: Remote, receiver: Receiver
) -> None:
    with remote.sdk() as hub:
        hub.webhook.set(receiver.url)
        tail = _tail(
            remote,
            "--settled",
            "--max",
            "1",
            "--event",
            "webhook_test",
            "--json",
            "--timeout",
            "30",
        )
        sent = hub.webhook.send_test()
    out, err = tail.communicate(timeout=60)
    assert tail.returncode == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    delivery = json.loads(lines[0])
    assert delivery["id"] == sent.delivery_id and delivery["event"] == "webhook_test"
    assert delivery["status"] == "delivered" and delivery["attempt_count"] == 1
    assert delivery["attempts"][0]["status_code"] == 200
    assert json.loads(receiver.wait_for(1)[0].body)["id"] == sent.event_id

    # Every change is a line: a failing delivery shows up pending with its failed attempt.
    receiver.status = 500
    with remote.sdk() as hub:
        tail = _tail(remote, "--max", "1", "--json", "--timeout", "30")
        failing = hub.webhook.send_test()
    out, _ = tail.communicate(timeout=60)
    first = json.loads(out.splitlines()[0])
    assert first["id"] == failing.delivery_id and first["status"] == "pending"

    # Tables for people; --last shows history; --no-follow prints once and exits.
    once = run_cli(remote.env, "webhooks", "tail", "--no-follow", "--last", "2")
    assert sent.delivery_id in once.stdout and failing.delivery_id in once.stdout
    assert "delivered" in once.stdout
    quiet = run_cli(remote.env, "webhooks", "tail", "--no-follow", "--event", "channel_live")
    assert quiet.stdout == ""
    # An idle tail prints nothing: wait out the failing delivery's quick retry (5 s) first, so
    # its next change is minutes away.
    deadline = time.monotonic() + 30
    with remote.sdk() as hub:
        while time.monotonic() < deadline:
            again = next(d for d in hub.deliveries.list().items if d.id == failing.delivery_id)
            if again.attempt_count >= 2:
                break
            time.sleep(0.2)
    assert again.attempt_count >= 2 and again.status == "pending"
    started = time.monotonic()
    idle = run_cli(remote.env, "webhooks", "tail", "--timeout", "1", "--interval", "0.2")
    assert idle.stdout == "" and time.monotonic() - started < 30


# ---------------------------------------------------------------- seed


def test_seed_onboards_in_batches_with_progress(remote: Remote) -> None:
    result = run_cli(remote.env, "seed", "--channels", "25", "--json")
    seeded = json.loads(result.stdout)
    assert seeded["mode"] == "onboard" and seeded["channels"] == 25
    assert [len(c["channel_ids"]) for c in seeded["clients"]] == [9, 8, 8]
    assert "25/25" in result.stderr  # the progress bar, on stderr
    listed = json.loads(run_cli(remote.env, "channels", "list", "--all", "--json").stdout)
    assert len(listed) == 25
    table = run_cli(remote.env, "seed", "--channels", "3", "--clients", "3").stdout
    assert "3 channels, 3 clients" in table


def test_seed_replace_world_prints_a_new_partner(remote: Remote) -> None:
    onboard(remote, "+4915166666666")
    result = run_cli(
        remote.env, "seed", "--replace-world", "--channels", "12", "--clients", "2", "--json"
    )
    world = json.loads(result.stdout)
    assert world["mode"] == "replace-world"
    assert world["seeded"]["channels"] == 12 and world["seeded"]["clients"] == 2
    new = {"PARTNERHUB_PARTNER_ID": world["partner_id"], "PARTNERHUB_API_KEY": world["api_key"]}
    channels = as_json(cli(remote, "channels", "list", "--all", "--limit", "5", "--json", **new))
    assert len(channels) == 12 and {c["status"] for c in channels} == {"live"}
    assert len(as_json(cli(remote, "clients", "list", "--json", **new))) == 2
    # The old partner (and its key) went with the old world.
    gone = cli(remote, "clients", "list", code=1)
    assert "401" in gone.stderr
    by_login = cli(
        remote,
        "clients",
        "list",
        "--json",
        PARTNERHUB_PARTNER_ID=world["partner_id"],
        PARTNERHUB_API_KEY=None,
        PARTNERHUB_USERNAME=world["email"],
        PARTNERHUB_PASSWORD=world["password"],
    )
    assert len(as_json(by_login)) == 2


def test_state_export_then_import_restores_the_world(remote: Remote, tmp_path: Path) -> None:
    """A world checked into a repository: export to a file, change things, import it back."""
    done = onboard(remote, "+4915177777001", "+4915177777002")
    world_file = tmp_path / "world.json"
    exported = cli(remote, "state", "export", str(world_file))
    assert "exported world version 2" in exported.stdout
    document = json.loads(world_file.read_text())
    assert document["version"] == 2 and len(document["channels"]) == 2
    assert remote.api_key not in world_file.read_text()  # the key travels as its SHA-256
    onboard(remote, "+4915177777003")  # a change the import undoes
    imported = as_json(cli(remote, "state", "import", str(world_file), "--json"))
    assert imported["seeded"]["channels"] == 2
    # The partner's old API key still works, and the world is the exported one.
    channels = as_json(cli(remote, "channels", "list", "--all", "--json"))
    assert sorted(c["id"] for c in channels) == sorted(done["channel_ids"])
    again = json.loads(cli(remote, "state", "export", "-").stdout)
    for world in (again, document):  # the one documented difference: keys were used since
        for key in world["partners"][0]["api_keys"]:
            key.pop("last_used_at", None)
    assert again == document
    bad = cli(remote, "state", "import", str(tmp_path / "missing.json"), code=1)
    assert "cannot read" in bad.stderr
    world_file.write_text('{"version": 99}')
    refused = cli(remote, "state", "import", str(world_file), code=1)
    assert "version" in refused.stderr


def test_emulate_mm_lite_terms_and_delivery_faults(remote: Remote) -> None:
    waba = onboard(remote, "+4915133333399")["waba_account_id"]
    accepted = as_json(cli(remote, "emulate", "mm-lite-terms", waba, "--json"))
    assert accepted["waba_account_id"] == waba and accepted["accepted"] is True
    assert accepted["accepted_at"]
    withdrawn = cli(remote, "emulate", "mm-lite-terms", waba, "--withdraw").stdout
    assert "MM Lite terms not accepted" in withdrawn
    marked = cli(remote, "emulate", "fault", "+4917600000077", "spam_limit").stdout
    assert "4917600000077: messages fail with 131048 (spam_limit)" in marked
    assert "no fault" in cli(remote, "emulate", "fault", "4917600000077").stdout
    unknown = cli(remote, "emulate", "fault", "4917600000077", "gremlins", code=1)
    assert "400" in unknown.stderr and "spam_limit" in unknown.stderr
    missing = cli(remote, "emulate", "mm-lite-terms", "nosuchWA", code=1)
    assert "404" in missing.stderr

    # The operator's local command (hub mode has no /_emulator): same effect, on the database.
    recorded = json.loads(run_cli(remote.env, "mm-lite-terms", waba, "--json").stdout)
    assert recorded["accepted"] is True and recorded["accepted_at"]
    world = httpx.get(
        f"{remote.base_url}/_emulator/state",
        headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
    ).json()
    assert [row["waba_account_id"] for row in world["mm_lite_terms"]] == [waba]
    unknown_waba = run_cli(remote.env, "mm-lite-terms", "nosuchWA", check=False)
    assert unknown_waba.returncode == 1 and "WABA account not found" in unknown_waba.stderr


def test_clients_share_number_onboards_a_number_of_a_hosted_embedded_signup(
    remote: Remote,
) -> None:
    ids = ("--solution-id", "23475642367", "--waba-external-id", "31893466565234")
    done = as_json(
        cli(
            remote,
            *("clients", "share-number", *ids, "--waba-business-id", "89732461622213"),
            *("--channel-external-id", "106540352242922", "--tier", "basic", "--json"),
        )
    )
    assert done["message"] == "Success. Please wait, your number is onboarding."
    assert (done["tier"], done["channel_external_id"]) == ("basic", "106540352242922")
    channels = as_json(cli(remote, "channels", "list", "--client", done["client_id"], "--json"))
    assert [c["external_id"] for c in channels] == ["106540352242922"]
    again = cli(remote, "clients", "share-number", *ids, "--client-id", done["client_id"])
    assert "Success" in again.stdout and done["client_id"] in again.stdout
    refused = cli(remote, "clients", "share-number", *ids, "--client-id", "nosuchCL", code=1)
    assert "404" in refused.output
    assert "--tier" in cli(remote, "clients", "share-number", *ids, "--tier", "gold", code=1).output


# ---------------------------------------------------------------- issue 18: Meta's side


FEEDBACK_FLOW = {
    "version": "7.1",
    "screens": [
        {
            "id": "FEEDBACK",
            "title": "Feedback",
            "terminal": True,
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {"type": "TextArea", "name": "comment", "label": "Comment"},
                    {
                        "type": "Footer",
                        "label": "Send",
                        "on-click-action": {
                            "name": "complete",
                            "payload": {"comment": "${form.comment}"},
                        },
                    },
                ],
            },
        }
    ],
}


def _events(receiver: Receiver, *names: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The partner events received so far once every name in ``names`` is among them."""
    deadline = time.monotonic() + timeout
    while True:
        with receiver.lock:
            bodies = [json.loads(r.body) for r in receiver.requests]
        events = [b for b in bodies if "event" in b]
        if set(names) <= {e["event"] for e in events}:
            return events
        assert time.monotonic() < deadline, (names, [e["event"] for e in events])
        time.sleep(0.02)


def test_emulate_display_name_review_violation_restriction_and_flow_status(
    remote: Remote, receiver: Receiver
) -> None:
    with remote.sdk() as hub:
        hub.webhook.set(receiver.url)
    shop = onboard(remote, "+4915133333344")
    chid, waba = shop["channel_ids"][0], shop["waba_account_id"]
    cli(remote, "emulate", "advance", "10m")
    cli(remote, "emulate", "advance", "10m")
    assert as_json(cli(remote, "channels", "status", chid, "--json"))["status"] == "live"

    # Meta's display-name review, decided now: rejected with a reason, then approved.
    cli(remote, "channels", "display-name", chid, "Acme Pizza")
    rejected = as_json(
        cli(remote, "emulate", "display-name", chid, "--reject", "Not the business", "--json")
    )
    assert rejected["channel_id"] == chid
    assert (rejected["request"]["status"], rejected["request"]["rejected_reason"]) == (
        "REJECTED",
        "Not the business",
    )
    cli(remote, "channels", "display-name", chid, "Acme Pizza Berlin")
    approved = cli(remote, "emulate", "display-name", chid).stdout
    assert f"{chid}: 'Acme Pizza Berlin' APPROVED; display name 'Acme Pizza Berlin'" in approved
    names = as_json(cli(remote, "channels", "display-name", chid, "--json"))
    assert [(r["display_name"], r["status"]) for r in names["requests"]] == [
        ("Acme Pizza Berlin", "APPROVED"),
        ("Acme Pizza", "REJECTED"),
    ]
    nothing_pending = cli(remote, "emulate", "display-name", chid, code=1)
    assert "409" in nothing_pending.stderr
    other = cli(remote, "emulate", "display-name", "nosuchCH", code=1)
    assert "404" in other.stderr

    # Policy enforcement: a warning, then a restriction of business-initiated messaging.
    warned = cli(remote, "emulate", "violation", waba, "--violation-type", "SCAM").stdout
    assert f"{waba}: SCAM violation, 1 number(s) warned" in warned
    restricted = as_json(
        cli(
            remote,
            *("emulate", "restrict", waba, "--type", "RESTRICTED_BIZ_INITIATED_MESSAGING"),
            *("--duration", "3d", "--json"),
        )
    )
    assert restricted["status"] == "account_restriction"
    (info,) = restricted["restriction_info"]
    assert info["restriction_type"] == "RESTRICTED_BIZ_INITIATED_MESSAGING"
    with remote.sdk() as hub:
        shown = hub.waba_accounts.get(waba)
    assert shown.status == "account_restriction"
    assert [r["restriction_type"] for r in shown.restriction_info] == [info["restriction_type"]]
    unknown = cli(remote, "emulate", "restrict", waba, "--type", "RESTRICTED_ALL", code=1)
    assert "400" in unknown.stderr and "restriction_types" in unknown.stderr
    assert (
        "--duration"
        in cli(remote, "emulate", "restrict", waba, "--duration", "soon", code=2).output
    )

    events = _events(
        receiver,
        "phone_number_name_update",
        "account_violation",
        "account_restriction",
        "template_messaging_disabled",
    )
    decisions = [
        (e["data"]["requested_verified_name"], e["data"]["decision"])
        for e in events
        if e["event"] == "phone_number_name_update"
    ]
    assert decisions == [("Acme Pizza", "REJECTED"), ("Acme Pizza Berlin", "APPROVED")]
    (violation,) = [e for e in events if e["event"] == "account_violation"]
    assert (violation["data"]["id"], violation["data"]["violation_type"]) == (chid, "SCAM")

    # Meta's monitoring of a published Flow.
    with remote.sdk() as hub:
        flow = hub.flows.create(waba, "Feedback", ["SURVEY"])
        assert hub.flows.upload_json(waba, flow.id, FEEDBACK_FLOW).validation_errors == []
        hub.flows.publish(waba, flow.id)
        throttled = cli(remote, "emulate", "flow-status", flow.id, "throttled").stdout
        assert f"Flow {flow.id}: THROTTLED" in throttled
        assert hub.flows.get(waba, flow.id, fields="status")["status"] == "THROTTLED"
        back = as_json(cli(remote, "emulate", "flow-status", flow.id, "PUBLISHED", "--json"))
        assert back == {"id": flow.id, "status": "PUBLISHED"}
        assert hub.flows.get(waba, flow.id, fields="status")["status"] == "PUBLISHED"
    gone = cli(remote, "emulate", "flow-status", flow.id, "GONE", code=1)
    assert "400" in gone.stderr and "status" in gone.stderr
