"""Customer statuses (SPEC F1): derived from the data on a date, never stored.

A customer holds every status whose rule matches; the rules, with ``as_of`` the day asked
about and N the thresholds of ``Settings``:

Terms
    A subscription line (paid or trial) is *in force* on ``as_of`` when it has started
    (``start_date <= as_of``), has not ended (no ``end_date``, or ``end_date >= as_of``:
    the end date is its last day) and was not cancelled (no ``cancelled_on``, or
    ``cancelled_on > as_of``). It is *left* when it has not ended and was not cancelled,
    whether or not it has started yet.

``trial``
    a trial is in force.
``active``
    a paid (non-trial) line is in force, paid and provisioned.
``expiring_soon``
    a line in force ends within ``expiring_soon_days``: ``0 <= end_date - as_of <= N``
    days (exactly N days away counts), whether or not it is set to auto-renew: the guide's
    "a subscription or trial of the customer will expire in a few days". With
    ``expiring_excludes_auto_renew`` (the earlier reading) a paid auto-renew line renews
    instead and does not count (``counts_as_expiring``).
``license_overage``
    a line in force has more licenses assigned (its newest weekly snapshot on or before
    ``as_of``, at most 14 days old) than purchased (``total_licenses``).
``no_recent_activity``
    the customer's own admins last signed in to Control Hub more than
    ``no_recent_activity_days`` days before ``as_of`` (exactly N days ago is still
    recent), or never signed in. Only when the sign-in is known: the sign-in source read
    the customer (``sign_in_checked_at``) at most ``source_stale_days`` before ``as_of``;
    an unknown sign-in sets no status.
``ready_for_order_setup``
    a line that is left is not yet provisioned (``provisioning_state = pending_setup``).
``suspended``
    a line in force has not been paid (``payment_state = unpaid``).
``expired``
    no line is left: every subscription and trial has ended or was cancelled (a customer
    with no subscription at all is expired too).

``statuses_of`` applies the rules to one customer's objects; ``customer_statuses`` applies
the same rules to a whole partner with three queries and pandas masks, and a test checks
that both agree on the demo partner.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone

from sqlmodel import Session

from partnerhub_core.analytics.cache import cached, copy_statuses
from partnerhub_core.analytics.common import (
    FEW_IDS,
    SNAPSHOT_LOOKBACK_DAYS,
    date_col,
    load_customers,
    load_latest_snapshots,
    load_subscriptions,
)
from partnerhub_core.models import (
    Customer,
    CustomerStatus,
    LicenseSnapshot,
    PaymentState,
    ProvisioningState,
    Subscription,
)
from partnerhub_core.lazy import is_instance, lazy_module
from partnerhub_core.settings import Settings

pd = lazy_module("pandas")  # imported on first use: one customer's statuses (statuses_of) need none

ORDER = list(CustomerStatus)
# The columns of the frame loaders that ``statuses_frame`` reads.
CUSTOMER_FIELDS = ("customer_id", "last_admin_sign_in", "sign_in_checked_at")
LINE_FIELDS = ("sub_pk", "customer_id", "is_trial", "total_licenses", "start_date", "end_date", "auto_renew",
               "provisioning_state", "payment_state", "cancelled_on")


def _sign_in_day(value: datetime | None) -> date | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.date()


def sign_in_known(checked_day: date | None, as_of: date, settings: Settings) -> bool:
    """A customer's sign-in is known when the sign-in source read it, not longer ago than
    ``source_stale_days`` (provenance.py); otherwise ``no_recent_activity`` is not set."""
    return checked_day is not None and (as_of - checked_day).days <= settings.source_stale_days


def counts_as_expiring(is_trial, auto_renew, settings: Settings):
    """Whether a line that ends soon is *expiring* (bools, or boolean Series alike): every
    line in the guide's reading; with ``expiring_excludes_auto_renew`` only lines that will
    not renew themselves (trials, and paid lines without auto-renew)."""
    if is_instance(auto_renew, "pandas", "Series"):
        if not settings.expiring_excludes_auto_renew:
            return pd.Series(True, index=auto_renew.index)
        return is_trial.astype(bool) | ~auto_renew.astype(bool)
    return not settings.expiring_excludes_auto_renew or bool(is_trial) or not auto_renew


def counts_as_renewing(is_trial, auto_renew, settings: Settings):
    """Whether a line that ends soon *renews* (the renewing table): every auto-renew line,
    trials included, in the guide's reading ("until the subscription or trial is renewed
    automatically"); with ``expiring_excludes_auto_renew`` paid auto-renew lines only."""
    if is_instance(auto_renew, "pandas", "Series"):
        if not settings.expiring_excludes_auto_renew:
            return auto_renew.astype(bool)
        return auto_renew.astype(bool) & ~is_trial.astype(bool)
    return bool(auto_renew) and (not settings.expiring_excludes_auto_renew or not is_trial)


