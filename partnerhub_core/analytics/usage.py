"""Licence usage is known only where its source gave a figure (provenance.py).

A snapshot's ``used_7d``/``used_90d`` is None when no usage source gave a number; when the
usage source is stale, every usage figure is unknown. Sections built over such lines say
so: the usage columns and KPIs carry the source, and a note counts the lines whose usage
is known ("License usage known for 412 of 1,980 subscriptions").
"""
from __future__ import annotations

from datetime import date

import pandas as pd
from sqlmodel import Session

from partnerhub_core.provenance import SourceFamily, SourceState, source_states
from partnerhub_core.unknown import attach_source_note

USAGE_COLUMNS = ["used_7d", "used_90d", "used_pct", "weekly_used_change"]
USAGE_KPIS = ["usage_pct", "usage_when_assigned_pct", "used"]
_SNAPSHOT_USAGE = ("used_7d", "used_90d", "prev_used_7d")


def usage_state(session: Session, *, partner_id: int, as_of: date, settings) -> SourceState:
    states = source_states(session, partner_id=partner_id, as_of=as_of, settings=settings)
    return next(s for s in states if s.family == SourceFamily.LICENSE_USAGE)


def mask_stale_usage(snaps: pd.DataFrame, state: SourceState | None) -> pd.DataFrame:
    """Snapshots with every usage figure unknown when the usage source is stale: an old
    figure is not shown as if it were this week's."""
    if state is None or not state.stale:
        return snaps
    snaps = snaps.copy()
    for col in _SNAPSHOT_USAGE:
        if col in snaps:
            snaps[col] = float("nan")
    return snaps


def note_usage(section, state: SourceState | None, unit: str = "subscriptions"):
    """Mark the usage figures of ``section`` and count its lines whose usage is known."""
    return attach_source_note(section, family=SourceFamily.LICENSE_USAGE, state=state, columns=USAGE_COLUMNS,
                              kpis=USAGE_KPIS, unit=unit)
