"""Raw legs are kept ``Settings.call_leg_retention_days``; rollups stay."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete
from sqlmodel import Session

from partnerhub_core.models import CallLeg
from partnerhub_core.settings import Settings


def prune_legs(*, session: Session, partner_id: int, now: datetime, settings: Settings) -> int:
    """Delete raw legs older than the retention window; rollups stay. Returns the count."""
    oldest = now.astimezone(timezone.utc).date() - timedelta(days=settings.call_leg_retention_days)
    result = session.execute(
        delete(CallLeg).where(CallLeg.partner_id == partner_id, CallLeg.day < oldest)
    )
    return result.rowcount or 0