def _in_force(sub: Subscription, as_of: date) -> bool:
    return sub.start_date <= as_of and _left(sub, as_of)


def _left(sub: Subscription, as_of: date) -> bool:
    return (sub.end_date is None or sub.end_date >= as_of) and (
        sub.cancelled_on is None or sub.cancelled_on > as_of
    )


def _latest(
    snapshots: Mapping[int, LicenseSnapshot] | Iterable[LicenseSnapshot], as_of: date
) -> dict[int, LicenseSnapshot]:
    """Newest snapshot per subscription on or before ``as_of``, within the lookback."""
    items = snapshots.values() if isinstance(snapshots, Mapping) else snapshots
    since = as_of - timedelta(days=SNAPSHOT_LOOKBACK_DAYS)
    out: dict[int, LicenseSnapshot] = {}
    for snap in items:
        if snap is None or not (since < snap.week_ending <= as_of):
            continue
        cur = out.get(snap.subscription_pk)
        if cur is None or snap.week_ending > cur.week_ending:
            out[snap.subscription_pk] = snap
    return out


def statuses_of(
    customer: Customer,
    subscriptions: Iterable[Subscription],
    snapshots_latest: Mapping[int, LicenseSnapshot] | Iterable[LicenseSnapshot],
    *,
    as_of: date,
    settings: Settings,
) -> list[CustomerStatus]:
    """The F1 statuses of one customer on ``as_of`` (pure: no database access).

    ``snapshots_latest`` maps a subscription's primary key to its newest snapshot, or is
    any iterable of snapshots (the newest one on or before ``as_of`` per line is used).
    """
    subs = [s for s in subscriptions if s.customer_id == customer.id or customer.id is None]
    latest = _latest(snapshots_latest, as_of)
    found: set[CustomerStatus] = set()
    for sub in subs:
        if _left(sub, as_of) and sub.provisioning_state == ProvisioningState.PENDING_SETUP:
            found.add(CustomerStatus.READY_FOR_ORDER_SETUP)
        if not _in_force(sub, as_of):
            continue
        if sub.is_trial:
            found.add(CustomerStatus.TRIAL)
        elif (
            sub.payment_state == PaymentState.PAID
            and sub.provisioning_state == ProvisioningState.PROVISIONED
        ):
            found.add(CustomerStatus.ACTIVE)
        if sub.payment_state == PaymentState.UNPAID:
            found.add(CustomerStatus.SUSPENDED)
        if (
            sub.end_date is not None
            and (sub.end_date - as_of).days <= settings.expiring_soon_days
            and counts_as_expiring(sub.is_trial, sub.auto_renew, settings)
        ):
            found.add(CustomerStatus.EXPIRING_SOON)
        snap = latest.get(sub.id)
        if snap is not None and snap.assigned > sub.total_licenses:
            found.add(CustomerStatus.LICENSE_OVERAGE)
    if not any(_left(s, as_of) for s in subs):
        found.add(CustomerStatus.EXPIRED)
    if sign_in_known(_sign_in_day(customer.sign_in_checked_at), as_of, settings):
        last = _sign_in_day(customer.last_admin_sign_in)
        if last is None or (as_of - last).days > settings.no_recent_activity_days:
            found.add(CustomerStatus.NO_RECENT_ACTIVITY)
    return [s for s in ORDER if s in found]


@cached("statuses", copier=copy_statuses)
def customer_statuses(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    customer_ids: Iterable[int] | None = None,
) -> dict[int, list[CustomerStatus]]:
    """The F1 statuses of every customer of a partner (or of ``customer_ids``) on ``as_of``.

    Three queries (customers, subscription lines, newest snapshots) and vectorized rules:
    the same answers as ``statuses_of``, at a cost independent of the customer count in
    queries.
    """
    ids = None if customer_ids is None else set(customer_ids)
    # Only what the rules read: names, products and most snapshot figures are not.
    customers = load_customers(session, partner_id=partner_id, customer_ids=ids, columns=CUSTOMER_FIELDS)
    subs = load_subscriptions(session, partner_id=partner_id, customer_ids=ids, columns=LINE_FIELDS)
    # A page of customers needs the snapshots of its own lines, not the partner's.
    few = ids is not None and len(ids) <= FEW_IDS
    snaps = load_latest_snapshots(session, partner_id=partner_id, as_of=as_of, values=("assigned",),
                                  subscription_pks=[int(p) for p in subs["sub_pk"]] if few else None)
    return statuses_frame(customers, subs, snaps, as_of=as_of, settings=settings)


