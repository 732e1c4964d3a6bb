"""``clients``, ``channels`` and ``webhooks``: a partner's view of a hub, through the SDK.

Unlike ``partners`` and ``keys`` (which open the local database), these send Partner API
requests with a partner's credentials, so the same command works against this emulator, a
partnerhub in production, or hub.360dialog.io — anything ``--base-url`` points at.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer
from rich.table import Table

from partnerhub.cli._remote import (
    DEFAULT_BASE_URL,
    ApiKeyOpt,
    BaseUrlOpt,
    Emulator,
    EmulatorTokenOpt,
    JsonOpt,
    PasswordOpt,
    RemotePartnerOpt,
    UsernameOpt,
    api_errors,
    console,
    err_console,
    fail,
    id_column,
    partner_client,
    print_json,
    print_json_line,
    short_time,
)
from partnerhub.client import PartnerClient
from partnerhub.domain.clients.model import KEY_STATUSES, LIFECYCLE, ChannelStatus
from partnerhub.wire.clients import Channel
from partnerhub.wire.webhooks import Delivery

clients_app = typer.Typer(help="A partner's clients (Partner API).", no_args_is_help=True)
channels_app = typer.Typer(help="A partner's channels (Partner API).", no_args_is_help=True)
webhooks_app = typer.Typer(help="The partner webhook delivery log.", no_args_is_help=True)

SortOpt = Annotated[
    str | None, typer.Option("--sort", help="Comma-separated fields, '-' for descending.")
]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, max=1000, help="Page size.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Every page, not just the first.")]


def _filters(raw: str | None) -> dict[str, Any] | None:
    """``--filters`` is the spec's JSON object; refuse anything else before a request is made."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        fail(f"--filters is not JSON: {exc}")
    if not isinstance(value, dict):
        fail('--filters must be a JSON object, e.g. \'{"contact_info.country": "DE"}\'')
    return value


# ---------------------------------------------------------------- clients


@clients_app.command("list")
def clients_list(
    filters: Annotated[
        str | None, typer.Option("--filters", help='JSON, e.g. \'{"status": "active"}\'.')
    ] = None,
    sort: SortOpt = None,
    limit: LimitOpt = 50,
    every: AllOpt = False,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    partner: RemotePartnerOpt = None,
    api_key: ApiKeyOpt = None,
    username: UsernameOpt = None,
    password: PasswordOpt = None,
) -> None:
    """List the partner's clients (GET /clients)."""
    query = _filters(filters)
    with (
        partner_client(base_url, partner, api_key, username, password) as hub,
        api_errors(base_url),
    ):
        if every:
            rows = list(hub.clients.iter(page_size=limit, sort=sort, filters=query))
            total = len(rows)
        else:
            page = hub.clients.list(limit=limit, sort=sort, filters=query)
            rows, total = page.items, page.total
    if as_json:
        print_json(rows)
        return
    table = Table(id_column("id"), "name", "status", "max ch.", "email", "created", title="Clients")
    for c in rows:
        email = c.contact_info.get("email") or c.contact_user.get("email") or ""
        table.add_row(
            c.id, c.name, c.status, str(c.max_channels), str(email), short_time(c.created_at)
        )
    table.caption = f"{len(rows)} of {total}"
    console.print(table)


