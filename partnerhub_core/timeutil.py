"""Calendar helpers shared by analytics, reports and the worker. Pure: no wall clock."""
from __future__ import annotations

from datetime import date, timedelta


def week_ending(day: date) -> date:
    """The Saturday that closes the week (Sunday..Saturday) holding ``day``."""
    # Monday=0 .. Saturday=5, Sunday=6
    return day + timedelta(days=(5 - day.weekday()) % 7)


def last_completed_week_ending(as_of: date) -> date:
    """Calling data is weekly; the newest complete week ended on the last Saturday
    strictly before ``as_of`` (data for it is refreshed Sunday 00:00 UTC)."""
    return as_of - timedelta(days=((as_of.weekday() - 5) % 7) or 7)
