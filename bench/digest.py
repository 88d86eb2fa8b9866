"""A whole weekly digest for the large partner: every alert with its rows, the CSV behind
each alert and the charts — what the worker builds before it posts (the posting itself is
the Slack stand-in's business and is measured by the worker tests, not here).

``build_ms`` / ``build_cpu_ms`` time ``alerts.build_digest`` alone (the data: KPIs, alert
rows, what changed) with the analytics cache off, so every run reads the database; the
rest of ``digest_ms`` is the CSVs and the charts."""
from __future__ import annotations

import statistics
import time
from datetime import date, datetime


def run_digest(url: str, as_of: date, now: datetime, timed) -> dict:
    from bench.one import _settings, session_for
    from bot.worker import digest_post
    from partnerhub_core import alerts
    from partnerhub_core.analytics import cache
    from partnerhub_core.models import AlertKind, Schedule

    settings = _settings(url)
    kinds = [k.value for k in AlertKind]
    with session_for(url) as session:
        schedule = Schedule(partner_id=1, target_id="CBENCH", alerts=kinds, language="en", timezone="UTC")
        posts = []

        def build():
            posts.append(digest_post(session, settings, schedule, period="2026-11-23", as_of=as_of))

        median, _ = timed(build, repeat=3)
        with cache.disabled():
            walls, cpus = [], []
            for _ in range(3):
                wall, cpu = time.perf_counter(), time.process_time()
                alerts.build_digest(session=session, partner_id=1, as_of=as_of, settings=settings, alerts=kinds)
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
    post = posts[-1]
    return {"digest_ms": median, "build_ms": round(statistics.median(walls), 1),
            "build_cpu_ms": round(statistics.median(cpus), 1), "alerts": len(post.digest.alerts),
            "alert_rows": sum(len(a.section.table) for a in post.digest.alerts),
            "files": len(post.files), "file_kb": round(sum(len(f[1]) for f in post.files) / 1024, 1)}