@clients_app.command("share-number")
def clients_share_number(
    solution_id: Annotated[str, typer.Option("--solution-id", help="Your Meta solution id.")],
    waba_external_id: Annotated[
        str, typer.Option("--waba-external-id", help="Meta's id of the shared WABA.")
    ],
    waba_business_id: Annotated[
        str | None,
        typer.Option("--waba-business-id", help="Meta's business id (a new client)."),
    ] = None,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="An existing client of yours.")
    ] = None,
    channel_external_id: Annotated[
        str | None, typer.Option("--channel-external-id", help="Meta's phone number id.")
    ] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="basic, regular or premium.")] = None,
    phone_number: Annotated[
        str | None, typer.Option("--phone-number", help="[emulator] the number behind the id.")
    ] = None,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    partner: RemotePartnerOpt = None,
    api_key: ApiKeyOpt = None,
    username: UsernameOpt = None,
    password: PasswordOpt = None,
) -> None:
    """Onboard a number shared in your own Embedded Signup (POST /account_sharing/numbers)."""
    if tier is not None and tier not in ("basic", "regular", "premium", ""):
        fail("--tier must be basic, regular or premium")
    with (
        partner_client(base_url, partner, api_key, username, password) as hub,
        api_errors(base_url),
    ):
        done = hub.clients.onboard_shared_number(
            solution_id,
            waba_external_id,
            waba_business_id=waba_business_id,
            client_id=client_id,
            tier=tier,  # type: ignore[arg-type]  # checked above
            channel_external_id=channel_external_id,
            phone_number=phone_number,
        )
    if as_json:
        print_json(done)
        return
    console.print(f"{done.message} client {done.client_id}, number {done.channel_external_id}")


# ---------------------------------------------------------------- channels


def _channel_row(ch: Channel) -> tuple[str, ...]:
    return (
        ch.id,
        ch.status,
        ch.setup_info.phone_number,
        ch.client_id,
        ch.waba_account.fb_account_status,
        short_time(ch.created_at),
    )


@channels_app.command("list")
def channels_list(
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    client: Annotated[str | None, typer.Option("--client", help="Only this client's.")] = None,
    sort: SortOpt = None,
    limit: LimitOpt = 50,
    every: AllOpt = False,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    partner: RemotePartnerOpt = None,
    api_key: ApiKeyOpt = None,
    username: UsernameOpt = None,
    password: PasswordOpt = None,
) -> None:
    """List the partner's channels (GET /channels)."""
    query = {k: v for k, v in (("status", status), ("client_id", client)) if v is not None}
    with (
        partner_client(base_url, partner, api_key, username, password) as hub,
        api_errors(base_url),
    ):
        if every:
            rows = list(hub.channels.iter(page_size=limit, sort=sort, filters=query or None))
            total = len(rows)
        else:
            page = hub.channels.list(limit=limit, sort=sort, filters=query or None)
            rows, total = page.items, page.total
    if as_json:
        print_json(rows)
        return
    table = Table(
        id_column("id"), "status", id_column("phone", 15), id_column("client"), "WABA", "created"
    )
    for ch in rows:
        table.add_row(*_channel_row(ch))
    table.title, table.caption = "Channels", f"{len(rows)} of {total}"
    console.print(table)


def _fetch_channel(hub: PartnerClient, channel_id: str, base_url: str) -> Channel:
    """The Partner API has no ``GET /channels/{id}`` (neither has 360dialog's): filter the list
    by id, which is one indexed request."""
    with api_errors(base_url):
        page = hub.channels.list(limit=1, filters={"id": channel_id})
    if not page.items:
        fail(f"404 no channel {channel_id} for partner {hub.partner_id}")
    return page.items[0]


@channels_app.command("show")
def channels_show(
    channel_id: Annotated[str, typer.Argument(help="Channel id (…CH).")],
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    partner: RemotePartnerOpt = None,
    api_key: ApiKeyOpt = None,
    username: UsernameOpt = None,
    password: PasswordOpt = None,
) -> None:
    """Show one channel: number, client, WABA, limits."""
    with partner_client(base_url, partner, api_key, username, password) as hub:
        ch = _fetch_channel(hub, channel_id, base_url)
    if as_json:
        print_json(ch)
        return
    table = Table("field", "value", show_header=False, title=f"Channel {ch.id}")
    for name, value in (
        ("status", ch.status),
        ("phone number", ch.setup_info.phone_number),
        ("phone name", ch.setup_info.phone_name),
        ("client", f"{ch.client_id} ({ch.client.name})"),
        ("WABA", f"{ch.waba_account.id} ({ch.waba_account.fb_account_status})"),
        ("account mode", ch.account_mode),
        ("permission", "granted" if ch.permission else "not granted"),
        ("messaging limit", ch.current_limit),
        ("quality rating", ch.current_quality_rating),
        ("external id", ch.external_id),
        (
            "display name",
            f"{ch.name_status}"
            + (f", {ch.new_display_name!r} {ch.new_name_status}" if ch.new_display_name else ""),
        ),
        ("CTWA signals", "enabled" if ch.ctwa_enabled else "disabled"),
        ("created", short_time(ch.created_at)),
        ("modified", short_time(ch.modified_at)),
        ("billing started", short_time(ch.billing_started_at) or "-"),
        ("cancellation date", short_time(ch.cancellation_date) or "-"),
        # The API's terminated_at also announces a pending cancellation's date (shown above).
        (
            "terminated",
            (short_time(ch.terminated_at) if ch.status in ("terminated", "cancelled") else None)
            or "-",
        ),
    ):
        table.add_row(name, str(value))
    console.print(table)


