"""The worker: digests, alerts and scheduled reports, each posted exactly once.

APScheduler decides *when*; the database decides *who* (DESIGN "Scheduling without double
posts"). Named jobs:

``tick`` (every minute)
    finds the schedules whose latest occurrence is due (``schedules.due_period``, in each
    schedule's time zone) and delivers each one. Delivering starts with a *claim*: an
    INSERT of ``Delivery(schedule_id, period)``, which the unique constraint lets exactly one
    worker win. Only the claimant posts, then records the outcome. A failed post stays
    ``failed`` and is claimed again on a later tick (until ``worker_max_attempts``); a claim
    whose worker died (its lease, ``worker_lease_seconds``, ran out) is taken over. The
    message's ``ts`` is recorded as soon as Slack accepted it, and each uploaded file is
    counted, so a take-over never posts the message twice; it only finishes the files.
``refresh`` (Sunday 00:30 UTC, after Webex's weekly update at 00:00)
    ``partnerhub_core.sources.sync.sync_partner`` for each partner.
``prune-calls`` (daily 01:00 UTC)
    drops raw call legs past their retention (rollups stay).

Slack's 429 (Retry-After) and 5xx answers are retried inside the SDK (bot/slack_client.py).
``channel_not_found``, ``not_in_channel`` and ``is_archived`` disable the schedule with the
reason and tell the partner's full admins by DM instead of retrying forever. One
schedule's or partner's failure never stops the others.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import render as _render
from bot.slack_client import upload_file, web_client
from partnerhub_core import alerts, jobs, reports, schedules
from partnerhub_core.auth import Actor
from partnerhub_core.db import session_scope
from partnerhub_core.errors import NotFound, PartnerHubError, UpstreamError
from partnerhub_core.i18n import N_
from partnerhub_core.logging import event
from partnerhub_core.models import (
    Delivery,
    DeliveryStatus,
    Frequency,
    JobOutcome,
    Partner,
    PartnerAdmin,
    Role,
    Schedule,
    ScheduleKind,
    TargetType,
    Workspace,
    utcnow,
)
from partnerhub_core.settings import Settings

log = logging.getLogger("partnerhub.worker")

# The channel is gone or closed to us: stop the schedule and tell the admins.
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# The workspace's token no longer works: stop too (nobody can be told through Slack).
TOKEN_ERRORS = frozenset({"token_revoked", "invalid_auth", "account_inactive", "not_authed"})

ClientFor = Callable[[Session, Schedule], WebClient]


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------------------------
# Which schedules are due
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Due:
    schedule_id: int
    partner_id: int
    period: str
    due_at: datetime


def due_now(session: Session, *, now: datetime, settings: Settings) -> list[Due]:
    """Enabled schedules whose latest occurrence is within the catch-up window and not
    yet posted (or skipped). Failed and abandoned claims are still due."""
    catchup = timedelta(hours=settings.worker_catchup_hours)
    candidates: list[Due] = []
    for s in session.exec(select(Schedule).where(Schedule.enabled == True)).all():  # noqa: E712
        try:
            found = schedules.due_period(s, now, not_before=_aware(s.created_at), catchup=catchup)
        except PartnerHubError:  # a time zone that no longer exists: skip, keep going
            log.warning("schedule %s has an unusable time zone", s.id)
            continue
        if found is not None:
            candidates.append(Due(s.id, s.partner_id, found[0], found[1]))
    if not candidates:
        return []
    # One query for the outcomes of every candidate (not one per schedule).
    done = set(session.exec(
        select(Delivery.schedule_id, Delivery.period).where(
            Delivery.schedule_id.in_([d.schedule_id for d in candidates]),
            Delivery.period.in_({d.period for d in candidates}),
            Delivery.status.in_([DeliveryStatus.POSTED, DeliveryStatus.SKIPPED]),
        )
    ).all())
    return [d for d in candidates if (d.schedule_id, d.period) not in done]


# ---------------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------------
def claim(engine: Engine, *, schedule_id: int, partner_id: int, period: str, due_at: datetime, now: datetime,
          worker_id: str, settings: Settings) -> Delivery | None:
    """Take (schedule, period) for this worker, or None when someone else has it.

    First try the INSERT (the unique constraint picks one winner). When the row exists,
    take it over only if it failed (attempts left) or its claimant's lease ran out, with
    an UPDATE conditioned on the row being exactly as read — two workers trying the same
    take-over cannot both match."""
    lease = now + timedelta(seconds=settings.worker_lease_seconds)
    try:
        with session_scope(engine) as s:
            row = Delivery(partner_id=partner_id, schedule_id=schedule_id, period=period, due_at=due_at,
                           status=DeliveryStatus.CLAIMED, claimed_by=worker_id, lease_until=lease, attempts=1,
                           created_at=now, updated_at=now)
            s.add(row)
            s.flush()
        return row
    except IntegrityError:
        pass
    with session_scope(engine) as s:
        row = s.exec(select(Delivery).where(Delivery.schedule_id == schedule_id, Delivery.period == period)).first()
        if row is None:
            return None
        retry_failed = row.status == DeliveryStatus.FAILED and row.attempts < settings.worker_max_attempts
        abandoned = row.status == DeliveryStatus.CLAIMED and (row.lease_until is None or _aware(row.lease_until) < now)
        if not (retry_failed or abandoned):
            return None
        result = s.execute(
            update(Delivery)
            .where(Delivery.id == row.id, Delivery.status == row.status, Delivery.attempts == row.attempts,
                   Delivery.claimed_by == row.claimed_by)
            .values(status=DeliveryStatus.CLAIMED, claimed_by=worker_id, lease_until=lease,
                    attempts=row.attempts + 1, updated_at=now)
        )
        if result.rowcount != 1:
            return None
    with session_scope(engine) as s:
        return s.get(Delivery, row.id)


def _record(engine: Engine, delivery_id: int, worker_id: str, **values: Any) -> bool:
    """Update our own claim; False when it is no longer ours (a lease that ran out)."""
    with session_scope(engine) as s:
        result = s.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == worker_id,
                                   Delivery.status == DeliveryStatus.CLAIMED).values(**values)
        )
        return result.rowcount == 1


# ---------------------------------------------------------------------------------
# What to post
# ---------------------------------------------------------------------------------
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
    return Post(message=message, files=files, empty=digest.is_empty(), digest=digest)


def report_post(session: Session, settings: Settings, schedule: Schedule, *, as_of: date) -> Post:
    import io

    start, end = report_range(schedule, as_of)
    definition = reports.resolve_report(session, schedule.partner_id, schedule.report_key or "").definition
    buf = io.BytesIO()
    filename = reports.run_report(
        session=session, partner_id=schedule.partner_id, report=schedule.report_key or "", as_of=as_of,
        region=schedule.region, start=start if definition.dated else None,
        end=end if definition.dated else None, locale=schedule.language, out=buf,
        customer_ids=schedules.schedule_scope(session, schedule),
    )
    resolved = reports.resolve_report(session, schedule.partner_id, schedule.report_key or "")
    name = resolved.name if resolved.custom else _t(schedule.language, resolved.name)
    message = _render.render("digest_report.json.j2", locale=schedule.language, schedule=schedule,
                             report_name=name, filename=filename, as_of=as_of,
                             start=start if definition.dated else None, end=end if definition.dated else None,
                             when=describe_when(schedule, schedule.language))
    return Post(message=message, files=[(filename, buf.getvalue(), name)])


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
    """A PNG where a trend reads faster than a table: the weekly abandoned-call rate of
    the customers that spiked (the worst six), over the baseline weeks and last week."""
    if alert.kind != "abandoned_spike" or alert.history is None or not alert.rows:
        return None
    from partnerhub_core import charts

    history = alert.history
    weeks = sorted(set(history["week_ending"]))
    series = {}
    for row in alert.rows[:6]:
        mine = history[history["customer_id"] == row.customer_id].set_index("week_ending")
        series[row.customer[:40]] = [
            (float(mine.at[w, "queue_abandoned"]) / float(mine.at[w, "queue_calls"]))
            if w in mine.index and mine.at[w, "queue_calls"] else None
            for w in weeks
        ]
    return charts.line_chart(title=_t(locale, N_("Abandoned-call rate by week")), weeks=weeks, series=series,
                             percent=True, locale=locale)


# ---------------------------------------------------------------------------------
# Delivering one claimed (schedule, period)
# ---------------------------------------------------------------------------------
@dataclass
class Outcome:
    schedule_id: int
    period: str
    status: str  # posted | skipped | failed | disabled | not_claimed
    error: str | None = None


def bot_client(settings: Settings, session: Session, schedule: Schedule) -> WebClient:
    """A client with the schedule's workspace bot token (OAuth installs), else SLACK_BOT_TOKEN."""
    token = None
    if schedule.workspace_id is not None and settings.slack_client_id:
        ws = session.get(Workspace, schedule.workspace_id)
        if ws is not None:
            from bot.installation import DatabaseInstallationStore

            store = DatabaseInstallationStore(session.get_bind(), settings.slack_client_id)
            bot = store.find_bot(enterprise_id=ws.enterprise_id or None, team_id=ws.team_id)
            token = bot.bot_token if bot else None
    return web_client(settings, token)


