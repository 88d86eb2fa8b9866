"""Lean answer processes (bot/forkserver.py, bot/answers.py): the fork server is a fork of
the web process taken before any thread, so it and the answer processes share the modules
the web process imported instead of importing them again."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from multiprocessing import forkserver as stdlib_forkserver
from pathlib import Path


from bot import forkserver
from bot.answers import PRELOAD, ProcessAnswers
from tests.bot.conftest import SlackSender
from tests.bot.serving import start_serve

ROOT = Path(__file__).resolve().parents[2]
SHARED = ("slack_bolt", "sqlalchemy", "pandas", "partnerhub_core.models", "bot.app")


def facts(hold: float = 0.0) -> dict:
    """Run in an answer process: who it is and where its modules come from."""
    from bot import answers

    time.sleep(hold)  # held, so that the next call goes to the other process
    return {"pid": os.getpid(), "ppid": os.getppid(), "modules": {m: id(sys.modules[m]) for m in SHARED},
            "engine": id(answers._child_runtime.engine), "start": multiprocessing.get_start_method(allow_none=True)}


# One process with a single thread, as `partnerhub serve` is when it starts its answer
# processes (pytest's own process runs fixtures' threads, so the script runs apart).
SCRIPT = """
import json, os, sys
from bot.answers import ProcessAnswers
from bot.app import build_app
from partnerhub_core.db import make_engine
from partnerhub_core.settings import Settings
from tests.bot import test_answer_fork as probes

settings = Settings(database_url=sys.argv[1], slack_signing_secret="s", slack_bot_token="xoxb-t",
                    slack_api_url="http://127.0.0.1:9/api/")
engine = make_engine(settings.database_url)
app = build_app(settings, engine)  # everything the web process imports before it listens
engine.dispose()
runner = ProcessAnswers(settings, 2)
pids = runner.start()
seen = [f.result(timeout=60) for f in [runner._pool.submit(probes.facts, 1.0) for _ in range(2)]]
# An answer process dies: the pool breaks and its replacement comes from the same server.
import signal
from concurrent.futures.process import BrokenProcessPool
import time
broken = runner._pool
os.kill(pids[0], signal.SIGKILL)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        broken.submit(probes.facts).result(timeout=60)
    except BrokenProcessPool:
        runner._replace(broken)  # as ProcessAnswers.run does
        break
    time.sleep(0.1)
after = runner._pool.submit(probes.facts).result(timeout=60)
print(json.dumps({"me": os.getpid(), "server": runner.server_pid, "pids": pids, "seen": seen, "after": after,
                  "engine": id(engine), "modules": {m: id(sys.modules[m]) for m in probes.SHARED},
                  "start": runner._pool._mp_context.get_start_method()}))
runner.close()
"""


def test_answer_processes_are_forked_from_a_fork_of_the_web_process_and_share_its_modules(tmp_path):
    db = f"sqlite:///{tmp_path / 'fork.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PARTNERHUB_ANSWER_PROCESSES", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT, db], capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["start"] == "forkserver"
    assert got["server"] is not None and got["server"] != got["me"]
    children = {s["pid"] for s in got["seen"]}
    assert children == set(got["pids"]) and len(children) == 2
    for seen in got["seen"]:
        assert seen["ppid"] == got["server"]  # forked by the fork server, itself a fork of the script
        # The same module objects at the same addresses: inherited, not imported again.
        assert seen["modules"] == got["modules"]
        assert seen["engine"] != got["engine"]  # each answer process makes its own engine
        assert seen["start"] == "forkserver"
    after = got["after"]  # the pool after one of its processes was killed
    assert after["pid"] not in children and after["ppid"] == got["server"]
    assert after["modules"] == got["modules"]
    assert not [p for p in got["pids"] if os.path.exists(f"/proc/{p}")]  # none left behind, none hung


def test_with_other_threads_running_the_stdlib_starts_the_server_with_the_preload_list(bot_settings):
    # pytest's process has the Slack stand-in's thread: forking it is not safe, so the
    # stdlib's own fork server (a fresh interpreter) imports the preload list instead.
    assert threading.active_count() > 1 and forkserver.start(["bot.app"]) is None
    runner = ProcessAnswers(bot_settings, 1, factory="bot.app:build_app")
    try:
        pids = runner.start()
        assert runner._pool._mp_context.get_start_method() == "forkserver"
        assert stdlib_forkserver._forkserver._preload_modules == ["bot.app", *PRELOAD]
        seen = runner._pool.submit(facts).result(timeout=60)
        assert seen["pid"] in pids and seen["ppid"] != os.getpid()
        assert seen["start"] == "forkserver"
    finally:
        runner.close()


# --- a real `partnerhub serve` ------------------------------------------------------------
def _tree(root: int) -> dict[int, int]:
    """{pid: ppid} for ``root`` and its descendants (from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        found[pid] = parents.get(pid, 0)
        todo.extend(p for p, pp in parents.items() if pp == pid)
    return found


def _cmdline(pid: int) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as fh:
        return fh.read()


def _pss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("Pss:")) / 1024


def _start_serve(tmp_path, fake_slack) -> tuple[subprocess.Popen, str]:
    """A real default `partnerhub serve`, once it answers /healthz."""
    return start_serve(tmp_path, fake_slack, stdout=subprocess.DEVNULL, deadline_s=90)


