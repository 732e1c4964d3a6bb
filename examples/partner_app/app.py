"""A partner back end in miniature: what a 360dialog partner runs next to the hub.

It does four things, with nothing but partnerhub's SDK (``partnerhub.client``,
``partnerhub.webhooks`` and its typed events, ``partnerhub.wire.events``) and the standard
library:

1. receives the hub's partner webhooks and checks their signatures (platform secret);
2. when a client's number reaches ``channel_running``: generates the number's D360-API-KEY,
   points the number's messaging webhook back at this app, and submits an auto-reply template;
3. notes when Meta approves (or rejects) that template (``waba_template_status_changed``);
4. answers every inbound WhatsApp message with the approved template.

Webhooks are delivered at least once, so events are deduplicated on their ``id``: a retried
``channel_running`` must not generate a second key (that would revoke the first).

Run it for real with ``python -m partner_app.app`` (see README.md); its tests
(``tests/``) run it against a real partnerhub server with the pytest plugin's fixtures.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import make_server

from partnerhub import webhooks
from partnerhub.client import ConflictError, MessagingClient, PartnerClient
from partnerhub.wire import events

TEMPLATE_NAME = "auto_reply"
TEMPLATE_LANGUAGE = "en_US"
TEMPLATE_COMPONENTS = [
    {
        "type": "BODY",
        "text": "Thanks for your message, {{1}}! We will get back to you shortly.",
        "example": {"body_text": [["Ada"]]},
    }
]
MESSAGING_PATH = "/whatsapp/"  # + channel id: tells the app which number a message is for


@dataclass
class Number:
    """A client's WhatsApp number this app can send from."""

    channel_id: str
    waba_account_id: str
    phone_number: str
    api_key: str
    address: str


@dataclass
class Reply:
    to: str
    message_id: str


@dataclass
class PartnerApp:
    """The back end. ``public_url`` is where the hub reaches this app (its webhook URL);
    messaging webhooks for a number come to ``public_url + "/whatsapp/<channel id>"``."""

    hub: PartnerClient
    platform_secret: str
    public_url: str
    numbers: dict[str, Number] = field(default_factory=dict)
    approved_templates: set[str] = field(default_factory=set)  # WABA ids with the reply approved
    rejected_templates: dict[str, str] = field(default_factory=dict)  # WABA id -> reason
    replies: list[Reply] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)  # senders we could not answer (yet)
    _seen: set[str] = field(default_factory=set)
    _messaging: dict[str, MessagingClient] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ set-up

    def install(self) -> None:
        """Point the hub's partner webhooks at this app (idempotent; run at deploy time)."""
        self.hub.webhook.set(self.public_url)

    # ------------------------------------------------------------------ webhooks

    def handle(self, path: str, headers: Mapping[str, str], raw: bytes) -> int:
        """One delivery, whatever the web framework: returns the HTTP status to answer.

        401 for a bad signature (the hub retries, so a rotated secret can be fixed in time);
        200 once handled. An exception propagates: the framework answers 500 and the hub
        retries later, which is what we want for a passing outage of our own.
        """
        try:
            webhooks.verify(raw, headers, self.platform_secret)
        except webhooks.WebhookVerificationError:
            return 401
        if MESSAGING_PATH in path:
            channel_id = path.rsplit(MESSAGING_PATH, 1)[1].strip("/")
            self._on_messaging(channel_id, webhooks.parse_messaging_webhook(raw))
            return 200
        event = webhooks.parse_event(raw)
        with self._lock:
            if event.id in self._seen:
                return 200
            self._seen.add(event.id)
        match event:  # typed events (partnerhub.wire.events); others are left alone
            case events.ChannelRunning(data=channel):
                self._on_channel_running(channel)
            case events.WabaTemplateStatusChanged(data=template):
                self._on_template_status(template)
        return 200

    def _on_channel_running(self, channel: events.ChannelData) -> None:
        channel_id, waba_id = channel.id, channel.waba_account.id
        key = self.hub.channels.generate_api_key(channel_id)
        number = Number(channel_id, waba_id, channel.phone_number, key.api_key, key.address)
        self.messaging(number).webhook.set(self.public_url + MESSAGING_PATH + channel_id)
        self.numbers[channel_id] = number
        # A 409: the client's WABA has it already (another of its numbers got there first).
        with contextlib.suppress(ConflictError):
            self.hub.templates.create(
                waba_id,
                name=TEMPLATE_NAME,
                language=TEMPLATE_LANGUAGE,
                category="UTILITY",
                components=TEMPLATE_COMPONENTS,
            )

    def _on_template_status(self, template: events.TemplateStatusData) -> None:
        if template.name != TEMPLATE_NAME:
            return
        waba_id = template.waba_account_id
        if template.status == "approved":
            self.approved_templates.add(waba_id)
            self.rejected_templates.pop(waba_id, None)
        else:
            self.approved_templates.discard(waba_id)
            if template.status == "rejected":
                self.rejected_templates[waba_id] = template.rejected_reason or ""

    def _on_messaging(self, channel_id: str, body: webhooks.MessagingWebhook) -> None:
        number = self.numbers.get(channel_id)
        if number is None:
            return
        names = {
            c.wa_id: c.profile.name
            for e in body.entry
            for ch in e.changes
            for c in ch.value.contacts
        }
        for message in body.messages:
            sender = message.from_
            if number.waba_account_id not in self.approved_templates:
                self.unanswered.append(sender)
                continue
            name = names.get(sender) or "there"
            sent = self.messaging(number).messages.send_template(
                sender,
                TEMPLATE_NAME,
                TEMPLATE_LANGUAGE,
                components=[{"type": "body", "parameters": [{"type": "text", "text": name}]}],
            )
            self.replies.append(Reply(sender, sent.message_id))

    def messaging(self, number: Number) -> MessagingClient:
        """One Messaging API client per number, kept: a client pools its connections."""
        client = self._messaging.get(number.channel_id)
        if client is None:
            client = MessagingClient(number.api_key, base_url=number.address)
            self._messaging[number.channel_id] = client
        return client

    def close(self) -> None:
        for client in self._messaging.values():
            client.close()
        self.hub.close()

    # ------------------------------------------------------------------ WSGI

    def wsgi(
        self, environ: dict[str, Any], start_response: Callable[[str, list[Any]], Any]
    ) -> Iterable[bytes]:
        """The same handler as a WSGI app (any WSGI server; ``serve()`` uses wsgiref)."""
        if environ["REQUEST_METHOD"] != "POST":
            start_response("405 Method Not Allowed", [("Content-Length", "0")])
            return [b""]
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        status = self.handle(environ.get("PATH_INFO", "/"), headers, raw)
        start_response(f"{status} {'OK' if status == 200 else 'Error'}", [("Content-Length", "0")])
        return [b""]


def serve() -> None:  # pragma: no cover - the tests drive PartnerApp.handle directly
    """Run against a hub: PARTNER_ID, API_KEY, PLATFORM_SECRET, HUB_URL, PUBLIC_URL, PORT."""
    env = os.environ
    hub = PartnerClient(env["PARTNER_ID"], api_key=env["API_KEY"], base_url=env["HUB_URL"])
    app = PartnerApp(hub, env["PLATFORM_SECRET"], env["PUBLIC_URL"])
    app.install()
    port = int(env.get("PORT", "9000"))
    print(json.dumps({"listening": port, "webhook_url": app.public_url}))
    with make_server("127.0.0.1", port, app.wsgi) as server:
        server.serve_forever()


if __name__ == "__main__":
    serve()
