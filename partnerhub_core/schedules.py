"""Schedules of digests and reports: when they run, and the services that manage them.

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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import Session, select

from partnerhub_core import audit
from partnerhub_core.auth import Actor, Permission, require
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_, is_supported, normalize_locale
from partnerhub_core.models import (
    AlertKind,
    Delivery,
    DigestSnapshot,
    Frequency,
    Region,
    Schedule,
    ScheduleKind,
    TargetType,
)

WEEKDAYS = {
    "mon": 0, "monday": 0, "seg": 0, "lun": 0,
    "tue": 1, "tuesday": 1, "ter": 1, "mar": 1,
    "wed": 2, "wednesday": 2, "qua": 2, "mie": 2, "mié": 2,
    "thu": 3, "thursday": 3, "qui": 3, "jue": 3,
    "fri": 4, "friday": 4, "sex": 4, "vie": 4,
    "sat": 5, "saturday": 5, "sab": 5, "sáb": 5,
    "sun": 6, "sunday": 6, "dom": 6,
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Words people type for each alert; the first is the canonical short name.
ALERT_WORDS: dict[str, AlertKind] = {
    "expiring": AlertKind.EXPIRING,
    "trials": AlertKind.EXPIRING,
    "overage": AlertKind.OVERAGE,
    "over": AlertKind.OVERAGE,
    "low": AlertKind.LOW_ASSIGNMENT,
    "low_assignment": AlertKind.LOW_ASSIGNMENT,
    "spikes": AlertKind.ABANDONED_SPIKE,
    "spike": AlertKind.ABANDONED_SPIKE,
    "abandoned": AlertKind.ABANDONED_SPIKE,
    "abandoned_spike": AlertKind.ABANDONED_SPIKE,
}
ALL_ALERTS = [k.value for k in AlertKind]

# How far back the worker looks for a run it has not posted yet; the catch-up window
# of the settings is usually much shorter than this.
_SEARCH_DAYS = 64


# ---------------------------------------------------------------------------------
# Pure schedule math
# ---------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------
# Parsing what people type
# ---------------------------------------------------------------------------------
@dataclass
class ScheduleSpec:
    """Options of a digest subscription or a scheduled report, from command words:

    ``daily|weekly|monthly  on:mon|on:31  at:09:00  tz:America/Sao_Paulo
    alerts:expiring,overage,low,spikes  tag:NAME  region:EU  lang:pt-BR  quiet``
    """

    frequency: str = Frequency.WEEKLY
    weekday: int = 0
    day_of_month: int = 1
    hour: int = 9
    minute: int = 0
    timezone: str | None = None  # None: the caller's default
    alerts: list[str] = field(default_factory=lambda: list(ALL_ALERTS))
    tag: str | None = None
    region: str | None = None
    language: str | None = None
    quiet_when_empty: bool = False
    words: list[str] = field(default_factory=list)  # positional words left over

    @classmethod
    def parse(cls, tokens: list[str]) -> "ScheduleSpec":
        spec = cls()
        day_word: str | None = None
        for raw in tokens:
            token = raw.strip()
            if not token:
                continue
            low = token.lower()
            if low in ("daily", "weekly", "monthly"):
                spec.frequency = Frequency(low)
            elif low in ("quiet", "quiet:yes", "silent"):
                spec.quiet_when_empty = True
            elif ":" in token and not token.startswith(("<", "#")):
                key, _, value = token.partition(":")
                spec._apply(key.lower(), value.strip(), raw)
                if key.lower() in ("on", "day"):
                    day_word = value.strip()
            else:
                spec.words.append(token)
        if day_word is not None:
            spec._apply_day(day_word)
        return spec

    def _apply(self, key: str, value: str, raw: str) -> None:
        if not value:
            raise BadInput(N_("{word} needs a value after the colon."), word=raw)
        if key in ("on", "day"):
            return  # applied after the frequency is known
        if key == "at":
            self.hour, self.minute = _parse_time(value)
        elif key in ("tz", "timezone"):
            zone(value)
            self.timezone = value
        elif key in ("alerts", "alert"):
            self.alerts = _parse_alerts(value)
        elif key == "tag":
            self.tag = value
        elif key == "region":
            region = value.upper()
            if region not in {r.value for r in Region}:
                raise BadInput(N_("Unknown region {region}: use US, CA, EU or UAE."), region=value)
            self.region = region
        elif key in ("lang", "language"):
            if not is_supported(value):
                raise BadInput(N_("Unknown language {lang}: use en, pt-BR or es."), lang=value)
            self.language = normalize_locale(value)
        elif key in ("every", "frequency"):
            if value.lower() not in ("daily", "weekly", "monthly"):
                raise BadInput(N_("Unknown frequency {frequency}: use daily, weekly or monthly."),
                               frequency=value)
            self.frequency = Frequency(value.lower())
        else:
            raise BadInput(N_("Unknown option {word}."), word=raw)

    def _apply_day(self, value: str) -> None:
        low = value.lower()
        if self.frequency == Frequency.MONTHLY:
            if not low.isdigit() or not 1 <= int(low) <= 31:
                raise BadInput(N_("A monthly schedule runs on a day of the month from 1 to 31, not {day}."),
                               day=value)
            self.day_of_month = int(low)
            return
        if low not in WEEKDAYS:
            raise BadInput(N_("Unknown weekday {day}: use mon, tue, wed, thu, fri, sat or sun."), day=value)
        self.weekday = WEEKDAYS[low]
        if self.frequency == Frequency.DAILY:
            self.frequency = Frequency.WEEKLY  # "daily on:mon" makes no sense; on: wins

    def when(self, default_timezone: str = "UTC") -> When:
        return When(self.frequency, self.weekday, self.day_of_month, self.hour, self.minute,
                    self.timezone or default_timezone)


def _parse_time(value: str) -> tuple[int, int]:
    text = value.lower().replace("h", ":").rstrip(":")
    hh, _, mm = text.partition(":")
    if hh.isdigit() and (mm == "" or mm.isdigit()):
        hour, minute = int(hh), int(mm or 0)
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return hour, minute
    raise BadInput(N_("Unknown time {time}: use 24-hour HH:MM, such as 09:00."), time=value)


def _parse_alerts(value: str) -> list[str]:
    chosen: list[str] = []
    for word in value.lower().replace(";", ",").split(","):
        word = word.strip()
        if not word:
            continue
        if word == "all":
            return list(ALL_ALERTS)
        if word not in ALERT_WORDS:
            raise BadInput(N_("Unknown alert {alert}: use expiring, overage, low or spikes."), alert=word)
        kind = ALERT_WORDS[word].value
        if kind not in chosen:
            chosen.append(kind)
    if not chosen:
        raise BadInput(N_("Choose at least one alert: expiring, overage, low or spikes."))
    return [k for k in ALL_ALERTS if k in chosen]


# ---------------------------------------------------------------------------------
# Services (never commit: the caller owns the transaction)
# ---------------------------------------------------------------------------------
def _snapshot(schedule: Schedule) -> dict:
    return {
        "kind": schedule.kind, "target_type": schedule.target_type, "target_id": schedule.target_id,
        "alerts": list(schedule.alerts or []), "report_key": schedule.report_key,
        "tag": schedule.tag, "region": schedule.region, "language": schedule.language,
        "quiet_when_empty": schedule.quiet_when_empty, "when": describe(schedule),
        "enabled": schedule.enabled, "disabled_reason": schedule.disabled_reason,
    }


def _apply_spec(schedule: Schedule, spec: ScheduleSpec, default_timezone: str, default_language: str) -> None:
    when = spec.when(default_timezone)
    zone(when.timezone)
    schedule.frequency = when.frequency
    schedule.weekday = when.weekday
    schedule.day_of_month = when.day_of_month
    schedule.hour = when.hour
    schedule.minute = when.minute
    schedule.timezone = when.timezone
    schedule.tag = spec.tag
    schedule.region = spec.region
    schedule.language = spec.language or normalize_locale(default_language)
    schedule.quiet_when_empty = spec.quiet_when_empty


def _scope_of(actor: Actor) -> int | None:
    """An admin who sees only assigned customers makes schedules that show only those."""
    return None if actor.sees_all_customers else actor.admin_id


def schedule_scope(session: Session, schedule: Schedule) -> set[int] | None:
    """The customer ids a schedule may show (None: all of the partner's). A schedule whose
    scoping admin is gone, or moved to another partner, shows nothing."""
    if schedule.scope_admin_id is None:
        return None
    from partnerhub_core.auth import visible_customer_ids
    from partnerhub_core.models import PartnerAdmin

    admin = session.get(PartnerAdmin, schedule.scope_admin_id)
    if admin is None or admin.partner_id != schedule.partner_id:
        return set()
    return visible_customer_ids(session, Actor.for_admin(admin))


def _check_tag(session: Session, partner_id: int, tag: str | None) -> None:
    if tag is None:
        return
    from partnerhub_core.models import Tag, search_key

    found = session.exec(
        select(Tag.id).where(Tag.partner_id == partner_id, Tag.name_key == search_key(tag))
    ).first()
    if found is None:
        raise NotFound(N_("There is no tag named {tag}."), tag=tag)


def subscribe_digest(
    *,
    session: Session,
    actor: Actor,
    channel_id: str,
    spec: ScheduleSpec,
    now: datetime,
    workspace_id: int | None = None,
    default_timezone: str = "UTC",
    default_language: str = "en",
) -> Schedule:
    """Subscribe a channel to the digest, or change its subscription (one per channel)."""
    require(actor, Permission.MANAGE_SCHEDULES)
    if not channel_id:
        raise BadInput(N_("Say which channel gets the digest."))
    _check_tag(session, actor.partner_id, spec.tag)
    schedule = session.exec(
        select(Schedule).where(
            Schedule.partner_id == actor.partner_id,
            Schedule.kind == ScheduleKind.DIGEST,
            Schedule.target_id == channel_id,
        )
    ).first()
    before = _snapshot(schedule) if schedule else None
    if schedule is None:
        schedule = Schedule(
            partner_id=actor.partner_id, workspace_id=workspace_id, kind=ScheduleKind.DIGEST,
            target_type=TargetType.CHANNEL, target_id=channel_id, created_by=actor.label,
            created_at=now,
        )
    schedule.alerts = list(spec.alerts)
    schedule.scope_admin_id = _scope_of(actor)
    _apply_spec(schedule, spec, default_timezone, default_language)
    schedule.enabled, schedule.disabled_reason = True, None
    schedule.updated_at = now
    if workspace_id is not None:
        schedule.workspace_id = workspace_id
    session.add(schedule)
    session.flush()
    audit.record(session, actor=actor, action="digest.subscribe", target_type="schedule",
                 target_id=schedule.id, before=before, after=_snapshot(schedule), at=now)
    return schedule


def unsubscribe_digest(*, session: Session, actor: Actor, channel_id: str, now: datetime) -> Schedule:
    require(actor, Permission.MANAGE_SCHEDULES)
    schedule = session.exec(
        select(Schedule).where(
            Schedule.partner_id == actor.partner_id,
            Schedule.kind == ScheduleKind.DIGEST,
            Schedule.target_id == channel_id,
        )
    ).first()
    if schedule is None:
        raise NotFound(N_("This channel has no digest subscription."))
    _delete(session, actor, schedule, "digest.unsubscribe", now)
    return schedule


def schedule_report(
    *,
    session: Session,
    actor: Actor,
    report_key: str,
    target_type: str,
    target_id: str,
    spec: ScheduleSpec,
    now: datetime,
    known_reports: set[str] | None = None,
    workspace_id: int | None = None,
    default_timezone: str = "UTC",
    default_language: str = "en",
) -> Schedule:
    """Schedule a report (a ``reports.REPORTS`` key or ``template:<id>``) to a channel or DM."""
    require(actor, Permission.MANAGE_SCHEDULES)
    if known_reports is None:
        known_reports = available_reports(session=session, partner_id=actor.partner_id)
        report_key = _report_key(session, actor.partner_id, report_key, known_reports)
    if report_key not in known_reports:
        raise NotFound(N_("There is no report named {report}. Reports: {choices}."),
                       report=report_key, choices=", ".join(sorted(known_reports)))
    if target_type not in (TargetType.CHANNEL, TargetType.DM) or not target_id:
        raise BadInput(N_("Say where the report goes: a channel or a person."))
    _check_tag(session, actor.partner_id, spec.tag)
    schedule = Schedule(
        partner_id=actor.partner_id, workspace_id=workspace_id, kind=ScheduleKind.REPORT,
        target_type=target_type, target_id=target_id, report_key=report_key, alerts=[],
        scope_admin_id=_scope_of(actor), created_by=actor.label, created_at=now, updated_at=now,
    )
    _apply_spec(schedule, spec, default_timezone, default_language)
    session.add(schedule)
    session.flush()
    audit.record(session, actor=actor, action="schedule.create", target_type="schedule",
                 target_id=schedule.id, after=_snapshot(schedule), at=now)
    return schedule


def available_reports(*, session: Session, partner_id: int) -> set[str]:
    """Report keys a schedule may name: the default reports and the partner's custom
    templates (``template:<id>``), as far as the reports package offers them."""
    try:
        from partnerhub_core import reports
    except ImportError:  # pragma: no cover - the reports package is part of the product
        return set()
    keys = set(getattr(reports, "REPORTS", {}) or {})
    lister = getattr(reports, "custom_template_keys", None)
    if callable(lister):
        keys |= set(lister(session=session, partner_id=partner_id))
    return keys


def _report_key(session: Session, partner_id: int, word: str, known: set[str]) -> str:
    """A default report key (any case), or a custom template's name -> ``template:<id>``."""
    if word in known or word.lower() in known:
        return word if word in known else word.lower()
    try:
        from partnerhub_core.reports import find_template
    except ImportError:  # pragma: no cover
        return word
    template = find_template(session, partner_id, word, missing_ok=True)
    return f"template:{template.id}" if template is not None else word


def list_schedules(*, session: Session, actor: Actor, kind: str | None = None) -> list[Schedule]:
    require(actor, Permission.VIEW)
    query = select(Schedule).where(Schedule.partner_id == actor.partner_id)
    if kind:
        query = query.where(Schedule.kind == kind)
    return list(session.exec(query.order_by(Schedule.kind, Schedule.id)).all())


def get_schedule(*, session: Session, partner_id: int, schedule_id: int) -> Schedule:
    schedule = session.get(Schedule, schedule_id)
    if schedule is None or schedule.partner_id != partner_id:
        raise NotFound(N_("There is no schedule number {id}."), id=schedule_id)
    return schedule


def delete_schedule(*, session: Session, actor: Actor, schedule_id: int, now: datetime) -> Schedule:
    require(actor, Permission.MANAGE_SCHEDULES)
    schedule = get_schedule(session=session, partner_id=actor.partner_id, schedule_id=schedule_id)
    _delete(session, actor, schedule, "schedule.delete", now)
    return schedule


def disable_schedule(*, session: Session, actor: Actor, schedule_id: int, reason: str, now: datetime) -> Schedule:
    """Stop a schedule that cannot be delivered (the channel is gone, the bot was removed)."""
    require(actor, Permission.MANAGE_SCHEDULES)
    schedule = get_schedule(session=session, partner_id=actor.partner_id, schedule_id=schedule_id)
    before = _snapshot(schedule)
    schedule.enabled, schedule.disabled_reason, schedule.updated_at = False, reason[:200], now
    session.add(schedule)
    audit.record(session, actor=actor, action="schedule.disable", target_type="schedule",
                 target_id=schedule.id, before=before, after=_snapshot(schedule), at=now)
    return schedule


def _delete(session: Session, actor: Actor, schedule: Schedule, action: str, now: datetime) -> None:
    before = _snapshot(schedule)
    # The delivery history and snapshots belong to the schedule; they go with it.
    for model in (Delivery, DigestSnapshot):
        for row in session.exec(select(model).where(model.schedule_id == schedule.id)).all():
            session.delete(row)
    session.flush()
    session.delete(schedule)
    session.flush()
    audit.record(session, actor=actor, action=action, target_type="schedule",
                 target_id=schedule.id, before=before, at=now)


def known_timezones() -> set[str]:
    return available_timezones()
