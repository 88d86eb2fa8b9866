"""SIGTERM to a real `partnerhub worker` while it is posting a digest (the worker ticks at
start): the post completes, its claim gets an outcome, the job run is recorded, the
heartbeat says stopped, exit 0."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, SQLModel, select

from partnerhub_core.db import make_engine
from partnerhub_core.models import Delivery, JobRun, Partner, Schedule, WorkerHeartbeat, utcnow
from tests.fakes.slack import FakeSlack


def test_sigterm_while_posting_finishes_the_post_and_leaves_no_open_claim(tmp_path):
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    now = utcnow()
    due = now - timedelta(hours=1)
    with Session(engine) as s:
        s.add(Partner(id=1, name="Partner"))
        s.flush()
        s.add(Schedule(partner_id=1, target_id="C_DIGEST", alerts=["expiring"], frequency="daily",
                       hour=due.hour, minute=0, timezone="UTC", created_at=now - timedelta(days=3),
                       updated_at=now - timedelta(days=3)))
        s.commit()

    with FakeSlack() as fake:
        fake.slow("chat.postMessage", 3.0)
        env = {**os.environ, "PARTNERHUB_DATABASE_URL": url, "PARTNERHUB_SLACK_API_URL": fake.base_url,
               "SLACK_BOT_TOKEN": "xoxb-worker-test", "PARTNERHUB_WORKER_HEARTBEAT_SECONDS": "1"}
        for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "PARTNERHUB_ENVIRONMENT"):
            env.pop(name, None)
        proc = subprocess.Popen([str(Path(sys.executable).parent / "partnerhub"), "worker"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            fake.wait_for("chat.postMessage", timeout=60)  # the post is in flight now
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
            _out, err = proc.communicate(timeout=10)
        assert code == 0, err[-3000:]
        assert len(fake.calls("chat.postMessage")) == 1

    with Session(engine) as s:
        deliveries = s.exec(select(Delivery)).all()
        runs = s.exec(select(JobRun).where(JobRun.job == "tick")).all()
        beats = s.exec(select(WorkerHeartbeat)).all()
    assert [d.status for d in deliveries] == ["posted"]
    assert [r.outcome for r in runs] == ["ok"]
    assert len(beats) == 1 and beats[0].stopped_at is not None
    engine.dispose()
