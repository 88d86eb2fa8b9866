"""Webex Calling analytics (SPEC F16–F19), read from the daily rollups only.

Calling data is weekly: a view shows the last completed week (Sunday..Saturday, the
newest Saturday strictly before ``as_of``; Webex refreshes it Sunday 00:00 UTC) and an
8-week trend ending with it. Every section is a ``CallingSection``: the shared
``Section`` (KPIs and one table) plus the weekly ``trend`` frame its chart is drawn from
and, for quality, the ``breakdown`` by endpoint type.

Definitions (also in docs/rules.md, "Calling"):
- calls: legs originated by a person ("calls placed by users"); legs: every leg;
- poor-quality share: poor legs ÷ legs that reported media figures (the rule is in
  partnerhub_core/calling/legs.py; the view and its unknown figures in calling_quality.py);
- average answer time: summed queue wait of answered and transferred calls ÷ their
  count; average wait before abandoning: summed wait of abandoned calls ÷ their count;
  abandonment rate: abandoned ÷ queue calls, weighted by calls (all customers' calls
  together, not a mean of per-customer rates);
- customers with call queues: customers with at least one queued call in the 8 weeks.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Callable

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

# The shared pieces and the quality view live beside this module; their names stay importable here.
from partnerhub_core.analytics.calling_base import (  # noqa: F401  (re-exported)
    ENDPOINT_LABELS,
    FEATURES,
    POOR_RULE_HINT,
    TREND_WEEKS,
    CallingSection,
    _empty,
    _named,
    _per_week,
    _scoped,
    _share,
    _week,
    trend_weeks,
    weekly_rollups,
)
from partnerhub_core.analytics.calling_quality import (  # noqa: F401  (re-exported)
    ENDPOINT_COLUMNS,
    QUALITY_COLUMNS,
    QUALITY_TREND_COLUMNS,
    quality,
    with_call_history,
)
from partnerhub_core.analytics.cache import cached
from partnerhub_core.analytics.common import FLOAT, INT, PERCENT, REGION, Column, Kpi, ratio
from partnerhub_core.i18n import N_
from partnerhub_core.models import CallRollup
from partnerhub_core.settings import Settings

# ---------------------------------------------------------------------------------
# F16 usage
# ---------------------------------------------------------------------------------
USAGE_COLUMNS = [
    Column("customer", N_("Customer")),
    Column("region", N_("Region"), REGION),
    Column("calls", N_("Calls (last week)"), INT),
    Column("calls_prev", N_("Calls (week before)"), INT),
    Column("calls_change", N_("Change"), PERCENT),
    Column("calls_avg", N_("Weekly average, 8 weeks"), FLOAT),
    Column("legs", N_("Call legs"), INT),
    Column("minutes", N_("Call minutes"), FLOAT),
]
USAGE_TREND_COLUMNS = [
    Column("week_ending", N_("Week ending"), "date"),
    Column("calls", N_("Calls placed by users"), INT),
    Column("legs", N_("Call legs"), INT),
    Column("minutes", N_("Call minutes"), FLOAT),
]


@cached("calling_usage")
def usage(*, session: Session, partner_id: int, as_of: date, settings: Settings,
          region: str | None = None, tag: str | None = None,
          customer_ids: Iterable[int] | None = None) -> CallingSection:
    """Call volume by users (8-week trend) and each customer's usage, falling first."""
    customers, data, weeks = _scoped(session, partner_id=partner_id, as_of=as_of, region=region,
                                     tag=tag, customer_ids=customer_ids)
    last, prev = weeks[-1], weeks[-2]
    trend = _per_week(data, weeks)
    # Exact figures here; what people read is rounded half-up where it is shown (rounding.py).
    trend["minutes"] = trend["duration_s"] / 60
    now_w, prev_w = trend.iloc[-1], trend.iloc[-2]

    if len(data):
        total = data.groupby("customer_id")[["calls"]].sum().rename(columns={"calls": "calls_total"})
        cur = _week(data, last)[["calls", "legs", "duration_s"]]
        before = _week(data, prev)[["calls"]].rename(columns={"calls": "calls_prev"})
        table = total.join(cur, how="left").join(before, how="left").fillna(0)
        table["calls_avg"] = table["calls_total"] / len(weeks)
        table["minutes"] = table["duration_s"] / 60
        table["calls_change"] = _share(table["calls"] - table["calls_prev"], table["calls_prev"])
        table = _named(table, customers)
        # Falling usage first: biggest drop on top; customers without a prior week last.
        table = table.sort_values(["calls_change", "customer"], na_position="last", kind="stable")
        table = table.reset_index(drop=True)
    else:
        table = _empty(USAGE_COLUMNS)

    kpis = [
        Kpi("calls", N_("Calls placed by users"), int(now_w["calls"])),
        Kpi("calls_change", N_("Change from the week before"),
            ratio(now_w["calls"] - prev_w["calls"], prev_w["calls"]), PERCENT),
        Kpi("legs", N_("Call legs"), int(now_w["legs"])),
        Kpi("minutes", N_("Call minutes"), float(now_w["duration_s"]) / 60, FLOAT),
        Kpi("active_customers", N_("Customers with calls"),
            int((_week(data, last)["legs"] > 0).sum()) if len(data) else 0),
    ]
    section = CallingSection(
        key="usage", title=N_("Call usage"), kpis=kpis, table=table, columns=USAGE_COLUMNS,
        product="calling", as_of=as_of, trend=trend, trend_columns=USAGE_TREND_COLUMNS,
        week_ending=last,
    )
    return with_call_history(section, session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                             data=data, customers=customers)


