"""The process's today and now (PARTNERHUB_AS_OF freezes both to one day)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from partnerhub_core.settings import Settings


def test_as_of_freezes_now_to_that_day_at_the_current_utc_time():
    now = Settings(as_of=date(2026, 11, 25)).now()
    real = datetime.now(timezone.utc)
    assert now.date() == date(2026, 11, 25) and now.tzinfo is not None
    assert abs((now.replace(year=real.year, month=real.month, day=real.day) - real)) < timedelta(seconds=5)


def test_without_as_of_now_is_the_real_instant():
    assert abs(Settings(as_of=None).now() - datetime.now(timezone.utc)) < timedelta(seconds=5)