def _answer_processes(web: int, timeout: float = 60) -> tuple[int, list[int]]:
    """The fork server (a fork of ``web``: same command line) and the processes it forked."""
    deadline = time.monotonic() + timeout
    while True:
        tree = _tree(web)
        forked = [p for p in tree if p != web and _cmdline(p) == _cmdline(web)]
        servers = [p for p in forked if tree[p] == web]
        workers = [p for p in forked if servers and tree[p] == servers[0]]
        if (len(servers) == 1 and len(workers) == 2) or time.monotonic() > deadline:
            return (servers or [0])[0], workers
        time.sleep(0.1)


def test_a_default_serve_is_a_web_process_a_fork_server_and_two_answer_processes_under_300_mb(tmp_path, fake_slack):
    proc, base = _start_serve(tmp_path, fake_slack)
    try:
        sender = SlackSender(base, fake_slack)
        answer = fake_slack.wait_for_response(sender.command("help"), timeout=30)
        assert answer["text"] == "Partner Hub help"  # made in an answer process
        sender.http.close()

        server, workers = _answer_processes(proc.pid)
        tree = _tree(proc.pid)
        assert server  # a fork of the web process (same command line), not a fresh python
        assert len(workers) == 2  # PARTNERHUB_ANSWER_PROCESSES' default
        assert not [p for p in tree if b"spawn_main" in _cmdline(p)]  # nothing spawned any more
        total = sum(_pss_mb(p) for p in tree)
        assert total < 300, {p: round(_pss_mb(p)) for p in tree}  # issue 19: idle serve at most 300 MB
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_a_web_process_killed_outright_leaves_no_answer_process_behind(tmp_path, fake_slack):
    proc, _base = _start_serve(tmp_path, fake_slack)
    try:
        server, workers = _answer_processes(proc.pid)
        assert server and len(workers) == 2
    finally:
        proc.kill()  # SIGKILL: no drain, no pool shutdown
        proc.wait(timeout=10)
        proc.stderr.close()  # the orphans, if any, hold its other end
    deadline = time.monotonic() + 15
    left = [server, *workers]
    while left and time.monotonic() < deadline:
        left = [p for p in left if _alive(p)]
        time.sleep(0.1)
    for pid in left:  # leave nothing running, even when failing
        os.kill(pid, signal.SIGKILL)
    assert left == []  # they ignore SIGTERM and wait on the pool: without PR_SET_PDEATHSIG they stayed


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --- the fallback: a Python whose fork server is not laid out as bot/forkserver.py expects ---
def test_a_fork_server_without_the_private_attributes_falls_back_and_says_so_once(monkeypatch, caplog):
    monkeypatch.setattr(forkserver, "_said", set())
    monkeypatch.delattr(stdlib_forkserver._forkserver, "_forkserver_alive_fd")
    assert forkserver.unsupported() == "multiprocessing.forkserver._forkserver has no _forkserver_alive_fd"
    caplog.set_level("WARNING", logger="partnerhub.answers")
    assert forkserver.start(["bot.app"]) is None and forkserver.start(["bot.app"]) is None
    said = [r.getMessage() for r in caplog.records if r.name == "partnerhub.answers"]
    assert len(said) == 1 and "standard fork server" in said[0] and "_forkserver_alive_fd" in said[0]


def test_a_fork_server_that_authenticates_its_clients_is_left_to_the_stdlib(monkeypatch):
    # Python 3.14's server reads an authkey from each client: start() does not send one.
    monkeypatch.setattr(forkserver, "_said", set())
    monkeypatch.setattr(stdlib_forkserver._forkserver, "_forkserver_authkey", None, raising=False)
    assert "authenticates" in forkserver.unsupported() and forkserver.start(["bot.app"]) is None


SITECUSTOMIZE = """
import multiprocessing.forkserver as f
del f._forkserver._forkserver_alive_fd  # as if this Python's fork server had another layout
"""


def test_serve_falls_back_to_the_standard_fork_server_and_still_answers(tmp_path, fake_slack):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    proc, base = start_serve(tmp_path, fake_slack, env={"PYTHONPATH": path}, stdout=subprocess.DEVNULL,
                             deadline_s=90)
    left: list[int] = []
    try:
        sender = SlackSender(base, fake_slack)
        keys = [sender.command("help") for _ in range(3)]
        assert [fake_slack.wait_for_response(k, timeout=60)["text"] for k in keys] == ["Partner Hub help"] * 3
        sender.http.close()
        tree = _tree(proc.pid)
        # The stdlib's server: a fresh interpreter, not a fork of the web process.
        servers = [p for p in tree if tree[p] == proc.pid and b"forkserver import main" in _cmdline(p)]
        assert len(servers) == 1
        workers = [p for p in tree if tree[p] == servers[0]]
        assert len(workers) == 2  # the two answer processes
    finally:
        left = [p for p in _tree(proc.pid) if p != proc.pid]
        proc.kill()  # outright: the stdlib's server does not die with it, its children end it
        proc.wait(timeout=10)
    deadline = time.monotonic() + 15
    while left and time.monotonic() < deadline:
        left = [p for p in left if _alive(p)]
        time.sleep(0.1)
    for pid in left:  # leave nothing running, even when failing
        os.kill(pid, signal.SIGKILL)
    err = proc.communicate(timeout=10)[1]
    assert left == []
    said = [line for line in err.splitlines() if "standard fork server" in line]
    assert len(said) == 1 and "_forkserver_alive_fd" in said[0]
