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

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

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
