"""The daily rollup row: which sums it keeps and what one leg adds to them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from partnerhub_core.calling.legs import ORIGINATING, LegIn, has_media_stats
from partnerhub_core.errors import BadInput
from partnerhub_core.models import CallFeature, CallRollup, QueueOutcome

_CHUNK = 500  # rows per INSERT statement: well under SQLite's bound-parameter limit
_ROLLUP_KEYS = ("partner_id", "customer_id", "day", "location_id", "endpoint_type")
ROLLUP_SUMS = (
    "calls", "legs", "legs_with_media", "poor_legs", "audio_legs", "video_legs",
    "duration_s", "video_s", "hunt_group_calls", "auto_attendant_calls", "call_park_calls",
    "call_pickup_calls", "voicemail_calls", "queue_calls", "queue_answered",
    "queue_abandoned", "queue_timed_out", "queue_overflowed", "queue_transferred",
    "queue_answer_wait_s", "queue_abandon_wait_s",
)
_FEATURE_COLUMN = {
    CallFeature.HUNT_GROUP: "hunt_group_calls",
    CallFeature.AUTO_ATTENDANT: "auto_attendant_calls",
    CallFeature.CALL_PARK: "call_park_calls",
    CallFeature.CALL_PICKUP: "call_pickup_calls",
    CallFeature.VOICEMAIL: "voicemail_calls",
}
_OUTCOME_COLUMN = {
    QueueOutcome.ANSWERED: "queue_answered",
    QueueOutcome.ABANDONED: "queue_abandoned",
    QueueOutcome.TIMED_OUT: "queue_timed_out",
    QueueOutcome.OVERFLOWED: "queue_overflowed",
    QueueOutcome.TRANSFERRED: "queue_transferred",
}


def _insert(session: Session, table):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise BadInput("Unsupported database {dialect}.", dialect=dialect)


def add_to_rollup(counts: dict[str, float], leg: LegIn, *, poor: bool) -> None:
    """What one leg adds to its rollup row (the per-leg counting rules, in one place).

    calls: originating legs placed by a person; legs: every leg; a feature's calls:
    legs that went through it; queue calls: legs that entered a queue (one per queued
    call, carrying its outcome); answer wait: answered + transferred queue calls."""
    counts["legs"] += 1
    if leg.direction == ORIGINATING and leg.is_user:
        counts["calls"] += 1
    if has_media_stats(leg):
        counts["legs_with_media"] += 1
    if poor:
        counts["poor_legs"] += 1
    counts["video_legs" if leg.has_video else "audio_legs"] += 1
    counts["duration_s"] += max(int(leg.duration_s or 0), 0)
    counts["video_s"] += max(int(leg.video_s or 0), 0)
    column = _FEATURE_COLUMN.get(leg.feature) if leg.feature else None
    if column:
        counts[column] += 1
    if leg.queue_outcome:
        counts["queue_calls"] += 1
        counts[_OUTCOME_COLUMN[QueueOutcome(leg.queue_outcome)]] += 1
        wait = float(leg.wait_s or 0.0)
        if leg.queue_outcome in (QueueOutcome.ANSWERED, QueueOutcome.TRANSFERRED):
            counts["queue_answer_wait_s"] += wait
        elif leg.queue_outcome == QueueOutcome.ABANDONED:
            counts["queue_abandon_wait_s"] += wait


def upsert_rollups(session: Session, partner_id: int, rows: list[dict[str, Any]]) -> None:
    """Add ``rows`` (one per customer/day/location/endpoint) to the stored sums."""
    table = CallRollup.__table__
    keys = ["partner_id", "customer_id", "day", "location_id", "endpoint_type"]
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        stmt = _insert(session, table).values(chunk)
        excluded = stmt.excluded
        updates = {name: table.c[name] + excluded[name] for name in ROLLUP_SUMS}
        # Keep a known location name when a later batch lacks one.
        updates["location_name"] = func.coalesce(
            func.nullif(excluded.location_name, ""), table.c.location_name
        )
        session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates))


def conflict_clause(table: str, excluded: str) -> str:
    """The upsert's ON CONFLICT clause: sums add up, a non-empty location name wins."""
    sums_set = ", ".join(f"{n} = {table}.{n} + {excluded}.{n}" for n in ROLLUP_SUMS)
    return (f"ON CONFLICT ({', '.join(_ROLLUP_KEYS)}) DO UPDATE SET {sums_set}, "
            f"location_name = coalesce(nullif({excluded}.location_name, ''), {table}.location_name)")