def deliver(engine: Engine, settings: Settings, due: Due, *, now: datetime, worker_id: str,
            client_for: ClientFor | None = None, remember: bool = True) -> Outcome:
    """Claim, post, record. ``remember=False`` (send-now) keeps the weekly comparison
    base as it was."""
    delivery = claim(engine, schedule_id=due.schedule_id, partner_id=due.partner_id, period=due.period,
                     due_at=due.due_at, now=now, worker_id=worker_id, settings=settings)
    if delivery is None:
        return Outcome(due.schedule_id, due.period, "not_claimed")
    client_for = client_for or partial(bot_client, settings)
    try:
        with session_scope(engine) as s:
            schedule = s.get(Schedule, due.schedule_id)
            if schedule is None or not schedule.enabled:
                _record(engine, delivery.id, worker_id, status=DeliveryStatus.SKIPPED, error="schedule gone",
                        lease_until=None, updated_at=now)
                return Outcome(due.schedule_id, due.period, "skipped", "schedule gone")
            as_of = content_as_of(settings, schedule, due.due_at)
            if schedule.kind == ScheduleKind.REPORT:
                post = report_post(s, settings, schedule, as_of=as_of)
            else:
                post = digest_post(s, settings, schedule, period=due.period, as_of=as_of)
            client = client_for(s, schedule)
            s.expunge(schedule)
        if post.empty and schedule.quiet_when_empty:
            _finish(engine, delivery, worker_id, schedule, post, now, remember, DeliveryStatus.SKIPPED)
            return Outcome(due.schedule_id, due.period, "skipped", "empty")
        channel = delivery.channel_id or schedule.target_id
        if delivery.message_ts is None:
            response = client.chat_postMessage(channel=schedule.target_id, text=post.message.get("text", ""),
                                               blocks=post.message.get("blocks"), unfurl_links=False)
            # A DM posted to a user id answers with the conversation's id: files go there.
            channel = response.get("channel") or schedule.target_id
            _record(engine, delivery.id, worker_id, message_ts=response.get("ts"), channel_id=channel,
                    updated_at=now)
        for index, (filename, content, title) in enumerate(post.files):
            if index < delivery.files_posted:
                continue  # uploaded before a crash
            upload_file(client, channel=channel, filename=filename, content=content, title=title)
            _record(engine, delivery.id, worker_id, files_posted=index + 1, updated_at=now)
        if not _finish(engine, delivery, worker_id, schedule, post, now, remember, DeliveryStatus.POSTED):
            log.warning("delivery %s was taken over before it finished", delivery.id)
        return Outcome(due.schedule_id, due.period, "posted")
    except NotFound as exc:
        # What the schedule names is gone (its tag, its custom report): it cannot run again.
        reason = exc.render()[:200]
        _record(engine, delivery.id, worker_id, status=DeliveryStatus.FAILED, error=reason, lease_until=None,
                updated_at=now)
        disable_and_tell(engine, settings, due.schedule_id, reason=reason, now=now, client_for=client_for)
        return Outcome(due.schedule_id, due.period, "disabled", reason)
    except (SlackApiError, UpstreamError) as exc:
        code = _slack_code(exc)
        if code in CHANNEL_ERRORS or code in TOKEN_ERRORS:
            _record(engine, delivery.id, worker_id, status=DeliveryStatus.FAILED, error=code, lease_until=None,
                    updated_at=now)
            disable_and_tell(engine, settings, due.schedule_id, reason=code, now=now, client_for=client_for,
                             tell=code in CHANNEL_ERRORS)
            return Outcome(due.schedule_id, due.period, "disabled", code)
        _record(engine, delivery.id, worker_id, status=DeliveryStatus.FAILED, error=(code or str(exc))[:500],
                lease_until=None, updated_at=now)
        return Outcome(due.schedule_id, due.period, "failed", code)
    except Exception as exc:  # noqa: BLE001 - recorded on the claim; the tick goes on
        log.exception("delivering schedule %s period %s failed", due.schedule_id, due.period)
        _record(engine, delivery.id, worker_id, status=DeliveryStatus.FAILED,
                error=f"{type(exc).__name__}: {exc}"[:500], lease_until=None, updated_at=now)
        return Outcome(due.schedule_id, due.period, "failed", type(exc).__name__)


