"""The worker: digests, alerts and scheduled reports, each posted exactly once.

APScheduler decides *when*; the database decides *who* (DESIGN "Scheduling without double
posts"). Named jobs:

``tick`` (every minute)
    finds the schedules whose latest occurrence is due (``schedules.due_period``, in each
    schedule's time zone) and delivers each one (``bot.delivery``: claim, post, record;
    what is posted comes from ``bot.digest_posts``).
``refresh`` (Sunday 00:30 UTC, after Webex's weekly update at 00:00)
    ``partnerhub_core.sources.sync.sync_partner`` for each partner.
``prune-calls`` (daily 01:00 UTC)
    drops raw call legs past their retention (rollups stay).
``warm`` (every minute, and right after ``refresh``)
    for each partner whose data version changed since this process last warmed it (a sync
    or import from anywhere: CLI, Slack, this worker), computes its overview for both
    products and each digest scope (``analytics/warm.py``). The results land in the
    cache's database level too, so web and answer processes read them instead of computing.

One schedule's or partner's failure never stops the others.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine

# Delivery and content live in their own modules; their names stay importable from here.
from bot.delivery import (  # noqa: F401
    CHANNEL_ERRORS,
    TOKEN_ERRORS,
    ClientFor,
    Due,
    Outcome,
    bot_client,
    claim,
    deliver,
    disable_and_tell,
    due_now,
)
from bot.digest_posts import (  # noqa: F401
    Post,
    _status_label,
    content_as_of,
    describe_when,
    digest_post,
    report_post,
    report_range,
)
from partnerhub_core import deliveries, jobs
from partnerhub_core.db import session_scope
from partnerhub_core.errors import PartnerHubError
from partnerhub_core.logging import event
from partnerhub_core.models import JobOutcome, utcnow
from partnerhub_core.settings import Settings

log = logging.getLogger("partnerhub.worker")


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------
@dataclass
class JobContext:
    settings: Settings
    engine: Engine
    worker_id: str
    now: datetime
    client_for: ClientFor | None = None


def tick(ctx: JobContext) -> list[Outcome]:
    """Deliver everything due now. One schedule's failure does not stop the others."""
    with session_scope(ctx.engine) as s:
        due = due_now(s, now=ctx.now, settings=ctx.settings)
    outcomes = []
    for item in due:
        try:
            outcome = deliver(ctx.engine, ctx.settings, item, now=ctx.now, worker_id=ctx.worker_id,
                              client_for=ctx.client_for)
        except Exception as exc:  # noqa: BLE001 - e.g. the database blinked during the claim
            log.exception("schedule %s failed before its claim was recorded", item.schedule_id)
            outcome = Outcome(item.schedule_id, item.period, "failed", type(exc).__name__)
        if outcome.status != "not_claimed":
            event(log, "delivery", partner=item.partner_id, schedule=item.schedule_id, period=item.period,
                  outcome=outcome.status, error=outcome.error, worker=ctx.worker_id)
        outcomes.append(outcome)
    return outcomes


def refresh(ctx: JobContext) -> list[Outcome]:
    """After Webex's Sunday 00:00 UTC update: sync each partner (when the connector is
    installed and the partner has a token); one partner's failure does not stop the rest."""
    try:
        from partnerhub_core.sources import sync
    except ImportError:  # pragma: no cover - the connector ships with the product
        return []
    with session_scope(ctx.engine) as s:
        partner_ids = deliveries.partner_ids(s)
    # PARTNERHUB_AS_OF freezes today for the sync as for every command: the snapshots it
    # writes are dated in that day's week.
    sync_now = ctx.settings.now() if ctx.settings.as_of is not None else ctx.now
    out = []
    for pid in partner_ids:
        try:
            report = sync.sync_partner(session_factory=partial(session_scope, ctx.engine), partner_id=pid,
                                       settings=ctx.settings, now=sync_now)
            # sync_partner records an organization's failure instead of raising: read its report.
            if report.ok:
                # ok, with a note naming optional sources the token lacks a scope for
                out.append(Outcome(0, str(pid), "posted", not_connected_note(report)))
            else:
                out.append(Outcome(0, str(pid), "failed", sync_failures(report)))
        except PartnerHubError as exc:  # not set up (no token), etc.: say so, go on
            out.append(Outcome(0, str(pid), "skipped", exc.render()))
        except Exception as exc:  # noqa: BLE001 - per-partner isolation
            log.exception("refresh of partner %s failed", pid)
            out.append(Outcome(0, str(pid), "failed", type(exc).__name__))
    return out


