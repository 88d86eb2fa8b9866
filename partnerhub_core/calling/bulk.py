"""Columnar bulk ingest: batches of legs as columns, counted by the same rules.

Bulk feeds (millions of legs a week) go through ``ingest_frame``: the same counting
rules over columns (pandas/numpy), rollups upserted in bulk (PostgreSQL: binary COPY,
straight into the table for days not written yet, ``pg_copy.py``); ``BulkIngest`` prepares the
next batch while the last one is written (bench/RESULTS.md has the rate). It does not
keep raw legs, so it is idempotent per batch only (the ``CallIngestBatch`` ledger by
batch key). The aggregation itself is in ``bulk_rollups.py``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlmodel import Session, select

from partnerhub_core.calling.bulk_rollups import _bulk_rollups, _bulk_upsert_rollups, _factor, _hash_column
from partnerhub_core.calling.legs import _MEDIA, ORIGINATING, IngestResult, LegIn
from partnerhub_core.calling.rollups import _CHUNK, _insert
from partnerhub_core.errors import BadInput
from partnerhub_core.models import CallIngestBatch, Customer
from partnerhub_core.settings import Settings

FRAME_DEFAULTS: dict[str, Any] = {
    "correlation_id": "", "direction": ORIGINATING, "duration_s": 0, "is_user": True,
    "feature": None, "queue_outcome": None, "wait_s": None, "location_id": "",
    "location_name": "", "model": "", "client_type": "", "endpoint_type": None,
    "has_video": False, "video_s": 0, **{name: None for name in _MEDIA},
}


_NUMERIC_NULLS = frozenset({"wait_s", *_MEDIA})  # defaults of None that are numbers


def legs_frame(legs: Iterable[LegIn]):
    """The columns ``ingest_frame`` reads, from ``LegIn`` objects (tests, small sources)."""
    import pandas as pd

    columns = ["org_id", "call_id", "start_time", *FRAME_DEFAULTS]
    return pd.DataFrame([{name: getattr(leg, name) for name in columns} for leg in legs], columns=columns)


def ingest_frame(
    *,
    session: Session,
    partner_id: int,
    frame,
    now: datetime,
    settings: Settings,
    source: str = "",
) -> IngestResult:
    """Add one batch of call legs, given as columns, to the daily rollups. Never commits.

    ``frame`` (pandas.DataFrame) has one row per leg and the ``LegIn`` field names as
    columns: ``org_id``, ``call_id``, ``start_time`` (tz-aware, or naive UTC) are required;
    any other column may be absent (``FRAME_DEFAULTS``) and null means missing (media
    figures: NaN is "not reported"). Text columns may be categorical.

    Counting is exactly ``add_to_rollup`` / ``is_poor_quality`` / ``has_media_stats``,
    vectorized. Unlike ``ingest_legs`` this path does NOT store raw legs: writing 10
    million ``CallLeg`` rows a week would cost far more than the whole bulk path, so
    idempotency is per batch — the batch key (sha256 of the sorted 64-bit hashes of
    the legs' correlation id | call id | direction) goes into the ``CallIngestBatch``
    ledger first, and a batch already there adds nothing (two workers racing on the same
    batch: the second waits on the ledger's unique key, then finds it). A leg repeated
    inside a batch counts once (legs are told apart by 64-bit hashes of their keys: two
    different legs of a million-leg batch share one with odds of about 3 in 100 million).
    Batches that only OVERLAP (some legs in common) are not
    recognised: feed this path with batches that partition the legs (e.g. the CDR feed's
    consecutive time windows); a source that may resend overlapping legs uses
    ``ingest_legs``. Unknown organizations and legs older than the retention window are
    skipped, as in ``ingest_legs``.
    """
    return store_prepared(session=session, prepared=prepare_frame(session=session, partner_id=partner_id,
                                                                  frame=frame, now=now, settings=settings),
                          now=now, source=source)


@dataclass
class PreparedBatch:
    """One batch of legs aggregated to rollup rows, not stored yet (``prepare_frame``)."""

    partner_id: int
    result: IngestResult  # what storing it adds, unless the batch was ingested before
    columns: dict = field(default_factory=dict)  # rollup rows as columns (numpy arrays)

    @property
    def rows(self) -> int:
        return len(self.columns.get("day", ()))


def prepare_frame(*, session: Session, partner_id: int, frame, now: datetime, settings: Settings) -> PreparedBatch:
    """``ingest_frame`` up to the writing: the batch key, what is skipped and why, and the
    rollup rows. Only reads (the partner's customers), so a ``BulkIngest`` runs it for
    the next batch, on its own connection, while the last one is written."""
    import numpy as np
    import pandas as pd

    for name in ("org_id", "call_id", "start_time"):
        if name not in frame.columns:
            raise BadInput("Call legs need the column {column}.", column=name)
    n_in = len(frame)

    def col(name):
        if name in frame.columns:
            return frame[name]
        # An absent column as the cheapest array of its default: numbers and flags as
        # numpy, text as a categorical (one category, or none for null), never a million
        # Python objects to factorize (the feed has no endpoint type: 0.1 s a batch).
        default = FRAME_DEFAULTS[name]
        if isinstance(default, (bool, int)) or name in _NUMERIC_NULLS:
            return pd.Series(np.full(n_in, np.nan if default is None else default), index=frame.index)
        values = pd.Categorical.from_codes(np.full(n_in, -1 if default is None else 0, dtype=np.int8),
                                           categories=[] if default is None else [default])
        return pd.Series(values, index=frame.index)

    # Within-batch duplicates (the same leg key twice) count once: keep the first, as
    # ingest_legs does.
    hashes = _hash_column(col("correlation_id"))
    hashes ^= _hash_column(frame["call_id"]) * np.uint64(0x9E3779B97F4A7C15)
    hashes ^= _hash_column(col("direction")) * np.uint64(0xC2B2AE3D27D4EB4F)
    first = ~pd.Series(hashes).duplicated().to_numpy()
    unique_hashes = np.sort(hashes[first])
    batch_key = hashlib.sha256(b"frame\n" + unique_hashes.tobytes()).hexdigest()
    result = IngestResult(batch_key=batch_key, received=n_in, duplicate=n_in - len(unique_hashes))
    prepared = PreparedBatch(partner_id=partner_id, result=result)
    rows = np.flatnonzero(first)
    del hashes, unique_hashes

    # Customers by organization (one query for the whole partner when the batch is big);
    # a categorical column is read by its codes, never as a million Python strings.
    org_codes, org_list = _factor(frame["org_id"].iloc[rows])
    customer_of: dict[str, int] = {}
    query = select(Customer.id, Customer.org_id).where(Customer.partner_id == partner_id)
    connection = session.connection()  # Core rows: the ORM's result machinery cost 0.1 s a batch
    if len(org_list) > 2000:
        customer_of = {org: cid for cid, org in connection.execute(query)}
    else:
        for start in range(0, len(org_list), _CHUNK):
            chunk = org_list[start:start + _CHUNK]
            customer_of.update({org: cid for cid, org in connection.execute(query.where(Customer.org_id.in_(chunk)))})
    cust_by_code = np.array([customer_of.get(o, -1) if o else -1 for o in org_list], dtype=np.int64)
    customer = cust_by_code[org_codes]  # a null org has the code of "": unknown
    known = customer >= 0
    result.skipped_unknown_customer = int((~known).sum())
    result.unknown_orgs = {org_list[c] for c in np.unique(org_codes[~known]) if org_list[c]}

    start_time = pd.to_datetime(frame["start_time"].iloc[rows], utc=True)
    if start_time.isna().any():
        raise BadInput("A call record needs a start time, an org UUID and a call ID.")
    day = start_time.dt.tz_localize(None).to_numpy().astype("datetime64[D]").astype(np.int64)
    oldest = now.astimezone(timezone.utc).date() - timedelta(days=settings.call_leg_retention_days)
    recent = day >= (oldest - date(1970, 1, 1)).days
    result.skipped_too_old = int((known & ~recent).sum())
    keep = known & recent
    rows, customer, day = rows[keep], customer[keep], day[keep]
    result.added = len(rows)
    if len(rows):
        prepared.columns = _bulk_rollups(partner_id, frame, rows, customer, day, col, settings)
    return prepared


def store_prepared(*, session: Session, prepared: PreparedBatch, now: datetime, source: str = "") -> IngestResult:
    """Write a prepared batch: claim its key in the ledger (a batch already there adds
    nothing), add its rows to the rollups, record the counts. Never commits."""
    result = prepared.result
    ledger_table = CallIngestBatch.__table__
    claimed = session.execute(
        _insert(session, ledger_table)
        .values(partner_id=prepared.partner_id, batch_key=result.batch_key, source=source[:60], received_at=now,
                legs_received=result.received)
        .on_conflict_do_nothing(index_elements=["partner_id", "batch_key"])
        .returning(ledger_table.c.id)
    ).scalar()
    if claimed is None:  # this very batch was ingested before
        return IngestResult(batch_key=result.batch_key, received=result.received, duplicate=result.received)
    if prepared.rows:
        _bulk_upsert_rollups(session, prepared.columns, prepared.rows)
    session.execute(
        ledger_table.update()
        .where(ledger_table.c.id == claimed)
        .values(legs_added=result.added, legs_duplicate=result.duplicate, legs_skipped=result.skipped)
    )
    return result


class BulkIngest:
    """Batches in, each in its own transaction, two at a time: while batch k is written
    (SQLite and PostgreSQL work outside the GIL), batch k+1 is prepared in a worker
    thread on a connection of its own. ``add`` returns when the frame it was given is
    prepared and the batch before it is committed, so nothing runs between calls; a
    failed batch is rolled back and raised, the ones before it stay committed.

        with BulkIngest(engine=engine, partner_id=1, now=now, settings=settings) as bulk:
            for frame in frames:
                results.extend(bulk.add(frame))
        results.extend(bulk.results_at_close)
    """

    def __init__(self, *, engine, partner_id: int, now: datetime, settings: Settings, source: str = ""):
        from concurrent.futures import ThreadPoolExecutor

        self.engine, self.partner_id, self.now, self.settings, self.source = engine, partner_id, now, settings, source
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="partnerhub-ingest")
        self._ready: PreparedBatch | None = None
        self.results_at_close: list[IngestResult] = []

    def _prepare(self, frame) -> PreparedBatch:
        with Session(self.engine) as session:
            return prepare_frame(session=session, partner_id=self.partner_id, frame=frame, now=self.now,
                                 settings=self.settings)

    def _store_ready(self) -> list[IngestResult]:
        """Write and commit the prepared batch, if any: its result."""
        if self._ready is None:
            return []
        ready, self._ready = self._ready, None
        with Session(self.engine) as session:
            result = store_prepared(session=session, prepared=ready, now=self.now, source=self.source)
            session.commit()
        return [result]

    def add(self, frame) -> list[IngestResult]:
        """Prepare ``frame`` while the previous batch is written; the written batch's result."""
        pending = self._pool.submit(self._prepare, frame)
        try:
            return self._store_ready()
        finally:
            self._ready = pending.result()  # raises what preparing raised

    def close(self) -> list[IngestResult]:
        """Write the last prepared batch; the results not returned by ``add`` yet."""
        try:
            self.results_at_close.extend(self._store_ready())
        finally:
            self._pool.shutdown(wait=True)
        return self.results_at_close

    def __enter__(self) -> "BulkIngest":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:  # a failed batch: what is prepared and not written is dropped
            self._ready = None
            self._pool.shutdown(wait=True)
