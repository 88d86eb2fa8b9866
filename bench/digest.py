"""A whole weekly digest for the large partner: every alert with its rows, the CSV behind
each alert and the charts — what the worker builds before it posts (the posting itself is
the Slack stand-in's business and is measured by the worker tests, not here)."""
from __future__ import annotations

from datetime import date, datetime


def run_digest(url: str, as_of: date, now: datetime, timed) -> dict:
    from bench.one import _settings, session_for
    from bot.worker import digest_post
    from partnerhub_core.models import AlertKind, Schedule

    settings = _settings(url)
    with session_for(url) as session:
        schedule = Schedule(partner_id=1, target_id="CBENCH", alerts=[k.value for k in AlertKind],
                            language="en", timezone="UTC")
        posts = []

        def build():
            posts.append(digest_post(session, settings, schedule, period="2026-11-23", as_of=as_of))

        median, _ = timed(build, repeat=3)
    post = posts[-1]
    return {"digest_ms": median, "alerts": len(post.digest.alerts),
            "alert_rows": sum(len(a.section.table) for a in post.digest.alerts),
            "files": len(post.files), "file_kb": round(sum(len(f[1]) for f in post.files) / 1024, 1)}
