"""The App Home's "needs attention" figures, computed only as far as the Home shows them
(issue 19 item 3): the first lines of the expiring section within a few days and how many
there are, and how many customers have each status, without turning a whole table into
rows or copying every customer's statuses to count them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session

from partnerhub_core.analytics.cache import cached
from partnerhub_core.analytics.common import Section
from partnerhub_core.models import CustomerStatus
from partnerhub_core.settings import Settings
from partnerhub_core.statuses import customer_statuses


def ending_within(section: Section, days: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Of an expiring section (a ``days_left`` column), the first ``limit`` rows, in the
    table's order, that end within ``days`` days (an unknown ``days_left`` never does), as
    ``Section.rows()`` gives them; and how many rows end within ``days`` in all."""
    table = section.table
    if not len(table):
        return [], 0
    left = pd.to_numeric(table["days_left"], errors="coerce")  # Int64; NaN/None/<NA> unknown
    within = (left.notna() & (left <= days)).fillna(False).astype(bool)
    count = int(within.sum())
    shown = replace(section, table=table[within.to_numpy()].head(limit)).rows() if count and limit > 0 else []
    return shown, count


@cached("status_counts")
def status_counts(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    customer_ids: Iterable[int] | None = None,
) -> dict[CustomerStatus, int]:
    """How many of the partner's customers (or of ``customer_ids``) have each F1 status on
    ``as_of`` (statuses with no customer are left out). Cached on its own: a hit unpickles
    a few numbers instead of copying every customer's statuses."""
    found = customer_statuses(session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                              customer_ids=customer_ids)
    return dict(Counter(status for statuses in found.values() for status in statuses))
