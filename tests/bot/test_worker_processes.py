"""Exactly once across real processes: `partnerhub jobs run tick` started twice at the same
time against one database, a worker killed between its claim and its post, a worker killed
while Slack takes its time to answer the post, and a post answered after the timeout."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from partnerhub_core.models import Delivery, Schedule
from tests.factories import make_customer, make_partner, make_subscription
from tests.fakes.slack import FakeSlack

DUE = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)  # Monday 09:00 São Paulo
CREATED = datetime(2026, 11, 1, tzinfo=timezone.utc)
LEASE = 5
CLI = "import sys; from bot.cli import main; sys.argv[0] = 'partnerhub'; main()"


@pytest.fixture(autouse=True)
def _postgresql_only(backend):
    # Processes start slowly on a busy machine; they run against PostgreSQL, the production
    # database. The SQLite claim path is raced in-process (test_worker.py, threads).
    if backend != "postgresql":
        pytest.skip("real-process exactly-once runs on PostgreSQL")


@pytest.fixture
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def schedule_id(engine):
    with Session(engine, expire_on_commit=False) as s:
        p = make_partner(s, "Partner")
        c = make_customer(s, p, "Alpha", last_admin_sign_in=datetime(2026, 11, 20, tzinfo=timezone.utc))
        make_subscription(s, c, subscription_id="SUB-A", end=date(2026, 12, 3))
        sched = Schedule(partner_id=p.id, target_id="C_DIGEST", alerts=["expiring"], timezone="America/Sao_Paulo",
                         weekday=0, hour=9, created_at=CREATED, updated_at=CREATED)
        s.add(sched)
        s.commit()
        return sched.id


def start_tick(db_url: str, fake: FakeSlack, now: datetime, **extra_env: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNERHUB_", "SLACK_"))}
    env.update({
        "PARTNERHUB_DATABASE_URL": db_url,
        "PARTNERHUB_SLACK_API_URL": fake.base_url,
        "SLACK_BOT_TOKEN": "xoxb-process",
        "PARTNERHUB_WORKER_LEASE_SECONDS": str(LEASE),
        "PARTNERHUB_LOG_LEVEL": "WARNING",
        **extra_env,
    })
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "jobs", "run", "tick", "--now", now.isoformat()],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def accepted_posts(fake: FakeSlack) -> int:
    # every chat.postMessage the stand-in received, minus the ones it was told to refuse
    return len(fake.calls("chat.postMessage"))


def test_two_workers_same_due_digest_post_exactly_once(db_url, fake, schedule_id, engine):
    for week in range(3):
        now = DUE + timedelta(days=7 * week, seconds=20)
        # The claimant is held ~1 s by a rate limit, so the other worker arrives while the
        # claim is live (or right after the post): either way it must stand back.
        fake.fail_next("chat.postMessage", status=429, retry_after=1)
        procs = [start_tick(db_url, fake, now) for _ in range(2)]
        outputs = [finish(p) for p in procs]
        statuses = sorted(line.split()[0] for out in outputs for line in out.splitlines())
        assert statuses.count("posted") == 1, outputs
        assert set(statuses) <= {"posted", "not_claimed", "nothing"}, outputs
        assert accepted_posts(fake) == 2 * (week + 1)  # the refused try + the one post, per week
    with Session(engine) as s:
        rows = s.exec(select(Delivery).order_by(Delivery.period)).all()
    assert [(d.period, d.status, d.attempts) for d in rows] == [
        ("2026-11-23", "posted", 1), ("2026-11-30", "posted", 1), ("2026-12-07", "posted", 1)]


def test_worker_killed_between_claim_and_post_is_posted_once_after_restart(db_url, fake, schedule_id, engine):
    now = DUE + timedelta(seconds=20)
    # The first worker claims, then sits in the SDK's Retry-After wait: kill it there.
    fake.fail_next("chat.postMessage", status=429, retry_after=60)
    doomed = start_tick(db_url, fake, now)
    fake.wait_for("chat.postMessage", timeout=90)
    doomed.kill()
    doomed.wait(30)
    with Session(engine) as s:
        (d,) = s.exec(select(Delivery)).all()
        assert (d.status, d.attempts, d.message_ts) == ("claimed", 1, None)

    # Restarted within the lease: the claim is still the dead worker's; nothing is posted.
    out = finish(start_tick(db_url, fake, now + timedelta(seconds=LEASE - 2)))
    assert out.split()[0] == "not_claimed"
    assert accepted_posts(fake) == 1  # only the refused try so far

    # After the lease: taken over and posted, once.
    out = finish(start_tick(db_url, fake, now + timedelta(seconds=LEASE + 5)))
    assert out.split()[0] == "posted"
    out = finish(start_tick(db_url, fake, now + timedelta(seconds=LEASE + 65)))
    assert out.strip() == "nothing to do"
    assert accepted_posts(fake) == 2
    with Session(engine) as s:
        (d,) = s.exec(select(Delivery)).all()
        assert (d.status, d.attempts) == ("posted", 2)



def in_channel(fake: FakeSlack) -> list[dict]:
    # the messages Slack holds in the channel, whatever became of the answers to their posts
    return fake.history.get("C_DIGEST", [])


def test_worker_killed_during_a_slow_post_is_posted_once_after_takeover(db_url, fake, schedule_id, engine):
    now = DUE + timedelta(seconds=20)
    # Slack has the post the moment it arrives but answers only after 60 s: kill the worker
    # while it waits. Its claim has no ts: a plain take-over would post a second digest.
    fake.slow("chat.postMessage", 60)
    doomed = start_tick(db_url, fake, now)
    fake.wait_for("chat.postMessage", timeout=90)
    doomed.kill()  # SIGKILL
    doomed.wait(30)
    fake.delays.clear()
    with Session(engine) as s:
        (d,) = s.exec(select(Delivery)).all()
        assert (d.status, d.attempts, d.message_ts) == ("claimed", 1, None)
    assert len(in_channel(fake)) == 1

    out = finish(start_tick(db_url, fake, now + timedelta(seconds=LEASE + 5)))
    assert out.split()[0] == "posted"
    assert accepted_posts(fake) == 1 and len(in_channel(fake)) == 1
    assert len(fake.calls("conversations.history")) == 1
    assert finish(start_tick(db_url, fake, now + timedelta(seconds=LEASE + 65))).strip() == "nothing to do"
    with Session(engine) as s:
        (d,) = s.exec(select(Delivery)).all()
        assert (d.status, d.attempts, d.message_ts, d.files_posted) == ("posted", 2, in_channel(fake)[0]["ts"], 1)
    assert len(fake.calls("files.completeUploadExternal")) == 1


def test_post_answered_after_the_client_timeout_is_posted_once(db_url, fake, schedule_id, engine):
    now = DUE + timedelta(seconds=20)
    fake.slow("chat.postMessage", 4)  # Slack takes it, answers after the worker's 1 s timeout
    out = finish(start_tick(db_url, fake, now, PARTNERHUB_WORKER_SLACK_TIMEOUT_SECONDS="1"))
    assert out.split()[0] == "unknown", out
    with Session(engine) as s:
        (d,) = s.exec(select(Delivery)).all()
        assert (d.status, d.attempts, d.message_ts) == ("unknown", 1, None)
    fake.delays.clear()

    # The next tick (a minute later) finds the message in the channel instead of posting it.
    out = finish(start_tick(db_url, fake, now + timedelta(minutes=1), PARTNERHUB_WORKER_SLACK_TIMEOUT_SECONDS="1"))
    assert out.split()[0] == "posted", out
    assert accepted_posts(fake) == 1 and len(in_channel(fake)) == 1
    with Session(engine) as s:
        (d,) = s.exec(select(Delivery)).all()
        assert (d.status, d.attempts, d.message_ts) == ("posted", 2, in_channel(fake)[0]["ts"])