# ---------------------------------------------------------------------------------
# F18 advanced features
# ---------------------------------------------------------------------------------
FEATURE_COLUMNS = [Column("customer", N_("Customer")), Column("region", N_("Region"), REGION)] + [
    Column(key, label, INT) for key, label in FEATURES
]
FEATURE_TREND_COLUMNS = [Column("week_ending", N_("Week ending"), "date")] + [
    Column(key, label, INT) for key, label in FEATURES
]


@cached("calling_features")
def features(*, session: Session, partner_id: int, as_of: date, settings: Settings,
             region: str | None = None, tag: str | None = None,
             customer_ids: Iterable[int] | None = None) -> CallingSection:
    """Calls through each advanced feature last week, for customers with call queues."""
    customers, data, weeks = _scoped(session, partner_id=partner_id, as_of=as_of, region=region,
                                     tag=tag, customer_ids=customer_ids)
    last = weeks[-1]
    history = data  # every rollup of the period: what says whether the call history is known
    with_queues = set(data.loc[data["queue_calls"] > 0, "customer_id"]) if len(data) else set()
    data = data[data["customer_id"].isin(with_queues)]
    trend = _per_week(data, weeks)
    keys = [key for key, _ in FEATURES]
    if with_queues:
        cur = _week(data, last)[keys]
        table = pd.DataFrame(index=pd.Index(sorted(with_queues), name="customer_id"))
        table = table.join(cur, how="left").fillna(0)
        table = _named(table, customers)
        table = table.sort_values(["queue_calls", "customer"], ascending=[False, True],
                                  kind="stable").reset_index(drop=True)
    else:
        table = _empty(FEATURE_COLUMNS)
    now_w = trend.iloc[-1]
    kpis = [Kpi("customers_with_queues", N_("Customers with call queues"), len(with_queues))]
    kpis += [Kpi(key, label, int(now_w[key])) for key, label in FEATURES]
    section = CallingSection(
        key="features", title=N_("Advanced calling features"), kpis=kpis, table=table,
        columns=FEATURE_COLUMNS, product="calling", as_of=as_of, trend=trend,
        trend_columns=FEATURE_TREND_COLUMNS, week_ending=last,
    )
    return with_call_history(section, session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                             data=history, customers=customers)


# ---------------------------------------------------------------------------------
# F19 call queues
# ---------------------------------------------------------------------------------
QUEUE_COLUMNS = [
    Column("customer", N_("Customer")),
    Column("region", N_("Region"), REGION),
    Column("queue_calls", N_("Queue calls"), INT),
    Column("queue_answered", N_("Answered"), INT),
    Column("queue_abandoned", N_("Abandoned"), INT),
    Column("abandon_rate", N_("Abandoned rate"), PERCENT),
    Column("abandon_rate_prev", N_("Abandoned rate, week before"), PERCENT),
    Column("avg_answer_s", N_("Average answer time (s)"), FLOAT),
    Column("avg_abandon_wait_s", N_("Average wait before abandoning (s)"), FLOAT),
    Column("queue_timed_out", N_("Timed out"), INT),
    Column("queue_overflowed", N_("Overflowed"), INT),
    Column("queue_transferred", N_("Transferred"), INT),
]
QUEUE_TREND_COLUMNS = [
    Column("week_ending", N_("Week ending"), "date"),
    Column("queue_calls", N_("Queue calls"), INT),
    Column("queue_abandoned", N_("Abandoned"), INT),
    Column("abandon_rate", N_("Abandoned rate"), PERCENT),
]


