"""Lifecycle shared by the fake API servers: a threaded HTTP server on 127.0.0.1, ephemeral port.

A fake that records its requests calls ``_init_server()`` without a handler: every GET or POST is
kept in ``requests`` as a :class:`Seen` and answered by the fake's ``respond(seen)``, whose
``(status, headers, body)`` its ``write_response(handler, status, headers, body)`` sends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    """One request as a fake received it: the query parsed, header names lower-cased."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""


class LoopbackServer:
    def _init_server(self, handler: type[BaseHTTPRequestHandler] | None = None) -> None:
        if handler is None:
            self.requests: list[Seen] = []
            self._lock = threading.Lock()
            handler = _recording_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def respond(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        raise NotImplementedError

    def write_response(self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
        raise NotImplementedError


def _recording_handler(fake: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            with fake._lock:
                fake.requests.append(seen)
            fake.write_response(self, *fake.respond(seen))

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler
