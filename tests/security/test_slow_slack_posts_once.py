"""Exactly once when Slack is slow: every scheduled post carries its delivery id in message
metadata; a post whose answer never came is "unknown", and the next attempt finds it in the
conversation's history instead of posting again (in-process, against the Slack stand-in).
The same with real processes, and a worker killed mid-post: test_worker_processes.py."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from bot import worker
from bot.post_once import EVENT_TYPE
from partnerhub_core.models import Customer, Delivery, Device, Schedule
from tests.factories import make_customer, make_partner, make_subscription
from tests.fakes.slack import FakeSlack

DUE = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)  # Monday 09:00 São Paulo
NOW = DUE + timedelta(seconds=30)
CREATED = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.fixture
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def cfg(settings, fake):
    return settings.model_copy(update={
        "slack_api_url": fake.base_url, "slack_bot_token": SecretStr("xoxb-worker"), "slack_client_id": None,
        "worker_lease_seconds": 60, "worker_max_attempts": 3, "worker_slack_timeout_seconds": 0.5,
    })


@pytest.fixture
def world(engine):
    """One expiring line (one CSV with the digest) and a weekly digest for C_DIGEST."""
    with Session(engine, expire_on_commit=False) as s:
        p = make_partner(s, "Partner")
        a = make_customer(s, p, "Alpha", last_admin_sign_in=datetime(2026, 11, 20, tzinfo=timezone.utc))
        make_subscription(s, a, subscription_id="SUB-A", end=date(2026, 12, 3))
        digest = Schedule(partner_id=p.id, target_id="C_DIGEST", alerts=["expiring"], timezone="America/Sao_Paulo",
                          weekday=0, hour=9, created_at=CREATED, updated_at=CREATED)
        s.add(digest)
        s.commit()
        return {"partner_id": p.id, "schedule_id": digest.id}


def tick(cfg, engine, now):
    return [(o.status, o.error) for o in worker.run_job("tick", cfg, engine, now=now, worker_id="w1")]


def the_delivery(engine) -> Delivery:
    with Session(engine) as s:
        (d,) = s.exec(select(Delivery)).all()
        return d


def test_every_post_names_its_delivery_in_message_metadata(cfg, engine, world, fake):
    assert tick(cfg, engine, NOW) == [("posted", None)]
    d = the_delivery(engine)
    (post,) = fake.calls("chat.postMessage")
    assert post.params["metadata"] == {
        "event_type": "partnerhub_delivery",
        "event_payload": {"delivery_id": d.id, "schedule_id": world["schedule_id"], "period": "2026-11-23"}}
    assert EVENT_TYPE == "partnerhub_delivery"
    # a first attempt has nothing to look for
    assert fake.calls("conversations.history") == []


def test_slack_takes_the_post_but_answers_after_the_timeout_one_message(cfg, engine, world, fake):
    fake.slow("chat.postMessage", 2.0)  # 4x the worker's 0.5 s timeout
    assert tick(cfg, engine, NOW) == [("unknown", "no answer from Slack")]
    d = the_delivery(engine)
    assert (d.status, d.attempts, d.message_ts, d.files_posted) == ("unknown", 1, None, 0)
    assert "TimeoutError" in d.error
    assert len(fake.calls("chat.postMessage")) == 1  # the SDK did not retry it on its own
    assert fake.calls("files.completeUploadExternal") == []

    fake.delays.clear()
    assert tick(cfg, engine, NOW + timedelta(minutes=1)) == [("posted", None)]
    (lookup,) = fake.calls("conversations.history")
    assert lookup.params["channel"] == "C_DIGEST" and lookup.params["include_all_metadata"] in ("1", "true", "True")
    assert len(fake.calls("chat.postMessage")) == 1  # found, not posted again
    (in_channel,) = fake.history["C_DIGEST"]
    d = the_delivery(engine)
    assert (d.status, d.attempts, d.message_ts, d.channel_id, d.files_posted) == (
        "posted", 2, in_channel["ts"], "C_DIGEST", 1)
    assert len(fake.calls("files.completeUploadExternal")) == 1  # the CSV, once
    assert tick(cfg, engine, NOW + timedelta(minutes=2)) == []


def test_an_unanswered_post_slack_never_took_is_posted_on_the_next_tick(cfg, engine, world, fake):
    # Slack refuses it (500) but only after the timeout: the worker cannot tell; history can.
    fake.fail_next("chat.postMessage", status=500, error="internal_error")
    fake.slow("chat.postMessage", 2.0)
    assert tick(cfg, engine, NOW) == [("unknown", "no answer from Slack")]
    assert "C_DIGEST" not in fake.history
    fake.delays.clear()
    assert tick(cfg, engine, NOW + timedelta(minutes=1)) == [("posted", None)]
    assert len(fake.calls("conversations.history")) == 1
    assert len(fake.calls("chat.postMessage")) == 2  # the refused one and the one post
    assert len(fake.history["C_DIGEST"]) == 1
    assert the_delivery(engine).status == "posted"


def test_history_pages_are_followed_and_other_metadata_is_not_ours(cfg, engine, world, fake, monkeypatch):
    from bot import post_once

    monkeypatch.setattr(post_once, "HISTORY_PAGE_SIZE", 2)
    fake.slow("chat.postMessage", 2.0)
    assert tick(cfg, engine, NOW)[0][0] == "unknown"
    fake.delays.clear()
    d = the_delivery(engine)
    # Newer messages after ours: two others' and one with our event type but another delivery.
    fake.history["C_DIGEST"] += [
        {"type": "message", "ts": "1760000001.000001", "text": "hi"},
        {"type": "message", "ts": "1760000001.000002", "text": "x",
         "metadata": {"event_type": "task_created", "event_payload": {"delivery_id": d.id}}},
        {"type": "message", "ts": "1760000001.000003", "text": "older period",
         "metadata": {"event_type": EVENT_TYPE, "event_payload": {
             "delivery_id": d.id + 1000, "schedule_id": world["schedule_id"], "period": "2026-11-16"}}},
    ]
    assert tick(cfg, engine, NOW + timedelta(minutes=1)) == [("posted", None)]
    assert len(fake.calls("conversations.history")) == 2  # ours was on the second page
    assert len(fake.calls("chat.postMessage")) == 1
    assert the_delivery(engine).message_ts == fake.history["C_DIGEST"][0]["ts"]


def test_a_retry_that_cannot_read_history_does_not_post_again(cfg, engine, world, fake):
    # An install from before the history scopes: the lookup is refused, so no second post.
    fake.slow("chat.postMessage", 2.0)
    assert tick(cfg, engine, NOW)[0][0] == "unknown"
    fake.delays.clear()
    fake.fail_next("conversations.history", status=200, error="missing_scope")
    assert tick(cfg, engine, NOW + timedelta(minutes=1)) == [("failed", "missing_scope")]
    assert len(fake.calls("chat.postMessage")) == 1
    d = the_delivery(engine)
    assert (d.status, d.attempts, d.error, d.message_ts) == ("failed", 2, "missing_scope", None)


def test_unknown_is_retried_only_up_to_the_attempt_limit(cfg, engine, world, fake):
    fake.slow("chat.postMessage", 2.0)
    fake.fail_next("chat.postMessage", status=500, error="internal_error", times=3)
    for minute in range(3):
        assert tick(cfg, engine, NOW + timedelta(minutes=minute))[0][0] == "unknown"
    assert tick(cfg, engine, NOW + timedelta(minutes=3)) == [("not_claimed", None)]  # 3 attempts: it stops
    assert len(fake.calls("chat.postMessage")) == 3
    d = the_delivery(engine)
    assert (d.status, d.attempts) == ("unknown", 3)


def test_a_dm_report_is_looked_for_in_the_dm_conversation(cfg, engine, world, fake):
    with Session(engine, expire_on_commit=False) as s:
        s.get(Schedule, world["schedule_id"]).enabled = False
        s.add(Schedule(partner_id=world["partner_id"], kind="report", report_key="devices", target_type="dm",
                       target_id="U_FULL", frequency="daily", hour=6, timezone="UTC",
                       created_at=CREATED, updated_at=CREATED))
        alpha = s.exec(select(Customer).where(Customer.name == "Alpha")).one()
        s.add(Device(partner_id=world["partner_id"], customer_id=alpha.id, device_id="d1", product="Cisco 8851",
                     mac="AABBCC000001"))  # a report with a row comes with its file (an empty one has none)
        s.commit()
    at = datetime(2026, 11, 30, 6, 0, 5, tzinfo=timezone.utc)
    fake.slow("chat.postMessage", 2.0)
    assert tick(cfg, engine, at)[0][0] == "unknown"
    fake.delays.clear()
    assert tick(cfg, engine, at + timedelta(minutes=1)) == [("posted", None)]
    (opened,) = fake.calls("conversations.open")
    assert opened.params["users"] == "U_FULL"
    assert fake.calls("conversations.history")[0].params["channel"] == "D_FULL"
    assert len(fake.calls("chat.postMessage")) == 1
    d = the_delivery(engine)
    assert (d.channel_id, d.message_ts) == ("D_FULL", fake.history["D_FULL"][0]["ts"])
    # the report file went to the DM conversation
    assert [u.params["channel_id"] for u in fake.calls("files.completeUploadExternal")] == ["D_FULL"]
