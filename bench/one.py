"""One benchmark in this process: ``python -m bench.one NAME --url URL``.

Prints one JSON line of figures (times in milliseconds unless named ``_s``), including
``peak_rss_mb`` of this process. Run by ``python -m bench``; see bench/__main__.py.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

AS_OF = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
REPEAT = 7


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(fn, repeat: int = REPEAT) -> tuple[float, list[float]]:
    """Median wall time of ``fn`` in ms, after one warm-up call."""
    fn()
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(runs), 1), runs


def timed_uncached(fn, repeat: int = REPEAT) -> tuple[float, float]:
    """Median wall and CPU time (ms) of ``fn`` with the analytics cache off, so every run
    reads the database and computes, after one warm-up call. CPU is the fair figure on a
    shared machine; the wall is mostly its load."""
    from partnerhub_core.analytics import cache

    with cache.disabled():
        return wall_and_cpu(fn, repeat)


def wall_and_cpu(fn, repeat: int = REPEAT) -> tuple[float, float]:
    """Median wall and CPU time (ms) of ``fn`` over ``repeat`` runs, after one warm-up call."""
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return round(statistics.median(walls), 1), round(statistics.median(cpus), 1)


def repeats(customers: int, small: int) -> int:
    """Fewer runs for the distributor (100,000 customers: seconds a run)."""
    return small if customers < 50_000 else min(small, 3)


@contextmanager
def session_for(url: str):
    from sqlmodel import Session

    from partnerhub_core.db import make_engine

    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def _settings(url: str):
    from partnerhub_core.settings import Settings

    return Settings(database_url=url, as_of=AS_OF)


def _full_admin(session):
    from sqlmodel import select

    from partnerhub_core.auth import Actor
    from partnerhub_core.models import PartnerAdmin

    admin = session.exec(select(PartnerAdmin).where(PartnerAdmin.role == "full_admin")).first()
    return admin, Actor.for_admin(admin, label="bench")


def _ctx(session, settings, admin):
    from sqlmodel import select

    from bot.context import Ctx
    from partnerhub_core.models import Partner, Workspace

    partner = session.get(Partner, admin.partner_id)
    workspace = session.exec(select(Workspace).where(Workspace.partner_id == partner.id)).first()
    return Ctx(settings=settings, session=session, client=None, team_id=workspace.team_id, enterprise_id="",
               user_id=admin.slack_user_id, channel_id="CBENCH", as_of=AS_OF, now=NOW, locale="en",
               workspace=workspace, partner=partner, admin=admin, slack_user={}, body={})


# ---------------------------------------------------------------------------------
def bench_lookup(url: str, customers: int) -> dict:
    """Customer lookup and a filtered list, end to end to the rendered Block Kit reply."""
    from bot.listeners.customers import list_command, lookup

    settings = _settings(url)
    with session_for(url) as session:
        admin, _ = _full_admin(session)
        ctx = _ctx(session, settings, admin)
        by_name, _ = timed(lambda: lookup(ctx, ["logistica", "sao", "paulo", str(customers // 2 // 256 * 256)]))
        by_org, _ = timed(lambda: lookup(ctx, [f"org-{customers // 3:06d}"]))
        listed, _ = timed(lambda: list_command(ctx, ["region:EU", "product:calling"]))
        # Statuses of every customer, computed (a cache hit would measure the cache).
        by_status, by_status_cpu = timed_uncached(lambda: list_command(ctx, ["status:license_overage"]), repeat=3)
    return {"lookup_name_ms": by_name, "lookup_org_ms": by_org, "list_filtered_ms": listed,
            "list_by_status_ms": by_status, "list_by_status_cpu_ms": by_status_cpu}


def bench_kpis(url: str, customers: int) -> dict:
    """Headline KPIs plus all five subscription sections, as the analytics page loads them:
    computed (analytics cache off), and a cache hit."""
    from partnerhub_core.analytics import cache
    from partnerhub_core.analytics import subscriptions as subs

    settings = _settings(url)
    with session_for(url) as session:
        def run(product):
            subs.overview(session=session, partner_id=1, as_of=AS_OF, settings=settings, product=product)

        meetings, meetings_cpu = timed_uncached(lambda: run("meetings"), repeat=repeats(customers, 5))
        calling, calling_cpu = timed_uncached(lambda: run("calling"), repeat=repeats(customers, 5))
        with cache.local_only():  # this process's LRU: what a second `kpis` answer costs
            hit, _ = timed(lambda: run("meetings"), repeat=repeats(customers, 5))

        def separately():
            subs.headline_kpis(session=session, partner_id=1, as_of=AS_OF, settings=settings)
            for fn in subs.SECTIONS.values():
                fn(session=session, partner_id=1, as_of=AS_OF, settings=settings, product="meetings")

        apart, _ = timed_uncached(separately, repeat=repeats(customers, 3))
    return {"kpis_5_sections_meetings_ms": meetings, "kpis_5_sections_meetings_cpu_ms": meetings_cpu,
            "kpis_5_sections_calling_ms": calling, "kpis_5_sections_calling_cpu_ms": calling_cpu,
            "kpis_5_sections_cached_ms": hit, "kpis_and_sections_called_one_by_one_ms": apart}


def bench_reports(url: str, customers: int) -> dict:
    """The devices and numbers inventories (200,000 rows each), streamed to a null sink."""
    from partnerhub_core import reports

    class Sink(io.RawIOBase):
        size = 0

        def writable(self):
            return True

        def write(self, b):
            self.size += len(b)
            return len(b)

    out: dict = {}
    with session_for(url) as session:
        for key in ("devices", "numbers"):
            sink = Sink()
            t = time.perf_counter()
            reports.run_report(session=session, partner_id=1, report=key, as_of=AS_OF, out=sink)
            out[f"{key}_report_ms"] = round((time.perf_counter() - t) * 1000, 1)
            out[f"{key}_report_mb"] = round(sink.size / 1e6, 1)
    return out


def bench_digest(url: str, customers: int) -> dict:
    """A whole weekly digest for the partner: every alert, its CSV and the charts."""
    from bench.digest import run_digest

    return run_digest(url, AS_OF, NOW, timed_uncached, repeat=repeats(customers, 3))


def bench_ingest(url: str, customers: int) -> dict:
    from bench.ingest import run_ingest

    legs = int(os.environ.get("BENCH_LEGS", "10000000"))  # fewer for a quick look
    return run_ingest(url, AS_OF, NOW, customers, legs=legs)


def bench_ack(url: str, customers: int) -> dict:
    from bench.ack import run_ack

    return run_ack(url, AS_OF)


BENCHES = {"lookup": bench_lookup, "kpis": bench_kpis, "reports": bench_reports, "digest": bench_digest,
           "ingest": bench_ingest, "ack": bench_ack}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=sorted(BENCHES))
    parser.add_argument("--url", required=True)
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    os.environ.setdefault("PARTNERHUB_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    figures = BENCHES[args.name](args.url, args.customers)
    figures["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