def _finish(engine: Engine, delivery: Delivery, worker_id: str, schedule: Schedule, post: Post, now: datetime,
            remember: bool, status: str) -> bool:
    """Record the outcome and, for a digest, the statuses the next one compares with —
    one transaction, and only while the claim is still ours."""
    with session_scope(engine) as s:
        result = s.execute(
            update(Delivery).where(Delivery.id == delivery.id, Delivery.claimed_by == worker_id,
                                   Delivery.status == DeliveryStatus.CLAIMED)
            .values(status=status, posted_at=now, lease_until=None, error=None, updated_at=now)
        )
        if result.rowcount != 1:
            return False
        if remember and post.digest is not None:
            alerts.store_snapshot(s, schedule=schedule, period=delivery.period, digest=post.digest, now=now)
    return True


def _slack_code(exc: Exception) -> str | None:
    if isinstance(exc, SlackApiError):
        return (exc.response.get("error") if exc.response is not None else None) or "slack_error"
    if isinstance(exc, UpstreamError):
        return exc.params.get("code")
    return None


def disable_and_tell(engine: Engine, settings: Settings, schedule_id: int, *, reason: str, now: datetime,
                     client_for: ClientFor, tell: bool = True) -> None:
    """Stop a schedule Slack will not take, and DM the partner's full admins why."""
    with session_scope(engine) as s:
        schedule = s.get(Schedule, schedule_id)
        if schedule is None:
            return
        schedules.disable_schedule(session=s, actor=Actor.system(schedule.partner_id, label="system:worker"),
                                   schedule_id=schedule_id, reason=reason, now=now)
        admins = s.exec(select(PartnerAdmin).where(
            PartnerAdmin.partner_id == schedule.partner_id, PartnerAdmin.role == Role.FULL_ADMIN,
            PartnerAdmin.slack_user_id.is_not(None))).all()
        client = client_for(s, schedule) if tell else None
        partner = s.get(Partner, schedule.partner_id)
        notes = []
        for admin in admins:
            locale = admin.language or (partner.default_language if partner else "en")
            notes.append((admin.slack_user_id, _render.render(
                "digest_disabled.json.j2", locale=locale, schedule=schedule, reason=reason,
                when=describe_when(schedule, locale))))
    event(log, "schedule_disabled", partner=schedule.partner_id, schedule=schedule_id, reason=reason)
    for user_id, message in notes if client is not None else []:
        try:
            client.chat_postMessage(channel=user_id, text=message.get("text", ""), blocks=message.get("blocks"))
        except SlackApiError as exc:
            log.warning("could not tell admin %s about schedule %s: %s", user_id, schedule_id, _slack_code(exc))


