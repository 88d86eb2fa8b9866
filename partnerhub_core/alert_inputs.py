"""Which source each alert reads, and whether it can fire (unknown is not zero).

An alert whose input source is missing does not fire: it would say "nothing to report"
when we simply do not know. The digest lists it as *off*, with the source and how to
connect it. An input is missing when its source is stale, or was never read and either
its last read failed (a missing scope, a product the customer lacks) or there is no data
of it at all (a partner that imports its subscriptions has subscription rows without a
subscriptions read, and those alerts stay on).

The digest's "no recent activity" count is over the customers whose sign-in is known;
``sign_in_note`` says for how many of them it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from partnerhub_core.analytics.frames import _frame
from partnerhub_core.models import AlertKind, CallRollup
from partnerhub_core.provenance import SourceFamily, SourceState
from partnerhub_core.unknown import SourceNote

ALERT_SOURCES: dict[AlertKind, SourceFamily] = {
    AlertKind.EXPIRING: SourceFamily.SUBSCRIPTIONS,
    AlertKind.OVERAGE: SourceFamily.SUBSCRIPTIONS,
    AlertKind.LOW_ASSIGNMENT: SourceFamily.SUBSCRIPTIONS,
    AlertKind.ABANDONED_SPIKE: SourceFamily.CALL_HISTORY,
}


@dataclass(frozen=True)
class OffAlert:
    """An alert chosen for a digest that does not run: its input source is missing."""

    kind: str
    title: str  # English msgid
    family: str
    state: SourceState


def input_missing(state: SourceState, has_rows: bool) -> bool:
    if state.known:
        return False
    if state.stale:
        return True
    return bool(state.last_error) or not has_rows


def has_rows(session: Session, family: SourceFamily, *, partner_id: int, subs: pd.DataFrame) -> bool:
    """Whether the partner holds any data of ``family`` (the digest's subscription lines,
    or one calling rollup)."""
    if family == SourceFamily.SUBSCRIPTIONS:
        return not subs.empty
    if family == SourceFamily.CALL_HISTORY:
        return session.execute(select(CallRollup.id).where(CallRollup.partner_id == partner_id).limit(1)
                               ).first() is not None
    return True


def sign_in_note(known: pd.Series, state: SourceState | None) -> SourceNote:
    """How many customers of the digest have a known sign-in (``known``: a boolean mask)."""
    return SourceNote(SourceFamily.ADMIN_SIGN_IN.value, int(known.sum()), int(len(known)), "customers", state)


def load_queue_weeks(
    session: Session, *, partner_id: int, week: date, weeks: int, customer_ids: set[int] | None
) -> pd.DataFrame:
    """Queue calls and abandoned calls per customer and week, for ``weeks`` weeks up to
    ``week`` (the spike rule's input, ``alert_rules.abandoned_spikes``): one row per
    customer and week it has rollups in; rows by week, then as the database groups them.

    One group per *customer*, a pair of sums per week (``FILTER``): grouping by customer
    and week hashed five groups per customer, 500,000 at 100,000 customers, more than
    PostgreSQL's default work_mem holds (the aggregate spilled to disk: 1.8 s of server
    time; this, 1.0–1.1 s, measured at load 5). A rollup's ``week_ending`` is the Saturday
    closing its day, so the weeks are ``week`` and the Saturdays before it; a row on any
    other day in the range (none is written) sends the read back to the per-week grouping.
    """
    first = week - timedelta(days=7 * weeks)
    saturdays = [first + timedelta(days=7 * i) for i in range(weeks + 1)]
    sums = []
    for day in saturdays:
        on = CallRollup.week_ending == day
        sums += [func.sum(CallRollup.queue_calls).filter(on), func.sum(CallRollup.queue_abandoned).filter(on)]
    stmt = (
        select(CallRollup.customer_id, *sums, func.count().filter(CallRollup.week_ending.not_in(saturdays)))
        .where(CallRollup.partner_id == partner_id, CallRollup.week_ending >= first,
               CallRollup.week_ending <= week)
        .group_by(CallRollup.customer_id)
    )
    names = ["customer_id"] + [f"{what}{i}" for i in range(len(saturdays)) for what in ("calls", "abandoned")]
    wide = _frame(session, stmt, names + ["other_days"])
    if customer_ids is not None:
        wide = wide[wide["customer_id"].isin(customer_ids)]
    if len(wide) and wide["other_days"].astype("int64").any():
        return _queue_weeks_grouped(session, partner_id=partner_id, first=first, week=week,
                                    customer_ids=customer_ids)
    columns = ["customer_id", "week_ending", "queue_calls", "queue_abandoned"]
    parts = []
    for i, day in enumerate(saturdays):
        calls = wide[f"calls{i}"]
        had = calls.notna().to_numpy()  # a week without rollups: no row, as grouping gives none
        if had.any():
            part = pd.DataFrame({"customer_id": wide["customer_id"].to_numpy()[had],
                                 "queue_calls": calls.to_numpy()[had],
                                 "queue_abandoned": wide[f"abandoned{i}"].to_numpy()[had]})
            part.insert(1, "week_ending", pd.Series([day] * int(had.sum()), dtype=object))
            parts.append(part)
    if not parts:
        df = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    else:
        df = pd.concat(parts, ignore_index=True)
    return df.astype({"customer_id": "int64", "queue_calls": "int64", "queue_abandoned": "int64"}
                     if len(df) else {"queue_calls": "int64", "queue_abandoned": "int64"})


def _queue_weeks_grouped(session: Session, *, partner_id: int, first: date, week: date,
                         customer_ids: set[int] | None) -> pd.DataFrame:
    """``load_queue_weeks`` grouped by customer and week in the database (any week_ending)."""
    stmt = (
        select(CallRollup.customer_id, CallRollup.week_ending,
               func.sum(CallRollup.queue_calls), func.sum(CallRollup.queue_abandoned))
        .where(CallRollup.partner_id == partner_id, CallRollup.week_ending >= first,
               CallRollup.week_ending <= week)
        .group_by(CallRollup.customer_id, CallRollup.week_ending)
    )
    df = _frame(session, stmt, ["customer_id", "week_ending", "queue_calls", "queue_abandoned"])
    if customer_ids is not None:
        df = df[df["customer_id"].isin(customer_ids)]
    return df.astype({"queue_calls": "int64", "queue_abandoned": "int64"}).reset_index(drop=True)