def statuses_frame(
    customers: pd.DataFrame,
    subs: pd.DataFrame,
    snaps: pd.DataFrame,
    *,
    as_of: date,
    settings: Settings,
) -> dict[int, list[CustomerStatus]]:
    """The vectorized rules over frames from ``analytics.common`` loaders.

    Each rule is a mask over the lines, folded onto the customers with numpy (a bit per
    status): no Python work per line or per status hit, one small list per customer."""
    import numpy as np

    ids = pd.unique(customers["customer_id"].astype("int64").to_numpy()) if len(customers) else []
    if not len(ids):
        return {}
    index = pd.Index(ids)
    bits = np.zeros(len(ids), dtype=np.int64)
    flag = {status: np.int64(1) << i for i, status in enumerate(ORDER)}

    def mark(status: CustomerStatus, at: np.ndarray) -> None:
        hit = np.zeros(len(ids), dtype=bool)
        hit[at] = True
        bits[hit] |= flag[status]

    day = pd.Timestamp(as_of)
    subs = subs[subs["customer_id"].isin(ids)]
    left_at = np.empty(0, dtype=np.intp)
    if not subs.empty:
        start = date_col(subs["start_date"])
        end = date_col(subs["end_date"])
        cancelled = date_col(subs["cancelled_on"])
        left = (end.isna() | (end >= day)) & (cancelled.isna() | (cancelled > day))
        in_force = left & (start <= day)
        trial = subs["is_trial"].astype(bool)
        paid = subs["payment_state"] == PaymentState.PAID.value
        unpaid = subs["payment_state"] == PaymentState.UNPAID.value
        provisioned = subs["provisioning_state"] == ProvisioningState.PROVISIONED.value
        pending = subs["provisioning_state"] == ProvisioningState.PENDING_SETUP.value
        days_left = (end - day).dt.days
        expiring = in_force & end.notna() & (days_left <= settings.expiring_soon_days) & counts_as_expiring(
            trial, subs["auto_renew"].astype(bool), settings)
        assigned = subs["sub_pk"].map(
            snaps.set_index("sub_pk")["assigned"] if not snaps.empty else pd.Series(dtype="float64")
        )
        overage = in_force & assigned.notna() & (assigned > subs["total_licenses"])
        rules = {
            CustomerStatus.TRIAL: in_force & trial,
            CustomerStatus.ACTIVE: in_force & ~trial & paid & provisioned,
            CustomerStatus.EXPIRING_SOON: expiring,
            CustomerStatus.LICENSE_OVERAGE: overage,
            CustomerStatus.READY_FOR_ORDER_SETUP: left & pending,
            CustomerStatus.SUSPENDED: in_force & unpaid,
        }
        owner = index.get_indexer(subs["customer_id"].astype("int64").to_numpy())  # line -> customer
        for status, mask in rules.items():
            mark(status, owner[mask.fillna(False).astype(bool).to_numpy()])
        left_at = owner[left.fillna(False).astype(bool).to_numpy()]
    has_left = np.zeros(len(ids), dtype=bool)
    has_left[left_at] = True
    bits[~has_left] |= flag[CustomerStatus.EXPIRED]
    sign_in_day = _utc_day(customers["last_admin_sign_in"])
    known = sign_in_known_mask(customers, as_of, settings)
    stale = sign_in_day.isna() | ((day - sign_in_day).dt.days > settings.no_recent_activity_days)
    inactive = customers.loc[(known & stale.fillna(True)).astype(bool), "customer_id"]
    mark(CustomerStatus.NO_RECENT_ACTIVITY, index.get_indexer(inactive.astype("int64").to_numpy()))
    # Few distinct sets of statuses: each made once, copied per customer (callers own their lists).
    sets = {int(b): [s for s in ORDER if int(b) & int(flag[s])] for b in np.unique(bits)}
    return {cid: sets[b][:] for cid, b in zip(ids.tolist(), bits.tolist())}


def sign_in_known_mask(customers: pd.DataFrame, as_of: date, settings: Settings) -> pd.Series:
    """Per customer of a ``load_customers`` frame: is its sign-in known (``sign_in_known``)."""
    checked_day = _utc_day(customers["sign_in_checked_at"])
    return (checked_day.notna() & ((pd.Timestamp(as_of) - checked_day).dt.days <= settings.source_stale_days)
            ).astype(bool)


def _utc_day(values: pd.Series) -> pd.Series:
    instants = pd.to_datetime(values, utc=True, errors="coerce")
    return instants.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()


def count_by_status(statuses: Mapping[int, list[CustomerStatus]]) -> dict[CustomerStatus, int]:
    """How many customers hold each status (every status listed, zero included)."""
    counts = {s: 0 for s in ORDER}
    for found in statuses.values():
        for s in found:
            counts[s] += 1
    return counts
