"""Schedules of digests and reports: when they run, and the services that manage them.

The parts: ``schedule_time`` (when a schedule runs: pure math), ``schedule_spec`` (parsing
what people type); this module holds the services and re-exports every name of both.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core import audit
from partnerhub_core.auth import Actor, Permission, require
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_, normalize_locale
from partnerhub_core.models import (
    Delivery,
    DigestSnapshot,
    Schedule,
    ScheduleKind,
    TargetType,
)
from partnerhub_core.schedule_spec import (  # noqa: F401  (re-exported)
    ALERT_WORDS,
    ALL_ALERTS,
    WEEKDAYS,
    ScheduleSpec,
    _parse_alerts,
    _parse_time,
)
from partnerhub_core.schedule_time import (  # noqa: F401  (re-exported)
    _SEARCH_DAYS,
    WEEKDAY_NAMES,
    When,
    _require_aware,
    describe,
    due_period,
    known_timezones,
    last_run,
    next_run,
    occurrence,
    period_key,
    runs_on,
    zone,
)


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