def not_connected_note(report) -> str | None:
    """"sign_in: not connected: missing scope audit:events_read; see partnerhub sources", or None."""
    parts = [f"{p.part}: {p.not_connected}" for p in report.parts if getattr(p, "not_connected", "")]
    return ("; ".join(parts) + "; see partnerhub sources")[:500] if parts else None


def sync_failures(report) -> str:
    """What a sync that did not fully succeed left undone, short: one part per clause."""
    parts = []
    for p in report.parts:
        if p.ok:
            continue
        what = f"{p.part}: {p.failed} failed" + (" (stopped)" if p.stopped else "")
        parts.append(what + (f", first: {p.errors[0]}" if p.errors else ""))
    return "; ".join(parts)[:500]


# partner id -> data version this process last warmed it at (per process)
_warmed: dict[int, int] = {}


def _stale(engine: Engine) -> dict[int, int]:
    from partnerhub_core.analytics import warm as warming

    with session_scope(engine) as s:
        return warming.stale_partners(s, _warmed)


def warm(ctx: JobContext) -> list[Outcome]:
    """Precompute the overview of each partner whose figures changed since the last warm
    (``analytics/warm.py``); one partner's failure does not stop the others."""
    from partnerhub_core.analytics import warm as warming

    out = []
    for pid, version in _stale(ctx.engine).items():
        try:
            with session_scope(ctx.engine) as s:
                done = warming.warm_partner(session=s, partner_id=pid, as_of=ctx.settings.today(),
                                            settings=ctx.settings)
            _warmed[pid] = version  # a write since the read above makes it stale again: warmed next time
            out.append(Outcome(0, str(pid), "posted", None if done else "nothing to warm"))
        except Exception as exc:  # noqa: BLE001 - per-partner isolation
            log.exception("warming partner %s failed", pid)
            out.append(Outcome(0, str(pid), "failed", type(exc).__name__))
    return out


def prune_calls(ctx: JobContext) -> list[Outcome]:
    from partnerhub_core.calling import prune_legs

    with session_scope(ctx.engine) as s:
        partner_ids = deliveries.partner_ids(s)
    out = []
    for pid in partner_ids:
        try:
            with session_scope(ctx.engine) as s:
                n = prune_legs(session=s, partner_id=pid, now=ctx.now, settings=ctx.settings)
            out.append(Outcome(0, str(pid), "posted", f"{n} legs"))
        except Exception as exc:  # noqa: BLE001 - per-partner isolation
            log.exception("pruning partner %s failed", pid)
            out.append(Outcome(0, str(pid), "failed", type(exc).__name__))
    return out


@dataclass(frozen=True)
class JobSpec:
    name: str
    run: Callable[[JobContext], list[Outcome]]
    trigger: Callable[[], Any]  # an APScheduler trigger
    description: str


def _triggers():
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    return CronTrigger, IntervalTrigger


def job_specs() -> dict[str, JobSpec]:
    cron, interval = _triggers()
    specs = [
        JobSpec("tick", tick, lambda: interval(minutes=1, timezone=timezone.utc),
                "every minute: post the digests and scheduled reports that are due"),
        JobSpec("refresh", refresh, lambda: cron(day_of_week="sun", hour=0, minute=30, timezone=timezone.utc),
                "Sunday 00:30 UTC: sync every partner from Webex after the weekly update"),
        JobSpec("prune-calls", prune_calls, lambda: cron(hour=1, minute=0, timezone=timezone.utc),
                "daily 01:00 UTC: drop raw call legs past their retention"),
        JobSpec("warm", warm, lambda: interval(minutes=1, timezone=timezone.utc),
                "every minute: precompute the overview of partners whose figures changed (this process)"),
    ]
    return {s.name: s for s in specs}


