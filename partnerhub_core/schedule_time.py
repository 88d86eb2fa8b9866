"""When schedules of digests and reports run: pure math, no database.

The math is pure: it takes ``now`` (an aware instant) and the schedule's IANA time zone.
A schedule runs at local wall time, so "Monday 09:00 America/Sao_Paulo" is 09:00 there
whatever the UTC offset is that day. Each run has a *period key* — the local date of the
occurrence — which is what the worker claims, once, in ``Delivery``.

Rules for awkward wall times: a monthly schedule on a day a month lacks (29–31) runs on
that month's last day; a time skipped by a spring-forward change runs at the same
wall time with the pre-change offset (02:30 -> 03:30 local); a time repeated by a
fall-back change runs once, at its first occurrence.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import Frequency

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# How far back the worker looks for a run it has not posted yet; the catch-up window
# of the settings is usually much shorter than this.
_SEARCH_DAYS = 64


@dataclass(frozen=True)
class When:
    """The timing part of a schedule (a Schedule row satisfies the same shape)."""

    frequency: str = Frequency.WEEKLY
    weekday: int = 0
    day_of_month: int = 1
    hour: int = 9
    minute: int = 0
    timezone: str = "UTC"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(
            N_("Unknown time zone {tz}. Use an IANA name such as America/Sao_Paulo or Europe/Madrid."),
            tz=name,
        ) from None


def runs_on(when, day: date) -> bool:
    """Whether the schedule has an occurrence on this local date."""
    if when.frequency == Frequency.DAILY:
        return True
    if when.frequency == Frequency.WEEKLY:
        return day.weekday() == when.weekday
    if when.frequency == Frequency.MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(when.day_of_month, last)
    raise BadInput(N_("Unknown frequency {frequency}: use daily, weekly or monthly."),
                   frequency=when.frequency)


def occurrence(when, day: date) -> datetime:
    """The UTC instant of the occurrence on a local date (fold=0: first of a repeated
    hour; a skipped hour keeps the pre-change offset)."""
    local = datetime.combine(day, time(when.hour, when.minute), tzinfo=zone(when.timezone))
    return local.astimezone(timezone.utc)


def last_run(when, now: datetime) -> datetime | None:
    """The most recent occurrence at or before ``now`` (UTC), or None in the last 64 days."""
    _require_aware(now)
    today = now.astimezone(zone(when.timezone)).date()
    for back in range(_SEARCH_DAYS):
        day = today - timedelta(days=back)
        if runs_on(when, day):
            at = occurrence(when, day)
            if at <= now:
                return at
    return None


def next_run(when, now: datetime) -> datetime:
    """The first occurrence strictly after ``now`` (UTC)."""
    _require_aware(now)
    today = now.astimezone(zone(when.timezone)).date()
    for ahead in range(_SEARCH_DAYS):
        day = today + timedelta(days=ahead)
        if runs_on(when, day):
            at = occurrence(when, day)
            if at > now:
                return at
    raise AssertionError("every frequency runs at least once in 64 days")  # pragma: no cover


def period_key(when, at: datetime) -> str:
    """The claim key of an occurrence: its local date, "2026-11-23"."""
    return at.astimezone(zone(when.timezone)).date().isoformat()


def due_period(when, now: datetime, *, not_before: datetime, catchup: timedelta) -> tuple[str, datetime] | None:
    """The period that should be posted at ``now``: the last occurrence, if it is not
    older than ``catchup`` and not before the schedule existed (``not_before``)."""
    at = last_run(when, now)
    if at is None or at < not_before or now - at > catchup:
        return None
    return period_key(when, at), at


def describe(when) -> str:
    """English summary used in lists: "weekly on Monday at 09:00 (America/Sao_Paulo)"."""
    hhmm = f"{when.hour:02d}:{when.minute:02d}"
    if when.frequency == Frequency.DAILY:
        return f"daily at {hhmm} ({when.timezone})"
    if when.frequency == Frequency.WEEKLY:
        return f"weekly on {WEEKDAY_NAMES[when.weekday]} at {hhmm} ({when.timezone})"
    return f"monthly on day {when.day_of_month} at {hhmm} ({when.timezone})"


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


def known_timezones() -> set[str]:
    return available_timezones()
