"""Webex Calling ingest: call legs in, daily rollups out (SPEC F16–F19, F23).

One module per responsibility; every public name stays importable from here.

- ``legs``: ``LegIn`` (one leg as a source hands it over), ``IngestResult``, the per-leg
  rules (poor quality, endpoint type).
- ``parse``: one record of Webex's detailed call history (CDR) into a ``LegIn``,
  including the queue outcome and wait derived from the CDR's own fields (docs/rules.md,
  "Calling").
- ``rollups``: the daily rollup's sums and what one leg adds to them.
- ``ingest``: leg by leg, each leg stored once (idempotent across overlapping batches).
- ``bulk`` / ``bulk_rollups``: the columnar path for millions of legs a week
  (idempotent per batch, through the ``CallIngestBatch`` ledger).
- ``retention``: raw legs pruned after ``Settings.call_leg_retention_days``; legs older
  than that window are refused at ingest, because a pruned leg could no longer be
  recognised as a duplicate.
"""
from __future__ import annotations

from partnerhub_core.calling.bulk import (
    FRAME_DEFAULTS,
    BulkIngest,
    PreparedBatch,
    ingest_frame,
    legs_frame,
    prepare_frame,
    store_prepared,
)
from partnerhub_core.calling.ingest import ingest_legs
from partnerhub_core.calling.legs import (
    ORIGINATING,
    TERMINATING,
    IngestResult,
    LegIn,
    endpoint_type_of,
    has_media_stats,
    is_poor_quality,
)
from partnerhub_core.calling.parse import parse_cdr_record
from partnerhub_core.calling.retention import prune_legs
from partnerhub_core.calling.rollups import ROLLUP_SUMS, add_to_rollup, upsert_rollups

__all__ = [
    "FRAME_DEFAULTS", "ORIGINATING", "ROLLUP_SUMS", "TERMINATING", "BulkIngest", "IngestResult", "LegIn",
    "PreparedBatch", "add_to_rollup", "endpoint_type_of", "has_media_stats", "ingest_frame", "ingest_legs",
    "is_poor_quality", "legs_frame", "parse_cdr_record", "prepare_frame", "prune_legs", "store_prepared",
    "upsert_rollups",
]
