"""The call quality view (F17), and calling figures as unknown when no source gives them
(``mark_quality_unknown`` for media quality, ``with_call_history`` for the CDR's figures).

The call history (CDR) gives usage, features and queues; it has no media figures, and
Webex's quality statistics cannot be read for a customer with a partner's token
(sources/call_history.py). So the quality figures are *unknown* unless the
``CALL_QUALITY`` family is known (provenance.py) or some leg of the period did report
media figures (the demo, or a future quality source): then the KPIs, the table and the
trend carry None, one row per customer with calls says so, and the section gets a note
naming the missing source (unknown.py presents it in Slack, the CLI and CSVs).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
from sqlmodel import Session

from partnerhub_core import provenance
from partnerhub_core.analytics.calling_base import (
    ENDPOINT_LABELS,
    POOR_RULE_HINT,
    CallingSection,
    _empty,
    _named,
    _per_week,
    _scoped,
    _share,
)
from partnerhub_core.analytics.cache import cached
from partnerhub_core.analytics.common import INT, PERCENT, REGION, Column, Kpi, ratio
from partnerhub_core.i18n import N_
from partnerhub_core.models import EndpointType
from partnerhub_core.provenance import SourceFamily, SourceState
from partnerhub_core.settings import Settings
from partnerhub_core.unknown import attach_source_note

# ---------------------------------------------------------------------------------
# F17 quality
# ---------------------------------------------------------------------------------
QUALITY_COLUMNS = [
    Column("customer", N_("Customer")),
    Column("region", N_("Region"), REGION),
    Column("legs_with_media", N_("Call legs with media figures"), INT),
    Column("poor_legs", N_("Poor-quality call legs"), INT),
    Column("poor_share", N_("Poor-quality share"), PERCENT),
]
QUALITY_TREND_COLUMNS = [
    Column("week_ending", N_("Week ending"), "date"),
    Column("legs_with_media", N_("Call legs with media figures"), INT),
    Column("poor_legs", N_("Poor-quality call legs"), INT),
    Column("poor_share", N_("Poor-quality share"), PERCENT),
]
ENDPOINT_COLUMNS = [
    Column("endpoint", N_("Endpoint type")),
    Column("legs_with_media", N_("Call legs with media figures"), INT),
    Column("poor_legs", N_("Poor-quality call legs"), INT),
    Column("poor_share", N_("Poor-quality share"), PERCENT),
]


@cached("calling_quality")
def quality(*, session: Session, partner_id: int, as_of: date, settings: Settings,
            region: str | None = None, tag: str | None = None,
            customer_ids: Iterable[int] | None = None) -> CallingSection:
    """Quality trend, quality by endpoint type, and customers with poor-quality calls."""
    customers, data, weeks = _scoped(session, partner_id=partner_id, as_of=as_of, region=region,
                                     tag=tag, customer_ids=customer_ids, by=("customer_id", "endpoint_type"))
    last = weeks[-1]
    trend = _per_week(data, weeks)
    trend["poor_share"] = _share(trend["poor_legs"], trend["legs_with_media"])

    week = data[data["week_ending"] == last]
    by_endpoint = pd.DataFrame({"endpoint_type": [str(e) for e in EndpointType]})
    sums = week.groupby("endpoint_type")[["legs_with_media", "poor_legs"]].sum()
    by_endpoint = by_endpoint.merge(sums, left_on="endpoint_type", right_index=True, how="left").fillna(0)
    by_endpoint["endpoint"] = by_endpoint["endpoint_type"].map(lambda e: ENDPOINT_LABELS[EndpointType(e)])
    by_endpoint["poor_share"] = _share(by_endpoint["poor_legs"], by_endpoint["legs_with_media"])

    per_customer = week.groupby("customer_id")[["legs_with_media", "poor_legs"]].sum()
    per_customer = per_customer[per_customer["poor_legs"] > 0]
    if len(per_customer):
        table = _named(per_customer, customers)
        table["poor_share"] = _share(table["poor_legs"], table["legs_with_media"])
        table = table.sort_values(["poor_share", "poor_legs", "customer"],
                                  ascending=[False, False, True], kind="stable").reset_index(drop=True)
    else:
        table = _empty(QUALITY_COLUMNS)

    now_w = trend.iloc[-1]
    hint_params = {"jitter": _num(settings.poor_jitter_ms), "latency": _num(settings.poor_latency_ms),
                   "loss": _num(settings.poor_packet_loss_pct)}
    kpis = [
        Kpi("legs_with_media", N_("Call legs with media figures"), int(now_w["legs_with_media"])),
        Kpi("poor_legs", N_("Poor-quality call legs"), int(now_w["poor_legs"])),
        Kpi("poor_share", N_("Poor-quality share"),
            ratio(now_w["poor_legs"], now_w["legs_with_media"]), PERCENT,
            hint=POOR_RULE_HINT, hint_params=hint_params),
        Kpi("customers_with_poor", N_("Customers with poor-quality calls"), int(len(per_customer))),
    ]
    section = CallingSection(
        key="quality", title=N_("Call quality"), kpis=kpis, table=table, columns=QUALITY_COLUMNS,
        product="calling", as_of=as_of, trend=trend, trend_columns=QUALITY_TREND_COLUMNS,
        breakdown=by_endpoint, breakdown_columns=ENDPOINT_COLUMNS, week_ending=last,
    )
    # The call history has no media figures: without a quality source they are unknown, not 0.
    state = family_state(session, partner_id=partner_id, as_of=as_of, settings=settings,
                         family=SourceFamily.CALL_QUALITY)
    if not quality_known(state, data):
        return mark_quality_unknown(section, state=state, week=week, customers=customers)
    return section


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


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
    return replace(kpi, value=None)


def with_call_history(section, *, session: Session, partner_id: int, as_of: date, settings: Settings,
                      data: pd.DataFrame, customers: pd.DataFrame):
    """Usage, features and queues come from the call history. When its source is not known
    and no rollup of the period exists, their KPIs are unknown (None), not 0, with a note
    over the customers with Webex Calling; when it is known but read for only some
    organizations, the note says how many. Rollups that exist (the demo, an earlier sync)
    are shown as they are. Returns the section."""
    from sqlalchemy import select

    from partnerhub_core.models import Product, Subscription
    from partnerhub_core.unknown import SourceNote

    state = family_state(session, partner_id=partner_id, as_of=as_of, settings=settings,
                         family=SourceFamily.CALL_HISTORY)
    known = state is not None and state.known
    if known and state.covered is not None and state.total and state.covered < state.total:
        section.notes.append(SourceNote(SourceFamily.CALL_HISTORY.value, state.covered, state.total,
                                        "customers", state))
        return section
    if known or len(data):
        return section
    ids = set(customers["customer_id"])
    with_calling = {cid for cid in session.execute(select(Subscription.customer_id).where(
        Subscription.partner_id == partner_id, Subscription.product == Product.CALLING)).scalars() if cid in ids}
    if not with_calling:
        return section  # no customer has Webex Calling: nothing is unknown
    section.kpis = [replace(k, value=None, source=SourceFamily.CALL_HISTORY.value) for k in section.kpis]
    section.notes.append(SourceNote(SourceFamily.CALL_HISTORY.value, 0, len(with_calling), "customers", state))
    return section
