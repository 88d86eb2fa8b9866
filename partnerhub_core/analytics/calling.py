"""Webex Calling analytics (SPEC F16–F19), read from the daily rollups only.

Calling data is weekly: a view shows the last completed week (Sunday..Saturday, the
newest Saturday strictly before ``as_of``; Webex refreshes it Sunday 00:00 UTC) and an
8-week trend ending with it. Every section is a ``CallingSection``: the shared
``Section`` (KPIs and one table) plus the weekly ``trend`` frame its chart is drawn from
and, for quality, the ``breakdown`` by endpoint type.

Definitions (also in the README, "Rules and formulas"):
- calls: legs originated by a person ("calls placed by users"); legs: every leg;
- poor-quality share: poor legs ÷ legs that reported media figures (see calling.py for
  the rule);
- average answer time: summed queue wait of answered and transferred calls ÷ their
  count; average wait before abandoning: summed wait of abandoned calls ÷ their count;
  abandonment rate: abandoned ÷ queue calls, weighted by calls (all customers' calls
  together, not a mean of per-customer rates);
- customers with call queues: customers with at least one queued call in the 8 weeks.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from partnerhub_core.analytics.common import (
    FLOAT,
    INT,
    PERCENT,
    Column,
    Kpi,
    Section,
    load_customers,
    ratio,
)
from partnerhub_core.analytics import calling_sources
from partnerhub_core.calling import ROLLUP_SUMS
from partnerhub_core.i18n import N_
from partnerhub_core.models import CallRollup, EndpointType
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.rounding import displayed_figures
from partnerhub_core.settings import Settings
from partnerhub_core.timeutil import last_completed_week_ending

TREND_WEEKS = 8

ENDPOINT_LABELS = {
    EndpointType.DESK_PHONE: N_("Desk phone"),
    EndpointType.ROOM_DEVICE: N_("Room device"),
    EndpointType.WEBEX_APP: N_("Webex App"),
    EndpointType.OTHER: N_("Third-party device"),
}

FEATURES = [  # (rollup column, label) in the order the views list them
    ("queue_calls", N_("Call queue")),
    ("hunt_group_calls", N_("Hunt group")),
    ("auto_attendant_calls", N_("Auto attendant")),
    ("call_park_calls", N_("Call park")),
    ("call_pickup_calls", N_("Call pickup")),
    ("voicemail_calls", N_("Voicemail")),
]

POOR_RULE_HINT = N_(
    "A call leg is poor when its audio or video jitter is above {jitter} ms, its latency "
    "above {latency} ms or its packet loss above {loss}% (any one is enough)."
)


@dataclass
class CallingSection(Section):
    """A Section plus the weekly frame behind its chart (``trend``: one row per week,
    oldest first) and an optional second frame (quality by endpoint type)."""

    trend: pd.DataFrame | None = None
    trend_columns: list[Column] | None = None
    breakdown: pd.DataFrame | None = None
    breakdown_columns: list[Column] | None = None
    week_ending: date | None = None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["week_ending"] = self.week_ending.isoformat() if self.week_ending else None
        for name in ("trend", "breakdown"):
            frame = getattr(self, name)
            cols = getattr(self, f"{name}_columns") or []
            if frame is not None:
                out[name] = {
                    "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in cols],
                    "rows": _records(frame, [c.key for c in cols]),
                    "displayed": displayed_figures([], cols, _records(frame, [c.key for c in cols]))["rows"],
                }
        return out


def _records(frame: pd.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    from partnerhub_core.analytics.common import _plain

    return [{k: _plain(v) for k, v in rec.items()} for rec in frame[keys].to_dict(orient="records")]


# ---------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------
def trend_weeks(as_of: date, weeks: int = TREND_WEEKS) -> list[date]:
    """The Saturdays closing the last ``weeks`` completed weeks, oldest first."""
    last = last_completed_week_ending(as_of)
    return [last - timedelta(days=7 * i) for i in range(weeks - 1, -1, -1)]


def weekly_rollups(
    session: Session, *, partner_id: int, first_week: date, last_week: date,
    by: Iterable[str] = ("customer_id",),
) -> pd.DataFrame:
    """Rollup sums per week (and per ``by`` columns) for weeks ending in [first, last].

    One GROUP BY over the indexed (partner, week) range: at most customers × weeks rows.
    The alerts use it too (``by=("customer_id",)`` gives queue figures per week)."""
    r = CallRollup
    keys = [getattr(r, name) for name in by] + [r.week_ending]
    stmt = (
        select(*keys, *[func.sum(getattr(r, name)).label(name) for name in ROLLUP_SUMS])
        .where(r.partner_id == partner_id, r.week_ending >= first_week, r.week_ending <= last_week)
        .group_by(*keys)
    )
    columns = [*by, "week_ending", *ROLLUP_SUMS]
    frame = pd.DataFrame(session.execute(stmt).all(), columns=columns)
    for name in ROLLUP_SUMS:
        frame[name] = pd.to_numeric(frame[name]).fillna(0)
    return frame


def _scoped(
    session: Session, *, partner_id: int, as_of: date, region, tag, customer_ids,
    by: Iterable[str] = ("customer_id",),
) -> tuple[pd.DataFrame, pd.DataFrame, list[date]]:
    weeks = trend_weeks(as_of)
    customers = load_customers(session, partner_id=partner_id, region=region, tag=tag,
                               customer_ids=customer_ids)
    data = weekly_rollups(session, partner_id=partner_id, first_week=weeks[0], last_week=weeks[-1],
                          by=("customer_id", *[b for b in by if b != "customer_id"]))
    data = data[data["customer_id"].isin(set(customers["customer_id"]))]
    return customers, data.reset_index(drop=True), weeks


def _per_week(data: pd.DataFrame, weeks: list[date]) -> pd.DataFrame:
    """Sums per week over every customer, with empty weeks as zeros."""
    grouped = data.groupby("week_ending")[list(ROLLUP_SUMS)].sum() if len(data) else None
    out = pd.DataFrame({"week_ending": weeks})
    if grouped is None:
        for name in ROLLUP_SUMS:
            out[name] = 0
        return out
    return out.merge(grouped, left_on="week_ending", right_index=True, how="left").fillna(0)


def _week(data: pd.DataFrame, week: date) -> pd.DataFrame:
    """One week's sums per customer (customers without data that week are absent)."""
    part = data[data["week_ending"] == week]
    return part.groupby("customer_id")[list(ROLLUP_SUMS)].sum()


