"""Real servers the tests start on 127.0.0.1: one home for each, shared by every test file.

* ``webhook_receiver()``: an HTTP server that keeps the raw body of every POST (alert webhooks,
  apprise ``json://`` notifications) and answers with a status the test may change.
* ``moto_s3()``: moto's S3 server over HTTP; boto3 reaches it through ``AWS_ENDPOINT_URL`` like any
  S3-compatible store (``s3_env`` sets the variables a test needs, and nothing else of the machine's
  AWS configuration leaks in).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Receiver:
    """What a ``webhook_receiver`` got: ``bodies`` (raw bytes of each POST), ``paths``, its ``url``."""

    url: str = ""
    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    status: int = 200


@contextmanager
def webhook_receiver(path: str = "/hook") -> Iterator[Receiver]:
    """A real HTTP receiver on 127.0.0.1 keeping the raw body of each POST; stopped on exit."""
    got = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            got.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            got.paths.append(self.path)
            self.send_response(got.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    got.url = f"http://127.0.0.1:{server.server_port}{path}"
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def moto_s3() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 (an ephemeral port); yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_env(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """Point boto3 at ``endpoint`` with test credentials, ignoring the machine's AWS configuration."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (("AWS_ENDPOINT_URL", endpoint), ("AWS_ACCESS_KEY_ID", "testing"),
                        ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_DEFAULT_REGION", "us-east-1"),
                        ("AWS_CONFIG_FILE", os.devnull), ("AWS_SHARED_CREDENTIALS_FILE", os.devnull)):
        monkeypatch.setenv(name, value)
