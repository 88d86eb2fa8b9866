"""CPU per answer kind, in this process: the real app's handler path, timed with
``time.process_time`` (the CPU this process spent, not the wall clock a loaded machine bends).

    python -m bench.answer_cpu                 # the demo partner (bench/burst.py builds it)
    python -m bench.answer_cpu --url URL --profile      # or: python -m bench --only answer_cpu

One answer is what an answer process does for one command: a transaction, the request's
context (workspace, partner, person), the handler (core query or cached analytics, the
template), and the JSON encoding of the reply it posts. Slack is not called (the person's
Slack profile is given, as after the first users.info). Each kind runs once to warm up
(imports, template compilation, the analytics cache), then ``RUNS`` times.
``--profile`` writes a pyinstrument profile of the slowest kind to bench/out/.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = 30


def kinds(session, partner_id: int) -> dict[str, object]:
    """Answer kind -> the command text (or a handler for the App Home)."""
    from sqlmodel import select

    from bot.listeners.home import home_view
    from partnerhub_core.models import Customer

    name = session.exec(select(Customer.name).where(Customer.partner_id == partner_id)
                        .order_by(Customer.id)).first()
    return {"lookup": "customer sao paulo", "list": "customers status:trial region:EU", "kpis": "kpis",
            "section": "expiring calling", "card": f"customer {name}", "home": home_view}


def measure(url: str, team: str, user: str, runs: int = RUNS, profile: bool = False) -> dict:
    from bot.commands import _route_handler
    from bot.context import RequestInfo, run_in_transaction, runtime
    from bot.offline import offline_app
    from partnerhub_core.db import make_engine, session_scope
    from partnerhub_core.models import Workspace
    from partnerhub_core.settings import Settings

    settings = Settings(database_url=url, as_of="2026-11-25")
    engine = make_engine(url)
    app = offline_app(settings, engine)
    rt = runtime(app)
    with session_scope(engine) as s:
        from sqlmodel import select

        partner_id = s.exec(select(Workspace.partner_id).where(Workspace.team_id == team)).one()
        todo = kinds(s, partner_id)
    info = RequestInfo(team_id=team, enterprise_id="", user_id=user, channel_id="CBENCH", bot_token=None,
                       slack_user={"locale": "en-US"}, body={}, text="")
    route = _route_handler(rt.router)

    def one(what) -> int:
        reply, _locale = (run_in_transaction(rt, info, what) if callable(what)
                          else run_in_transaction(rt, info, route, what))
        body = reply.view if hasattr(reply, "view") else reply
        return len(json.dumps(body, ensure_ascii=False))

    out: dict = {}
    for kind, what in todo.items():
        one(what)  # warm-up
        cpu, wall = [], []
        for _ in range(runs):
            c, w = time.process_time(), time.perf_counter()
            size = one(what)
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
        out[kind] = {"cpu_ms_median": round(statistics.median(cpu), 1), "cpu_ms_max": round(max(cpu), 1),
                     "wall_ms_median": round(statistics.median(wall), 1), "reply_bytes": size}
    if profile:
        from pyinstrument import Profiler

        slowest = max(out, key=lambda k: out[k]["cpu_ms_median"])
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(runs):
            one(todo[slowest])
        profiler.stop()
        target = HERE / "out" / f"profile-{slowest}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        out["profiled"] = {"kind": slowest, "runs": runs, "file": str(target.relative_to(HERE.parent))}
    engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_cpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="database URL (default: the demo partner)")
    parser.add_argument("--team", help="default: the database's first workspace")
    parser.add_argument("--user", help="default: its partner's first full admin")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    from bench.burst import demo_url, who

    url = args.url or demo_url()
    team, user = who(url)
    print(json.dumps(measure(url, args.team or team, args.user or user, args.runs, args.profile)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