def _named(frame: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    names = customers.set_index("customer_id")[["customer", "org_id", "region"]]
    return frame.join(names, how="inner").reset_index()


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype("float64")
    return (num.astype("float64") / den).where(den > 0)


def _empty(columns: list[Column]) -> pd.DataFrame:
    return pd.DataFrame({c.key: pd.Series(dtype="object") for c in columns})


# ---------------------------------------------------------------------------------
# F16 usage
# ---------------------------------------------------------------------------------
USAGE_COLUMNS = [
    Column("customer", N_("Customer")),
    Column("region", N_("Region")),
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
    return CallingSection(
        key="usage", title=N_("Call usage"), kpis=kpis, table=table, columns=USAGE_COLUMNS,
        product="calling", as_of=as_of, trend=trend, trend_columns=USAGE_TREND_COLUMNS,
        week_ending=last,
    )


# ---------------------------------------------------------------------------------
# F17 quality
# ---------------------------------------------------------------------------------
QUALITY_COLUMNS = [
    Column("customer", N_("Customer")),
    Column("region", N_("Region")),
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
    state = calling_sources.family_state(session, partner_id=partner_id, as_of=as_of, settings=settings,
                                         family=SourceFamily.CALL_QUALITY)
    if not calling_sources.quality_known(state, data):
        return calling_sources.mark_quality_unknown(section, state=state, week=week, customers=customers)
    return section


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# ---------------------------------------------------------------------------------
# F18 advanced features
# ---------------------------------------------------------------------------------
FEATURE_COLUMNS = [Column("customer", N_("Customer")), Column("region", N_("Region"))] + [
    Column(key, label, INT) for key, label in FEATURES
]
FEATURE_TREND_COLUMNS = [Column("week_ending", N_("Week ending"), "date")] + [
    Column(key, label, INT) for key, label in FEATURES
]


def features(*, session: Session, partner_id: int, as_of: date, settings: Settings,
             region: str | None = None, tag: str | None = None,
             customer_ids: Iterable[int] | None = None) -> CallingSection:
    """Calls through each advanced feature last week, for customers with call queues."""
    customers, data, weeks = _scoped(session, partner_id=partner_id, as_of=as_of, region=region,
                                     tag=tag, customer_ids=customer_ids)
    last = weeks[-1]
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
    return CallingSection(
        key="features", title=N_("Advanced calling features"), kpis=kpis, table=table,
        columns=FEATURE_COLUMNS, product="calling", as_of=as_of, trend=trend,
        trend_columns=FEATURE_TREND_COLUMNS, week_ending=last,
    )


# ---------------------------------------------------------------------------------
# F19 call queues
# ---------------------------------------------------------------------------------
QUEUE_COLUMNS = [
    Column("customer", N_("Customer")),
    Column("region", N_("Region")),
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
    return CallingSection(
        key="queues", title=N_("Call queue insights"), kpis=kpis, table=table, columns=QUEUE_COLUMNS,
        product="calling", as_of=as_of, trend=trend, trend_columns=QUEUE_TREND_COLUMNS,
        week_ending=last,
    )


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