def _lifecycle(status: str) -> list[dict[str, Any]]:
    """The simulated Meta review path (created → … → live) with each step's state: ``done``,
    ``current`` or ``next``. A channel off the path (violation, cancelled…) has none current."""
    path = [ChannelStatus.CREATED, *(following for following, _ in LIFECYCLE.values())]
    position = path.index(ChannelStatus(status)) if status in path else -1
    steps = []
    for i, step in enumerate(path):
        event = LIFECYCLE[path[i - 1]][1] if i else "channel_created"
        state = "next" if position < 0 or i > position else "current" if i == position else "done"
        steps.append({"status": step.value, "event": event, "state": state})
    return steps


def _channel_events(emulator: Emulator, partner_id: str, channel_id: str) -> list[dict[str, Any]]:
    """This channel's latest webhook events with their last answer, newest first.

    The Partner API's delivery log carries no event bodies (so nothing ties a delivery to a
    channel); the emulator's ``/webhooks/sent`` record does, so this needs the emulator token.
    """
    sent = emulator.call("GET", "/webhooks/sent", limit=1000, partner_id=partner_id)["sent"]
    events: dict[str, dict[str, Any]] = {}
    for row in sent:  # newest attempt first: the first row of an event is its latest answer
        data = row["body"].get("data") if isinstance(row["body"], dict) else None
        if not isinstance(data, dict) or channel_id not in (data.get("id"), data.get("channel_id")):
            continue
        events.setdefault(
            row["event_id"],
            {
                "event_id": row["event_id"],
                "event": row["event"],
                "status": data.get("status"),
                "attempted_at": row["attempted_at"],
                "status_code": row["status_code"],
                "error": row["error"],
            },
        )
    return list(events.values())[:20]


@channels_app.command("status")
def channels_status(
    channel_id: Annotated[str, typer.Argument(help="Channel id (…CH).")],
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    partner: RemotePartnerOpt = None,
    api_key: ApiKeyOpt = None,
    username: UsernameOpt = None,
    password: PasswordOpt = None,
    emulator_token: EmulatorTokenOpt = None,
) -> None:
    """A channel's status, where it stands in the review lifecycle, and (with an emulator
    token) the latest webhook events about it."""
    with partner_client(base_url, partner, api_key, username, password) as hub:
        ch = _fetch_channel(hub, channel_id, base_url)
        events: list[dict[str, Any]] | None = None
        if emulator_token:
            with Emulator(base_url, emulator_token) as emulator, api_errors(base_url):
                events = _channel_events(emulator, hub.partner_id, ch.id)
    summary: dict[str, Any] = {
        "id": ch.id,
        "status": ch.status,
        "fb_account_status": ch.waba_account.fb_account_status,
        "permission": ch.permission,
        "can_generate_api_key": ch.status in KEY_STATUSES,
        "modified_at": ch.modified_at,
        "billing_started_at": ch.billing_started_at,
        "cancellation_date": ch.cancellation_date,
        "terminated_at": ch.terminated_at,
        "lifecycle": _lifecycle(ch.status),
        "events": events,
    }
    if as_json:
        print_json(summary)
        return
    marks = {"done": "[green]✔[/]", "current": "[bold yellow]●[/]", "next": "[dim]○[/]"}
    path = "  →  ".join(f"{marks[s['state']]} {s['status']}" for s in summary["lifecycle"])
    console.print(
        f"[bold]{ch.id}[/]  status [bold]{ch.status}[/]  WABA {summary['fb_account_status']}"
    )
    console.print(path)
    if not any(s["state"] == "current" for s in summary["lifecycle"]):
        console.print(f"[yellow]off the review path:[/] {ch.status}")
    console.print(
        "D360-API-KEY can be generated"
        if summary["can_generate_api_key"]
        else "no D360-API-KEY until the channel is running"
    )
    if events is None:
        console.print("[dim]latest events: pass --emulator-token to read them from the emulator[/]")
        return
    if not events:
        console.print("no webhook events sent about this channel yet")
        return
    table = Table("attempted", "event", "channel status", "answer", title="Latest events")
    for e in events:
        answer = str(e["status_code"]) if e["status_code"] is not None else (e["error"] or "-")
        table.add_row(short_time(e["attempted_at"]), e["event"], e["status"] or "", answer)
    console.print(table)


