"""``emulate``: drive the emulator's ``/_emulator`` controls from a shell.

These are the steps a partner's test suite takes through HTTP — sign a client up without a
browser, jump the virtual clock, force a channel's status, have a WhatsApp user write in — as
one-liners, so they can be tried by hand and used from shell scripts. They need the server's
``PARTNERHUB_EMULATOR_TOKEN`` (the same variable name on both sides, so one export serves both).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Annotated, Any

import typer
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
    fail,
    print_json,
)

emulate_app = typer.Typer(
    help="Emulator controls: onboard, move or reset the clock, force statuses, inbound messages, "
    "MM Lite terms, delivery faults, WhatsApp Business app messages (coexistence), display-name "
    "reviews, policy violations and restrictions, Flow monitoring.",
    no_args_is_help=True,
)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``15m``, ``1h``, ``2d``, ``1h30m`` → seconds.

    People think of clock jumps in minutes and days, and a typo must not move the clock by
    something else, so anything that is not a sum of number+unit parts is refused.
    """
    raw = text.strip().lower().replace(" ", "")
    try:
        return float(raw)
    except ValueError:
        pass
    if not raw or _PART.sub("", raw):
        raise typer.BadParameter(f"{text!r}: use seconds or e.g. 90s, 15m, 1h, 2d, 1h30m")
    return sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(raw))


def _control(
    base_url: str,
    emulator_token: str | None,
    as_json: bool,
    path: str,
    body: dict[str, Any],
    show: Callable[[dict[str, Any]], None],
) -> None:
    """POST ``body`` to the control ``path`` and print the answer: one JSON document with
    ``--json`` (for scripts), else ``show``'s lines. A missing token or an error answer is one
    line on stderr and exit code 1 (see :mod:`partnerhub.cli._remote`)."""
    with Emulator(base_url, emulator_token) as emulator, api_errors(base_url):
        done = emulator.call("POST", path, body)
    if as_json:
        print_json(done)
    else:
        show(done)


def _show(title: str, data: dict[str, Any]) -> None:
    table = Table("field", "value", show_header=False, title=title)
    for key, value in data.items():
        table.add_row(key, ", ".join(value) if isinstance(value, list) else str(value))
    console.print(table)


