"""Which alerts fire, and what goes into a digest (SPEC F29).

Alerts, per customer, for one partner on ``as_of`` (optionally only customers with a tag
or in a region):

``expiring``
    subscription lines and trials in force that end within ``expiring_soon_days`` —
    exactly the lines that give a customer the ``expiring_soon`` status. Auto-renew lines
    alert too (the guide counts them as expiring, and a renewal at the current licence
    count is a moment to talk to the customer); the alert marks them "auto-renew". With
    ``expiring_excludes_auto_renew`` they are left out, as the status leaves them out.
``overage``
    lines in force whose newest weekly snapshot has more licenses assigned than bought —
    the lines behind ``license_overage``.
``low_assignment``
    the rows of the "low license assignment" analytics section (its percentile rule),
    Meetings and Calling.
``abandoned_spike``
    the spike rule (``abandoned_spikes``): last completed week's abandoned-call rate of a
    customer's call queues against the customer's own recent baseline.

An alert someone acknowledged, or snoozed until a date still ahead, is left out of the
digest as long as its *fingerprint* (the facts it shows, e.g. which lines end on which
day, how many licenses over) is the one they acted on; when the facts change it comes back.

"What changed since the last digest" compares the statuses of the customers in the
digest's scope with the snapshot the previous digest of the same schedule stored.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, select as sa_select
from sqlmodel import Session, select

from partnerhub_core import audit
from partnerhub_core.analytics.common import (
    BOOL,
    DATE,
    FLOAT,
    INT,
    PERCENT,
    TEXT,
    Column,
    Kpi,
    Section,
    date_col,
    load_customers,
    load_latest_snapshots,
    load_subscriptions,
)
from partnerhub_core.alert_inputs import ALERT_SOURCES, OffAlert, has_rows, input_missing, sign_in_note
from partnerhub_core.auth import Actor, Permission, require, visible_customer_ids
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import (
    AlertKind,
    AlertState,
    CallRollup,
    Customer,
    CustomerStatus,
    DigestSnapshot,
    Schedule,
)
from partnerhub_core.provenance import SourceFamily, source_states
from partnerhub_core.schedules import schedule_scope
from partnerhub_core.settings import Settings
from partnerhub_core.statuses import count_by_status, counts_as_expiring, sign_in_known_mask, statuses_frame
from partnerhub_core.timeutil import last_completed_week_ending

ALERT_TITLES = {
    AlertKind.EXPIRING: N_("Expiring subscriptions and trials"),
    AlertKind.OVERAGE: N_("Over the license limit"),
    AlertKind.LOW_ASSIGNMENT: N_("Low license assignment"),
    AlertKind.ABANDONED_SPIKE: N_("Abandoned-call spikes"),
}

# The statuses "what changed" follows, with how a change is named.
TRACKED = (
    CustomerStatus.EXPIRING_SOON,
    CustomerStatus.LICENSE_OVERAGE,
    CustomerStatus.NO_RECENT_ACTIVITY,
)


# ---------------------------------------------------------------------------------
# The spike rule (pure)
# ---------------------------------------------------------------------------------
def abandoned_spikes(
    weekly: pd.DataFrame,
    *,
    week: date,
    factor: float,
    min_calls: int,
    baseline_weeks: int,
    min_rate: float,
) -> pd.DataFrame:
    """Customers whose call queues abandoned far more calls last week than usual.

    ``weekly`` has one row per customer and week: ``customer_id, week_ending, queue_calls,
    queue_abandoned``. A week's rate is abandoned ÷ queue calls. The *baseline* is the
    mean of the weekly rates of the ``baseline_weeks`` weeks before ``week`` that had
    queue calls (at least two such weeks, or the one week when ``baseline_weeks`` is 1).
    A customer spikes when, in ``week``:

    - it had at least ``min_calls`` queue calls (tiny queues page nobody), and
    - its rate is at least ``min_rate``, and
    - its rate is greater than ``factor`` × baseline.

    Returns ``customer_id, week_ending, queue_calls, queue_abandoned, rate,
    baseline_rate, baseline_weeks, times_baseline`` (None when the baseline is 0), worst first.
    """
    columns = ["customer_id", "week_ending", "queue_calls", "queue_abandoned", "rate",
               "baseline_rate", "baseline_weeks", "times_baseline"]
    if weekly.empty:
        return pd.DataFrame(columns=columns)
    df = weekly.copy()
    df["week_ending"] = pd.to_datetime(df["week_ending"]).dt.date
    current = df[df["week_ending"] == week]
    earlier = {week - timedelta(days=7 * i) for i in range(1, baseline_weeks + 1)}
    base = df[df["week_ending"].isin(earlier) & (df["queue_calls"] > 0)].copy()
    base["rate"] = base["queue_abandoned"] / base["queue_calls"]
    stats = base.groupby("customer_id")["rate"].agg(["mean", "count"])
    needed = min(2, baseline_weeks)
    means, counts = stats["mean"].to_dict(), stats["count"].to_dict()  # dicts: .at per row is slow
    out = []
    for row in current.itertuples(index=False):
        calls, abandoned = int(row.queue_calls), int(row.queue_abandoned)
        if calls < min_calls or row.customer_id not in means:
            continue
        mean, count = float(means[row.customer_id]), int(counts[row.customer_id])
        if count < needed:
            continue
        rate = abandoned / calls
        if rate >= min_rate and rate > factor * mean:
            out.append({
                "customer_id": int(row.customer_id), "week_ending": week, "queue_calls": calls,
                "queue_abandoned": abandoned, "rate": rate, "baseline_rate": mean,
                "baseline_weeks": count, "times_baseline": (rate / mean) if mean > 0 else None,
            })
    result = pd.DataFrame(out, columns=columns)
    if not result.empty:
        result = result.sort_values(["rate", "customer_id"], ascending=[False, True]).reset_index(drop=True)
    return result


def load_queue_weeks(
    session: Session, *, partner_id: int, week: date, weeks: int, customer_ids: set[int] | None
) -> pd.DataFrame:
    """Queue calls and abandoned calls per customer and week, for ``weeks`` weeks up to ``week``."""
    first = week - timedelta(days=7 * weeks)
    stmt = (
        sa_select(
            CallRollup.customer_id, CallRollup.week_ending,
            func.sum(CallRollup.queue_calls), func.sum(CallRollup.queue_abandoned),
        )
        .where(CallRollup.partner_id == partner_id, CallRollup.week_ending >= first,
               CallRollup.week_ending <= week)
        .group_by(CallRollup.customer_id, CallRollup.week_ending)
    )
    names = ["customer_id", "week_ending", "queue_calls", "queue_abandoned"]
    rows = session.execute(stmt).all()
    # Columns, not rows of Row objects: building a frame row by row cost seconds here.
    df = pd.DataFrame(dict(zip(names, map(list, zip(*rows)))) if rows else {n: [] for n in names},
                      columns=names)
    if customer_ids is not None:
        df = df[df["customer_id"].isin(customer_ids)]
    return df.astype({"queue_calls": "int64", "queue_abandoned": "int64"}).reset_index(drop=True)


# ---------------------------------------------------------------------------------
# What changed since the last digest (pure)
# ---------------------------------------------------------------------------------
@dataclass
class Changes:
    newly_expiring: list[int] = field(default_factory=list)
    newly_over: list[int] = field(default_factory=list)
    newly_inactive: list[int] = field(default_factory=list)
    recovered: list[tuple[int, str]] = field(default_factory=list)  # (customer, status it left)

    def is_empty(self) -> bool:
        return not (self.newly_expiring or self.newly_over or self.newly_inactive or self.recovered)


def changes_since(previous: dict[int, set[str]], current: dict[int, set[str]]) -> Changes:
    """Compare two {customer id: statuses} maps of the same scope.

    *Newly* expiring / over the limit / inactive: the customer has the status now and did
    not have it at the previous digest (a customer new to the scope counts as new).
    *Recovered*: it had one of those statuses and no longer has it, and is not expired
    now (a subscription that simply ran out did not recover) — one entry per status left.
    Customers that left the scope are not mentioned. Lists are sorted by customer id.
    """
    out = Changes()
    slots = {
        CustomerStatus.EXPIRING_SOON.value: out.newly_expiring,
        CustomerStatus.LICENSE_OVERAGE.value: out.newly_over,
        CustomerStatus.NO_RECENT_ACTIVITY.value: out.newly_inactive,
    }
    for cid in sorted(current):
        now = current[cid]
        before = previous.get(cid, set())
        for status, bucket in slots.items():
            if status in now and status not in before:
                bucket.append(cid)
        if CustomerStatus.EXPIRED.value in now:
            continue
        for status in slots:
            if status in before and status not in now:
                out.recovered.append((cid, status))
    return out


# ---------------------------------------------------------------------------------
# Alert rows
# ---------------------------------------------------------------------------------
@dataclass
class AlertRow:
    kind: str
    customer_id: int
    customer: str
    fingerprint: str
    facts: dict[str, Any]  # the values the message shows (kind-specific keys)
    owner_slack_user_id: str | None = None


@dataclass
class Alert:
    kind: str
    title: str  # English msgid
    rows: list[AlertRow]  # what the digest shows (muted alerts left out)
    muted: int  # acknowledged or snoozed, left out
    section: Section  # every row (muted ones too): the CSV behind the alert
    history: pd.DataFrame | None = None  # weekly figures behind the rule (spikes), for a chart


@dataclass
class Digest:
    partner_id: int
    as_of: date
    tag: str | None
    region: str | None
    kpis: list[Kpi]
    alerts: list[Alert]
    changes: Changes | None  # None: the first digest of this schedule
    names: dict[int, str]  # customer id -> name, for the changes
    statuses: dict[int, list[str]]  # what the next digest compares with
    # Alerts chosen but off, their input source missing (alert_inputs.OffAlert), and notes
    # on figures over partial data (unknown.SourceNote: sign-in known for some customers).
    off: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def is_empty(self) -> bool:
        # Alerts that are off are news on a schedule's first digest only: a quiet
        # subscription must not post every week just to repeat that a source is missing.
        if any(a.rows for a in self.alerts) or (self.off and self.changes is None):
            return False
        return self.changes is None or self.changes.is_empty()


def fingerprint(*parts: Any) -> str:
    text = "|".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _lines_in_force(subs: pd.DataFrame, as_of: date) -> pd.DataFrame:
    day = pd.Timestamp(as_of)
    start, end, cancelled = date_col(subs["start_date"]), date_col(subs["end_date"]), date_col(subs["cancelled_on"])
    mask = (start <= day) & (end.isna() | (end >= day)) & (cancelled.isna() | (cancelled > day))
    out = subs[mask.fillna(False).astype(bool)].copy()
    out["end_ts"] = date_col(out["end_date"])
    return out


def expiring_alert(customers: pd.DataFrame, subs: pd.DataFrame, *, as_of: date, settings: Settings) -> Section:
    """Lines that make their customer ``expiring_soon`` (same rule as statuses.py)."""
    lines = _lines_in_force(subs, as_of)
    days_left = (lines["end_ts"] - pd.Timestamp(as_of)).dt.days
    keep = lines["end_ts"].notna() & (days_left <= settings.expiring_soon_days) & counts_as_expiring(
        lines["is_trial"].astype(bool), lines["auto_renew"].astype(bool), settings)
    lines = lines[keep.fillna(False).astype(bool)].copy()
    lines["days_left"] = days_left[lines.index].astype("int64")
    table = lines.merge(customers[["customer_id", "customer", "region"]], on="customer_id")
    table["trial"] = table["is_trial"].astype(bool)
    table["auto_renew"] = table["auto_renew"].astype(bool)
    table["end_date"] = table["end_ts"].dt.date
    table = table.sort_values(["days_left", "customer", "subscription_id"]).reset_index(drop=True)
    columns = [
        Column("customer", N_("Customer")), Column("subscription_id", N_("Subscription ID")),
        Column("product", N_("Product")), Column("trial", N_("Trial"), BOOL),
        Column("auto_renew", N_("Auto-renew"), BOOL),
        Column("end_date", N_("Ends on"), DATE), Column("days_left", N_("Days left"), INT),
        Column("total_licenses", N_("Total licenses"), INT), Column("region", N_("Region")),
    ]
    kpis = [Kpi("customers", N_("Customers"), int(table["customer_id"].nunique()))]
    return Section("alert-expiring", ALERT_TITLES[AlertKind.EXPIRING], kpis, table, columns, as_of=as_of)


def overage_alert(customers: pd.DataFrame, subs: pd.DataFrame, snaps: pd.DataFrame, *, as_of: date) -> Section:
    """Lines in force with more licenses assigned than bought (same rule as statuses.py)."""
    lines = _lines_in_force(subs, as_of)
    lines = lines.merge(snaps[["sub_pk", "assigned"]], on="sub_pk", how="inner") if not snaps.empty else \
        lines.assign(assigned=pd.Series(dtype="int64")).iloc[0:0]
    lines = lines[lines["assigned"] > lines["total_licenses"]].copy()
    lines["overage"] = (lines["assigned"] - lines["total_licenses"]).astype("int64")
    table = lines.merge(customers[["customer_id", "customer", "region"]], on="customer_id")
    table = table.sort_values(["overage", "customer"], ascending=[False, True]).reset_index(drop=True)
    columns = [
        Column("customer", N_("Customer")), Column("subscription_id", N_("Subscription ID")),
        Column("product", N_("Product")), Column("total_licenses", N_("Total licenses"), INT),
        Column("assigned", N_("Assigned"), INT), Column("overage", N_("Over the limit"), INT),
        Column("region", N_("Region")),
    ]
    kpis = [
        Kpi("customers", N_("Customers"), int(table["customer_id"].nunique())),
        Kpi("overage", N_("Licenses over the limit"), int(table["overage"].sum()) if len(table) else 0),
    ]
    return Section("alert-overage", ALERT_TITLES[AlertKind.OVERAGE], kpis, table, columns, as_of=as_of)


def spike_alert(
    session: Session, customers: pd.DataFrame, *, partner_id: int, as_of: date, settings: Settings,
    customer_ids: set[int],
) -> tuple[Section, pd.DataFrame]:
    """The spikes, and the weekly queue figures behind them (for the chart)."""
    week = last_completed_week_ending(as_of)
    weekly = load_queue_weeks(session, partner_id=partner_id, week=week,
                              weeks=settings.abandoned_spike_baseline_weeks, customer_ids=customer_ids)
    spikes = abandoned_spikes(
        weekly, week=week, factor=settings.abandoned_spike_factor,
        min_calls=settings.abandoned_spike_min_calls,
        baseline_weeks=settings.abandoned_spike_baseline_weeks,
        min_rate=settings.abandoned_spike_min_rate,
    )
    table = spikes.merge(customers[["customer_id", "customer", "region"]], on="customer_id")
    table = table.sort_values(["rate", "customer"], ascending=[False, True]).reset_index(drop=True)
    columns = [
        Column("customer", N_("Customer")), Column("week_ending", N_("Week ending"), DATE),
        Column("queue_calls", N_("Queue calls"), INT), Column("queue_abandoned", N_("Abandoned"), INT),
        Column("rate", N_("Abandoned rate"), PERCENT), Column("baseline_rate", N_("Usual rate"), PERCENT),
        Column("times_baseline", N_("Times usual"), FLOAT), Column("region", N_("Region")),
    ]
    kpis = [Kpi("customers", N_("Customers"), int(table["customer_id"].nunique()))]
    section = Section("alert-abandoned_spike", ALERT_TITLES[AlertKind.ABANDONED_SPIKE], kpis, table,
                      columns, product="calling", as_of=as_of)
    return section, weekly


def low_assignment_alert(
    session: Session, *, partner_id: int, as_of: date, settings: Settings, tag: str | None,
    region: str | None, customer_ids: set[int], preloaded=None,
) -> Section:
    """The analytics section's rows (its percentile rule), Meetings and Calling together.
    ``preloaded``: see ``analytics.subscriptions.load_frame``."""
    from partnerhub_core.analytics import subscriptions as subs_analytics

    parts = []
    columns: list[Column] = []
    # One load for both products: the low-assignment rule is per product within the frame.
    frame = subs_analytics.load_frame(
        session=session, partner_id=partner_id, as_of=as_of, settings=settings,
        products=("meetings", "calling"), region=region, tag=tag, customer_ids=customer_ids,
        preloaded=preloaded,
    )
    for product in ("meetings", "calling"):
        section = subs_analytics._low(frame, product, settings)
        columns = columns or list(section.columns)
        if len(section.table):
            parts.append(section.table.assign(product=product))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[c.key for c in columns] + ["customer_id", "product"])
    if "product" not in [c.key for c in columns]:
        columns = columns[:1] + [Column("product", N_("Product"), TEXT)] + columns[1:]
    kpis = [Kpi("customers", N_("Customers"), int(table["customer_id"].nunique()) if len(table) else 0)]
    return Section("alert-low_assignment", ALERT_TITLES[AlertKind.LOW_ASSIGNMENT], kpis, table, columns,
                   as_of=as_of)


def _rows(kind: str, section: Section) -> list[AlertRow]:
    """One AlertRow per customer: its lines folded together, fingerprinted."""
    table = section.table
    if table.empty:
        return []
    rows: list[AlertRow] = []
    # The table becomes plain records once and is grouped in Python: a pandas groupby
    # with per-group row access cost ~6 ms a customer (10 s for 1,600 alert rows).
    groups: dict[Any, list[dict[str, Any]]] = {}
    for rec in table.to_dict(orient="records"):
        cid = rec["customer_id"]
        if cid is None or cid != cid:  # groupby drops a missing key
            continue
        groups.setdefault(cid, []).append(rec)
    for cid, group in groups.items():
        first = group[0]
        if kind == AlertKind.EXPIRING:
            facts = {"lines": [
                {"subscription_id": r["subscription_id"], "product": r["product"], "trial": bool(r["trial"]),
                 "auto_renew": bool(r["auto_renew"]), "end_date": r["end_date"], "days_left": int(r["days_left"])}
                for r in group]}
            fp = fingerprint(kind, *sorted(f"{x['subscription_id']}:{x['product']}:{x['end_date']}" for x in facts["lines"]))
        elif kind == AlertKind.OVERAGE:
            facts = {"lines": [
                {"subscription_id": r["subscription_id"], "product": r["product"], "total": int(r["total_licenses"]),
                 "assigned": int(r["assigned"]), "overage": int(r["overage"])} for r in group]}
            fp = fingerprint(kind, *sorted(f"{x['subscription_id']}:{x['product']}:{x['overage']}" for x in facts["lines"]))
        elif kind == AlertKind.ABANDONED_SPIKE:
            facts = {"week_ending": first["week_ending"], "queue_calls": int(first["queue_calls"]),
                     "queue_abandoned": int(first["queue_abandoned"]), "rate": float(first["rate"]),
                     "baseline_rate": float(first["baseline_rate"])}
            fp = fingerprint(kind, facts["week_ending"])  # a new week's spike is a new alert
        else:  # low assignment: the lines and their size; weekly assignment changes are noise
            subs_ids = sorted(str(r["subscription_id"]) for r in group if "subscription_id" in r)
            facts = {"lines": [{k: _plain(v) for k, v in rec.items() if k != "customer_id"} for rec in group]}
            fp = fingerprint(kind, *subs_ids)
        rows.append(AlertRow(kind=str(kind), customer_id=int(cid), customer=str(first["customer"]),
                             fingerprint=fp, facts=facts))
    return rows


def _plain(value: Any) -> Any:
    from partnerhub_core.analytics.common import _plain as plain

    return plain(value)


def is_muted(state: AlertState | None, fp: str, as_of: date) -> bool:
    """Acknowledged, or snoozed until a later day, and unchanged since."""
    if state is None or state.muted_fingerprint != fp:
        return False
    if state.snoozed_until is not None:
        return as_of < state.snoozed_until
    return state.acknowledged_at is not None


def build_digest(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    alerts: list[str],
    tag: str | None = None,
    region: str | None = None,
    previous: dict[int, set[str]] | None = None,
    customer_ids: set[int] | None = None,
) -> Digest:
    """Everything one digest shows, read-only. ``previous`` is the last digest's statuses
    (None for a first digest); ``customer_ids`` narrows to what a person may see."""
    customers = load_customers(session, partner_id=partner_id, region=region, tag=tag, customer_ids=customer_ids)
    ids = set(int(c) for c in customers["customer_id"])
    subs = load_subscriptions(session, partner_id=partner_id, customer_ids=ids)
    whole = region is None and tag is None and customer_ids is None
    preloaded = None
    if whole and AlertKind.LOW_ASSIGNMENT.value in alerts:
        # The whole partner: the low-assignment rule's frame is these same rows (its
        # snapshots with last week's too), so they are read once.
        with_previous = load_latest_snapshots(session, partner_id=partner_id, as_of=as_of, with_previous=True)
        snaps = with_previous.drop(columns=["prev_assigned", "prev_used_7d"])
        preloaded = (customers, subs, with_previous)
    else:
        snaps = load_latest_snapshots(session, partner_id=partner_id, as_of=as_of)
    statuses = statuses_frame(customers, subs, snaps, as_of=as_of, settings=settings)
    counts = count_by_status(statuses)
    sources = {s.family: s for s in source_states(session, partner_id=partner_id, as_of=as_of, settings=settings)}
    sign_in = sign_in_note(sign_in_known_mask(customers, as_of, settings), sources[SourceFamily.ADMIN_SIGN_IN])
    kpis = [
        Kpi("customers", N_("Customers managed"), len(statuses)),
        Kpi("active", N_("Active"), counts[CustomerStatus.ACTIVE]),
        Kpi("trial", N_("In trial"), counts[CustomerStatus.TRIAL]),
        Kpi("expiring_soon", N_("Expiring soon"), counts[CustomerStatus.EXPIRING_SOON]),
        Kpi("license_overage", N_("Over the license limit"), counts[CustomerStatus.LICENSE_OVERAGE]),
        # Over the customers whose sign-in is known; none known: unknown, not 0.
        Kpi("no_recent_activity", N_("No recent activity"),
            counts[CustomerStatus.NO_RECENT_ACTIVITY] if sign_in.known or not sign_in.total else None,
            source=SourceFamily.ADMIN_SIGN_IN.value),
    ]
    states = {
        (s.kind, s.customer_id): s
        for s in session.exec(select(AlertState).where(AlertState.partner_id == partner_id)).all()
    }
    built: list[Alert] = []
    off: list[OffAlert] = []
    for kind in [k for k in AlertKind if k.value in alerts]:
        family = ALERT_SOURCES[kind]
        if input_missing(sources[family], has_rows(session, family, partner_id=partner_id, subs=subs)):
            off.append(OffAlert(kind.value, ALERT_TITLES[kind], family.value, sources[family]))
            continue
        history = None
        if kind == AlertKind.EXPIRING:
            section = expiring_alert(customers, subs, as_of=as_of, settings=settings)
        elif kind == AlertKind.OVERAGE:
            section = overage_alert(customers, subs, snaps, as_of=as_of)
        elif kind == AlertKind.ABANDONED_SPIKE:
            section, history = spike_alert(session, customers, partner_id=partner_id, as_of=as_of, settings=settings,
                                  customer_ids=ids)
        else:
            section = low_assignment_alert(session, partner_id=partner_id, as_of=as_of, settings=settings,
                                           tag=tag, region=region, customer_ids=ids, preloaded=preloaded)
        shown, muted = [], 0
        for row in _rows(kind, section):
            state = states.get((row.kind, row.customer_id))
            if is_muted(state, row.fingerprint, as_of):
                muted += 1
                continue
            row.owner_slack_user_id = state.owner_slack_user_id if state else None
            shown.append(row)
        built.append(Alert(kind=kind.value, title=ALERT_TITLES[kind], rows=shown, muted=muted, section=section,
                           history=history))
    current = {cid: {s.value for s in found} for cid, found in statuses.items()}
    changes = None if previous is None else changes_since(previous, current)
    names = dict(zip((int(c) for c in customers["customer_id"]), customers["customer"]))
    return Digest(
        partner_id=partner_id, as_of=as_of, tag=tag, region=region, kpis=kpis, alerts=built,
        changes=changes, names=names,
        statuses={cid: [s.value for s in found] for cid, found in statuses.items()},
        off=off, notes=[sign_in],
    )


def previous_statuses(session: Session, *, schedule_id: int, before_period: str) -> dict[int, set[str]] | None:
    """The statuses stored by the schedule's last digest before this period, if any."""
    snap = session.exec(
        select(DigestSnapshot)
        .where(DigestSnapshot.schedule_id == schedule_id, DigestSnapshot.period < before_period)
        .order_by(DigestSnapshot.period.desc())
    ).first()
    if snap is None:
        return None
    return {int(cid): set(found) for cid, found in (snap.statuses or {}).items()}


