"""Schedule math (time zones, DST, month ends), parsing, and the schedule services."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlmodel import select

from partnerhub_core import schedules
from partnerhub_core.auth import Actor
from partnerhub_core.errors import BadInput, NotAllowed, NotFound
from partnerhub_core.models import AuditEvent, Partner, Role, Schedule, Tag, utcnow
from partnerhub_core.schedules import ScheduleSpec, When

UTC = timezone.utc


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- time zones and daylight saving --------------------------------------------------
def test_monday_0900_sao_paulo_stays_0900_local_across_brazil_dst_2018():
    # Brazil started DST on Sunday 2018-11-04 (-03 -> -02); it has had none since 2019.
    when = When("weekly", weekday=0, hour=9, minute=0, timezone="America/Sao_Paulo")
    before = schedules.next_run(when, utc(2018, 10, 27, 0, 0))
    after = schedules.next_run(when, before)
    assert before == utc(2018, 10, 29, 12, 0)  # 09:00 at -03
    assert after == utc(2018, 11, 5, 11, 0)  # 09:00 at -02
    assert schedules.period_key(when, after) == "2018-11-05"


def test_monday_0900_new_york_across_the_2026_fall_back():
    # US DST ends Sunday 2026-11-01: EDT (-4) before, EST (-5) after.
    when = When("weekly", weekday=0, hour=9, minute=0, timezone="America/New_York")
    assert schedules.next_run(when, utc(2026, 10, 25, 12, 0)) == utc(2026, 10, 26, 13, 0)
    assert schedules.next_run(when, utc(2026, 10, 26, 13, 0)) == utc(2026, 11, 2, 14, 0)


def test_sao_paulo_in_2026_is_utc_minus_3_all_year():
    when = When("weekly", weekday=0, hour=9, minute=0, timezone="America/Sao_Paulo")
    assert schedules.next_run(when, utc(2026, 11, 20, 0, 0)) == utc(2026, 11, 23, 12, 0)
    assert schedules.next_run(when, utc(2026, 7, 1, 0, 0)) == utc(2026, 7, 6, 12, 0)


def test_time_skipped_by_spring_forward_runs_with_the_pre_change_offset():
    # 2026-03-08 02:30 does not exist in New York; it runs at 07:30 UTC (03:30 EDT).
    when = When("daily", hour=2, minute=30, timezone="America/New_York")
    assert schedules.next_run(when, utc(2026, 3, 8, 0, 0)) == utc(2026, 3, 8, 7, 30)
    assert schedules.next_run(when, utc(2026, 3, 8, 7, 30)) == utc(2026, 3, 9, 6, 30)


def test_time_repeated_by_fall_back_is_one_period():
    # 01:30 happens twice in New York on 2026-11-01 (05:30 and 06:30 UTC): one claim key.
    when = When("daily", hour=1, minute=30, timezone="America/New_York")
    first = schedules.last_run(when, utc(2026, 11, 1, 5, 45))
    second = schedules.last_run(when, utc(2026, 11, 1, 6, 45))
    assert first == second == utc(2026, 11, 1, 5, 30)
    assert schedules.period_key(when, first) == "2026-11-01"


def test_monthly_on_the_31st_runs_on_the_last_day_of_shorter_months():
    when = When("monthly", day_of_month=31, hour=8, minute=0, timezone="Europe/Madrid")
    runs = []
    now = utc(2026, 1, 1, 0, 0)
    for _ in range(5):
        now = schedules.next_run(when, now)
        runs.append(now)
    # Madrid is UTC+1 in winter, UTC+2 from 2026-03-29.
    assert runs == [
        utc(2026, 1, 31, 7, 0),
        utc(2026, 2, 28, 7, 0),
        utc(2026, 3, 31, 6, 0),
        utc(2026, 4, 30, 6, 0),
        utc(2026, 5, 31, 6, 0),
    ]
    leap = schedules.next_run(when, utc(2028, 2, 1, 0, 0))
    assert leap == utc(2028, 2, 29, 7, 0)


def test_period_key_is_the_local_date_not_the_utc_date():
    # Monday 09:00 in Auckland (UTC+13 in November) is Sunday 20:00 UTC.
    when = When("weekly", weekday=0, hour=9, minute=0, timezone="Pacific/Auckland")
    at = schedules.next_run(when, utc(2026, 11, 20, 0, 0))
    assert at == utc(2026, 11, 22, 20, 0)
    assert schedules.period_key(when, at) == "2026-11-23"


def test_due_period_respects_catch_up_window_and_creation_time():
    when = When("weekly", weekday=0, hour=9, minute=0, timezone="America/Sao_Paulo")
    created = utc(2026, 11, 1, 0, 0)
    catchup = timedelta(hours=12)
    # Monday 2026-11-23 09:00 local = 12:00 UTC
    # a minute before, the last run (a week ago) is past the catch-up window
    assert schedules.due_period(when, utc(2026, 11, 23, 11, 59), not_before=created, catchup=catchup) is None
    assert schedules.due_period(when, utc(2026, 11, 16, 23, 0), not_before=created, catchup=catchup)[0] == "2026-11-16"
    assert schedules.due_period(when, utc(2026, 11, 23, 12, 0), not_before=created, catchup=catchup) == (
        "2026-11-23", utc(2026, 11, 23, 12, 0))
    assert schedules.due_period(when, utc(2026, 11, 24, 0, 0), not_before=created, catchup=catchup)[0] == "2026-11-23"
    assert schedules.due_period(when, utc(2026, 11, 24, 0, 1), not_before=created, catchup=catchup) is None
    # created after the occurrence: nothing is owed for it
    assert schedules.due_period(when, utc(2026, 11, 23, 13, 0), not_before=utc(2026, 11, 23, 12, 30),
                                catchup=catchup) is None


def test_frozen_clock_entry_point_finds_the_period_due_now():
    when = When("weekly", weekday=0, hour=9, minute=0, timezone="America/Sao_Paulo")
    with time_machine.travel(utc(2026, 11, 23, 12, 5), tick=False):
        now = utcnow()
        assert schedules.due_period(when, now, not_before=utc(2026, 1, 1), catchup=timedelta(hours=1)) == (
            "2026-11-23", utc(2026, 11, 23, 12, 0))
        assert schedules.next_run(when, now) == utc(2026, 11, 30, 12, 0)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        schedules.next_run(When(), datetime(2026, 11, 23, 9, 0))


# --- parsing ----------------------------------------------------------------------
def test_spec_parses_every_option():
    spec = ScheduleSpec.parse(
        "monthly on:31 at:7:45 tz:Europe/Madrid alerts:overage,spikes tag:Gold region:eu lang:pt-BR quiet".split()
    )
    assert (spec.frequency, spec.day_of_month, spec.hour, spec.minute) == ("monthly", 31, 7, 45)
    assert spec.timezone == "Europe/Madrid"
    assert spec.alerts == ["overage", "abandoned_spike"]
    assert (spec.tag, spec.region, spec.language, spec.quiet_when_empty) == ("Gold", "EU", "pt_BR", True)


def test_spec_defaults_to_all_alerts_weekly_monday_0900():
    spec = ScheduleSpec.parse([])
    assert spec.alerts == ["expiring", "overage", "low_assignment", "abandoned_spike"]
    assert spec.when("America/Sao_Paulo") == When("weekly", 0, 1, 9, 0, "America/Sao_Paulo")


@pytest.mark.parametrize(
    "words, fragment",
    [
        (["tz:Mars/Olympus"], "Unknown time zone"),
        (["at:25:00"], "Unknown time"),
        (["monthly", "on:32"], "day of the month"),
        (["on:someday"], "Unknown weekday"),
        (["alerts:weather"], "Unknown alert"),
        (["region:MOON"], "is not a region"),
        (["lang:fr"], "Unknown language"),
        (["colour:red"], "Unknown option"),
    ],
)
def test_spec_rejects_bad_words_with_a_clear_message(words, fragment):
    with pytest.raises(BadInput) as err:
        ScheduleSpec.parse(words)
    assert fragment in err.value.message


# --- services ---------------------------------------------------------------------
NOW = utc(2026, 11, 20, 15, 0)


@pytest.fixture
def partner(session):
    p = Partner(name="Acme Partner")
    session.add(p)
    session.flush()
    session.add(Tag(partner_id=p.id, name="Gold", name_key="gold"))
    session.flush()
    return p


def test_subscribe_twice_updates_the_one_subscription_of_the_channel(session, partner):
    actor = Actor(partner_id=partner.id, role=Role.ADMIN, admin_id=None, label="slack:U1")
    first = schedules.subscribe_digest(session=session, actor=actor, channel_id="C1",
                                       spec=ScheduleSpec.parse(["tag:gold"]), now=NOW,
                                       default_timezone="America/Sao_Paulo")
    again = schedules.subscribe_digest(session=session, actor=actor, channel_id="C1",
                                       spec=ScheduleSpec.parse(["alerts:overage", "daily", "at:08:00"]), now=NOW)
    assert first.id == again.id
    rows = session.exec(select(Schedule).where(Schedule.partner_id == partner.id)).all()
    assert len(rows) == 1
    assert (rows[0].alerts, rows[0].frequency, rows[0].hour, rows[0].tag) == (["overage"], "daily", 8, None)
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["digest.subscribe", "digest.subscribe"]


def test_read_only_and_sales_admins_cannot_change_schedules(session, partner):
    for role in (Role.READ_ONLY, Role.SALES_ADMIN):
        actor = Actor(partner_id=partner.id, role=role, admin_id=7)
        with pytest.raises(NotAllowed):
            schedules.subscribe_digest(session=session, actor=actor, channel_id="C1",
                                       spec=ScheduleSpec(), now=NOW)


def test_unknown_tag_is_not_found(session, partner):
    actor = Actor.system(partner.id)
    with pytest.raises(NotFound):
        schedules.subscribe_digest(session=session, actor=actor, channel_id="C1",
                                   spec=ScheduleSpec.parse(["tag:Silver"]), now=NOW)


def test_schedule_report_list_and_delete(session, partner):
    actor = Actor.system(partner.id, label="slack:U9")
    sched = schedules.schedule_report(
        session=session, actor=actor, report_key="devices", target_type="dm", target_id="U9",
        spec=ScheduleSpec.parse(["monthly", "on:31", "at:06:00"]), now=NOW, known_reports={"devices", "numbers"},
    )
    assert (sched.kind, sched.target_type, sched.day_of_month, sched.timezone) == ("report", "dm", 31, "UTC")
    with pytest.raises(NotFound) as err:
        schedules.schedule_report(session=session, actor=actor, report_key="weather", target_type="dm",
                                  target_id="U9", spec=ScheduleSpec(), now=NOW, known_reports={"devices"})
    assert err.value.params["choices"] == "devices"
    assert [s.id for s in schedules.list_schedules(session=session, actor=actor)] == [sched.id]
    schedules.delete_schedule(session=session, actor=actor, schedule_id=sched.id, now=NOW)
    assert schedules.list_schedules(session=session, actor=actor) == []
    with pytest.raises(NotFound):
        schedules.delete_schedule(session=session, actor=actor, schedule_id=sched.id, now=NOW)


def test_other_partners_schedule_is_not_found(session, partner):
    other = Partner(name="Other")
    session.add(other)
    session.flush()
    mine = schedules.subscribe_digest(session=session, actor=Actor.system(partner.id), channel_id="C1",
                                      spec=ScheduleSpec(), now=NOW)
    with pytest.raises(NotFound):
        schedules.delete_schedule(session=session, actor=Actor.system(other.id), schedule_id=mine.id, now=NOW)


def test_disable_records_reason_and_audit(session, partner):
    actor = Actor.system(partner.id, label="system:worker")
    s = schedules.subscribe_digest(session=session, actor=actor, channel_id="C1", spec=ScheduleSpec(), now=NOW)
    schedules.disable_schedule(session=session, actor=actor, schedule_id=s.id, reason="channel_not_found", now=NOW)
    assert (s.enabled, s.disabled_reason) == (False, "channel_not_found")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "schedule.disable")).one()
    assert event.after["disabled_reason"] == "channel_not_found"
    assert event.before["enabled"] is True
