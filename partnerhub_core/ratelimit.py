"""Fair use of expensive commands (reports, CSV downloads, digest previews).

Fixed windows of ``rate_limit_window_seconds``: in each, a person may run
``rate_limit_per_user`` of them and a whole workspace ``rate_limit_per_workspace``. The
counters live in the database (``RateLimitCounter``) so every web process agrees; each hit
is one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite 3.35+ and
PostgreSQL), so two processes cannot both take the last slot. A fixed window lets a
burst of up to twice the limit straddle a window boundary; that is the accepted price of
one row per key instead of one row per hit.

Call it in its own short transaction before the slow work (``check_now(engine, …)``):
on PostgreSQL the counter row stays locked until that transaction ends.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from partnerhub_core.db import session_scope
from partnerhub_core.errors import PartnerHubError
from partnerhub_core.i18n import N_
from partnerhub_core.models import RateLimitCounter

EXPENSIVE = "expensive"  # the bucket reports, CSV downloads and digest previews share


class RateLimited(PartnerHubError):
    """Too many expensive commands in the window; ``retry_after`` seconds to wait."""

    def __init__(self, message: str, *, retry_after: int, scope: str, **params):
        self.retry_after = retry_after
        self.scope = scope
        super().__init__(message, **params)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # seconds; 0 when allowed
    scope: str | None = None  # "user" or "workspace" when refused
    limit: int = 0


def _epoch(now: datetime) -> float:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.timestamp()


def _insert(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the two supported backends
        raise NotImplementedError(f"rate limits need SQLite or PostgreSQL, not {name}")
    return insert


def _hit(session: Session, *, key: str, team_id: str, window_start: int, delta: int = 1) -> int:
    table = RateLimitCounter.__table__
    insert = _insert(session)
    stmt = insert(table).values(key=key, window_start=window_start, team_id=team_id, hits=delta)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key, table.c.window_start], set_={"hits": table.c.hits + delta}
    ).returning(table.c.hits)
    return int(session.execute(stmt).scalar_one())


def check(session: Session, *, team_id: str, user_id: str, now: datetime, settings,
          action: str = EXPENSIVE) -> Decision:
    """Count one expensive command of ``user_id`` in ``team_id`` and say whether it may run.

    A refused attempt does not use up the workspace's allowance. The caller commits.
    """
    window = settings.rate_limit_window_seconds
    t = _epoch(now)
    start = int(t // window) * window
    retry_after = max(1, math.ceil(start + window - t))
    table = RateLimitCounter.__table__
    user_key = f"user:{team_id}:{user_id}:{action}"
    team_key = f"team:{team_id}:{action}"
    # Old windows of these keys are dead weight; drop them as we go.
    session.execute(sa.delete(table).where(table.c.key.in_([user_key, team_key]), table.c.window_start < start))

    user_hits = _hit(session, key=user_key, team_id=team_id, window_start=start)
    if user_hits > settings.rate_limit_per_user:
        return Decision(False, retry_after, "user", settings.rate_limit_per_user)
    team_hits = _hit(session, key=team_key, team_id=team_id, window_start=start)
    if team_hits > settings.rate_limit_per_workspace:
        _hit(session, key=user_key, team_id=team_id, window_start=start, delta=-1)  # not their fault
        return Decision(False, retry_after, "workspace", settings.rate_limit_per_workspace)
    return Decision(True, 0, None, settings.rate_limit_per_user)


def refusal(decision: Decision) -> RateLimited:
    """The polite, translatable error for a refused decision."""
    seconds = decision.retry_after
    minutes = math.ceil(seconds / 60)
    if decision.scope == "workspace":
        message = (
            N_("This workspace has asked for a lot of reports and downloads in a short time. Please try again in {seconds} seconds.")
            if seconds < 120 else
            N_("This workspace has asked for a lot of reports and downloads in a short time. Please try again in {minutes} minutes.")
        )
    else:
        message = (
            N_("You have asked for {limit} reports and downloads in a short time, the most allowed. Please try again in {seconds} seconds.")
            if seconds < 120 else
            N_("You have asked for {limit} reports and downloads in a short time, the most allowed. Please try again in {minutes} minutes.")
        )
    return RateLimited(message, retry_after=seconds, scope=decision.scope or "user",
                       limit=decision.limit, seconds=seconds, minutes=minutes)


def enforce(session: Session, *, team_id: str, user_id: str, now: datetime, settings,
            action: str = EXPENSIVE) -> None:
    """``check`` that raises ``RateLimited`` (a ``PartnerHubError``) when refused."""
    decision = check(session, team_id=team_id, user_id=user_id, now=now, settings=settings, action=action)
    if not decision.allowed:
        raise refusal(decision)


def check_now(engine: Engine, *, team_id: str, user_id: str, now: datetime, settings,
              action: str = EXPENSIVE) -> Decision:
    """``check`` in its own committed transaction (what a listener calls)."""
    with session_scope(engine) as session:
        return check(session, team_id=team_id, user_id=user_id, now=now, settings=settings, action=action)