# ---------------------------------------------------------------- webhooks tail

FINAL = {"delivered", "failed"}


@channels_app.command("display-name")
def channels_display_name(
    channel_id: Annotated[str, typer.Argument(help="Channel id (…CH).")],
    name: Annotated[
        str | None, typer.Argument(help="The new display name; omit to list the requests.")
    ] = None,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    partner: RemotePartnerOpt = None,
    api_key: ApiKeyOpt = None,
    username: UsernameOpt = None,
    password: PasswordOpt = None,
) -> None:
    """Request a display-name change for a number (Meta reviews it), or list its requests."""
    with partner_client(base_url, partner, api_key, username, password) as hub:
        ch = _fetch_channel(hub, channel_id, base_url)
        with api_errors(base_url):
            if name is not None:
                made = hub.channels.request_display_name(ch.client_id, ch.id, name)
                if as_json:
                    print_json(made)
                else:
                    console.print(
                        f"{made.display_name!r}: {made.status} (review by {made.review_at})"
                    )
                return
            names = hub.channels.display_names(ch.client_id, ch.id)
    if as_json:
        print_json(names)
        return
    table = Table("requested", "name", "status", "reason", title=f"{ch.id}: {names.phone_name}")
    for r in names.requests:
        table.add_row(short_time(r.requested_at), r.display_name, r.status, r.rejected_reason or "")
    console.print(table)


@channels_app.command("ctwa")
def channels_ctwa(
    channel_id: Annotated[str, typer.Argument(help="Channel id (…CH).")],
    enable: Annotated[bool, typer.Option("--enable/--disable", help="Switch CTWA signals.")],
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    partner: RemotePartnerOpt = None,
    api_key: ApiKeyOpt = None,
    username: UsernameOpt = None,
    password: PasswordOpt = None,
) -> None:
    """Enable or disable Click-to-WhatsApp ads signals for a number."""
    with partner_client(base_url, partner, api_key, username, password) as hub:
        ch = _fetch_channel(hub, channel_id, base_url)
        with api_errors(base_url):
            done = (hub.channels.enable_ctwa if enable else hub.channels.disable_ctwa)(
                ch.client_id, ch.id
            )
    console.print(
        f"{done.channel_id}: CTWA signals {'enabled' if done.ctwa_enabled else 'disabled'}"
    )


def _delivery_line(d: Delivery) -> str:
    last = d.attempts[-1] if d.attempts else None
    answer = ""
    if last is not None:
        answer = str(last.status_code) if last.status_code is not None else (last.error or "")
    colour = {"delivered": "green", "failed": "red"}.get(d.status, "yellow")
    # A /multi_webhook copy names its destination (issue 17 item 5).
    event = f"{d.event} -> {d.destination}" if d.destination else d.event
    return (
        f"{short_time(d.created_at)}  {d.id}  {event:<24} "
        f"[{colour}]{d.status:<9}[/] attempts {d.attempt_count}"
        + (f"  last answer {answer}" if answer else "")
        + (
            f"  next {short_time(d.next_attempt_at)}"
            if d.status == "pending" and d.attempt_count
            else ""
        )
    )