def digest_for_schedule(
    *, session: Session, schedule: Schedule, period: str, as_of: date, settings: Settings
) -> Digest:
    return build_digest(
        session=session, partner_id=schedule.partner_id, as_of=as_of, settings=settings,
        alerts=list(schedule.alerts or []), tag=schedule.tag, region=schedule.region,
        previous=previous_statuses(session, schedule_id=schedule.id, before_period=period),
        customer_ids=schedule_scope(session, schedule),
    )


def store_snapshot(
    session: Session, *, schedule: Schedule, period: str, digest: Digest, now: datetime
) -> DigestSnapshot:
    """Remember what this digest showed (in the transaction that records the post)."""
    existing = session.exec(
        select(DigestSnapshot).where(DigestSnapshot.schedule_id == schedule.id, DigestSnapshot.period == period)
    ).first()
    snap = existing or DigestSnapshot(partner_id=schedule.partner_id, schedule_id=schedule.id, period=period,
                                      as_of=digest.as_of, taken_at=now)
    snap.statuses = {str(cid): found for cid, found in digest.statuses.items()}
    snap.as_of, snap.taken_at = digest.as_of, now
    session.add(snap)
    return snap


# ---------------------------------------------------------------------------------
# Acting on an alert: acknowledge, snooze, owner (audited; the caller commits)
# ---------------------------------------------------------------------------------
def _state_for(session: Session, actor: Actor, kind: str, customer_id: int, now: datetime) -> AlertState:
    require(actor, Permission.MANAGE_SCHEDULES)
    if kind not in {k.value for k in AlertKind}:
        raise BadInput(N_("Unknown alert {alert}."), alert=kind)
    customer = session.get(Customer, customer_id)
    visible = visible_customer_ids(session, actor)
    if customer is None or customer.partner_id != actor.partner_id or (
            visible is not None and customer_id not in visible):
        raise NotFound(N_("That customer is not one of yours."))
    state = session.exec(
        select(AlertState).where(AlertState.partner_id == actor.partner_id, AlertState.kind == kind,
                                 AlertState.customer_id == customer_id)
    ).first()
    if state is None:
        state = AlertState(partner_id=actor.partner_id, kind=kind, customer_id=customer_id, updated_at=now)
    return state


