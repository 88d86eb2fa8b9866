"""``make bench`` / ``python -m bench``: the scale benchmarks of issue 8.

Each benchmark runs in its own child process (``python -m bench.one NAME``) so that the
peak RSS it reports (``getrusage``) is its own. The large partner is built
once per backend and reused while the generator is unchanged.

    python -m bench                        # every benchmark, SQLite and PostgreSQL
    python -m bench --backend sqlite --only lookup,kpis
    python -m bench --customers 2000       # a quick, smaller run
    python -m bench --distributor          # the 100,000-customer distributor (issue 19 item 8):
                                           # lookup/lists, KPIs + sections, the whole digest

``make bench`` runs both: the default run, then ``--distributor``. Building the distributor
takes about a quarter of an hour per backend the first time (31 million weekly snapshots);
it is reused afterwards.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
AS_OF = date(2026, 11, 25)
BENCHMARKS = ["ack", "lookup", "kpis", "digest", "ingest", "reports", "serve", "burst", "answer_cpu"]
# The distributor: its answer paths (lookup and lists, KPIs + sections, the digest), 100,000 customers.
DISTRIBUTOR = {"customers": 100_000, "only": "lookup,kpis,digest"}
# Benchmarks that are a module of their own, not a function of bench/one.py.
MODULES = {"serve": "bench.serve_idle",  # start-up time and idle PSS of `partnerhub serve`
           # issue 19's burst against a trivial bolt app, and CPU per answer kind (on the demo
           # partner: python -m bench.burst / python -m bench.answer_cpu without --url)
           "burst": "bench.burst", "answer_cpu": "bench.answer_cpu"}
# Benchmarks that also run on their own demo partner built on the same backend (reported
# as NAME_demo, before the large partner's run): the burst's targets are for both.
DEMO_TOO = {"burst"}
PG_ADMIN = os.environ.get("PARTNERHUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _stamp(customers: int, backend: str) -> str:
    """The generator's source and the schema of the tables it fills as the backend creates
    them (so moving model code around keeps a built partner; a new column or a storage
    option rebuilds it; a new table of other data does not)."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlmodel import SQLModel

    import partnerhub_core.models  # noqa: F401  (fills the metadata)
    from bench.generate import GENERATED

    dialect = postgresql.dialect() if backend == "postgresql" else sqlite.dialect()
    ddl = "".join(str(CreateTable(t).compile(dialect=dialect))
                  + "".join(str(CreateIndex(i).compile(dialect=dialect)) for i in sorted(t.indexes, key=lambda i: i.name))
                  for t in SQLModel.metadata.sorted_tables if t.name in GENERATED)
    src = (HERE / "generate.py").read_bytes() + ddl.encode()
    return hashlib.sha256(src + str(customers).encode()).hexdigest()[:12]


def ensure_data(backend: str, customers: int) -> str:
    """Build (or reuse) the large partner; returns its database URL."""
    from bench.generate import build_large_partner

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(customers, backend)
    if backend == "sqlite":
        path = OUT / f"large-{customers}.db"
        url = f"sqlite:///{path}"
        marker = OUT / f"large-{customers}.sqlite.stamp"
    else:
        name = f"partnerhub_bench_{customers}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
        marker = OUT / f"large-{customers}.pg.stamp"
    log = lambda m: print(f"[bench]   {m}", flush=True)  # noqa: E731
    if marker.exists() and marker.read_text() == stamp:
        ensure_week_totals(url, log)
        return url
    print(f"[bench] building the large partner ({customers:,} customers) on {backend} …", flush=True)
    build_large_partner(url, customers=customers, as_of=AS_OF, log=log)
    ensure_week_totals(url, log)
    if backend == "postgresql":
        # What autovacuum does to a loaded table sooner or later: without the visibility map
        # every index-only scan (the newest snapshots) visits the heap too.
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
        engine.dispose()
    marker.write_text(stamp)
    return url


