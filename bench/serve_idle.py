"""Start-up time and idle memory of ``partnerhub serve``: ``python -m bench.serve_idle``.

``partnerhub serve`` runs as a child process with the default settings (answer processes
included, PARTNERHUB_ANSWER_PROCESSES unset) on a database (``--url``; by default the
300-customer demo partner, built once into bench/out/serve-demo.db). Figures:

- ``listen_s``: from starting the process to the first HTTP 200 on ``/healthz``;
- ``idle_s``: until the whole process tree (the web process, its answer processes and
  whatever multiprocessing runs beside them) has its expected processes and has used no
  CPU for a second;
- ``pss_mb``: the sum of ``Pss`` (``/proc/<pid>/smaps_rollup``) over that tree once idle,
  with one entry per process in ``processes``. PSS splits each shared page between the
  processes that map it, so pages shared copy-on-write are counted once in the sum.

``--answer`` also sends one signed command after the first measure and measures again
(memory after the children have made an answer). Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx

from bench.ack import end_process

HERE = Path(__file__).resolve().parent
AS_OF = date(2026, 11, 25)
SECRET = "bench-signing-secret"


def demo_database(customers: int = 300) -> str:
    path = HERE / "out" / f"serve-demo-{customers}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.db")
        tmp.unlink(missing_ok=True)
        subprocess.run([_partnerhub(), "demo", "--customers", str(customers), "--database-url", f"sqlite:///{tmp}",
                        "--out", str(HERE / "out" / "serve-demo-csv"), "--as-of", AS_OF.isoformat()],
                       check=True, stdout=subprocess.DEVNULL)
        tmp.rename(path)
    return f"sqlite:///{path}"


def _partnerhub() -> str:
    return os.path.join(os.path.dirname(sys.executable), "partnerhub")


def tree(root: int) -> list[int]:
    """``root`` and every process descending from it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return sorted(found)


def pss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pids: list[int], reaped: bool = False) -> int:
    """CPU clock ticks (user + system) of ``pids``; with ``reaped``, also of the children
    they have waited for."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            if reaped:
                total += int(fields[13]) + int(fields[14])  # cutime, cstime
        except OSError:
            pass
    return total


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            words = f.read().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(w.decode(errors="replace") for w in words if w)
    return text[:90]


def wait_idle(root: int, expected: int, timeout: float = 120.0) -> list[int]:
    """Wait until the tree has at least ``expected`` processes and used no CPU for 1 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = tree(root)
        before = cpu_ticks(pids)
        time.sleep(1.0)
        if len(pids) >= expected and tree(root) == pids and cpu_ticks(pids) - before <= 1:
            return pids
    raise RuntimeError(f"partnerhub serve was not idle after {timeout:.0f} s: {tree(root)}")


def measure(root: int, pids: list[int]) -> tuple[float, str]:
    """Total PSS in MB, and each process's as ``pss (what it is)`` in pid order."""
    rows = [(round(pss_kb(pid) / 1024, 1), _kind(root, pid)) for pid in pids]
    return round(sum(mb for mb, _ in rows), 1), ", ".join(f"{mb} ({kind})" for mb, kind in rows)


def _kind(root: int, pid: int) -> str:
    cmd = cmdline(pid)
    if pid == root:
        return "web"
    if "resource_tracker" in cmd:
        return "resource tracker"
    if "spawn_main" in cmd:
        return "answer, spawned"
    if "forkserver" in cmd:
        return "fork server, exec'd"
    with open(f"/proc/{pid}/stat") as f:
        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    return "fork server" if ppid == root else "answer"


def _command(base: str, fake) -> None:
    from urllib.parse import urlencode

    from slack_sdk.signature import SignatureVerifier

    body = urlencode({"token": "x", "team_id": "TBENCH", "team_domain": "bench", "channel_id": "CBENCH",
                      "user_id": "UB00000", "user_name": "bench", "command": "/partnerhub", "text": "kpis",
                      "api_app_id": "ABENCH", "response_url": fake.response_url("serve-1"),
                      "trigger_id": "trigger-serve-1"})
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)}
    resp = httpx.post(base + "/slack/events", content=body.encode(), headers=headers, timeout=30)
    resp.raise_for_status()
    deadline = time.monotonic() + 60
    while fake.answered() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)


