"""A whole weekly digest for the large partner: every alert with its rows, the CSV behind
each alert and the charts — what the worker builds before it posts (the posting itself is
the Slack stand-in's business and is measured by the worker tests, not here).

Everything with the analytics cache off, so every run reads the database and computes
(the first digest after a sync): ``digest_ms`` / ``digest_cpu_ms`` the whole post,
``build_ms`` / ``build_cpu_ms`` ``alerts.build_digest`` alone (the data: KPIs, alert rows,
what changed); the rest of the post is the CSVs and the charts (licence trends included)."""
from __future__ import annotations

from datetime import date, datetime


def run_digest(url: str, as_of: date, now: datetime, timed_uncached, repeat: int = 3) -> dict:
    from bench.one import _settings, session_for
    from bot.digest_posts import digest_post
    from partnerhub_core import alerts
    from partnerhub_core.models import AlertKind, Schedule

    settings = _settings(url)
    kinds = [k.value for k in AlertKind]
    with session_for(url) as session:
        schedule = Schedule(partner_id=1, target_id="CBENCH", alerts=kinds, language="en", timezone="UTC")
        posts = []

        def build():  # only the last post is kept: four digests held at once are not one's RSS
            posts[:] = [digest_post(session, settings, schedule, period="2026-11-23", as_of=as_of)]

        wall, cpu = timed_uncached(build, repeat=repeat)
        build_wall, build_cpu = timed_uncached(lambda: alerts.build_digest(
            session=session, partner_id=1, as_of=as_of, settings=settings, alerts=kinds), repeat=repeat)
    post = posts[-1]
    return {"digest_ms": wall, "digest_cpu_ms": cpu, "build_ms": build_wall, "build_cpu_ms": build_cpu,
            "alerts": len(post.digest.alerts),
            "alert_rows": sum(len(a.section.table) for a in post.digest.alerts),
            "files": len(post.files), "file_kb": round(sum(len(f[1]) for f in post.files) / 1024, 1)}


def parts(url: str, as_of: date, repeat: int = 3) -> dict:
    """Where the digest's and the overview's time goes, analytics cache off: each loader,
    the alert rows and the CSV (pt_BR: decimal commas) of each alert, ``build_digest``,
    ``overview`` (KPIs + five sections), the licence trends of both products (the digest's
    charts) and the whole digest post. Median wall and CPU (ms) of ``repeat`` runs after a warm-up."""
    from bench.one import _settings, session_for, wall_and_cpu
    from partnerhub_core import alert_rules, alerts, reports
    from partnerhub_core.analytics import cache, common
    from partnerhub_core.analytics import subscriptions as subs
    from bot.digest_posts import digest_post
    from partnerhub_core.models import AlertKind, Schedule
    from partnerhub_core.timeutil import last_completed_week_ending

    def timed(fn) -> dict:
        wall, cpu = wall_and_cpu(fn, repeat)
        return {"wall": round(wall), "cpu": round(cpu)}

    settings = _settings(url)
    kinds = [k.value for k in AlertKind]
    out: dict = {}
    with session_for(url) as s, cache.disabled():
        out["load_customers"] = timed(lambda: common.load_customers(s, partner_id=1))
        out["load_subscriptions"] = timed(lambda: common.load_subscriptions(s, partner_id=1))
        out["load_latest_snapshots"] = timed(lambda: common.load_latest_snapshots(s, partner_id=1, as_of=as_of))
        out["load_latest_snapshots_prev"] = timed(
            lambda: common.load_latest_snapshots(s, partner_id=1, as_of=as_of, with_previous=True))
        ids = set(common.load_customers(s, partner_id=1)["customer_id"])
        out["load_queue_weeks"] = timed(lambda: alert_rules.load_queue_weeks(
            s, partner_id=1, week=last_completed_week_ending(as_of),
            weeks=settings.abandoned_spike_baseline_weeks, customer_ids=ids))
        digest = alerts.build_digest(session=s, partner_id=1, as_of=as_of, settings=settings, alerts=kinds)
        for alert in digest.alerts:
            out[f"rows_{alert.kind}({len(alert.section.table)})"] = timed(
                lambda a=alert: alert_rules._rows(a.kind, a.section))
            out[f"csv_{alert.kind}"] = timed(lambda a=alert: reports.section_csv(a.section, "pt_BR"))
        out["build_digest"] = timed(
            lambda: alerts.build_digest(session=s, partner_id=1, as_of=as_of, settings=settings, alerts=kinds))
        for product in ("meetings", "calling"):
            out[f"overview_{product}"] = timed(lambda p=product: subs.overview(
                session=s, partner_id=1, as_of=as_of, settings=settings, product=p))
        out["license_trend_both"] = timed(lambda: [subs.license_trend(
            session=s, partner_id=1, as_of=as_of, settings=settings, product=p) for p in subs.PRODUCTS])
        schedule = Schedule(partner_id=1, target_id="CBENCH", alerts=kinds, language="en", timezone="UTC")
        out["digest_post"] = timed(lambda: digest_post(s, settings, schedule, period="2026-11-23", as_of=as_of))
    return out


if __name__ == "__main__":  # pragma: no cover
    # python -m bench.digest URL [REPEAT]: the breakdown above as one JSON line.
    import json
    import os
    import sys

    from bench.one import AS_OF

    result = parts(sys.argv[1], AS_OF, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))
