"""The database side of scheduled posts (bot/delivery.py posts them): which (schedule,
period) is due, the claim that lets exactly one worker post it, and the recorded outcome.

A claim is an INSERT of ``Delivery(schedule_id, period)``, which the unique constraint
lets exactly one worker win (DESIGN "Scheduling without double posts"). A failed or
unanswered post (attempts left) or a claim whose lease ran out is taken over with an
UPDATE conditioned on the row being exactly as read, so two workers cannot both take it.
Every later write is conditioned on the claim still being ours.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from partnerhub_core import alerts, schedules
from partnerhub_core.db import session_scope
from partnerhub_core.errors import PartnerHubError
from partnerhub_core.models import Delivery, DeliveryStatus, Partner, PartnerAdmin, Role, Schedule
from partnerhub_core.settings import Settings

log = logging.getLogger("partnerhub.worker")


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
            found = schedules.due_period(s, now, not_before=aware(s.created_at), catchup=catchup)
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


def claim(engine: Engine, *, schedule_id: int, partner_id: int, period: str, due_at: datetime, now: datetime,
          worker_id: str, settings: Settings) -> Delivery | None:
    """Take (schedule, period) for this worker, or None when someone else has it: the
    INSERT first; when the row exists, a take-over only if it failed or went unanswered
    (attempts left) or its claimant's lease ran out."""
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
        retry_failed = (row.status in (DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN)
                        and row.attempts < settings.worker_max_attempts)
        abandoned = row.status == DeliveryStatus.CLAIMED and (row.lease_until is None or aware(row.lease_until) < now)
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


def record(engine: Engine, delivery_id: int, worker_id: str, **values: Any) -> bool:
    """Update our own claim; False when it is no longer ours (a lease that ran out)."""
    with session_scope(engine) as s:
        result = s.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == worker_id,
                                   Delivery.status == DeliveryStatus.CLAIMED).values(**values)
        )
        return result.rowcount == 1


def finish(engine: Engine, delivery: Delivery, worker_id: str, schedule: Schedule, *, digest: Any, now: datetime,
           remember: bool, status: str) -> bool:
    """Record the outcome and, for a digest, the statuses the next one compares with
    (``alerts.store_snapshot``): one transaction, and only while the claim is still ours."""
    with session_scope(engine) as s:
        result = s.execute(
            update(Delivery).where(Delivery.id == delivery.id, Delivery.claimed_by == worker_id,
                                   Delivery.status == DeliveryStatus.CLAIMED)
            .values(status=status, posted_at=now, lease_until=None, error=None, updated_at=now)
        )
        if result.rowcount != 1:
            return False
        if remember and digest is not None:
            alerts.store_snapshot(s, schedule=schedule, period=delivery.period, digest=digest, now=now)
    return True


def full_admins_on_slack(session: Session, partner_id: int) -> list[PartnerAdmin]:
    """The partner's full admins with a Slack user id: whom a stopped schedule is told."""
    return list(session.exec(select(PartnerAdmin).where(
        PartnerAdmin.partner_id == partner_id, PartnerAdmin.role == Role.FULL_ADMIN,
        PartnerAdmin.slack_user_id.is_not(None)).order_by(PartnerAdmin.id)).all())


def partner_ids(session: Session) -> list[int]:
    """Every partner's id, in order: the worker's jobs that run once per partner."""
    return list(session.exec(select(Partner.id).order_by(Partner.id)).all())


def aware(value: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were stored as UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
