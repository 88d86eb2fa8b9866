"""The security suite runs against the real app over real signed HTTP, like tests/bot.

``quiet_server`` adds what every case here asserts: the log records of the app (captured
from the root logger while the server runs in this process) and "did anything go out?"
(every request the Slack stand-in received, response_url posts included).
"""
from __future__ import annotations

import logging
import socket
import time

import pytest

from tests.bot.conftest import (  # noqa: F401 - fixtures shared with the bot tests
    SIGNING_SECRET,
    SlackSender,
    bot_server,
    bot_settings,
    fake_slack,
    linked,
    slack,
)


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def tracebacks(self) -> list[logging.LogRecord]:
        return [r for r in self.records if r.exc_info or r.exc_text or r.levelno >= logging.ERROR]

    def requests(self) -> list[logging.LogRecord]:
        return [r for r in self.records if r.name == "partnerhub.request" and r.getMessage() == "request"]


@pytest.fixture
def records():
    handler = Records()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old)


def settle(fake_slack, seconds: float = 0.3) -> None:
    """Give anything the app might (wrongly) send after its answer the time to arrive."""
    time.sleep(seconds)


def raw_http(url: str, head: str, body: bytes = b"", *, timeout: float = 10) -> tuple[int, bytes]:
    """Send bytes exactly as given (httpx would fix up what we want broken); returns
    (status, raw response). Status 0 when the server closed without an answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + body)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    if not data.startswith(b"HTTP/1.1 "):
        return 0, data
    return int(data[9:12]), data
