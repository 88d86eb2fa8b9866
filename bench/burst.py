"""Issue 19's burst: 1,000 signed ``/partnerhub`` commands from 20 clients, answers timed.

    python -m bench.burst                      # the demo partner (built once into bench/out/)
    python -m bench.burst --backend postgresql # the demo partner in PostgreSQL (partnerhub_bench_demo)
    python -m bench.burst --url sqlite:///bench/out/large-20000.db   # or: python -m bench --only burst

The mix is ``customer sao paulo`` / ``kpis`` / ``expiring calling`` in turn. The same burst
first goes to a trivial bolt AsyncApp (acks, then posts one message to the response_url),
the floor, then to ``partnerhub serve``, in the same run and against the same Slack stand-in
(``bench/ack.py``'s, a process of its own). For each: ack p50/p99 (to Slack's HTTP 200),
answer delay p50/p99/max (from just before the command is sent to its response_url POST
arriving at the stand-in; both clocks are this machine's CLOCK_MONOTONIC) and answers per
second (answers over the time from the first command to the last answer). Then one
command at a time, warm: how long after its ack each kind is answered. The ratios
partnerhub / floor are printed and returned.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench.ack import SECRET, SlackProcess, _free_port, _load, _wait_ready, end_process

HERE = Path(__file__).resolve().parent
MIX = ["customer sao paulo", "kpis", "expiring calling"]
REQUESTS = 1000
CONCURRENCY = 20
WARMUP = 30
ALONE = 5  # of each kind, one at a time
AS_OF = date(2026, 11, 25)
DEMO_DB = HERE / "out" / "demo-burst.db"
DEMO_PG = "partnerhub_bench_demo"  # a database of its own on the benchmarks' server (bench/__main__.py's)


def demo_url(backend: str = "sqlite") -> str:
    """The demo partner (``partnerhub demo``, 300 customers, workspace T0DEMO) on ``backend``,
    built again whenever the schema changed: a SQLite file in bench/out/, or the PostgreSQL
    database ``partnerhub_bench_demo`` (created, and dropped before a rebuild, here)."""
    schema = hashlib.sha256((HERE.parent / "migrations" / "versions" / "0001_initial.py").read_bytes()).hexdigest()
    if backend == "postgresql":
        stamp = DEMO_DB.with_name("demo-burst.pg.stamp")
        url = _pg_url(DEMO_PG)
        fresh = stamp.exists() and stamp.read_text() == schema and _pg_exists(DEMO_PG)
        if not fresh:
            _pg_recreate(DEMO_PG)
    else:
        stamp = DEMO_DB.with_suffix(".stamp")
        url = f"sqlite:///{DEMO_DB}"
        fresh = DEMO_DB.exists() and stamp.exists() and stamp.read_text() == schema
        if not fresh:
            DEMO_DB.unlink(missing_ok=True)
    if not fresh:
        DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([_exe("partnerhub"), "demo", "--database-url", url, "--as-of",
                        AS_OF.isoformat(), "--out", str(HERE / "out" / "demo-burst-files")],
                       check=True, stdout=subprocess.DEVNULL)
        stamp.write_text(schema)
    return url


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    from bench.__main__ import PG_ADMIN

    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def _pg_admin(statement: str, **params):
    from sqlalchemy import create_engine, text

    from bench.__main__ import PG_ADMIN

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(statement), params)
            return result.first() if result.returns_rows else None
    finally:
        engine.dispose()


def _pg_exists(name: str) -> bool:
    return _pg_admin("SELECT 1 FROM pg_database WHERE datname = :n", n=name) is not None


def _pg_recreate(name: str) -> None:
    # Only the demo's own database: the large partners' are bench/__main__.py's to build.
    assert name == DEMO_PG
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}"')


def who(url: str) -> tuple[str, str]:
    """(team id, Slack user id) to send as: the first workspace and its partner's first full
    admin who sees every customer (T0DEMO / U0DEMO01 in the demo, TBENCH / UB00000 in
    bench/generate.py's partner)."""
    from sqlmodel import Session, select

    from partnerhub_core.db import make_engine
    from partnerhub_core.models import PartnerAdmin, Role, Workspace

    engine = make_engine(url)
    with Session(engine) as s:
        workspace = s.exec(select(Workspace).order_by(Workspace.id)).first()
        admin = s.exec(select(PartnerAdmin).where(
            PartnerAdmin.partner_id == workspace.partner_id, PartnerAdmin.role == Role.FULL_ADMIN.value,
            PartnerAdmin.all_customers.is_(True), PartnerAdmin.slack_user_id.is_not(None))
            .order_by(PartnerAdmin.id)).first()
        found = (workspace.team_id, admin.slack_user_id)
    engine.dispose()
    return found


def _exe(name: str) -> str:
    return os.path.join(os.path.dirname(sys.executable), name)


def _start_serve(url: str, fake: SlackProcess, port: int) -> subprocess.Popen:
    env = dict(os.environ, PARTNERHUB_DATABASE_URL=url, SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-bench",
               PARTNERHUB_SLACK_API_URL=fake.base_url, PARTNERHUB_AS_OF=AS_OF.isoformat(),
               PARTNERHUB_LOG_LEVEL="WARNING")
    env.pop("SLACK_CLIENT_ID", None)
    return subprocess.Popen([_exe("partnerhub"), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _start_trivial(fake: SlackProcess, port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench.burst", "--trivial", str(port), fake.base_url],
                            cwd=HERE.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def trivial_app(port: int, api_url: str) -> None:
    """The floor: a bolt AsyncApp that acks and posts one message through the response_url."""
    import uvicorn
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    app = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token="xoxb-bench", base_url=api_url))

    @app.command("/partnerhub")
    async def command(ack, respond, command):
        await ack()
        await respond(text=f"You asked: {command['text']}")

    handler = AsyncSlackRequestHandler(app)

    async def events(request):
        return await handler.handle(request)

    async def healthz(_request):
        return PlainTextResponse("ok")

    web = Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)])
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning")


