"""A real webhook receiver for tests: an HTTP server on a loopback port, in a thread.

It records every request (headers and raw body) and answers with a scripted status, optional
``Retry-After`` and optional delay, so tests can assert on exactly what partnerhub sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    retry_after: str | None = None
    delay_seconds: float = 0.0
    script: list[int] = field(default_factory=list)  # statuses to answer first, in order
    landings: list[str] = field(default_factory=list)  # GET paths (redirects that arrived)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} webhook requests, got {len(self.requests)}")


def serve_receiver() -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with receiver.lock:
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = receiver.script.pop(0) if receiver.script else receiver.status
            if receiver.delay_seconds:
                time.sleep(receiver.delay_seconds)
            reply = f"answer {status}".encode()
            self.send_response(status)
            if receiver.retry_after is not None:
                self.send_header("Retry-After", receiver.retry_after)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def do_GET(self) -> None:
            # As a partner's redirect URL: note where the browser landed, say so.
            with receiver.lock:
                receiver.landings.append(self.path)
            page = b"<!doctype html><title>Signup finished</title><h1>Back at the partner</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        # The default backlog of 5 drops connections when 64 deliveries arrive at once.
        request_queue_size = 512

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a sender killed mid-request (the crash tests do that) is not our error

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