# ---------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------
@dataclass
class JobContext:
    settings: Settings
    engine: Engine
    worker_id: str
    now: datetime
    client_for: ClientFor | None = None


def tick(ctx: JobContext) -> list[Outcome]:
    """Deliver everything due now. One schedule's failure does not stop the others."""
    with session_scope(ctx.engine) as s:
        due = due_now(s, now=ctx.now, settings=ctx.settings)
    outcomes = []
    for item in due:
        try:
            outcome = deliver(ctx.engine, ctx.settings, item, now=ctx.now, worker_id=ctx.worker_id,
                              client_for=ctx.client_for)
        except Exception as exc:  # noqa: BLE001 - e.g. the database blinked during the claim
            log.exception("schedule %s failed before its claim was recorded", item.schedule_id)
            outcome = Outcome(item.schedule_id, item.period, "failed", type(exc).__name__)
        if outcome.status != "not_claimed":
            event(log, "delivery", partner=item.partner_id, schedule=item.schedule_id, period=item.period,
                  outcome=outcome.status, error=outcome.error, worker=ctx.worker_id)
        outcomes.append(outcome)
    return outcomes


def refresh(ctx: JobContext) -> list[Outcome]:
    """After Webex's Sunday 00:00 UTC update: sync each partner (when the connector is
    installed and the partner has a token); one partner's failure does not stop the rest."""
    try:
        from partnerhub_core.sources import sync
    except ImportError:  # pragma: no cover - the connector ships with the product
        return []
    with session_scope(ctx.engine) as s:
        partner_ids = list(s.exec(select(Partner.id)).all())
    out = []
    for pid in partner_ids:
        try:
            report = sync.sync_partner(session_factory=partial(session_scope, ctx.engine), partner_id=pid,
                                       settings=ctx.settings, now=ctx.now)
            # sync_partner records an organization's failure instead of raising: read its report.
            if report.ok:
                out.append(Outcome(0, str(pid), "posted"))
            else:
                out.append(Outcome(0, str(pid), "failed", sync_failures(report)))
        except PartnerHubError as exc:  # not set up (no token), etc.: say so, go on
            out.append(Outcome(0, str(pid), "skipped", exc.render()))
        except Exception as exc:  # noqa: BLE001 - per-partner isolation
            log.exception("refresh of partner %s failed", pid)
            out.append(Outcome(0, str(pid), "failed", type(exc).__name__))
    return out


