"""What goes into a digest (SPEC F29): the KPIs, the alerts that fire, and what changed.

The alert rules (which lines or customers each kind finds, their fingerprints) live in
``alert_rules.py``; acknowledging, snoozing and owners in ``alert_actions.py``; which
source each alert reads in ``alert_inputs.py``. Every name is importable from here too.

An alert someone acknowledged, or snoozed until a date still ahead, is left out of the
digest as long as its *fingerprint* (the facts it shows, e.g. which lines end on which
day, how many licenses over) is the one they acted on; when the facts change it comes back.

"What changed since the last digest" compares the statuses of the customers in the
digest's scope with the snapshot the previous digest of the same schedule stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlmodel import Session, select

from partnerhub_core.alert_actions import _state_dict, _state_for, acknowledge, assign_owner, is_muted, snooze
from partnerhub_core.alert_inputs import ALERT_SOURCES, OffAlert, has_rows, input_missing, sign_in_note
from partnerhub_core.alert_rules import (
    ALERT_TITLES,
    AlertRow,
    _lines_in_force,
    _plain,
    _rows,
    abandoned_spikes,
    expiring_alert,
    fingerprint,
    load_queue_weeks,
    low_assignment_alert,
    overage_alert,
    spike_alert,
)
from partnerhub_core.analytics.common import (
    Kpi,
    Section,
    column_list,
    load_customers,
    load_latest_snapshots,
    load_subscriptions,
)
from partnerhub_core.i18n import N_
from partnerhub_core.models import AlertKind, AlertState, CustomerStatus, DigestSnapshot, Schedule
from partnerhub_core.provenance import SourceFamily, source_states
from partnerhub_core.schedules import schedule_scope
from partnerhub_core.settings import Settings
from partnerhub_core.statuses import count_by_status, sign_in_known_mask, statuses_frame

__all__ = [
    "ALERT_TITLES", "TRACKED", "Alert", "AlertRow", "Changes", "Digest", "abandoned_spikes", "acknowledge",
    "assign_owner", "build_digest", "changes_since", "digest_for_schedule", "expiring_alert", "fingerprint",
    "is_muted", "load_queue_weeks", "low_assignment_alert", "overage_alert", "previous_statuses", "snooze",
    "spike_alert", "store_snapshot",
    # kept importable from here for older callers
    "_lines_in_force", "_plain", "_rows", "_state_dict", "_state_for",
]

# The statuses "what changed" follows, with how a change is named.
TRACKED = (
    CustomerStatus.EXPIRING_SOON,
    CustomerStatus.LICENSE_OVERAGE,
    CustomerStatus.NO_RECENT_ACTIVITY,
)


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


_MADE_FIRST = {AlertKind.LOW_ASSIGNMENT: 0, AlertKind.ABANDONED_SPIKE: 1}


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
        preloaded = (customers, subs,
                     load_latest_snapshots(session, partner_id=partner_id, as_of=as_of, with_previous=True))
        snaps = preloaded[2].drop(columns=["prev_assigned", "prev_used_7d"])
    else:
        snaps = load_latest_snapshots(session, partner_id=partner_id, as_of=as_of)
    statuses = statuses_frame(customers, subs, snaps, as_of=as_of, settings=settings)
    counts = count_by_status(statuses)
    sources = {s.family: s for s in source_states(session, partner_id=partner_id, as_of=as_of, settings=settings)}
    sign_in = sign_in_note(sign_in_known_mask(customers, as_of, settings), sources[SourceFamily.ADMIN_SIGN_IN])
    kpis = [
        # Every customer and every product (the statuses' rules): not the analytics' headline,
        # which counts Meetings and Calling only, so the labels say so (subscription_kpis.py).
        Kpi("customers", N_("All customers (any product)"), len(statuses)),
        Kpi("active", N_("Active"), counts[CustomerStatus.ACTIVE]),
        Kpi("trial", N_("In trial"), counts[CustomerStatus.TRIAL]),
        Kpi("expiring_soon", N_("Expiring soon"), counts[CustomerStatus.EXPIRING_SOON]),
        Kpi("license_overage", N_("Customers over the license limit (any product)"),
            counts[CustomerStatus.LICENSE_OVERAGE]),
        # Over the customers whose sign-in is known; none known: unknown, not 0.
        Kpi("no_recent_activity", N_("No recent activity"),
            counts[CustomerStatus.NO_RECENT_ACTIVITY] if sign_in.known or not sign_in.total else None,
            source=SourceFamily.ADMIN_SIGN_IN.value),
    ]
    states = {
        (s.kind, s.customer_id): s
        for s in session.exec(select(AlertState).where(AlertState.partner_id == partner_id)).all()
    }
    made: dict[AlertKind, Alert | OffAlert] = {}
    in_force = None  # the lines in force, shared by the expiring and overage rules (neither changes it)
    wanted = [k for k in AlertKind if k.value in alerts]
    # The rules with the largest transients first: the low-assignment frame (every Meetings
    # and Calling line with forty derived columns), then the spike rule's weeks of queues.
    # Made before the other alerts' rows are held they do not add to them (the peak RSS at
    # 100,000 customers). Shown in AlertKind order all the same.
    for kind in sorted(wanted, key=lambda k: _MADE_FIRST.get(k, len(_MADE_FIRST))):
        family = ALERT_SOURCES[kind]
        if input_missing(sources[family], has_rows(session, family, partner_id=partner_id, subs=subs)):
            made[kind] = OffAlert(kind.value, ALERT_TITLES[kind], family.value, sources[family])
            continue
        history = None
        if kind in (AlertKind.EXPIRING, AlertKind.OVERAGE) and in_force is None:
            in_force = _lines_in_force(subs, as_of)
        if kind == AlertKind.EXPIRING:
            section = expiring_alert(customers, subs, as_of=as_of, settings=settings, in_force=in_force)
        elif kind == AlertKind.OVERAGE:
            section = overage_alert(customers, subs, snaps, as_of=as_of, in_force=in_force)
        elif kind == AlertKind.ABANDONED_SPIKE:
            section, history = spike_alert(session, customers, partner_id=partner_id, as_of=as_of, settings=settings,
                                  customer_ids=ids)
        else:
            section = low_assignment_alert(session, partner_id=partner_id, as_of=as_of, settings=settings,
                                           tag=tag, region=region, customer_ids=ids, preloaded=preloaded)
            preloaded = None  # the snapshots with last week's are not needed again
        shown, muted = [], 0
        for row in _rows(kind, section):
            state = states.get((row.kind, row.customer_id))
            if is_muted(state, row.fingerprint, as_of):
                muted += 1
                continue
            row.owner_slack_user_id = state.owner_slack_user_id if state else None
            shown.append(row)
        made[kind] = Alert(kind=kind.value, title=ALERT_TITLES[kind], rows=shown, muted=muted, section=section,
                           history=history)
    built = [made[k] for k in wanted if isinstance(made[k], Alert)]
    off = [made[k] for k in wanted if isinstance(made[k], OffAlert)]
    value = {s: s.value for s in CustomerStatus}  # enum .value is a descriptor call: once per status
    listed = {cid: [value[s] for s in found] for cid, found in statuses.items()}
    # Sets of 100,000 customers' statuses only when there is a previous digest to compare.
    changes = None if previous is None else changes_since(
        previous, {cid: set(found) for cid, found in listed.items()})
    names = dict(zip(customers["customer_id"].astype("int64").tolist(), column_list(customers["customer"])))
    return Digest(
        partner_id=partner_id, as_of=as_of, tag=tag, region=region, kpis=kpis, alerts=built,
        changes=changes, names=names,
        statuses=listed,
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
