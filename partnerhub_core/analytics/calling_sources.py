"""Calling figures whose source is missing show as unknown ("—"), never as 0.

The call history (CDR) gives usage, features and queues; it has no media figures, and
Webex's quality statistics cannot be read for a customer with a partner's token
(sources/call_history.py). So the quality section's figures are *unknown* unless the
``CALL_QUALITY`` family is known (provenance.py) or some leg of the period did report
media figures (the demo, or a future quality source): then its KPIs, its table and its
trend carry None, one row per customer with calls says so, and the section gets a note
naming the missing source (unknown.py presents it in Slack, the CLI and CSVs).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlmodel import Session

from partnerhub_core import provenance
from partnerhub_core.provenance import SourceFamily, SourceState
from partnerhub_core.unknown import attach_source_note

QUALITY_FIGURES = ("legs_with_media", "poor_legs", "poor_share")
QUALITY_KPIS = ("legs_with_media", "poor_legs", "poor_share", "customers_with_poor")


def family_state(session: Session, *, partner_id: int, as_of, settings, family: SourceFamily) -> SourceState | None:
    return next((s for s in provenance.source_states(session, partner_id=partner_id, as_of=as_of, settings=settings)
                 if s.family == family), None)


def quality_known(state: SourceState | None, data: pd.DataFrame) -> bool:
    """Known when its family is, or when the period's legs reported media figures themselves."""
    reported = bool(len(data)) and float(data["legs_with_media"].sum()) > 0
    return (state is not None and state.known) or reported


def mark_quality_unknown(section, *, state: SourceState | None, week: pd.DataFrame, customers: pd.DataFrame):
    """Every quality figure of ``section`` becomes None, one table row per customer with
    calls in the week, and a note for ``CALL_QUALITY``. Returns the section."""
    section.kpis = [_unknown(k) if k.key in QUALITY_KPIS else k for k in section.kpis]
    with_calls = sorted(set(week.loc[week["legs"] > 0, "customer_id"])) if len(week) else []
    table = customers.set_index("customer_id").loc[with_calls, ["customer", "region"]].reset_index() \
        if with_calls else pd.DataFrame(columns=["customer_id", "customer", "region"])
    for name in QUALITY_FIGURES:
        table[name] = pd.Series([None] * len(table), dtype=object)
    section.table = table.sort_values("customer", kind="stable").reset_index(drop=True)
    for frame in (section.trend, section.breakdown):
        if frame is not None:
            for name in QUALITY_FIGURES:
                if name in frame.columns:
                    frame[name] = np.nan
    return attach_source_note(section, family=SourceFamily.CALL_QUALITY, state=state, columns=list(QUALITY_FIGURES),
                              kpis=list(QUALITY_KPIS), unit="customers")


def _unknown(kpi):
    from dataclasses import replace

    return replace(kpi, value=None)