def ensure_week_totals(url: str, log=print) -> None:
    """The maintained weekly licence totals (``LicenseWeekTotal``) of every partner of a built
    database that has none yet. The generator loads snapshots through the raw driver, which
    the upkeep in ``partnerhub_core/snapshot_totals.py`` does not see, so they are computed
    here: after a build, and for a partner built before the table existed (its stamp covers
    only the generated tables, so it is reused; ``create_all`` adds the missing table).
    Done here and not in ``build_large_partner``: the stamp hashes generate.py, and editing
    it would rebuild every built partner (31 M snapshots at 100,000 customers).
    One set-based INSERT … SELECT per partner (PostgreSQL: about 20-30 s at 100,000 customers)."""
    import sqlalchemy as sa
    from sqlmodel import Session, SQLModel

    from partnerhub_core.db import make_engine
    from partnerhub_core.models import LicenseWeekTotal, Partner
    from partnerhub_core.snapshot_totals import refresh_week_totals

    engine = make_engine(url)
    try:
        SQLModel.metadata.create_all(engine)  # creates only the missing tables
        with Session(engine) as s:
            for pid in s.execute(sa.select(Partner.id).order_by(Partner.id)).scalars().all():
                if s.execute(sa.select(LicenseWeekTotal.partner_id).where(LicenseWeekTotal.partner_id == pid)
                             .limit(1)).first() is not None:
                    continue
                started = time.perf_counter()
                refresh_week_totals(s, pid)
                s.commit()
                log(f"weekly licence totals of partner {pid} in {time.perf_counter() - started:.1f}s")
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:  # the planner's row counts of the new rows
                conn.execute(sa.text("ANALYZE licenseweektotal"))
                conn.commit()
    finally:
        engine.dispose()


def run_one(name: str, url: str, customers: int, demo_backend: str | None = None) -> dict:
    cmd = ([sys.executable, "-m", MODULES[name], "--backend", demo_backend] if demo_backend else
           [sys.executable, "-m", MODULES[name], "--url", url] if name in MODULES else
           [sys.executable, "-m", "bench.one", name, "--url", url, "--customers", str(customers)])
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE.parent)
    out, err = proc.communicate()  # the child reports its own peak RSS
    wall = time.perf_counter() - started
    result = {"benchmark": name, "wall_s": round(wall, 2)}
    try:
        result.update(json.loads(out.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        result["error"] = (err.strip().splitlines() or ["no output"])[-1]
    return result


def markdown(rows: list[dict], args) -> str:
    """The run as a Markdown table (one row per figure), for bench/RESULTS.md."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE.parent).stdout.strip()
    load = os.getloadavg()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [f"commit {commit}; {platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GB RAM, "
             f"Python {platform.python_version()}; load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
             f"--customers {args.customers}", "",
             "| benchmark | figure | " + " | ".join(dict.fromkeys(r["backend"] for r in rows)) + " |",
             "|---|---|" + "---|" * len(dict.fromkeys(r["backend"] for r in rows))]
    backends = list(dict.fromkeys(r["backend"] for r in rows))
    by = {(r["backend"], r["benchmark"]): r for r in rows}
    for name in dict.fromkeys(r["benchmark"] for r in rows):
        keys = [k for b in backends for k in by.get((b, name), {}) if k not in ("backend", "benchmark")]
        for key in dict.fromkeys(keys):
            cells = [str(by.get((b, name), {}).get(key, "-")) for b in backends]
            lines.append(f"| {name} | {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--only", default="", help="comma-separated: " + ",".join(BENCHMARKS))
    parser.add_argument("--customers", type=int, default=None, help="default 20,000 (100,000 with --distributor)")
    parser.add_argument("--distributor", action="store_true",
                        help=f"the {DISTRIBUTOR['customers']:,}-customer distributor: {DISTRIBUTOR['only']} "
                             "unless --only says otherwise")
    args = parser.parse_args(argv)
    if args.distributor:
        args.customers = args.customers or DISTRIBUTOR["customers"]
        args.only = args.only or DISTRIBUTOR["only"]
    args.customers = args.customers or 20_000
    names = [n for n in (args.only.split(",") if args.only else BENCHMARKS) if n]
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows = []
    for backend in backends:
        url = ensure_data(backend, args.customers)
        for name in names:
            for demo in ([backend] if name in DEMO_TOO else []) + [None]:
                label = f"{name}_demo" if demo else name
                print(f"[bench] {backend} {label} …", flush=True)
                res = run_one(name, url, args.customers, demo_backend=demo)
                res.update(benchmark=label, backend=backend)
                rows.append(res)
                print(json.dumps(res), flush=True)
    print()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'backend':<11}{'benchmark':<10}{'peak RSS MB':>12}  figures")
    for r in rows:
        figures = {k: v for k, v in r.items() if k not in ("backend", "benchmark", "peak_rss_mb")}
        print(f"{r['backend']:<11}{r['benchmark']:<10}{r.get('peak_rss_mb', '-'):>12}  {json.dumps(figures)}")
    suffix = "" if args.customers == 20_000 else f"-{args.customers}"  # the distributor's run beside
    (OUT / f"last-run{suffix}.json").write_text(json.dumps(rows, indent=2))
    (OUT / f"last-run{suffix}.md").write_text(markdown(rows, args))
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
