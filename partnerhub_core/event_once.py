"""Handle each Slack event once, however often Slack sends it.

Slack retries an event it thinks went unanswered (up to 3 times, with the same
``event_id`` and an ``X-Slack-Retry-Num`` header), and any web process may get the
retry, so the memory of what was seen lives in the database, shared by all of them.

It reuses the rate-limit counters' table (``RateLimitCounter``) rather than a table of its
own: one row per event, keyed ``event:<team>:<event_id>`` in the day's window, claimed
with the same atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (the first to insert
sees 1; a retry, in any process, sees more). Rows of a team older than a day are pruned as
that team's events come in. A retry that straddles midnight UTC finds its first delivery
in the previous day's window, which is checked too.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from partnerhub_core.db import session_scope
from partnerhub_core.models import RateLimitCounter
from partnerhub_core.ratelimit import _epoch, _hit

DAY = 86_400
PREFIX = "event:"


def first_time(session, *, team_id: str, event_id: str, now: datetime) -> bool:
    """Claim ``event_id`` of ``team_id``: True the first time, False for every retry. The caller commits."""
    if not event_id:
        return True  # nothing to tell deliveries apart by: handle it
    table = RateLimitCounter.__table__
    today = int(_epoch(now) // DAY) * DAY
    key = f"{PREFIX}{team_id}:{event_id}"[:200]
    session.execute(sa.delete(table).where(table.c.team_id == team_id, table.c.key.startswith(PREFIX),
                                           table.c.window_start < today - DAY))
    if _hit(session, key=key, team_id=team_id, window_start=today) > 1:
        return False
    yesterday = session.execute(sa.select(table.c.key).where(table.c.key == key,
                                                             table.c.window_start == today - DAY)).first()
    return yesterday is None


def first_time_now(engine: Engine, *, team_id: str, event_id: str, now: datetime) -> bool:
    """``first_time`` in its own committed transaction (what a listener calls)."""
    with session_scope(engine) as session:
        return first_time(session, team_id=team_id, event_id=event_id, now=now)