def _serve_command(source: str | None) -> list[str]:
    if source is None:
        return [_partnerhub(), "serve"]
    # Another checkout (e.g. `git archive` of an older commit) with this virtualenv.
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.argv[0] = 'partnerhub'; sys.exit(main())",
            "serve"]


def run(url: str, answer: bool = False, source: str | None = None, nice: int = 0) -> dict:
    from bench.ack import SlackProcess, _free_port

    with SlackProcess() as fake:
        port = _free_port()
        env = dict(os.environ, PARTNERHUB_DATABASE_URL=url, SLACK_SIGNING_SECRET=SECRET,
                   SLACK_BOT_TOKEN="xoxb-bench", PARTNERHUB_SLACK_API_URL=fake.base_url,
                   PARTNERHUB_AS_OF=AS_OF.isoformat(), PARTNERHUB_LOG_LEVEL="WARNING")
        for name in ("SLACK_CLIENT_ID", "PARTNERHUB_ANSWER_PROCESSES", "PARTNERHUB_ANSWER_NICE"):
            env.pop(name, None)
        if source:
            env["PYTHONPATH"] = source
        processes = 2  # the default; the tree holds at least the web process and these
        started = time.perf_counter()
        prefix = ["nice", "-n", str(nice)] if nice else []  # nice exec's: the pid stays serve's
        proc = subprocess.Popen([*prefix, *_serve_command(source), "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=source)
        base = f"http://127.0.0.1:{port}"
        try:
            listen_s = None
            while listen_s is None:
                if proc.poll() is not None:
                    raise RuntimeError("partnerhub serve exited: " + proc.stderr.read().decode()[-800:])
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        listen_s = time.perf_counter() - started
                        listen_cpu = cpu_ticks(tree(proc.pid), reaped=True) / os.sysconf("SC_CLK_TCK")
                        listen_cpu_web = cpu_ticks([proc.pid], reaped=True) / os.sysconf("SC_CLK_TCK")
                except httpx.HTTPError:
                    time.sleep(0.05)
                if time.perf_counter() - started > 120:
                    raise RuntimeError("partnerhub serve did not listen within 120 s")
            pids = wait_idle(proc.pid, 1 + processes)
            idle_s = time.perf_counter() - started
            total, rows = measure(proc.pid, pids)
            result = {"listen_s": round(listen_s, 2), "listen_cpu_s": round(listen_cpu, 2),
                      "listen_cpu_web_s": round(listen_cpu_web, 2),
                      "idle_s": round(idle_s, 1), "pss_mb": total,
                      "process_count": len(pids), "processes": rows}
            if answer:
                _command(base, fake)
                total, rows = measure(proc.pid, wait_idle(proc.pid, 1 + processes))
                result.update(answered=fake.answered(), pss_after_answer_mb=total,
                              processes_after_answer=rows)
        finally:
            end_process(proc)
    load = os.getloadavg()
    result["load_average"] = [round(x, 2) for x in load]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve_idle", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="database URL (default: the 300-customer demo, built once)")
    parser.add_argument("--customers", type=int, default=300, help="(accepted from python -m bench; ignored with --url)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--answer", action="store_true", help="also measure after one answer")
    parser.add_argument("--source", help="run the serve of another checkout of this repository (a before/after)")
    parser.add_argument("--nice", type=int, default=0,
                        help="run serve at this niceness (e.g. -10 as root: a machine shared with other work "
                             "then slows it less; its answer processes stay 10 above it)")
    args = parser.parse_args(argv)
    url = args.url or demo_database()
    results = [run(url, answer=args.answer, source=args.source, nice=args.nice) for _ in range(args.runs)]
    summary = results[-1] if len(results) == 1 else {
        **{f"{k}_runs": [r[k] for r in results] for k in ("listen_s", "listen_cpu_s", "listen_cpu_web_s", "pss_mb")}, **results[-1]}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