def _state_dict(state: AlertState) -> dict[str, Any]:
    return {"kind": state.kind, "customer_id": state.customer_id, "muted_fingerprint": state.muted_fingerprint,
            "acknowledged_at": state.acknowledged_at, "snoozed_until": state.snoozed_until,
            "owner_slack_user_id": state.owner_slack_user_id}


def acknowledge(*, session: Session, actor: Actor, kind: str, customer_id: int, fingerprint: str,
                now: datetime) -> AlertState:
    """Stop repeating this alert until its facts change."""
    state = _state_for(session, actor, kind, customer_id, now)
    before = _state_dict(state) if state.id else None
    state.muted_fingerprint, state.fingerprint = fingerprint, fingerprint
    state.acknowledged_at, state.acknowledged_by, state.snoozed_until = now, actor.label, None
    state.updated_at = now
    session.add(state)
    session.flush()
    audit.record(session, actor=actor, action="alert.acknowledge", target_type="alert", target_id=state.id,
                 before=before, after=_state_dict(state), at=now)
    return state


def snooze(*, session: Session, actor: Actor, kind: str, customer_id: int, fingerprint: str, until: date,
           as_of: date, now: datetime) -> AlertState:
    """Leave this alert out of digests before ``until`` (unless its facts change)."""
    if until <= as_of:
        raise BadInput(N_("Snooze until a day after today ({today})."), today=as_of.isoformat())
    state = _state_for(session, actor, kind, customer_id, now)
    before = _state_dict(state) if state.id else None
    state.muted_fingerprint, state.fingerprint = fingerprint, fingerprint
    state.snoozed_until, state.acknowledged_at, state.acknowledged_by = until, None, None
    state.updated_at = now
    session.add(state)
    session.flush()
    audit.record(session, actor=actor, action="alert.snooze", target_type="alert", target_id=state.id,
                 before=before, after=_state_dict(state), at=now)
    return state


def assign_owner(*, session: Session, actor: Actor, kind: str, customer_id: int, owner_slack_user_id: str | None,
                 now: datetime, owner_admin_id: int | None = None) -> AlertState:
    """Name who follows this alert up (shown next to it in later digests)."""
    state = _state_for(session, actor, kind, customer_id, now)
    before = _state_dict(state) if state.id else None
    state.owner_slack_user_id, state.owner_admin_id, state.updated_at = owner_slack_user_id, owner_admin_id, now
    session.add(state)
    session.flush()
    audit.record(session, actor=actor, action="alert.assign_owner", target_type="alert", target_id=state.id,
                 before=before, after=_state_dict(state), at=now)
    return state
