"""Job runs and the worker heartbeat behind `partnerhub jobs status`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from partnerhub_core import jobs
from partnerhub_core.models import JobOutcome, JobRun, Partner

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
STALE = timedelta(seconds=120)


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        current = self.now
        self.now += timedelta(seconds=2)
        return current


def test_tracked_run_records_ok_with_items(engine):
    with jobs.tracked(engine, job="digests", clock=Clock(T0), worker_id="w1") as run:
        run.items = 3
    with Session(engine) as s:
        row = s.exec(select(JobRun)).one()
    assert (row.job, row.outcome, row.items, row.worker_id) == ("digests", "ok", 3, "w1")
    assert jobs._aware(row.finished_at) == T0 + timedelta(seconds=2)


def test_tracked_run_keeps_its_failed_row_when_the_job_raises(engine):
    with pytest.raises(RuntimeError):
        with jobs.tracked(engine, job="refresh", clock=Clock(T0)):
            raise RuntimeError("webex answered 503")
    with Session(engine) as s:
        row = s.exec(select(JobRun)).one()
    assert row.outcome == "failed"
    assert row.detail == "RuntimeError: webex answered 503"


def test_status_shows_last_run_last_success_next_run_and_fresh_heartbeat(engine):
    with Session(engine) as s:
        s.add(Partner(id=1, name="P"))
        s.flush()
        jobs.record_job_run(s, job="digests", started_at=T0, finished_at=T0 + timedelta(minutes=1), outcome="ok", partner_id=1)
        jobs.record_job_run(s, job="digests", started_at=T0 + timedelta(hours=1), finished_at=T0 + timedelta(hours=1, minutes=1), outcome="failed", detail="UpstreamError")
        jobs.heartbeat(s, worker_id="host:1", now=T0 + timedelta(hours=2), running_job=None,
                       next_runs={"digests": T0 + timedelta(days=7), "refresh": T0 + timedelta(hours=3)})
        s.commit()
        report = jobs.jobs_status(s, now=T0 + timedelta(hours=2, seconds=60), stale_after=STALE)
    assert [j.job for j in report.jobs] == ["digests", "refresh"]
    digests, refresh = report.jobs
    assert digests.last_outcome == "failed" and digests.last_detail == "UpstreamError"
    assert digests.last_started == T0 + timedelta(hours=1)
    assert digests.last_ok == T0 + timedelta(minutes=1)
    assert digests.next_run == T0 + timedelta(days=7)
    assert refresh.last_outcome is None and refresh.next_run == T0 + timedelta(hours=3)
    assert report.worker.worker_id == "host:1" and not report.worker.stale and report.healthy


def test_heartbeat_older_than_the_threshold_is_stale(engine):
    with Session(engine) as s:
        jobs.heartbeat(s, worker_id="host:1", now=T0)
        s.commit()
        assert not jobs.jobs_status(s, now=T0 + timedelta(seconds=120), stale_after=STALE).worker.stale
        report = jobs.jobs_status(s, now=T0 + timedelta(seconds=121), stale_after=STALE)
    assert report.worker.stale and not report.healthy


def test_no_heartbeat_at_all_is_unhealthy(engine):
    with Session(engine) as s:
        report = jobs.jobs_status(s, now=T0, stale_after=STALE, known_jobs=["digests"])
    assert report.worker is None and not report.healthy
    assert [j.job for j in report.jobs] == ["digests"]


def test_clean_stop_closes_open_runs_of_that_worker_only(engine):
    with Session(engine) as s:
        jobs.heartbeat(s, worker_id="w1", now=T0)
        mine = jobs.start_run(s, job="digests", now=T0, worker_id="w1")
        theirs = jobs.start_run(s, job="digests", now=T0, worker_id="w2")
        assert jobs.worker_stopped(s, worker_id="w1", now=T0 + timedelta(seconds=5)) == 1
        s.commit()
        assert s.get(JobRun, mine.id).outcome == JobOutcome.INTERRUPTED
        assert s.get(JobRun, theirs.id).outcome == JobOutcome.RUNNING
        assert jobs.jobs_status(s, now=T0 + timedelta(seconds=6), stale_after=STALE).worker.stopped


def test_runs_of_a_dead_worker_are_closed_as_interrupted(engine):
    with Session(engine) as s:
        jobs.heartbeat(s, worker_id="dead", now=T0)
        jobs.heartbeat(s, worker_id="alive", now=T0 + timedelta(seconds=200))
        dead = jobs.start_run(s, job="refresh", now=T0, worker_id="dead")
        alive = jobs.start_run(s, job="refresh", now=T0, worker_id="alive")
        closed = jobs.close_abandoned_runs(s, now=T0 + timedelta(seconds=250), stale_after=STALE)
        s.commit()
        assert closed == 1
        assert s.get(JobRun, dead.id).outcome == "interrupted"
        assert s.get(JobRun, alive.id).outcome == "running"