@webhooks_app.command("tail")
def webhooks_tail(
    follow: Annotated[
        bool,
        typer.Option("--follow/--no-follow", "-f", help="Keep polling (default) or print once."),
    ] = True,
    event: Annotated[str | None, typer.Option("--event", help="Only this event type.")] = None,
    last: Annotated[
        int, typer.Option("--last", min=0, max=100, help="Also show the N latest existing ones.")
    ] = 0,
    settled: Annotated[
        bool,
        typer.Option("--settled", help="One line per delivery, once it is delivered or failed."),
    ] = False,
    max_lines: Annotated[
        int | None, typer.Option("--max", min=1, help="Exit after printing N deliveries.")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0, help="Exit after S seconds.")
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between polls.")
    ] = 1.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line (the delivery).")
    ] = False,
    base_url: BaseUrlOpt = DEFAULT_BASE_URL,
    partner: RemotePartnerOpt = None,
    api_key: ApiKeyOpt = None,
    username: UsernameOpt = None,
    password: PasswordOpt = None,
) -> None:
    """Follow the webhook delivery log live (GET /webhook_deliveries).

    Prints a line when a delivery appears and whenever its status or attempt count changes
    (``--settled``: only once it is delivered or failed). Starts from now; ``--last N`` shows
    recent ones first. Stops on Ctrl-C, ``--max`` or ``--timeout``.
    """
    filters = {"event": event} if event else None
    deadline = None if timeout is None else time.monotonic() + timeout
    printed = 0
    seen: dict[str, tuple[str, int]] = {}  # delivery id -> (status, attempts) last known
    live: dict[str, Delivery] = {}  # deliveries that appeared since we started, latest state

    def emit(d: Delivery) -> bool:
        """Print ``d`` if it is news; True when ``--max`` is reached."""
        nonlocal printed
        state = (d.status, d.attempt_count)
        if settled:
            if d.status not in FINAL or (d.id in seen and seen[d.id][0] in FINAL):
                seen[d.id] = state
                return False
        elif seen.get(d.id) == state:
            return False
        seen[d.id] = state
        if as_json:
            print_json_line(d)
        else:
            console.print(_delivery_line(d), highlight=False, soft_wrap=True)
        printed += 1
        return max_lines is not None and printed >= max_lines

    def wait() -> bool:
        """Sleep until the next poll; False when ``--timeout`` ran out."""
        if deadline is None:
            time.sleep(interval)
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(interval, left))
        return True

    with (
        partner_client(base_url, partner, api_key, username, password) as hub,
        api_errors(base_url),
    ):
        try:
            # The newest deliveries are the baseline: "tail" starts from now, as tail -f does.
            newest_first = hub.deliveries.list(limit=100, sort="-created_at", filters=filters).items
            shown = list(reversed(newest_first[:last]))
            baseline = {d.id for d in newest_first[last:]}
            for d in newest_first[last:]:
                seen[d.id] = (d.status, d.attempt_count)
            window_start = newest_first[0].created_at if newest_first else None
            where = f"{base_url} partner {hub.partner_id}" + (f", event {event}" if event else "")
            err_console.print(
                f"[dim]tailing webhook deliveries of {where} (Ctrl-C to stop)[/]", soft_wrap=True
            )
            batch = shown
            while True:
                for d in batch:
                    if emit(d):
                        return
                    if d.id not in baseline:
                        live[d.id] = d
                # Poll again from the oldest delivery still in flight (its retries are news)
                # or else the newest seen; ``created_after`` is inclusive, so deliveries
                # created in the same second as the last one seen are not skipped.
                in_flight = [d.created_at for d in live.values() if d.status not in FINAL]
                latest = [d.created_at for d in batch] + ([window_start] if window_start else [])
                window_start = min(in_flight) if in_flight else max(latest, default=None)
                if not follow or not wait():
                    return
                batch = list(
                    hub.deliveries.iter(
                        page_size=100,
                        sort="created_at",
                        filters=filters,
                        created_after=window_start,
                    )
                )
        except KeyboardInterrupt:
            return


__all__ = ["channels_app", "clients_app", "webhooks_app"]