def _wait_for(fake: SlackProcess, keys, timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    keys = set(keys)
    while True:
        arrived = fake.arrivals()
        if keys <= arrived.keys() or time.monotonic() > deadline:
            return {k: arrived[k] for k in keys if k in arrived}
        time.sleep(0.1)


def _q(values: list[float], n: int) -> float:
    return statistics.quantiles(values, n=100)[n - 1] if len(values) > 1 else (values or [float("nan")])[0]


def measure(label: str, proc: subprocess.Popen, base: str, fake: SlackProcess, *, team: str, user: str,
            requests: int, concurrency: int, timeout: float) -> dict:
    _wait_ready(base, proc)

    def text(i: int) -> str:
        return MIX[i % len(MIX)]

    def burst(n: int, prefix: str, conc: int, sent: dict) -> list[float]:
        return asyncio.run(_load(base, fake, requests=n, concurrency=conc, text=text, team_id=team, user_id=user,
                                 key=lambda i: f"{prefix}-{i}", sent=sent))

    warm: dict = {}
    burst(WARMUP, f"{label}w", 5, warm)  # not counted: first requests pay auth.test, imports, first computations
    _wait_for(fake, warm, timeout=120)
    sent: dict[str, float] = {}
    acks = burst(requests, f"{label}b", concurrency, sent)
    arrived = _wait_for(fake, sent, timeout=timeout)
    delays = sorted((arrived[k] - sent[k]) * 1000 for k in arrived)
    span = (max(arrived.values()) - min(sent.values())) if arrived else float("nan")
    out = {"commands": requests, "clients": concurrency, "ack_p50_ms": round(_q(acks, 50), 1),
           "ack_p99_ms": round(_q(acks, 99), 1), "answered": len(arrived),
           "answer_p50_ms": round(_q(delays, 50), 1), "answer_p99_ms": round(_q(delays, 99), 1),
           "answer_max_ms": round(delays[-1], 1) if delays else None,
           "answers_per_s": round(len(arrived) / span, 1) if arrived else 0.0}
    # One command at a time, warm: how long after its ack is each kind answered?
    for kind, command in enumerate(MIX):
        after_ack = []
        for j in range(ALONE):
            one: dict[str, float] = {}
            key = f"{label}a{kind}-{j}"
            ack_ms = asyncio.run(_load(base, fake, requests=1, concurrency=1, text=lambda _i, c=command: c,
                                       team_id=team, user_id=user, key=lambda _i, k=key: k, sent=one))[0]
            got = _wait_for(fake, [key], timeout=60)
            if key in got:
                after_ack.append((got[key] - one[key]) * 1000 - ack_ms)
        out[f"alone_{command.split()[0]}_after_ack_ms"] = round(statistics.median(after_ack), 1) if after_ack else None
    return out


def run_burst(url: str, *, team: str, user: str, requests: int = REQUESTS, concurrency: int = CONCURRENCY,
              timeout: float = 300) -> dict:
    result: dict = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    with SlackProcess() as fake:
        for label, start in (("floor", lambda p: _start_trivial(fake, p)),
                             ("partnerhub", lambda p: _start_serve(url, fake, p))):
            port = _free_port()
            proc = start(port)
            try:
                result[label] = measure(label, proc, f"http://127.0.0.1:{port}", fake, team=team, user=user,
                                        requests=requests, concurrency=concurrency, timeout=timeout)
            finally:
                end_process(proc)
            print(f"[burst] {label}: {json.dumps(result[label])}", file=sys.stderr, flush=True)
    floor, ours = result["floor"], result["partnerhub"]
    result["ratios"] = {key: round(ours[key] / floor[key], 2) if floor.get(key) else None
                        for key in ("ack_p50_ms", "ack_p99_ms", "answer_p50_ms", "answer_p99_ms", "answer_max_ms",
                                    "answers_per_s")}
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.burst", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="database URL (default: the demo partner, built once per backend)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite",
                        help="where the demo partner is built when no --url is given")
    parser.add_argument("--team", help="default: the database's first workspace")
    parser.add_argument("--user", help="default: its partner's first full admin")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--trivial", nargs=2, metavar=("PORT", "SLACK_API_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.trivial:
        trivial_app(int(args.trivial[0]), args.trivial[1])
        return 0
    sys.path.insert(0, str(HERE.parent))
    url = args.url or demo_url(args.backend)
    team, user = who(url)
    result = run_burst(url, team=args.team or team, user=args.user or user, requests=args.requests,
                       concurrency=args.concurrency)
    print(json.dumps(result))
    return 0 if result["partnerhub"]["answered"] == args.requests else 1


if __name__ == "__main__":
    sys.exit(main())
