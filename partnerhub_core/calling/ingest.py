"""Leg by leg ingest: each new leg stored once, only what is added counted in the rollups.

Legs arrive in batches (from the CDR feed or the demo). Each new leg is stored once
(unique ``leg_key`` per partner, inserted with ON CONFLICT DO NOTHING … RETURNING) and
only the legs that insert adds to ``CallRollup``; so re-ingesting a batch, or two
overlapping batches, never counts a leg twice, even when two workers race. Legs older
than the retention window are refused, because a pruned leg could no longer be
recognised as a duplicate (``retention.py``).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlmodel import Session, select

from partnerhub_core.calling.legs import _MEDIA, IngestResult, LegIn, endpoint_type_of, is_poor_quality
from partnerhub_core.calling.rollups import _CHUNK, ROLLUP_SUMS, _insert, add_to_rollup, upsert_rollups
from partnerhub_core.models import CallIngestBatch, CallLeg, Customer
from partnerhub_core.settings import Settings
from partnerhub_core.timeutil import week_ending


def ingest_legs(
    *,
    session: Session,
    partner_id: int,
    legs: Iterable[LegIn],
    now: datetime,
    settings: Settings,
    source: str = "",
) -> IngestResult:
    """Store the batch's new legs and add them to the daily rollups. Never commits."""
    batch: dict[str, LegIn] = {}
    received = 0
    for leg in legs:
        received += 1
        batch.setdefault(leg.leg_key, leg)  # a leg repeated inside the batch counts once
    batch_key = hashlib.sha256("\n".join(sorted(batch)).encode()).hexdigest()
    result = IngestResult(batch_key=batch_key, received=received)
    result.duplicate = received - len(batch)

    orgs = sorted({leg.org_id for leg in batch.values()})
    customer_of: dict[str, int] = {}
    for start in range(0, len(orgs), _CHUNK):
        for cid, org in session.execute(
            select(Customer.id, Customer.org_id).where(
                Customer.partner_id == partner_id, Customer.org_id.in_(orgs[start:start + _CHUNK])
            )
        ):
            customer_of[org] = cid
    oldest = now.astimezone(timezone.utc).date() - timedelta(days=settings.call_leg_retention_days)

    rows: list[dict[str, Any]] = []
    for key, leg in batch.items():
        if leg.org_id not in customer_of:
            result.skipped_unknown_customer += 1
            result.unknown_orgs.add(leg.org_id)
            continue
        if leg.day < oldest:
            result.skipped_too_old += 1
            continue
        rows.append(_leg_row(partner_id, customer_of[leg.org_id], leg, settings))

    inserted: set[str] = set()
    table = CallLeg.__table__
    # One statement compiled once and run "executemany" (SQLAlchemy batches it into
    # multi-row INSERTs with RETURNING): a fresh multi-VALUES statement per chunk cost
    # most of the time in compiling it.
    stmt = (
        _insert(session, table)
        .on_conflict_do_nothing(index_elements=["partner_id", "leg_key"])
        .returning(table.c.leg_key)
    )
    for start in range(0, len(rows), _CHUNK):
        inserted.update(session.execute(stmt, rows[start:start + _CHUNK]).scalars())
    result.added = len(inserted)
    result.duplicate += len(rows) - len(inserted)

    sums: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        if row["leg_key"] not in inserted:
            continue
        leg = batch[row["leg_key"]]
        group = (row["customer_id"], row["day"], row["location_id"], row["endpoint_type"])
        target = sums.get(group)
        if target is None:
            target = sums[group] = {
                "partner_id": partner_id, "customer_id": row["customer_id"], "day": row["day"],
                "week_ending": week_ending(row["day"]), "location_id": row["location_id"],
                "location_name": row["location_name"], "endpoint_type": row["endpoint_type"],
                **{name: 0 for name in ROLLUP_SUMS},
            }
        elif row["location_name"]:
            target["location_name"] = row["location_name"]
        add_to_rollup(target, leg, poor=row["poor_quality"])
    upsert_rollups(session, partner_id, list(sums.values()))

    ledger = (
        _insert(session, CallIngestBatch.__table__)
        .values(
            partner_id=partner_id, batch_key=batch_key, source=source[:60], received_at=now,
            legs_received=received, legs_added=result.added, legs_duplicate=result.duplicate,
            legs_skipped=result.skipped,
        )
        .on_conflict_do_nothing(index_elements=["partner_id", "batch_key"])
    )
    session.execute(ledger)
    return result


def _leg_row(partner_id: int, customer_id: int, leg: LegIn, settings: Settings) -> dict[str, Any]:
    endpoint = leg.endpoint_type or endpoint_type_of(leg.model, leg.client_type)
    return {
        "partner_id": partner_id,
        "customer_id": customer_id,
        "leg_key": leg.leg_key,
        "call_id": leg.call_id[:200],
        "correlation_id": leg.correlation_id[:200],
        "day": leg.day,
        "start_time": leg.start_time,
        "answer_time": leg.answer_time,
        "release_time": leg.release_time,
        "duration_s": int(leg.duration_s or 0),
        "direction": leg.direction,
        "answered": leg.answered,
        "call_type": leg.call_type[:40],
        "call_outcome": leg.call_outcome[:40],
        "user_uuid": leg.user_uuid[:200],
        "is_user": leg.is_user,
        "feature": leg.feature,
        "queue_outcome": leg.queue_outcome,
        "wait_s": leg.wait_s,
        "location_id": leg.location_id[:200],
        "location_name": leg.location_name[:300],
        "device_mac": leg.device_mac[:32],
        "model": leg.model[:200],
        "client_type": leg.client_type[:60],
        "endpoint_type": str(endpoint),
        "has_video": leg.has_video,
        "video_s": int(leg.video_s or 0),
        **{name: getattr(leg, name) for name in _MEDIA},
        "poor_quality": is_poor_quality(leg, settings),
    }
