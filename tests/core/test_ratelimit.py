"""Fair use: per-person and per-workspace windows, stored in the database, time passed in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from partnerhub_core import ratelimit
from partnerhub_core.models import RateLimitCounter
from partnerhub_core.settings import Settings

# A window of 300 s starting at 10:00:00 UTC (epoch seconds divisible by 300).
T0 = datetime(2026, 11, 23, 10, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def limits(db_url) -> Settings:
    return Settings(database_url=db_url, rate_limit_window_seconds=300, rate_limit_per_user=3,
                    rate_limit_per_workspace=5)


def _check(engine, limits, user="U1", team="T1", at=T0):
    return ratelimit.check_now(engine, team_id=team, user_id=user, now=at, settings=limits)


def test_fourth_request_in_the_window_is_refused_with_the_seconds_left(engine, limits):
    for second in (0, 10, 20):
        assert _check(engine, limits, at=T0 + timedelta(seconds=second)).allowed
    refused = _check(engine, limits, at=T0 + timedelta(seconds=59, microseconds=500_000))
    assert refused == ratelimit.Decision(False, 241, "user", 3)  # 300 - 59.5, rounded up


def test_user_gets_back_in_when_the_window_ends(engine, limits):
    for _ in range(3):
        _check(engine, limits)
    assert not _check(engine, limits, at=T0 + timedelta(seconds=299)).allowed
    assert _check(engine, limits, at=T0 + timedelta(seconds=300)).allowed


def test_other_users_are_not_limited_by_one_busy_user(engine, limits):
    for _ in range(4):
        _check(engine, limits, user="U1")
    assert _check(engine, limits, user="U2").allowed


def test_workspace_limit_counts_everyone_and_spares_the_refused_users_allowance(engine, limits):
    for user in ("U1", "U1", "U2", "U2", "U3"):  # 5 = the workspace's allowance
        assert _check(engine, limits, user=user).allowed
    refused = _check(engine, limits, user="U4", at=T0 + timedelta(seconds=100))
    assert refused == ratelimit.Decision(False, 200, "workspace", 5)
    # Another workspace is unaffected.
    assert _check(engine, limits, user="U4", team="T2").allowed
    with Session(engine) as s:
        u4 = s.exec(select(RateLimitCounter.hits).where(RateLimitCounter.key == "user:T1:U4:expensive")).one()
    assert u4 == 0


def test_old_windows_are_cleaned_up(engine, limits):
    _check(engine, limits)
    _check(engine, limits, at=T0 + timedelta(seconds=600))
    with Session(engine) as s:
        starts = s.exec(select(RateLimitCounter.window_start).where(RateLimitCounter.key == "user:T1:U1:expensive")).all()
    assert starts == [int(T0.timestamp()) + 600]


def test_refusal_is_polite_and_says_when_to_retry():
    short = ratelimit.refusal(ratelimit.Decision(False, 45, "user", 6))
    assert short.render() == (
        "You have asked for 6 reports and downloads in a short time, the most allowed. "
        "Please try again in 45 seconds."
    )
    assert short.retry_after == 45
    long = ratelimit.refusal(ratelimit.Decision(False, 241, "workspace", 30))
    assert long.render() == (
        "This workspace has asked for a lot of reports and downloads in a short time. "
        "Please try again in 5 minutes."
    )


def test_enforce_raises_the_typed_error(engine, limits):
    with Session(engine) as s:
        for _ in range(3):
            ratelimit.enforce(s, team_id="T1", user_id="U1", now=T0, settings=limits)
        with pytest.raises(ratelimit.RateLimited) as err:
            ratelimit.enforce(s, team_id="T1", user_id="U1", now=T0 + timedelta(seconds=1), settings=limits)
    assert err.value.retry_after == 299


def test_naive_time_is_rejected(engine, limits):
    with pytest.raises(ValueError):
        _check(engine, limits, at=datetime(2026, 11, 23, 10, 0))
