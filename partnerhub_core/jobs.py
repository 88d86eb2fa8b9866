"""Job runs and the worker heartbeat: what ``partnerhub jobs status`` shows.

The worker records every run of a named job (``start_run`` before, ``finish_run`` after,
each committed on its own so a failed job's rollback keeps its run row; or the
``tracked`` context manager, which does both and writes the structured log line), and
beats (``heartbeat``) every ``worker_heartbeat_seconds`` with the next run of each job.
On a clean stop it calls ``worker_stopped``, which also closes any run it left open; a
worker that died is detected by its stale heartbeat and its open runs are closed as
``interrupted`` by ``close_abandoned_runs``.

Time is always passed in (``now``, or ``clock`` for the context manager).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from partnerhub_core.db import session_scope
from partnerhub_core.logging import event
from partnerhub_core.models import JobOutcome, JobRun, WorkerHeartbeat

log = logging.getLogger("partnerhub.jobs")


def _detail(text: str | None) -> str | None:
    return text[:500] if text else text


def start_run(session: Session, *, job: str, now: datetime, partner_id: int | None = None,
              worker_id: str = "") -> JobRun:
    """Add a ``running`` row; the caller commits (before doing the job's work)."""
    run = JobRun(job=job, partner_id=partner_id, worker_id=worker_id, started_at=now,
                 outcome=JobOutcome.RUNNING)
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, *, outcome: JobOutcome | str, now: datetime,
               detail: str | None = None, items: int = 0) -> JobRun:
    run = session.get(JobRun, run_id)
    if run is None:
        raise LookupError(f"job run {run_id} does not exist")
    run.outcome = JobOutcome(outcome)
    run.finished_at = now
    run.detail = _detail(detail)
    run.items = items
    session.add(run)
    session.flush()
    return run


def record_job_run(session: Session, *, job: str, started_at: datetime, finished_at: datetime,
                   outcome: JobOutcome | str, partner_id: int | None = None, worker_id: str = "",
                   detail: str | None = None, items: int = 0) -> JobRun:
    """One finished run in one call (when start and end are known together)."""
    run = JobRun(job=job, partner_id=partner_id, worker_id=worker_id, started_at=started_at,
                 finished_at=finished_at, outcome=JobOutcome(outcome), detail=_detail(detail),
                 items=items)
    session.add(run)
    session.flush()
    return run


@dataclass
class RunHandle:
    """What a tracked job may set: how many items it handled, an outcome other than ok."""

    run_id: int
    items: int = 0
    outcome: JobOutcome = JobOutcome.OK
    detail: str | None = None


@contextmanager
def tracked(engine: Engine, *, job: str, clock: Callable[[], datetime], partner_id: int | None = None,
            worker_id: str = "", workspace: str | None = None) -> Iterator[RunHandle]:
    """Record one run around a block: ``running`` first (committed), then its outcome
    (``ok``, or ``failed`` with the error's class when the block raises; the error goes
    on). Writes one structured log line per run."""
    started = clock()
    with session_scope(engine) as s:
        handle = RunHandle(run_id=start_run(s, job=job, now=started, partner_id=partner_id,
                                            worker_id=worker_id).id)
    error: BaseException | None = None
    try:
        yield handle
    except BaseException as exc:
        error = exc
        handle.outcome = JobOutcome.FAILED
        # Class and message only: messages of our typed errors carry ids, not names.
        handle.detail = f"{type(exc).__name__}: {exc}"[:500]
        raise
    finally:
        ended = clock()
        with session_scope(engine) as s:
            finish_run(s, handle.run_id, outcome=handle.outcome, now=ended, detail=handle.detail,
                       items=handle.items)
        event(log, "job_run", level=logging.ERROR if error else logging.INFO, job=job,
              partner=partner_id, workspace=workspace, worker=worker_id, outcome=str(handle.outcome),
              items=handle.items, latency_ms=round((ended - started).total_seconds() * 1000),
              error=type(error).__name__ if error else None)


def heartbeat(session: Session, *, worker_id: str, now: datetime, running_job: str | None = None,
              next_runs: dict[str, datetime | None] | None = None) -> WorkerHeartbeat:
    """Upsert this worker's heartbeat; ``next_runs`` maps job name -> next fire time."""
    beat = session.get(WorkerHeartbeat, worker_id)
    if beat is None:
        beat = WorkerHeartbeat(worker_id=worker_id, started_at=now, beat_at=now)
    beat.beat_at = now
    beat.stopped_at = None
    beat.running_job = running_job
    if next_runs is not None:
        beat.next_runs = {k: (v.isoformat() if v else None) for k, v in sorted(next_runs.items())}
    session.add(beat)
    session.flush()
    return beat


