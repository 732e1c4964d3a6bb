"""A real webhook endpoint for tests: an HTTP server on a loopback port, in a thread.

partnerhub delivers to it exactly as it delivers to a partner's production URL (signed, over
TCP, retried when it fails), so a test sees what the integration will see. ``wait_for`` is how a
test synchronises with deliveries that arrive on their own schedule; when the awaited webhook
never comes, its message lists what did come and what went wrong, which is usually enough to
find the bug without reading the server's log.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from partnerhub import webhooks

DEFAULT_TIMEOUT_SECONDS = 5.0


@dataclass
class ReceivedWebhook:
    """One delivery as it arrived: raw bytes (verify those), headers (lower-case), JSON body.

    ``names`` is what :meth:`WebhookReceiver.wait_for` matches: a partner event's ``event``
    (``channel_running``); for a Cloud API (Messaging) body, ``message_status:<status>`` for
    each status in it and ``message`` / ``message:<type>`` for each inbound message (and
    ``smb_message_echoes`` / ``smb_app_state_sync`` for a coexistence number's changes).
    """

    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any
    names: list[str]
    verified: bool | None = None  # None: no secret to check against
    error: str | None = None  # a failed signature check or the handler's exception
    status: int = 200  # what the receiver answered

    @property
    def kind(self) -> str:
        """``partner`` (``{"id", "event", "data"}``), ``messaging`` (Cloud API) or ``other``."""
        if isinstance(self.body, dict) and "event" in self.body:
            return "partner"
        if isinstance(self.body, dict) and "entry" in self.body:
            return "messaging"
        return "other"

    @property
    def event(self) -> webhooks.PartnerEvent | webhooks.WebhookEvent | None:
        """A partner event parsed as ``webhooks.parse_event`` does (typed when partnerhub
        sends it, e.g. ``ChannelRunning``); ``None`` for any other body."""
        return webhooks.parse_event(self.raw) if self.kind == "partner" else None

    def describe(self) -> str:
        label = ", ".join(self.names) or self.kind
        return label if self.error is None else f"{label} [{self.status}: {self.error}]"


def names_of(body: Any) -> list[str]:
    """The names a body answers to in ``wait_for`` (see :class:`ReceivedWebhook`)."""
    if not isinstance(body, dict):
        return []
    if isinstance(body.get("event"), str):
        return [body["event"]]
    names: list[str] = []
    for entry in body.get("entry") or []:
        for change in entry.get("changes") or [] if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for status in value.get("statuses") or []:
                names.append(f"message_status:{status.get('status')}")
            for message in value.get("messages") or []:
                names.extend(("message", f"message:{message.get('type')}"))
            # WhatsApp Coexistence: app messages echoed, app contacts synchronized.
            if change.get("field") in ("smb_message_echoes", "smb_app_state_sync"):
                names.append(change["field"])
    return list(dict.fromkeys(names))


Handler = Callable[[ReceivedWebhook], int | None]
Matcher = str | Callable[[Any], bool]


@dataclass
class WebhookReceiver:
    """Collects deliveries; optionally verifies them and hands each to your handler.

    - ``url``: give it to partnerhub (partner webhook URL or a number's messaging webhook);
      every path on this host and port is accepted, so ``url + "/whatsapp"`` works too.
    - ``secret``: the partner's platform secret; when set, every delivery must carry a valid
      signature (:func:`partnerhub.webhooks.verify`) or it is answered 401 and the failure is
      reported by ``wait_for``.
    - ``handler``: your integration's webhook handler, called in the receiver's thread with each
      verified delivery before it is recorded as answered; it returns the HTTP status (``None``
      means 200). An exception answers 500 and is reported by ``wait_for``. This is how a test
      runs a partner back end's real webhook code against real deliveries.
    """

    url: str
    secret: str | None = None
    handler: Handler | None = None
    received: list[ReceivedWebhook] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _taken: dict[Any, set[int]] = field(default_factory=dict)

    def handle(self, handler: Handler | None) -> None:
        """Route every later delivery through ``handler`` (``None``: just record)."""
        self.handler = handler

    def _receive(self, path: str, headers: Mapping[str, str], raw: bytes) -> int:
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        delivery = ReceivedWebhook(
            path=path, headers=dict(headers), raw=raw, body=body, names=names_of(body)
        )
        secret = self.secret
        if secret is not None:
            try:
                webhooks.verify(raw, headers, secret)
                delivery.verified = True
            except webhooks.WebhookVerificationError as exc:
                delivery.verified = False
                delivery.status, delivery.error = 401, f"signature check failed: {exc}"
        handler = self.handler
        if handler is not None and delivery.error is None:
            try:
                delivery.status = handler(delivery) or 200
            except Exception as exc:  # the test must hear of it, not the server thread
                delivery.status, delivery.error = 500, f"handler raised {exc!r}"
        with self._lock:
            self.received.append(delivery)
            self._lock.notify_all()
        return delivery.status

    def _matches(self, what: Matcher, delivery: ReceivedWebhook) -> bool:
        if callable(what):
            return bool(what(delivery.body))
        return what in delivery.names

    def wait_for(self, what: Matcher, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Any:
        """The body of the first delivery matching ``what`` that no earlier ``wait_for`` with
        the same ``what`` returned; waits up to ``timeout`` seconds for it to arrive.

        ``what`` is a name (``"channel_running"``, ``"message_status:delivered"``,
        ``"message:text"``) or a predicate on the decoded body. A delivery answered with an
        error (bad signature, handler exception) still matches: the failure message of a later
        assertion is then the place to look. Raises AssertionError listing what arrived.
        """
        deadline = time.monotonic() + timeout
        taken = self._taken.setdefault(what, set())
        with self._lock:
            while True:
                for index, delivery in enumerate(self.received):
                    if index not in taken and self._matches(what, delivery):
                        taken.add(index)
                        return delivery.body
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._missing(what, timeout))
                self._lock.wait(remaining)

    def _missing(self, what: Matcher, timeout: float) -> str:
        label = repr(what) if isinstance(what, str) else getattr(what, "__name__", repr(what))
        lines = [f"no {label} webhook arrived at {self.url} within {timeout:g} s"]
        if not self.received:
            lines.append(
                "nothing arrived at all: is this URL the partner's webhook_url (or the "
                "number's messaging webhook), and did the clock move far enough "
                "(emulator.advance)?"
            )
        else:
            lines.append(f"received {len(self.received)}, in order:")
            lines.extend(f"  {n + 1}. {d.describe()}" for n, d in enumerate(self.received))
            failed = [d for d in self.received if d.error is not None]
            if failed:
                lines.append(f"{len(failed)} answered with an error (see [...] above)")
        return "\n".join(lines)

    def events(self, what: Matcher | None = None) -> list[Any]:
        """Every body received so far (or those matching ``what``), in arrival order."""
        with self._lock:
            return [d.body for d in self.received if what is None or self._matches(what, d)]

    def errors(self) -> list[str]:
        """Each failed signature check or handler exception, described."""
        with self._lock:
            return [d.describe() for d in self.received if d.error is not None]

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self._taken.clear()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # partnerhub sends up to 64 deliveries at once; the default backlog of 5 would drop some.
    request_queue_size = 256


class ReceiverServer:
    """One HTTP server thread for a whole session, serving many :class:`WebhookReceiver` s.

    Each receiver owns a path prefix (``/r<n>``), so a test gets a new endpoint without
    starting (and, worse, stopping: ``shutdown`` waits for the polling loop) a server of its
    own. A delivery to a receiver that is gone, a leftover of an earlier test, is answered
    410 Gone, which makes partnerhub stop sending that partner's webhooks.
    """

    def __init__(self) -> None:
        receivers: dict[str, WebhookReceiver] = {}
        self._receivers = receivers

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                prefix = "/" + self.path.lstrip("/").split("/", 1)[0]
                receiver = receivers.get(prefix)
                if receiver is None:
                    status = 410
                else:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    status = receiver._receive(self.path, headers, raw)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass  # pytest's captured output is for the test, not for access logs

        self._server = _Server(("127.0.0.1", 0), RequestHandler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._count = 0
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def new_receiver(self) -> WebhookReceiver:
        """A receiver at ``{base_url}/r<n>/webhook``, live until :meth:`drop`."""
        self._count += 1
        prefix = f"/r{self._count}"
        receiver = WebhookReceiver(url=f"{self.base_url}{prefix}/webhook")
        self._receivers[prefix] = receiver
        return receiver

    def drop(self, receiver: WebhookReceiver) -> None:
        prefix = "/" + receiver.url.removeprefix(self.base_url).lstrip("/").split("/", 1)[0]
        self._receivers.pop(prefix, None)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
