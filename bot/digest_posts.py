"""What a schedule posts: the digest (message + CSVs + chart) or a scheduled report.

Pure content: reads the database, renders templates, talks to nobody. ``bot.delivery``
posts it; the digest preview and the demo render it too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from sqlmodel import Session

from bot import render as _render
from partnerhub_core import alerts, reports, schedules
from partnerhub_core.models import Frequency, Schedule
from partnerhub_core.settings import Settings

@dataclass
class Post:
    message: dict  # text + blocks
    files: list[tuple[str, bytes, str]] = field(default_factory=list)  # (filename, content, title)
    empty: bool = False
    digest: alerts.Digest | None = None


def content_as_of(settings: Settings, schedule: Schedule, due_at: datetime) -> date:
    """The day a run speaks about: PARTNERHUB_AS_OF when frozen, else the local date of
    the occurrence (a Monday 09:00 digest in Auckland is Monday's, not Sunday UTC's)."""
    if settings.as_of is not None:
        return settings.as_of
    return due_at.astimezone(schedules.zone(schedule.timezone)).date()


def digest_post(session: Session, settings: Settings, schedule: Schedule, *, period: str, as_of: date,
                preview: bool = False) -> Post:
    digest = alerts.digest_for_schedule(session=session, schedule=schedule, period=period, as_of=as_of,
                                        settings=settings)
    locale = schedule.language
    message = _render.render("digest.json.j2", locale=locale, digest=digest, schedule=schedule,
                             rows_per_alert=settings.digest_rows_per_alert, preview=preview,
                             status_label=partial(_status_label, locale=locale))
    files = []
    for alert in digest.alerts:
        if alert.section.table.empty:
            continue
        title = _t(locale, alert.title)
        name = f"{_slug(title)}_{as_of.isoformat()}.csv"
        files.append((name, reports.section_csv(alert.section, locale), title))
        chart = _chart(alert, locale)
        if chart is not None:
            files.append((f"{_slug(title)}_{as_of.isoformat()}.png", chart, title))
    if not digest.is_empty():
        files += _license_trend_charts(session, settings, schedule, as_of)
    return Post(message=message, files=files, empty=digest.is_empty(), digest=digest)


def _license_trend_charts(session: Session, settings: Settings, schedule: Schedule,
                          as_of: date) -> list[tuple[str, bytes, str]]:
    """The licence trend of each product over the schedule's scope, as PNGs (none for a
    product without weeks)."""
    from partnerhub_core import charts
    from partnerhub_core.analytics import subscriptions

    out = []
    # Both products from one aggregate over the snapshots (what the cache lacks of them).
    trends = subscriptions.license_trends(
        session=session, partner_id=schedule.partner_id, as_of=as_of, settings=settings,
        products=subscriptions.PRODUCTS, region=schedule.region, tag=schedule.tag,
        customer_ids=schedules.schedule_scope(session, schedule))
    for product in subscriptions.PRODUCTS:
        chart = charts.license_trend_chart(trends[product], schedule.language)
        if chart is not None:
            out.append((f"{chart.name[:-4]}_{as_of.isoformat()}.png", chart.png, chart.title))
    return out


def report_post(session: Session, settings: Settings, schedule: Schedule, *, as_of: date) -> Post:
    import io

    start, end = report_range(schedule, as_of)
    definition = reports.resolve_report(session, schedule.partner_id, schedule.report_key or "").definition
    buf = io.BytesIO()
    written = reports.write_report(
        session=session, partner_id=schedule.partner_id, report=schedule.report_key or "", as_of=as_of,
        region=schedule.region, start=start if definition.dated else None,
        end=end if definition.dated else None, locale=schedule.language, out=buf,
        customer_ids=schedules.schedule_scope(session, schedule),
    )
    filename = written.filename
    resolved = reports.resolve_report(session, schedule.partner_id, schedule.report_key or "")
    name = resolved.name if resolved.custom else _t(schedule.language, resolved.name)
    message = _render.render("digest_report.json.j2", locale=schedule.language, schedule=schedule,
                             report_name=name, filename=filename, as_of=as_of,
                             start=start if definition.dated else None, end=end if definition.dated else None,
                             when=describe_when(schedule, schedule.language), empty=not written.rows)
    # An empty report says so in its message and attaches no header-only file.
    return Post(message=message, files=[(filename, buf.getvalue(), name)] if written.rows else [])


def report_range(schedule: Schedule, as_of: date) -> tuple[date, date]:
    """Dated reports cover the period that just ended: yesterday (daily), the last
    completed week (weekly), the previous calendar month (monthly)."""
    if schedule.frequency == Frequency.DAILY:
        day = as_of - timedelta(days=1)
        return day, day
    if schedule.frequency == Frequency.MONTHLY:
        end = as_of.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    return reports.default_range(as_of)


def describe_when(schedule: Schedule, locale: str) -> str:
    """"weekly on Monday at 09:00 (America/Sao_Paulo)" in the schedule's language."""
    from partnerhub_core.i18n import translations

    _ = translations(locale).gettext
    hhmm = f"{schedule.hour:02d}:{schedule.minute:02d}"
    days = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    if schedule.frequency == Frequency.DAILY:
        text = _("daily at {time}").format(time=hhmm)
    elif schedule.frequency == Frequency.WEEKLY:
        text = _("weekly on {day} at {time}").format(day=days[schedule.weekday], time=hhmm)
    else:
        text = _("monthly on day {day} at {time}").format(day=schedule.day_of_month, time=hhmm)
    return f"{text} ({schedule.timezone})"


def _t(locale: str, msgid: str) -> str:
    from partnerhub_core.i18n import translations

    return translations(locale).gettext(msgid)


def _status_label(status: str, locale: str) -> str:
    from partnerhub_core.i18n.glossary import status_label

    return status_label(status, locale)


def _slug(text: str) -> str:
    keep = "".join(ch if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in keep.split("-") if part) or "alert"


def _chart(alert: alerts.Alert, locale: str) -> bytes | None:
    """A PNG where a trend reads faster than a table (charts.abandoned_spike_figure)."""
    from partnerhub_core import charts

    return charts.abandoned_spike_chart(alert, locale)