def run_job(name: str, settings: Settings, engine: Engine, *, now: datetime | None = None,
            worker_id: str | None = None, client_for: ClientFor | None = None) -> list[Outcome]:
    """Run one named job once (``partnerhub jobs run NAME``, and each scheduled firing),
    recorded as a job run. ``now`` defaults to the wall clock."""
    spec = job_specs()[name]
    worker_id = worker_id or worker_identity()
    explicit_now, now = now, now or utcnow()
    ctx = JobContext(settings=settings, engine=engine, worker_id=worker_id, now=now, client_for=client_for)
    if name == "tick":
        with session_scope(engine) as s:
            if not due_now(s, now=now, settings=settings):
                return []  # nothing due: no job-run row every minute
    if name == "warm" and not _stale(engine):
        return []  # nothing changed: no job-run row every minute
    clock = utcnow if explicit_now is None else (lambda: now)  # a given instant stands for the whole run
    with jobs.tracked(engine, job=name, clock=clock, worker_id=worker_id) as run:
        outcomes = spec.run(ctx)
        run.items = sum(1 for o in outcomes if o.status in ("posted", "skipped", "disabled"))
        failed = [o for o in outcomes if o.status in ("failed", "unknown")]
        # The refresh's ok outcomes may carry a note (sources not connected): kept on the run.
        noted = [o for o in outcomes if name == "refresh" and o.status == "posted" and o.error]
        if failed or noted:
            run.detail = "; ".join(f"{o.schedule_id or o.period}: {o.error}" for o in failed + noted)[:500]
        if failed:
            if not any(o.status == "posted" for o in outcomes):
                run.outcome = JobOutcome.FAILED  # nothing it tried worked (e.g. Webex down for the refresh)
    if name == "refresh":
        # The first digest or answer after the sync should not pay for it: warm now, not in a minute.
        run_job("warm", settings, engine, now=explicit_now, worker_id=worker_id, client_for=client_for)
    return outcomes


# ---------------------------------------------------------------------------------
# The process
# ---------------------------------------------------------------------------------
def build_scheduler(settings: Settings, engine: Engine, *, worker_id: str, blocking: bool = True,
                    clock: Callable[[], datetime] = utcnow):
    """APScheduler 3.x with the named jobs and the heartbeat. One scheduler per process,
    no shared job store: the database claims decide who posts (SLACK_NOTES "Scheduling")."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(timezone=timezone.utc, executors={"default": ThreadPoolExecutor(4)},
                     job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    for spec in job_specs().values():
        # tick also runs at start: a restarted worker picks up what is due right away
        first = {"next_run_time": clock()} if spec.name == "tick" else {}
        scheduler.add_job(_firing, spec.trigger(), args=[spec.name, settings, engine, worker_id, clock],
                          id=spec.name, name=spec.name, replace_existing=True, **first)
    _, interval = _triggers()
    scheduler.add_job(_beat, interval(seconds=settings.worker_heartbeat_seconds, timezone=timezone.utc),
                      args=[scheduler, engine, worker_id, clock], id="heartbeat", name="heartbeat",
                      next_run_time=clock())
    return scheduler


def _firing(name: str, settings: Settings, engine: Engine, worker_id: str, clock) -> None:
    try:
        run_job(name, settings, engine, now=clock(), worker_id=worker_id)
    except Exception:  # noqa: BLE001 - logged and recorded by jobs.tracked; the scheduler goes on
        log.exception("job %s failed", name)


def _beat(scheduler, engine: Engine, worker_id: str, clock) -> None:
    try:
        next_runs = {j.id: j.next_run_time for j in scheduler.get_jobs() if j.id != "heartbeat"}
        with session_scope(engine) as s:
            jobs.heartbeat(s, worker_id=worker_id, now=clock(), next_runs=next_runs)
    except Exception:  # noqa: BLE001 - a missed beat is not worth stopping for
        log.warning("heartbeat failed", exc_info=True)


def run_worker(settings: Settings, engine: Engine) -> None:
    """``partnerhub worker``: run until SIGTERM/SIGINT; then finish the running job (its
    claims get an outcome) and exit."""
    worker_id = worker_identity()
    with session_scope(engine) as s:
        jobs.close_abandoned_runs(s, now=utcnow(),
                                  stale_after=timedelta(seconds=settings.worker_heartbeat_stale_seconds))
    scheduler = build_scheduler(settings, engine, worker_id=worker_id, blocking=True)

    def _stop(signum, _frame):
        # In the main thread, between iterations of the scheduler's loop: waits for the
        # running job (its claims get an outcome), then the loop ends and start() returns.
        log.info("signal %s: finishing the running job, then stopping", signum)
        if scheduler.running:
            scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    event(log, "worker_started", worker=worker_id, jobs=sorted(job_specs()))
    try:
        scheduler.start()  # blocks until shutdown
    finally:
        with session_scope(engine) as s:
            jobs.worker_stopped(s, worker_id=worker_id, now=utcnow())
        event(log, "worker_stopped", worker=worker_id)


