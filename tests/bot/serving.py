"""A real ``partnerhub serve`` process for the tests that need one (signals, answer
processes, memory): on a migrated SQLite file, talking to the Slack stand-in."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from partnerhub_core import migrate
from tests.bot.conftest import BOT_TOKEN, SIGNING_SECRET

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(tmp_path, fake_slack, *, env: dict[str, str] | None = None, stdout=subprocess.PIPE,
                deadline_s: float = 60, **popen) -> tuple[subprocess.Popen, str]:
    """Start ``partnerhub serve`` with the default settings (answer processes and all) and
    return it and its base URL once ``/healthz`` answers; fails with its stderr if it does not."""
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    migrate.upgrade(db)
    port = free_port()
    full_env = {**os.environ, "PARTNERHUB_DATABASE_URL": db, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_BOT_TOKEN": BOT_TOKEN, "PARTNERHUB_SLACK_API_URL": fake_slack.base_url, **(env or {})}
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "PARTNERHUB_ENVIRONMENT", "PARTNERHUB_ANSWER_PROCESSES"):
        full_env.pop(name, None)
    proc = subprocess.Popen([str(VENV_BIN / "partnerhub"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=full_env, stdout=stdout, stderr=subprocess.PIPE, text=True, **popen)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("partnerhub serve did not start: " + proc.communicate()[1][-2000:])
        time.sleep(0.1)
