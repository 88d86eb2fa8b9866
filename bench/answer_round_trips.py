"""Issue 19: statements and CPU per answer of the burst's mix, split between the answer
process and its PostgreSQL backends.

    python -m bench.answer_round_trips --url postgresql+psycopg://postgres@127.0.0.1:5432/partnerhub_bench_demo

Runs ``bot.context.run_in_transaction`` (the answer without its delivery) for the mix of
``bench/burst.py`` in turn, as the demo's first full admin, and prints statements per
answer, the answer process's CPU and the CPU of every PostgreSQL backend its engine opened
(``/proc/<pid>/stat``: the server must be on this machine). CPU times, not wall times, so
a busy machine changes them little.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_round_trips", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="a PostgreSQL URL holding the demo partner (bench.burst's)")
    parser.add_argument("--answers", type=int, default=900)
    args = parser.parse_args(argv)

    from pydantic import SecretStr
    from sqlalchemy import event

    from bench.burst import AS_OF, MIX, who
    from bot.app import build_app
    from bot.context import RequestInfo, run_in_transaction, runtime
    from partnerhub_core.db import make_engine
    from partnerhub_core.settings import Settings

    team, user = who(args.url)
    settings = Settings(database_url=args.url, slack_bot_token=SecretStr("xoxb-bench"),
                        slack_signing_secret=SecretStr("bench"), slack_client_id=None, slack_client_secret=None,
                        webex_token=None, as_of=date.fromisoformat(AS_OF.isoformat()),
                        slack_api_url="http://127.0.0.1:9")  # nothing is sent: no delivery
    engine = make_engine(args.url)
    backends: set[int] = set()
    statements: list[str] = []
    event.listen(engine, "connect", lambda conn, _rec: backends.add(conn.info.backend_pid))
    rt = runtime(build_app(settings, engine))
    handler = next(h for key, h in rt.handlers.items() if key.endswith("run_partnerhub_command"))

    def answer(text: str) -> None:
        info = RequestInfo(team_id=team, enterprise_id="", user_id=user, channel_id="C0GENERAL",
                           bot_token="xoxb-bench", slack_user={"locale": "en-US"},
                           body={"channel_id": "C0GENERAL"}, text=text)
        run_in_transaction(rt, info, handler, text)

    def backend_ticks() -> int:
        total = 0
        for pid in backends:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total

    for text in MIX * 5:  # warm: imports, caches, prepared statements
        answer(text)
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: statements.append(statement))
    ticks, cpu, wall = backend_ticks(), time.process_time(), time.perf_counter()
    for i in range(args.answers):
        answer(MIX[i % len(MIX)])
    n, hz = args.answers, os.sysconf("SC_CLK_TCK")
    print(f"{n} answers, {len(backends)} backends: statements/answer {len(statements) / n:.2f}; "
          f"PostgreSQL backend CPU {(backend_ticks() - ticks) / hz * 1000 / n:.2f} ms/answer; "
          f"answer process CPU {(time.process_time() - cpu) * 1000 / n:.2f} ms/answer; "
          f"wall {(time.perf_counter() - wall) * 1000 / n:.2f} ms/answer; load {os.getloadavg()[0]:.2f}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
