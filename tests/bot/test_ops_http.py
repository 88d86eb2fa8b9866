"""The web process run for real: /healthz and /readyz over HTTP, one JSON log line per
request, and a SIGTERM to a real `partnerhub serve` while a slow command is answered."""
from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.server import build_asgi
from partnerhub_core import migrate
from partnerhub_core.db import make_engine
from partnerhub_core.logging import configure_logging
from tests.bot.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, SlackSender, serve
from tests.bot.serving import free_port, start_serve

HEAD = migrate.head_revision("sqlite://")
VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def migrated(tmp_path):
    url = f"sqlite:///{tmp_path / 'served.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _get(engine, bot_settings, path):
    served, stop = serve(build_asgi(bot_settings, engine))
    try:
        return httpx.get(served.url + path, timeout=10)
    finally:
        stop()


def test_readyz_is_200_when_the_database_is_migrated(migrated, bot_settings):
    response = _get(migrated, bot_settings, "/readyz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "reason": "ready", "revision": HEAD, "head": HEAD}


def test_readyz_is_503_with_the_reason_when_a_migration_is_pending(migrated, bot_settings):
    with migrated.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    response = _get(migrated, bot_settings, "/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == (
        f"migration pending: database at 0000_older, code at {HEAD}: run `partnerhub db upgrade`")


def test_readyz_is_503_when_the_database_is_down_and_healthz_still_answers(bot_settings):
    engine = make_engine("sqlite:////nonexistent-folder/partnerhub/down.db")
    served, stop = serve(build_asgi(bot_settings, engine))
    try:
        ready = httpx.get(served.url + "/readyz", timeout=10)
        alive = httpx.get(served.url + "/healthz", timeout=10)
    finally:
        stop()
    assert (ready.status_code, ready.json()["reason"]) == (503, "database unreachable")
    assert (alive.status_code, alive.text) == (200, "ok")


def test_readyz_is_503_on_a_database_never_migrated(engine, bot_settings):
    response = _get(engine, bot_settings, "/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "database has no schema: run `partnerhub db upgrade`"


def test_one_json_line_per_request_with_ids_and_no_text(slack, fake_slack, linked, bot_settings):
    stream = io.StringIO()
    handler = configure_logging(bot_settings, stream=stream)
    try:
        key = slack.command("customer Kept Customer Name")
        fake_slack.wait_for_response(key)
        slack.post_form({"team_id": TEAM, "command": "/partnerhub", "text": "help"},
                        signature="v0=" + "0" * 64)
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(l) for l in stream.getvalue().splitlines()]
    requests = [l for l in lines if l["event"] == "request"]
    assert len(requests) == 2
    ok, refused = requests
    assert {k: ok[k] for k in ("workspace", "partner", "user", "command", "kind", "status", "outcome",
                               "slack_request_id")} == {
        "workspace": TEAM, "partner": linked.partner_id, "user": "U_FULL", "command": "/partnerhub customer",
        "kind": "command", "status": 200, "outcome": "ok", "slack_request_id": f"trigger-{key}"}
    assert isinstance(ok["latency_ms"], float) and ok["latency_ms"] >= 0
    assert (refused["status"], refused["outcome"]) == (401, "refused")
    everything = stream.getvalue()
    assert "Kept Customer Name" not in everything
    assert SIGNING_SECRET not in everything and BOT_TOKEN not in everything


# --- SIGTERM while a slow command is being answered -------------------------------------
def _start_serve(tmp_path, fake_slack, **popen):
    """A real `partnerhub serve` (answer processes and all), logging at INFO, with a drain of 20 s."""
    return start_serve(tmp_path, fake_slack, env={"PARTNERHUB_LOG_LEVEL": "INFO",
                                                  "PARTNERHUB_SHUTDOWN_GRACE_SECONDS": "20"}, **popen)


def test_sigterm_lets_the_slow_answer_arrive_then_exits_0(tmp_path, fake_slack):
    proc, base = _start_serve(tmp_path, fake_slack)
    try:
        fake_slack.slow("users.info", 2.0)  # the command's work after ack() takes 2 s
        sender = SlackSender(base, fake_slack)
        key = sender.command("help")
        fake_slack.wait_for("users.info")  # it is being answered now
        proc.send_signal(signal.SIGTERM)

        answer = fake_slack.wait_for_response(key, timeout=15)
        assert answer["text"] == "Partner Hub help"
        assert proc.wait(timeout=20) == 0
        sender.http.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        _out, err = proc.communicate(timeout=10)
    events = [json.loads(l).get("event") for l in err.splitlines() if l.startswith("{")]
    assert "shutdown_waiting" in events and "shutdown_cancelled" not in events


def _children(parent: int) -> list[str]:
    """Pids whose parent is ``parent`` (from /proc: no procps needed)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(entry)
            except (FileNotFoundError, ProcessLookupError):
                pass
    return found


def _state(pid: str) -> str | None:
    """A process's state letter (R, S, Z …), None once it is gone; waits up to 5 s for it to go."""
    deadline = time.monotonic() + 5
    while True:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return None
        if state == "Z" or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def test_sigterm_to_the_process_group_lets_an_answer_process_finish_its_answer(tmp_path, fake_slack):
    # Platforms signal every process of the dyno or container at once.
    proc, base = _start_serve(tmp_path, fake_slack, start_new_session=True)
    try:
        children = _children(proc.pid)
        assert len(children) >= 2  # the answer processes (and multiprocessing's tracker)
        fake_slack.slow("response", 2.0)  # the answer process is inside its response_url post
        sender = SlackSender(base, fake_slack)
        key = sender.command("help")
        fake_slack.wait_for(lambda r: r.path == f"/response/{key}", timeout=30)
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        sender.http.close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        _out, err = proc.communicate(timeout=10)
    answers = fake_slack.responses(key)
    assert [a.json["text"] for a in answers] == ["Partner Hub help"]  # no "Sorry…" from a dead child
    assert "answer process died" not in err
    left = {pid: _state(pid) for pid in children if _state(pid) not in (None, "Z")}
    assert left == {}, left  # none left behind


def test_production_without_secret_keys_refuses_to_start_with_one_line(tmp_path):
    env = {**os.environ, "PARTNERHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
           "PARTNERHUB_ENVIRONMENT": "production", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_BOT_TOKEN": BOT_TOKEN}
    env.pop("PARTNERHUB_SECRET_KEYS", None)
    proc = subprocess.run([str(VENV_BIN / "partnerhub"), "serve", "--port", str(free_port())], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    # The last line is the explanation (a library may have warned before, e.g. a font cache).
    lines = proc.stderr.strip().splitlines()
    assert lines[-1] == (
        "error: PARTNERHUB_SECRET_KEYS is not set: production mode will not store Slack and Webex tokens "
        "without encryption (make a key with `partnerhub secrets generate-key`).")
    assert "Traceback" not in proc.stderr


def test_readyz_answers_503_in_time_when_the_database_host_hangs():
    from starlette.applications import Starlette

    from bot.ops_http import readyz_route

    silent = socket.socket()  # accepts TCP connections, never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/x")
    served, stop = serve(Starlette(routes=[readyz_route(engine, timeout=0.5)]))
    try:
        started = time.monotonic()
        response = httpx.get(served.url + "/readyz", timeout=10)
        elapsed = time.monotonic() - started
    finally:
        silent.close()  # first: the probe's thread stops waiting, so the server can stop
        stop()
        engine.dispose()
    assert (response.status_code, response.json()["reason"]) == (503, "database did not answer in time")
    assert elapsed < 3
