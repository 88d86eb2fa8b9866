"""Slack event retries are claimed once per team and event_id (partnerhub_core/event_once.py)."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from partnerhub_core.event_once import first_time
from partnerhub_core.models import RateLimitCounter

NOON = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)


def test_a_retry_is_not_first_and_another_team_is_its_own(session):
    assert first_time(session, team_id="T1", event_id="Ev1", now=NOON)
    assert not first_time(session, team_id="T1", event_id="Ev1", now=NOON + timedelta(minutes=5))
    assert first_time(session, team_id="T2", event_id="Ev1", now=NOON)
    assert first_time(session, team_id="T1", event_id="Ev2", now=NOON)


def test_a_retry_straddling_midnight_is_still_a_retry(session):
    late = datetime(2026, 12, 5, 23, 59, 58, tzinfo=timezone.utc)
    assert first_time(session, team_id="T1", event_id="EvM", now=late)
    assert not first_time(session, team_id="T1", event_id="EvM", now=late + timedelta(seconds=5))


def test_rows_older_than_a_day_are_pruned_per_team(session):
    assert first_time(session, team_id="T1", event_id="EvOld", now=NOON)
    assert first_time(session, team_id="T2", event_id="EvOld", now=NOON)
    # Two days later, T1's next event drops T1's old row (not T2's).
    assert first_time(session, team_id="T1", event_id="EvNew", now=NOON + timedelta(days=2))
    keys = sorted(session.execute(sa.select(RateLimitCounter.key)).scalars())
    assert keys == ["event:T1:EvNew", "event:T2:EvOld"]