def sync_failures(report) -> str:
    """What a sync that did not fully succeed left undone, short: one part per clause."""
    parts = []
    for p in report.parts:
        if p.ok:
            continue
        what = f"{p.part}: {p.failed} failed" + (" (stopped)" if p.stopped else "")
        parts.append(what + (f", first: {p.errors[0]}" if p.errors else ""))
    return "; ".join(parts)[:500]


def prune_calls(ctx: JobContext) -> list[Outcome]:
    from partnerhub_core.calling import prune_legs

    with session_scope(ctx.engine) as s:
        partner_ids = list(s.exec(select(Partner.id)).all())
    out = []
    for pid in partner_ids:
        try:
            with session_scope(ctx.engine) as s:
                n = prune_legs(session=s, partner_id=pid, now=ctx.now, settings=ctx.settings)
            out.append(Outcome(0, str(pid), "posted", f"{n} legs"))
        except Exception as exc:  # noqa: BLE001 - per-partner isolation
            log.exception("pruning partner %s failed", pid)
            out.append(Outcome(0, str(pid), "failed", type(exc).__name__))
    return out


@dataclass(frozen=True)
class JobSpec:
    name: str
    run: Callable[[JobContext], list[Outcome]]
    trigger: Callable[[], Any]  # an APScheduler trigger
    description: str


def _triggers():
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    return CronTrigger, IntervalTrigger


def job_specs() -> dict[str, JobSpec]:
    cron, interval = _triggers()
    specs = [
        JobSpec("tick", tick, lambda: interval(minutes=1, timezone=timezone.utc),
                "every minute: post the digests and scheduled reports that are due"),
        JobSpec("refresh", refresh, lambda: cron(day_of_week="sun", hour=0, minute=30, timezone=timezone.utc),
                "Sunday 00:30 UTC: sync every partner from Webex after the weekly update"),
        JobSpec("prune-calls", prune_calls, lambda: cron(hour=1, minute=0, timezone=timezone.utc),
                "daily 01:00 UTC: drop raw call legs past their retention"),
    ]
    return {s.name: s for s in specs}