def worker_stopped(session: Session, *, worker_id: str, now: datetime) -> int:
    """A clean exit: mark the heartbeat stopped and close this worker's open runs."""
    beat = session.get(WorkerHeartbeat, worker_id)
    if beat is not None:
        beat.stopped_at = now
        beat.running_job = None
        session.add(beat)
    return _interrupt(session, [worker_id], now, "worker stopped before the run finished")


def close_abandoned_runs(session: Session, *, now: datetime, stale_after: timedelta) -> int:
    """Close the open runs of workers whose heartbeat is older than ``stale_after`` (or
    that have none) as ``interrupted``. Returns how many were closed."""
    open_workers = set(session.exec(
        select(JobRun.worker_id).where(JobRun.outcome == JobOutcome.RUNNING)
    ).all())
    if not open_workers:
        return 0
    alive = {
        b.worker_id
        for b in session.exec(select(WorkerHeartbeat).where(WorkerHeartbeat.worker_id.in_(open_workers))).all()
        if b.stopped_at is None and _aware(b.beat_at) >= now - stale_after
    }
    return _interrupt(session, sorted(open_workers - alive), now, "worker heartbeat stale")


def _interrupt(session: Session, worker_ids: list[str], now: datetime, why: str) -> int:
    if not worker_ids:
        return 0
    runs = session.exec(
        select(JobRun).where(JobRun.outcome == JobOutcome.RUNNING, JobRun.worker_id.in_(worker_ids))
    ).all()
    for run in runs:
        run.outcome = JobOutcome.INTERRUPTED
        run.finished_at = now
        run.detail = why
        session.add(run)
    session.flush()
    return len(runs)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored UTC.
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# --- status ----------------------------------------------------------------------------
@dataclass
class JobStatus:
    job: str
    last_started: datetime | None
    last_finished: datetime | None
    last_outcome: str | None
    last_detail: str | None
    last_ok: datetime | None
    next_run: datetime | None


@dataclass
class WorkerStatus:
    worker_id: str | None
    last_beat: datetime | None
    running_job: str | None
    stale: bool
    stopped: bool


@dataclass
class JobsReport:
    jobs: list[JobStatus] = field(default_factory=list)
    worker: WorkerStatus | None = None

    @property
    def healthy(self) -> bool:
        return self.worker is not None and not self.worker.stale


def jobs_status(session: Session, *, now: datetime, stale_after: timedelta,
                known_jobs: list[str] | None = None) -> JobsReport:
    """Each job's newest run (over all partners), its last success and its next run
    (from the freshest heartbeat); and whether that heartbeat is stale."""
    beats = session.exec(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc())).all()
    live = [b for b in beats if b.stopped_at is None]
    newest = (live or beats or [None])[0]
    worker = None
    if newest is not None:
        last = _aware(newest.beat_at)
        worker = WorkerStatus(
            worker_id=newest.worker_id, last_beat=last, running_job=newest.running_job,
            stale=newest.stopped_at is not None or last < now - stale_after,
            stopped=newest.stopped_at is not None,
        )
    next_runs = {k: (datetime.fromisoformat(v) if v else None) for k, v in ((newest.next_runs or {}) if newest else {}).items()}

    names = set(known_jobs or []) | set(next_runs)
    names |= set(session.exec(select(JobRun.job).distinct()).all())
    out = []
    for name in sorted(names):
        last = session.exec(
            select(JobRun).where(JobRun.job == name).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)
        ).first()
        last_ok = session.exec(
            select(func.max(JobRun.finished_at)).where(JobRun.job == name, JobRun.outcome == JobOutcome.OK)
        ).one()
        out.append(JobStatus(
            job=name,
            last_started=_aware(last.started_at) if last else None,
            last_finished=_aware(last.finished_at) if last and last.finished_at else None,
            last_outcome=last.outcome if last else None,
            last_detail=last.detail if last else None,
            last_ok=_aware(last_ok) if last_ok else None,
            next_run=next_runs.get(name),
        ))
    return JobsReport(jobs=out, worker=worker)