@emulate_app.command("onboard")
def onboard(
    phones: Annotated[
        list[str], typer.Option("--phone", help="E.164 number; repeat for several channels.")
    ],
    name: Annotated[str | None, typer.Option("--name", help="Client (business) name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Client contact email.")] = None,
    password: Annotated[
        str | None,
        typer.Option("--client-password", help="Lets the client log in on the onboarding page."),
    ] = None,
    payload: Annotated[
        str | None, typer.Option("--partner-payload", help="Your reference for the client.")
    ] = None,
    coexistence: Annotated[
        bool,
        typer.Option(
            "--coexistence", help="The numbers stay on the WhatsApp Business app (Coexistence)."
        ),
    ] = False,
    partner: RemotePartnerOpt = None,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Sign a client up without a browser: client, WABA account and one channel per --phone."""
    if not partner:
        fail("no partner id: pass --partner or set PARTNERHUB_PARTNER_ID")
    tag = secrets.token_hex(3)
    client: dict[str, Any] = {
        "name": name or f"CLI client {tag}",
        "email": email or f"client-{tag}@example.com",
    }
    if payload is not None:
        client["partner_payload"] = payload
    body: dict[str, Any] = {"partner_id": partner, "client": client, "phone_numbers": phones}
    if password is not None:
        body["password"] = password
    if coexistence:
        body["coexistence"] = True

    def show(done: dict[str, Any]) -> None:
        _show("Onboarded", done)

    _control(base_url, emulator_token, as_json, "/onboard", body, show)


@emulate_app.command("advance")
def advance(
    duration: Annotated[str, typer.Argument(help="Seconds, or 90s, 15m, 1h, 2d, 1h30m.")],
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Move the virtual clock forward and run what became due (reviews, retries, statuses)."""
    seconds = parse_duration(duration)

    def show(done: dict[str, Any]) -> None:
        console.print(
            f"clock now {done['now']} (offset {done['offset_seconds']:g} s); "
            f"{done['deliveries_attempted']} webhook deliveries attempted"
        )

    _control(base_url, emulator_token, as_json, "/clock/advance", {"seconds": seconds}, show)


@emulate_app.command("reset")
def reset(
    scope: Annotated[
        str,
        typer.Option(
            "--scope",
            help="data: webhook log, faults, rate-limit budgets (partners and numbers stay); "
            "clock: the virtual clock back to real time; all: both.",
        ),
    ] = "data",
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Reset the emulator: its data (the default), its clock, or both (clock moves are
    otherwise permanent, even across restarts)."""
    if scope not in ("data", "clock", "all"):
        raise typer.BadParameter(f"{scope!r}: use data, clock or all", param_hint="--scope")

    def show(done: dict[str, Any]) -> None:
        console.print(
            f"reset {done['scope']}; clock now {done['now']} (offset {done['offset_seconds']:g} s)"
        )

    _control(base_url, emulator_token, as_json, "/reset", {"scope": scope}, show)


@emulate_app.command("status")
def status(
    channel_id: Annotated[str, typer.Argument(help="Channel id (…CH).")],
    new_status: Annotated[
        str, typer.Argument(metavar="STATUS", help="e.g. running, live, account_violation.")
    ],
    violation_type: Annotated[
        str | None, typer.Option("--violation-type", help="With account_violation.")
    ] = None,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Move a channel to any status now (with the webhook event it causes)."""
    body: dict[str, Any] = {"status": new_status}
    if violation_type is not None:
        body["violation_type"] = violation_type

    def show(done: dict[str, Any]) -> None:
        console.print(f"{done['id']}: {done['status']} (WABA {done['fb_account_status']})")

    _control(base_url, emulator_token, as_json, f"/channels/{channel_id}/status", body, show)


@emulate_app.command("inbound")
def inbound(
    channel_id: Annotated[str, typer.Argument(help="Channel id (…CH) written to.")],
    sender: Annotated[str, typer.Option("--from", help="The user's WhatsApp number.")],
    text: Annotated[str, typer.Option("--text", help="The message.")],
    profile_name: Annotated[
        str | None, typer.Option("--profile-name", help="The user's WhatsApp name.")
    ] = None,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """A WhatsApp user sends a text to a channel (opens the 24-hour window)."""
    body: dict[str, Any] = {
        "channel_id": channel_id,
        "from": sender,
        "type": "text",
        "text": {"body": text},
    }
    if profile_name is not None:
        body["profile_name"] = profile_name

    def show(done: dict[str, Any]) -> None:
        console.print(f"{done['id']}: {done['from']} → {done['channel_id']} at {done['timestamp']}")

    _control(base_url, emulator_token, as_json, "/messages/inbound", body, show)


@emulate_app.command("app-message")
def app_message(
    channel_id: Annotated[str, typer.Argument(help="A coexistence channel's id (…CH).")],
    to: Annotated[str, typer.Option("--to", help="The user's WhatsApp number.")],
    text: Annotated[str, typer.Option("--text", help="The message.")],
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Coexistence: the business sends a text from the WhatsApp Business app (the number's
    messaging webhook gets it as smb_message_echoes)."""
    body = {"to": to, "type": "text", "text": {"body": text}}

    def show(done: dict[str, Any]) -> None:
        console.print(
            f"{done['id']}: {done['from']} → {done['to']} (echoed) at {done['timestamp']}"
        )

    _control(base_url, emulator_token, as_json, f"/channels/{channel_id}/app_message", body, show)


# --- MM Lite terms and delivery faults (issue 17) ---------------------------------------------


@emulate_app.command("mm-lite-terms")
def mm_lite_terms(
    waba_account_id: Annotated[str, typer.Argument(help="WABA account id whose terms change.")],
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Withdraw the acceptance instead.")
    ] = False,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """The WABA's business accepts the MM Lite terms (POST /marketing_messages may be used)."""
    path = f"/waba_accounts/{waba_account_id}/mm_lite_terms"

    def show(done: dict[str, Any]) -> None:
        state = "accepted" if done["accepted"] else "not accepted"
        console.print(f"{done['waba_account_id']}: MM Lite terms {state}")

    _control(base_url, emulator_token, as_json, path, {"accepted": not withdraw}, show)


@emulate_app.command("fault")
def fault(
    number: Annotated[str, typer.Argument(help="A recipient's or a channel's phone number.")],
    name: Annotated[
        str | None,
        typer.Argument(
            help="undeliverable, not_on_whatsapp, not_in_allowed_list, rate_limited, "
            "pair_rate_limited, spam_limit, ecosystem, media_download_failed; none: clear"
        ),
    ] = None,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Messages to (or from) a number are accepted, then fail with Meta's error code."""
    body: dict[str, Any] = {"unreachable": name is not None}
    if name is not None:
        body["fault"] = name

    def show(done: dict[str, Any]) -> None:
        if done["unreachable"]:
            console.print(f"{done['wa_id']}: messages fail with {done['error_code']} ({name})")
        else:
            console.print(f"{done['wa_id']}: no fault")

    _control(
        base_url, emulator_token, as_json, f"/numbers/{number.lstrip('+')}/unreachable", body, show
    )


# --- Meta's side of display names, policy enforcement and Flows (issue 18) --------------------


@emulate_app.command("display-name")
def display_name_decision(
    channel_id: Annotated[str, typer.Argument(help="Channel id (…CH) with a pending request.")],
    reject: Annotated[
        str | None,
        typer.Option("--reject", help="Reject with this reason (default: approve)."),
    ] = None,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Meta decides the number's pending display-name review now (phone_number_name_update)."""
    body: dict[str, Any] = {"decision": "APPROVED" if reject is None else "REJECTED"}
    if reject is not None:
        body["reason"] = reject
    path = f"/channels/{channel_id}/display_name/decision"

    def show(done: dict[str, Any]) -> None:
        decided = done["request"]
        reason = f" ({decided['rejected_reason']})" if decided.get("rejected_reason") else ""
        console.print(
            f"{done['channel_id']}: {decided['display_name']!r} {decided['status']}{reason}; "
            f"display name {done['phone_name']!r}",
            markup=False,
            highlight=False,
        )

    _control(base_url, emulator_token, as_json, path, body, show)


@emulate_app.command("violation")
def violation(
    waba_account_id: Annotated[str, typer.Argument(help="WABA account id (…WA) warned.")],
    violation_type: Annotated[
        str, typer.Option("--violation-type", help="Meta's violation type, e.g. SPAM, SCAM.")
    ] = "SPAM",
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Meta warns a WABA for a policy violation (account_violation for each of its numbers)."""
    path = f"/waba_accounts/{waba_account_id}/violation"

    def show(done: dict[str, Any]) -> None:
        warned = done["channels"]
        console.print(
            f"{done['waba_account_id']}: {violation_type} violation, {warned} number(s) warned"
        )

    _control(base_url, emulator_token, as_json, path, {"violation_type": violation_type}, show)


@emulate_app.command("restrict")
def restrict(
    waba_account_id: Annotated[str, typer.Argument(help="WABA account id (…WA) restricted.")],
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            help="RESTRICTED_BIZ_INITIATED_MESSAGING, RESTRICTED_CUSTOMER_INITIATED_MESSAGING, "
            "RESTRICTED_ADD_PHONE_NUMBER_ACTION; repeat for several (default: the first and last).",
        ),
    ] = None,
    duration: Annotated[
        str, typer.Option("--duration", help="How long, e.g. 1d, 3d, 12h (virtual clock).")
    ] = "1d",
    violation_type: Annotated[
        str, typer.Option("--violation-type", help="Meta's violation type, e.g. SPAM.")
    ] = "SPAM",
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Meta restricts a WABA for a while (account_restriction; blocked sends get 131031)."""
    try:
        seconds = parse_duration(duration)
    except typer.BadParameter as exc:
        raise typer.BadParameter(str(exc), param_hint="--duration") from None
    body: dict[str, Any] = {"duration_seconds": seconds, "violation_type": violation_type}
    if types:
        body["restriction_types"] = types
    path = f"/waba_accounts/{waba_account_id}/restriction"

    def show(done: dict[str, Any]) -> None:
        table = Table("restriction", "until (Unix seconds)", title=f"{done['waba_account_id']}")
        for item in done["restriction_info"]:
            table.add_row(item["restriction_type"], str(item["expiration"]))
        table.caption = f"WABA status {done['status']}"
        console.print(table)

    _control(base_url, emulator_token, as_json, path, body, show)


@emulate_app.command("flow-status")
def flow_status(
    flow_id: Annotated[str, typer.Argument(help="A published Flow's id.")],
    status: Annotated[str, typer.Argument(help="THROTTLED, BLOCKED, or PUBLISHED to recover.")],
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """Meta throttles or blocks a published Flow, or lets it recover (FLOW_STATUS_CHANGE)."""

    def show(done: dict[str, Any]) -> None:
        console.print(f"Flow {done['id']}: {done['status']}")

    _control(
        base_url,
        emulator_token,
        as_json,
        f"/flows/{flow_id}/status",
        {"status": status.upper()},
        show,
    )


__all__ = ["emulate_app", "parse_duration"]