def _queue_figures(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["abandon_rate"] = _share(frame["queue_abandoned"], frame["queue_calls"])
    frame["avg_answer_s"] = _share(frame["queue_answer_wait_s"],
                                   frame["queue_answered"] + frame["queue_transferred"])
    frame["avg_abandon_wait_s"] = _share(frame["queue_abandon_wait_s"], frame["queue_abandoned"])
    return frame


@cached("calling_queues")
def queues(*, session: Session, partner_id: int, as_of: date, settings: Settings,
           region: str | None = None, tag: str | None = None,
           customer_ids: Iterable[int] | None = None) -> CallingSection:
    """Queue KPIs for the last completed week and each customer's queue figures,
    highest abandonment first (with the week before, to spot a jump)."""
    customers, data, weeks = _scoped(session, partner_id=partner_id, as_of=as_of, region=region,
                                     tag=tag, customer_ids=customer_ids)
    last, prev = weeks[-1], weeks[-2]
    trend = _queue_figures(_per_week(data, weeks))
    if len(data):
        cur = _queue_figures(_week(data, last))
        cur = cur[cur["queue_calls"] > 0]
        before = _queue_figures(_week(data, prev))[["abandon_rate"]].rename(
            columns={"abandon_rate": "abandon_rate_prev"})
        table = cur.join(before, how="left")
    else:
        table = pd.DataFrame()
    if len(table):
        table = _named(table, customers)
        table = table.sort_values(["abandon_rate", "queue_calls", "customer"],
                                  ascending=[False, False, True], kind="stable").reset_index(drop=True)
    else:
        table = _empty(QUEUE_COLUMNS)
    now_w = trend.iloc[-1]
    kpis = [
        Kpi("queue_calls", N_("Queue calls"), int(now_w["queue_calls"])),
        Kpi("avg_answer_s", N_("Average answer time (s)"), _maybe(now_w["avg_answer_s"]), FLOAT,
            hint=N_("Wait before an agent answered or the caller was moved to another queue.")),
        Kpi("avg_abandon_wait_s", N_("Average wait before abandoning (s)"),
            _maybe(now_w["avg_abandon_wait_s"]), FLOAT),
        Kpi("abandon_rate", N_("Abandoned-call rate"), _maybe(now_w["abandon_rate"]), PERCENT,
            hint=N_("Abandoned calls ÷ all queue calls of the week, every customer together.")),
    ]
    section = CallingSection(
        key="queues", title=N_("Call queue insights"), kpis=kpis, table=table, columns=QUEUE_COLUMNS,
        product="calling", as_of=as_of, trend=trend, trend_columns=QUEUE_TREND_COLUMNS,
        week_ending=last,
    )
    return with_call_history(section, session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                             data=data, customers=customers)


def _maybe(value) -> float | None:
    return None if pd.isna(value) else float(value)


def calling_regions(session: Session, *, partner_id: int,
                    customer_ids: Iterable[int] | None = None) -> list[str]:
    """Regions of the customers with calling data, in Region order: a region choice is
    offered only when there are two or more (F8)."""
    from partnerhub_core.models import Customer, Region

    holders = select(CallRollup.customer_id).where(CallRollup.partner_id == partner_id)
    stmt = select(Customer.region, Customer.id).where(Customer.partner_id == partner_id,
                                                       Customer.id.in_(holders))
    allowed = None if customer_ids is None else set(customer_ids)
    found = {region for region, cid in session.execute(stmt) if allowed is None or cid in allowed}
    return [r.value for r in Region if r.value in found]


CALLING_SECTIONS: dict[str, Callable[..., CallingSection]] = {
    "usage": usage,
    "quality": quality,
    "features": features,
    "queues": queues,
}
