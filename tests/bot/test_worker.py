"""The worker in-process, against the Slack stand-in: exactly-once claims, retries,
channel errors, quiet digests, scheduled reports, time zones with a frozen clock."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from pydantic import SecretStr
from sqlmodel import Session, select

from bot import worker
from partnerhub_core.models import (
    AuditEvent,
    CallRollup,
    Customer,
    Delivery,
    Device,
    DigestSnapshot,
    PartnerAdmin,
    Role,
    Schedule,
    utcnow,
)
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription
from tests.fakes.slack import FakeSlack

# Monday 2026-11-23 09:00 in São Paulo (UTC-3, no DST since 2019) is 12:00 UTC.
DUE = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
NOW = DUE + timedelta(seconds=30)
CREATED = datetime(2026, 11, 1, tzinfo=timezone.utc)
RECENT = datetime(2026, 11, 20, tzinfo=timezone.utc)


@pytest.fixture
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def cfg(settings, fake):
    return settings.model_copy(update={
        "slack_api_url": fake.base_url, "slack_bot_token": SecretStr("xoxb-worker"),
        "slack_client_id": None, "worker_lease_seconds": 60, "worker_max_attempts": 3,
    })


@pytest.fixture
def world(engine):
    """A partner with two customers (one expiring, one over the limit), a full admin and a
    weekly digest for channel C_DIGEST, Monday 09:00 São Paulo."""
    with Session(engine, expire_on_commit=False) as s:
        p = make_partner(s, "Partner")
        a = make_customer(s, p, "Alpha", last_admin_sign_in=RECENT)
        b = make_customer(s, p, "Beta", last_admin_sign_in=RECENT)
        make_subscription(s, a, subscription_id="SUB-A", end=date(2026, 12, 3))  # 10 days
        sb = make_subscription(s, b, subscription_id="SUB-B", end=date(2027, 6, 1))
        make_snapshot(s, sb, date(2026, 11, 21), assigned=130)  # 30 over
        s.add(PartnerAdmin(partner_id=p.id, display_name="Full", email="full@x.example",
                           slack_user_id="U_FULL", role=Role.FULL_ADMIN))
        s.add(PartnerAdmin(partner_id=p.id, display_name="Read", email="read@x.example",
                           slack_user_id="U_READ", role=Role.READ_ONLY))
        digest = Schedule(partner_id=p.id, target_id="C_DIGEST", alerts=["expiring", "overage"],
                          timezone="America/Sao_Paulo", weekday=0, hour=9, created_at=CREATED, updated_at=CREATED)
        s.add(digest)
        s.commit()
        return {"partner_id": p.id, "schedule_id": digest.id}


def tick(cfg, engine, now=NOW, worker_id="w1"):
    return worker.run_job("tick", cfg, engine, now=now, worker_id=worker_id)


def posts(fake, channel="C_DIGEST"):
    """chat.postMessage calls to ``channel`` that Slack accepted (not the 429/5xx ones)."""
    return [r for r in fake.calls("chat.postMessage") if r.params.get("channel") == channel]


def deliveries(engine):
    with Session(engine) as s:
        return s.exec(select(Delivery).order_by(Delivery.id)).all()


def test_due_digest_is_posted_once_with_its_csvs(cfg, engine, world, fake):
    outcomes = tick(cfg, engine)
    assert [(o.status, o.period) for o in outcomes] == [("posted", "2026-11-23")]
    (msg,) = posts(fake)
    text = str(msg.params["blocks"])
    assert "Alpha" in text and "SUB-A" in text and "Beta" in text and "+30" in text
    uploads = fake.calls("files.completeUploadExternal")
    # the two alerts' CSVs, then the licence-trend chart of the one product the customers hold
    assert [u.params["channel_id"] for u in uploads] == ["C_DIGEST", "C_DIGEST", "C_DIGEST"]
    assert [f["title"] for f in uploads[-1].params["files"]] == ["Meetings: licenses per week"]
    csvs = sorted(fake.uploads.values())
    assert any(b"SUB-A" in c for c in csvs) and any(b"SUB-B" in c for c in csvs)
    # later ticks of the same period post nothing
    assert tick(cfg, engine, now=NOW + timedelta(minutes=1)) == []
    assert tick(cfg, engine, now=NOW + timedelta(hours=3)) == []
    assert len(posts(fake)) == 1
    (d,) = deliveries(engine)
    assert (d.status, d.attempts, d.files_posted, d.period) == ("posted", 1, 3, "2026-11-23")
    with Session(engine) as s:
        snap = s.exec(select(DigestSnapshot)).one()
        assert snap.period == "2026-11-23" and snap.as_of == date(2026, 11, 23)


def test_not_due_before_the_local_hour(cfg, engine, world, fake):
    assert tick(cfg, engine, now=DUE - timedelta(seconds=1)) == []
    assert posts(fake) == []


def test_rate_limit_then_server_error_then_ok_posts_one_message(cfg, engine, world, fake):
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    fake.fail_next("chat.postMessage", status=500, error="internal_error")
    outcomes = tick(cfg, engine)
    assert [o.status for o in outcomes] == ["posted"]
    answered = [r for r in fake.calls("chat.postMessage")]
    assert len(answered) == 3  # 429, 500, then the one that went through
    (d,) = deliveries(engine)
    assert (d.status, d.attempts) == ("posted", 1)
    assert d.message_ts is not None


def test_a_post_that_still_fails_is_retried_next_tick_never_duplicated(cfg, engine, world, fake):
    fake.fail_next("chat.postMessage", status=503, error="service_unavailable", times=3)  # 1 try + 2 retries
    assert [o.status for o in tick(cfg, engine)] == ["failed"]
    (d,) = deliveries(engine)
    assert (d.status, d.attempts, d.error) == ("failed", 1, "service_unavailable")
    assert [o.status for o in tick(cfg, engine, now=NOW + timedelta(minutes=1))] == ["posted"]
    assert tick(cfg, engine, now=NOW + timedelta(minutes=2)) == []
    (d,) = deliveries(engine)
    assert (d.status, d.attempts) == ("posted", 2)
    assert len(fake.calls("chat.postMessage")) == 4


def test_failed_posts_stop_after_max_attempts(cfg, engine, world, fake):
    fake.fail_next("chat.postMessage", status=200, error="msg_too_long", times=10)
    for minute in range(5):
        tick(cfg, engine, now=NOW + timedelta(minutes=minute))
    (d,) = deliveries(engine)
    assert (d.status, d.attempts) == ("failed", 3)
    assert len(fake.calls("chat.postMessage")) == 3


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived"])
def test_channel_errors_disable_the_schedule_and_tell_full_admins(cfg, engine, world, fake, code):
    fake.fail_next("chat.postMessage", status=200, error=code)
    assert [(o.status, o.error) for o in tick(cfg, engine)] == [("disabled", code)]
    with Session(engine) as s:
        sched = s.get(Schedule, world["schedule_id"])
        assert (sched.enabled, sched.disabled_reason) == (False, code)
        assert s.exec(select(AuditEvent.action).where(AuditEvent.action == "schedule.disable")).all() == [
            "schedule.disable"]
    dms = [r for r in fake.calls("chat.postMessage") if r.params.get("channel", "").startswith("U")]
    assert [r.params["channel"] for r in dms] == ["U_FULL"]  # full admins only
    assert "C_DIGEST" in str(dms[0].params["blocks"])
    assert tick(cfg, engine, now=NOW + timedelta(minutes=1)) == []  # stopped, not retried


def test_quiet_subscription_stays_silent_when_nothing_needs_attention(cfg, engine, world, fake):
    with Session(engine) as s:
        sched = s.get(Schedule, world["schedule_id"])
        sched.alerts, sched.quiet_when_empty = ["abandoned_spike"], True
        s.add(sched)
        # a previous digest with the same statuses: nothing changed either
        s.add(DigestSnapshot(partner_id=world["partner_id"], schedule_id=sched.id, period="2026-11-16",
                             as_of=date(2026, 11, 16), taken_at=CREATED,
                             statuses={}))
        s.commit()
    # The snapshot above is empty, so every customer counts as "new": not quiet yet.
    assert [o.status for o in tick(cfg, engine)] == ["posted"]
    # Next week, with the statuses unchanged and no spikes: silent.
    assert [o.status for o in tick(cfg, engine, now=NOW + timedelta(days=7))] == ["skipped"]
    assert len(posts(fake)) == 1
    assert [d.status for d in deliveries(engine)] == ["posted", "skipped"]


def test_claim_race_between_threads_has_one_winner(cfg, engine, world):
    barrier = threading.Barrier(6)
    won = []

    def contend(n):
        barrier.wait()
        got = worker.claim(engine, schedule_id=world["schedule_id"], partner_id=world["partner_id"],
                           period="2026-11-23", due_at=DUE, now=NOW, worker_id=f"w{n}", settings=cfg)
        if got is not None:
            won.append(n)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(won) == 1


def test_abandoned_claim_is_taken_over_only_after_its_lease(cfg, engine, world):
    args = dict(schedule_id=world["schedule_id"], partner_id=world["partner_id"], period="2026-11-23",
                due_at=DUE, settings=cfg)
    first = worker.claim(engine, now=NOW, worker_id="dead", **args)
    assert first is not None and first.attempts == 1
    assert worker.claim(engine, now=NOW + timedelta(seconds=59), worker_id="w2", **args) is None
    taken = worker.claim(engine, now=NOW + timedelta(seconds=61), worker_id="w2", **args)
    assert (taken.claimed_by, taken.attempts) == ("w2", 2)
    assert worker.claim(engine, now=NOW + timedelta(seconds=62), worker_id="w3", **args) is None


def test_takeover_after_the_message_was_posted_only_finishes_the_files(cfg, engine, world, fake):
    # A worker posted the message, uploaded one of its three files, and died.
    with Session(engine) as s:
        s.add(Delivery(partner_id=world["partner_id"], schedule_id=world["schedule_id"], period="2026-11-23",
                       due_at=DUE, status="claimed", claimed_by="dead", lease_until=NOW - timedelta(seconds=1),
                       attempts=1, message_ts="1760000000.000099", channel_id="C_DIGEST", files_posted=1,
                       created_at=DUE, updated_at=DUE))
        s.commit()
    assert [o.status for o in tick(cfg, engine)] == ["posted"]
    assert posts(fake) == []  # the message is not posted again
    assert len(fake.calls("files.completeUploadExternal")) == 2  # only the two not yet posted
    (d,) = deliveries(engine)
    assert (d.status, d.files_posted, d.attempts) == ("posted", 3, 2)


def test_one_partners_failure_does_not_stop_the_others(cfg, engine, world, fake):
    with Session(engine, expire_on_commit=False) as s:
        other = make_partner(s, "Other partner")
        # a region the reports refuse: building this report raises, every time
        broken = Schedule(partner_id=other.id, target_id="C_BROKEN", timezone="America/Sao_Paulo",
                          created_at=CREATED, updated_at=CREATED, kind="report", report_key="devices",
                          region="MARS")
        s.add(broken)
        s.commit()
    outcomes = {o.schedule_id: o.status for o in tick(cfg, engine)}
    assert outcomes == {world["schedule_id"]: "posted", broken.id: "failed"}
    assert len(posts(fake)) == 1


def test_scheduled_report_to_a_dm_with_its_f21_file(cfg, engine, world, fake):
    with Session(engine, expire_on_commit=False) as s:
        s.get(Schedule, world["schedule_id"]).enabled = False
        report = Schedule(partner_id=world["partner_id"], kind="report", report_key="devices", target_type="dm",
                          target_id="U_FULL", frequency="monthly", day_of_month=31, hour=6, timezone="Europe/Madrid",
                          created_at=CREATED, updated_at=CREATED)
        s.add(report)
        alpha = s.exec(select(Customer).where(Customer.name == "Alpha")).one()
        s.add(Device(partner_id=world["partner_id"], customer_id=alpha.id, device_id="d1", product="Cisco 8851",
                     mac="AABBCC000001"))  # one row: a report with rows comes as a file
        s.commit()
    # November has 30 days: the "31st" runs on the 30th, 06:00 in Madrid (UTC+1) = 05:00 UTC.
    assert tick(cfg, engine, now=datetime(2026, 11, 30, 4, 59, tzinfo=timezone.utc)) == []
    outcomes = tick(cfg, engine, now=datetime(2026, 11, 30, 5, 0, 5, tzinfo=timezone.utc))
    assert [(o.status, o.period) for o in outcomes] == [("posted", "2026-11-30")]
    (msg,) = posts(fake, channel="U_FULL")
    assert "Devices" in msg.params["text"]
    (upload,) = fake.calls("files.getUploadURLExternal")
    name = upload.params["filename"]
    prefix, token, day = name[: -len(".csv")].rsplit("_", 2)
    assert (prefix, len(token), token.isalnum(), day) == ("Devices", 10, True, "2026-11-30")


def test_an_empty_scheduled_report_says_no_rows_and_attaches_no_file(cfg, engine, world, fake):
    with Session(engine, expire_on_commit=False) as s:
        s.get(Schedule, world["schedule_id"]).enabled = False  # the world has no device: no rows
        s.add(Schedule(partner_id=world["partner_id"], kind="report", report_key="devices", target_type="dm",
                       target_id="U_FULL", frequency="monthly", day_of_month=31, hour=6, timezone="Europe/Madrid",
                       created_at=CREATED, updated_at=CREATED))
        s.commit()
    outcomes = tick(cfg, engine, now=datetime(2026, 11, 30, 5, 0, 5, tzinfo=timezone.utc))
    assert [(o.status, o.period) for o in outcomes] == [("posted", "2026-11-30")]
    (msg,) = posts(fake, channel="U_FULL")
    assert "No rows this time, so no file." in str(msg.params["blocks"])
    assert fake.calls("files.getUploadURLExternal") == []


def test_frozen_clock_tick_across_the_us_dst_change(cfg, engine, world, fake):
    with Session(engine) as s:
        sched = s.get(Schedule, world["schedule_id"])
        sched.timezone = "America/New_York"
        s.add(sched)
        s.commit()
    # Monday 2026-11-02, the day after the fall-back: 09:00 EST is 14:00 UTC (13:00 a week before).
    with time_machine.travel(datetime(2026, 11, 2, 13, 30, tzinfo=timezone.utc), tick=False):
        assert worker.run_job("tick", cfg, engine, worker_id="w1") == []
    with time_machine.travel(datetime(2026, 11, 2, 14, 0, 20, tzinfo=timezone.utc), tick=False):
        assert utcnow() == datetime(2026, 11, 2, 14, 0, 20, tzinfo=timezone.utc)
        outcomes = worker.run_job("tick", cfg, engine, worker_id="w1")
    assert [(o.status, o.period) for o in outcomes] == [("posted", "2026-11-02")]


def test_spike_digest_attaches_the_csv_and_a_png_chart(cfg, engine, world, fake):
    with Session(engine) as s:
        sched = s.get(Schedule, world["schedule_id"])
        sched.alerts = ["abandoned_spike"]
        s.add(sched)
        customer = s.exec(select(Customer).where(Customer.name == "Alpha")).one()
        # last completed week before Monday 11-23 ends Saturday 11-21: 8/40 = 20% vs a 5% baseline
        for weeks_back, (calls, abandoned) in enumerate([(40, 8), (100, 5), (100, 5), (100, 5), (100, 5)]):
            week = date(2026, 11, 21) - timedelta(days=7 * weeks_back)
            s.add(CallRollup(partner_id=world["partner_id"], customer_id=customer.id, day=week, week_ending=week,
                             queue_calls=calls, queue_abandoned=abandoned))
        s.commit()
    assert [o.status for o in tick(cfg, engine)] == ["posted"]
    names = [r.params["filename"] for r in fake.calls("files.getUploadURLExternal")]
    assert [n.rsplit(".", 1)[1] for n in names] == ["csv", "png", "png"]  # spike chart, licence trend
    pngs = [b for b in fake.uploads.values() if b.startswith(b"\x89PNG")]
    assert len(pngs) == 2
    assert "20.0%" in str(posts(fake)[0].params["blocks"])


def test_cli_lists_jobs_and_refuses_an_unknown_one():
    import json

    from typer.testing import CliRunner

    from bot.cli import app

    listed = CliRunner().invoke(app, ["jobs", "list", "--json"])
    assert listed.exit_code == 0
    assert [j["name"] for j in json.loads(listed.stdout)] == ["tick", "refresh", "prune-calls", "warm"]
    with pytest.raises(Exception) as err:
        CliRunner().invoke(app, ["jobs", "run", "weather"], catch_exceptions=False)
    assert "Unknown job weather" in str(err.value)


def test_refresh_syncs_each_partner_and_skips_those_without_a_webex_token(cfg, engine, world):
    outcomes = worker.run_job("refresh", cfg.model_copy(update={"webex_token": None}), engine,
                              now=datetime(2026, 11, 29, 0, 30, tzinfo=timezone.utc), worker_id="w1")
    assert [(o.period, o.status) for o in outcomes] == [(str(world["partner_id"]), "skipped")]
    with Session(engine) as s:
        from partnerhub_core.models import JobRun

        run = s.exec(select(JobRun).where(JobRun.job == "refresh")).one()
        assert (run.outcome, run.items) == ("ok", 1)


def test_a_schedule_whose_tag_was_deleted_is_stopped_and_admins_told(cfg, engine, world, fake):
    from partnerhub_core.models import Tag

    with Session(engine) as s:
        s.add(Tag(partner_id=world["partner_id"], name="Gold", name_key="gold"))
        sched = s.get(Schedule, world["schedule_id"])
        sched.tag = "Gold"
        s.add(sched)
        s.commit()
        s.delete(s.exec(select(Tag)).one())
        s.commit()
    assert [(o.status, o.error) for o in tick(cfg, engine)] == [("disabled", "No tag named Gold.")]
    with Session(engine) as s:
        sched = s.get(Schedule, world["schedule_id"])
        assert (sched.enabled, sched.disabled_reason) == (False, "No tag named Gold.")
    assert [r.params["channel"] for r in fake.calls("chat.postMessage")] == ["U_FULL"]


def test_refresh_records_a_sync_that_failed_as_failed(cfg, engine, world):
    from partnerhub_core.models import JobRun
    from tests.fakes.webex import FakeWebex

    with FakeWebex(token="wx-refresh") as wx:
        wx.fail_next(500, path_contains="/organizations", times=10)  # Webex down for the listing
        settings = cfg.model_copy(update={
            "webex_token": SecretStr("wx-refresh"), "webex_api_url": wx.url, "webex_max_retries": 1,
            "webex_backoff_s": 0.001})
        outcomes = worker.run_job("refresh", settings, engine,
                                  now=datetime(2026, 11, 29, 0, 30, tzinfo=timezone.utc), worker_id="w1")
    [outcome] = outcomes
    assert (outcome.period, outcome.status) == (str(world["partner_id"]), "failed")
    assert outcome.error.startswith("organizations: 1 failed, first: Webex GET /v1/organizations failed (500)")
    with Session(engine) as s:
        run = s.exec(select(JobRun).where(JobRun.job == "refresh")).one()
        assert (run.outcome, run.items) == ("failed", 0)
        assert run.detail.startswith(f"{world['partner_id']}: organizations: 1 failed, first: Webex GET")


def test_refresh_records_a_sync_that_worked_as_posted(cfg, engine, world):
    from partnerhub_core.models import JobRun
    from tests.fakes.webex import FakeWebex

    with FakeWebex(token="wx-refresh") as wx:  # Webex answers, with no customer organizations
        settings = cfg.model_copy(update={"webex_token": SecretStr("wx-refresh"), "webex_api_url": wx.url})
        outcomes = worker.run_job("refresh", settings, engine,
                                  now=datetime(2026, 11, 29, 0, 30, tzinfo=timezone.utc), worker_id="w1")
    assert [(o.period, o.status, o.error) for o in outcomes] == [(str(world["partner_id"]), "posted", None)]
    with Session(engine) as s:
        run = s.exec(select(JobRun).where(JobRun.job == "refresh")).one()
        assert (run.outcome, run.items, run.detail) == ("ok", 1, None)


def test_refresh_under_a_frozen_date_dates_its_snapshots_in_that_week(cfg, engine, world):
    """The worker's weekly sync honours PARTNERHUB_AS_OF like every command: a refresh run on
    the real 29th under AS_OF=2026-11-18 (a Wednesday) writes the week ending Saturday the 14th."""
    from partnerhub_core.models import LicenseSnapshot, Subscription
    from tests.fakes.webex import FakeWebex

    with FakeWebex(token="wx-refresh") as wx:
        wx.add_org("org-frozen", "Frozen Co")
        wx.licenses["org-frozen"] = [{"id": "L1", "name": "Webex Calling - Professional", "totalUnits": 10,
                                      "consumedUnits": 4, "subscriptionId": "SUB-F"}]
        settings = cfg.model_copy(update={
            "webex_token": SecretStr("wx-refresh"), "webex_api_url": wx.url, "webex_cdr_url": wx.cdr_url("us"),
            "as_of": date(2026, 11, 18), "webex_max_retries": 1, "webex_backoff_s": 0.001,
            "webex_retry_after_default_s": 0.001})
        worker.run_job("refresh", settings, engine, now=datetime(2026, 11, 29, 0, 30, tzinfo=timezone.utc),
                       worker_id="w1")
    with Session(engine) as s:
        weeks = {str(x.week_ending) for x in s.exec(
            select(LicenseSnapshot).join(Subscription, Subscription.id == LicenseSnapshot.subscription_pk)
            .where(Subscription.subscription_id == "SUB-F"))}
    assert weeks == {"2026-11-14"}


def test_refresh_records_a_source_without_its_scope_as_ok_with_a_note(cfg, engine, world):
    """A token without audit:events_read: admin sign-in is not connected, which is not a
    failed refresh (it would fail every week until the partner grants the scope)."""
    from partnerhub_core.models import JobRun
    from tests.fakes.webex import FakeWebex

    with FakeWebex(token="wx-refresh") as wx:
        wx.add_org("org-1", "Scopeless Co")
        wx.licenses["org-1"] = [{"id": "L1", "name": "Meeting - Webex Enterprise", "totalUnits": 10,
                                 "consumedUnits": 4, "subscriptionId": "SUB-S"}]
        wx.deny("/v1/adminAudit/events", "audit:events_read")
        settings = cfg.model_copy(update={
            "webex_token": SecretStr("wx-refresh"), "webex_api_url": wx.url, "webex_cdr_url": wx.cdr_url("us"),
            "webex_max_retries": 1, "webex_backoff_s": 0.001, "webex_retry_after_default_s": 0.001})
        outcomes = worker.run_job("refresh", settings, engine,
                                  now=datetime(2026, 11, 29, 0, 30, tzinfo=timezone.utc), worker_id="w1")
    note = "sign_in: not connected: missing scope audit:events_read; see partnerhub sources"
    assert [(o.period, o.status, o.error) for o in outcomes] == [(str(world["partner_id"]), "posted", note)]
    with Session(engine) as s:
        run = s.exec(select(JobRun).where(JobRun.job == "refresh")).one()
        assert (run.outcome, run.items, run.detail) == ("ok", 1, f"{world['partner_id']}: {note}")


def test_refresh_with_a_source_down_still_fails(cfg, engine, world):
    from partnerhub_core.models import JobRun
    from tests.fakes.webex import FakeWebex

    with FakeWebex(token="wx-refresh") as wx:
        wx.add_org("org-1", "Down Co")
        wx.fail_next(503, path_contains="/v1/adminAudit/events", times=100)  # down, not refused
        settings = cfg.model_copy(update={
            "webex_token": SecretStr("wx-refresh"), "webex_api_url": wx.url, "webex_cdr_url": wx.cdr_url("us"),
            "webex_max_retries": 1, "webex_backoff_s": 0.001, "webex_retry_after_default_s": 0.001})
        [outcome] = worker.run_job("refresh", settings, engine,
                                   now=datetime(2026, 11, 29, 0, 30, tzinfo=timezone.utc), worker_id="w1")
    assert outcome.status == "failed" and outcome.error.startswith("sign_in: 1 failed")
    with Session(engine) as s:
        run = s.exec(select(JobRun).where(JobRun.job == "refresh")).one()
        assert run.outcome == "failed"