def run_job(name: str, settings: Settings, engine: Engine, *, now: datetime | None = None,
            worker_id: str | None = None, client_for: ClientFor | None = None) -> list[Outcome]:
    """Run one named job once (``partnerhub jobs run NAME``, and each scheduled firing),
    recorded as a job run. ``now`` defaults to the wall clock."""
    spec = job_specs()[name]
    worker_id = worker_id or worker_identity()
    explicit_now, now = now, now or utcnow()
    ctx = JobContext(settings=settings, engine=engine, worker_id=worker_id, now=now, client_for=client_for)
    if name == "tick":
        with session_scope(engine) as s:
            if not due_now(s, now=now, settings=settings):
                return []  # nothing due: no job-run row every minute
    clock = utcnow if explicit_now is None else (lambda: now)  # a given instant stands for the whole run
    with jobs.tracked(engine, job=name, clock=clock, worker_id=worker_id) as run:
        outcomes = spec.run(ctx)
        run.items = sum(1 for o in outcomes if o.status in ("posted", "skipped", "disabled"))
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            run.detail = "; ".join(f"{o.schedule_id or o.period}: {o.error}" for o in failed)[:500]
            if not any(o.status == "posted" for o in outcomes):
                run.outcome = JobOutcome.FAILED  # nothing it tried worked (e.g. Webex down for the refresh)
    return outcomes


# ---------------------------------------------------------------------------------
# The process
# ---------------------------------------------------------------------------------
def build_scheduler(settings: Settings, engine: Engine, *, worker_id: str, blocking: bool = True,
                    clock: Callable[[], datetime] = utcnow):
    """APScheduler 3.x with the named jobs and the heartbeat. One scheduler per process,
    no shared job store: the database claims decide who posts (SLACK_NOTES "Scheduling")."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(timezone=timezone.utc, executors={"default": ThreadPoolExecutor(4)},
                     job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    for spec in job_specs().values():
        # tick also runs at start: a restarted worker picks up what is due right away
        first = {"next_run_time": clock()} if spec.name == "tick" else {}
        scheduler.add_job(_firing, spec.trigger(), args=[spec.name, settings, engine, worker_id, clock],
                          id=spec.name, name=spec.name, replace_existing=True, **first)
    _, interval = _triggers()
    scheduler.add_job(_beat, interval(seconds=settings.worker_heartbeat_seconds, timezone=timezone.utc),
                      args=[scheduler, engine, worker_id, clock], id="heartbeat", name="heartbeat",
                      next_run_time=clock())
    return scheduler


def _firing(name: str, settings: Settings, engine: Engine, worker_id: str, clock) -> None:
    try:
        run_job(name, settings, engine, now=clock(), worker_id=worker_id)
    except Exception:  # noqa: BLE001 - logged and recorded by jobs.tracked; the scheduler goes on
        log.exception("job %s failed", name)


def _beat(scheduler, engine: Engine, worker_id: str, clock) -> None:
    try:
        next_runs = {j.id: j.next_run_time for j in scheduler.get_jobs() if j.id != "heartbeat"}
        with session_scope(engine) as s:
            jobs.heartbeat(s, worker_id=worker_id, now=clock(), next_runs=next_runs)
    except Exception:  # noqa: BLE001 - a missed beat is not worth stopping for
        log.warning("heartbeat failed", exc_info=True)


def run_worker(settings: Settings, engine: Engine) -> None:
    """``partnerhub worker``: run until SIGTERM/SIGINT; then finish the running job (its
    claims get an outcome) and exit."""
    worker_id = worker_identity()
    with session_scope(engine) as s:
        jobs.close_abandoned_runs(s, now=utcnow(),
                                  stale_after=timedelta(seconds=settings.worker_heartbeat_stale_seconds))
    scheduler = build_scheduler(settings, engine, worker_id=worker_id, blocking=True)

    def _stop(signum, _frame):
        # In the main thread, between iterations of the scheduler's loop: waits for the
        # running job (its claims get an outcome), then the loop ends and start() returns.
        log.info("signal %s: finishing the running job, then stopping", signum)
        if scheduler.running:
            scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    event(log, "worker_started", worker=worker_id, jobs=sorted(job_specs()))
    try:
        scheduler.start()  # blocks until shutdown
    finally:
        with session_scope(engine) as s:
            jobs.worker_stopped(s, worker_id=worker_id, now=utcnow())
        event(log, "worker_stopped", worker=worker_id)


def _aware(value: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were stored as UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
