"""Customer queries: lookup by org id or name (F2, F6), the card, and the filtered list (F1, F4).

Names match case- and accent-insensitively through ``models.search_key`` (stored as
``Customer.name_key``): "sao paulo" finds "São Paulo Logística". Reads respect
``auth.visible_customer_ids``: a customer outside the actor's scope is treated exactly
like a missing one.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

from sqlalchemy import func, or_, select
from sqlmodel import Session

from partnerhub_core import auth
from partnerhub_core.analytics.common import resolve_tag
from partnerhub_core.auth import Actor, Permission
from partnerhub_core.errors import Ambiguous, BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import (
    Customer,
    CustomerAdmin,
    CustomerStatus,
    CustomerTag,
    LicenseSnapshot,
    OrderLine,
    PartnerAdmin,
    Subscription,
    Tag,
    TrialRequest,
    TrialRequestState,
    search_key,
)
from partnerhub_core.customer_filters import MAX_QUERY_CHARS, CustomerFilters  # noqa: F401  (re-exported)
from partnerhub_core.settings import Settings
from partnerhub_core.statuses import SNAPSHOT_LOOKBACK_DAYS, customer_statuses, sign_in_known, statuses_of

MAX_PAGE_SIZE = 200
MAX_CANDIDATES = 10

# ---------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------
@dataclass
class OrderView:
    ordered_on: date
    order_ref: str
    description: str
    quantity: int


@dataclass
class SubscriptionView:
    """One line of the customer's subscriptions or trials, as the card shows it."""

    subscription_id: str
    product: str
    is_trial: bool
    state: str  # in_force | upcoming | ended
    start_date: date
    end_date: date | None  # renewal date (paid) or end date (trial)
    days_left: int | None
    auto_renew: bool
    total: int
    assigned: int
    used: int | None  # licensed users active in the last 7 days; None: unknown
    used_90d: int | None
    available: int  # max(total - assigned, 0)
    excess: int  # purchased but not assigned (= available)
    short: int  # assigned beyond what was purchased (overage)
    license_balance: str  # excess | short | exact
    invoice_ref: str | None
    provisioning_state: str
    payment_state: str
    orders: list[OrderView] = field(default_factory=list)


@dataclass
class AdminView:
    admin_id: int
    name: str
    email: str
    role: str  # Role value of the partner admin
    role_in_customer: str
    slack_user_id: str | None


@dataclass
class CustomerCard:
    id: int
    org_id: str
    name: str
    region: str
    managed_by: str | None  # None: unknown
    external_id: str | None
    added_on: date
    last_admin_sign_in: datetime | None
    statuses: list[str]
    products: list[str]  # products of lines not over yet
    subscriptions: list[SubscriptionView]  # paid lines: in force and upcoming first, then ended
    trials: list[SubscriptionView]  # trials in progress (F6: "or a way to start one" when empty)
    past_trials: list[SubscriptionView]
    tags: list[str]
    admins: list[AdminView]
    control_hub_url: str
    as_of: date
    # Trials asked for here and not seen in Webex yet (services/trials.py): shown as pending.
    trial_requests: list[TrialRequest] = field(default_factory=list)
    # The sign-in source read this customer recently (statuses.sign_in_known): without it
    # ``last_admin_sign_in`` None means unknown ("—"), not "never".
    sign_in_known: bool = False
    # False: no source named the region; ``region`` is the partner's default (shown "—").
    region_known: bool = True


@dataclass
class CustomerRow:
    id: int
    org_id: str
    name: str
    region: str
    managed_by: str | None  # None: unknown
    products: list[str]
    statuses: list[str]
    tags: list[str]
    next_end_date: date | None  # the soonest end date among lines in force
    region_known: bool = True  # False: ``region`` is the partner's default, no source named it


@dataclass
class CustomerPage:
    items: list[CustomerRow]
    total: int
    page: int
    pages: int
    page_size: int
    filters: CustomerFilters


# ---------------------------------------------------------------------------------
# Lookup and card
# ---------------------------------------------------------------------------------
def control_hub_url(settings: Settings, org_id: str) -> str:
    """Launch the customer's organization in Control Hub (F2)."""
    return f"{settings.control_hub_url.rstrip('/')}/overview?orgId={quote(org_id, safe='')}"


def _scoped(stmt, session: Session, actor: Actor):
    visible = auth.visible_customer_ids(session, actor)
    if visible is not None:
        stmt = stmt.where(Customer.id.in_(sorted(visible) or [-1]))
    return stmt


def lookup_customer(*, session: Session, actor: Actor, query: str, as_of: date, settings: Settings) -> CustomerCard:
    """The customer whose org id is ``query`` or whose name contains it (case- and
    accent-insensitive). An exact name wins over partial ones; several partial matches
    raise ``Ambiguous`` carrying them as ``CustomerCandidate`` rows; none raises ``NotFound``
    with the near names as ``suggestions`` and their rows as ``candidates``."""
    auth.require(actor, Permission.VIEW)
    text = " ".join((query or "").split())
    if not text:
        raise BadInput(N_("Tell me which customer: a name or an org id."))
    if len(text) > MAX_QUERY_CHARS:
        raise BadInput(N_("The search text is too long (at most {max} characters)."), max=MAX_QUERY_CHARS)
    base = select(Customer.id, Customer.name, Customer.name_key, Customer.org_id).where(
        Customer.partner_id == actor.partner_id
    )
    base = _scoped(base, session, actor)
    by_id = session.execute(base.where(func.lower(Customer.org_id) == text.lower())).all()
    if len(by_id) == 1:
        return customer_card(session=session, actor=actor, customer_id=by_id[0].id, as_of=as_of, settings=settings)
    key = search_key(text)
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    hits = session.execute(base.where(Customer.name_key.like(pattern, escape="\\")).order_by(
        Customer.name_key, Customer.id)).all()
    exact = [h for h in hits if h.name_key == key]
    if len(exact) == 1:
        hits = exact
    if len(hits) == 1:
        return customer_card(session=session, actor=actor, customer_id=hits[0].id, as_of=as_of, settings=settings)
    if hits:
        raise Ambiguous(
            N_("{count} customers match {query}. Pick one, or type more of the name (or the org id)."),
            candidates=_candidates(session, actor.partner_id, [h.id for h in hits[:MAX_CANDIDATES]], as_of, settings),
            total=len(hits), count=len(hits), query=text,
        )
    names = session.execute(_scoped(select(Customer.id, Customer.name, Customer.name_key).where(
        Customer.partner_id == actor.partner_id).order_by(Customer.id), session, actor)).all()
    by_key: dict[str, tuple[int, str]] = {}
    for customer_id, name, name_key in names:
        by_key.setdefault(name_key, (customer_id, name))
    close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6)
    if len(close) < 3:
        # Word by word: "sao paolo" is closer to a word of "sao paulo logistica" than to the whole name.
        words = {w: k for k in by_key for w in k.split()}
        for word in key.split():
            for w in difflib.get_close_matches(word, list(words), n=3, cutoff=0.75):
                if words[w] not in close:
                    close.append(words[w])
    near = [by_key[k] for k in close[:3]]
    if near:
        raise NotFound(N_("No customer matches {query}."), suggestions=[name for _, name in near], query=text,
                       candidates=_candidates(session, actor.partner_id, [i for i, _ in near], as_of, settings))
    raise NotFound(N_("No customer matches {query}."), query=text)


@dataclass
class CustomerCandidate:
    """A customer the user may have meant: what a person needs to pick one (the id only goes
    into a button's value, never into text)."""

    id: int
    name: str
    region: str  # Region value
    statuses: list[str]  # CustomerStatus values on as_of


def _candidates(session: Session, pid: int, ids: list[int], as_of: date, settings: Settings) -> list[CustomerCandidate]:
    """Rows for ``ids`` (already scoped to what the actor sees), in the given order."""
    rows = {r.id: r for r in session.execute(select(Customer.id, Customer.name, Customer.region).where(
        Customer.partner_id == pid, Customer.id.in_(ids or [-1]))).all()}
    statuses = customer_statuses(session=session, partner_id=pid, as_of=as_of, settings=settings, customer_ids=ids)
    return [CustomerCandidate(id=i, name=rows[i].name, region=str(getattr(rows[i].region, "value", rows[i].region)),
                              statuses=[s.value for s in statuses.get(i, [])]) for i in ids if i in rows]


def _visible(session: Session, actor: Actor, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    visible = auth.visible_customer_ids(session, actor) if customer is not None else None
    if (
        customer is None
        or customer.partner_id != actor.partner_id
        or (visible is not None and customer.id not in visible)
    ):
        raise NotFound(N_("That customer is not there any more (or not yours to see)."))
    return customer


def customer_card(*, session: Session, actor: Actor, customer_id: int, as_of: date, settings: Settings) -> CustomerCard:
    """Everything F1, F2 and F6 show for one customer on ``as_of``."""
    auth.require(actor, Permission.VIEW)
    customer = _visible(session, actor, customer_id)
    pid = customer.partner_id
    subs = list(session.execute(select(Subscription).where(
        Subscription.partner_id == pid, Subscription.customer_id == customer.id)).scalars())
    pks = [s.id for s in subs] or [-1]
    snaps = list(session.execute(select(LicenseSnapshot).where(
        LicenseSnapshot.partner_id == pid, LicenseSnapshot.subscription_pk.in_(pks),
        LicenseSnapshot.week_ending <= as_of,
        LicenseSnapshot.week_ending > as_of - timedelta(days=SNAPSHOT_LOOKBACK_DAYS),
    )).scalars())
    latest: dict[int, LicenseSnapshot] = {}
    for snap in snaps:
        if snap.subscription_pk not in latest or snap.week_ending > latest[snap.subscription_pk].week_ending:
            latest[snap.subscription_pk] = snap
    orders: dict[int, list[OrderView]] = {}
    for line in session.execute(select(OrderLine).where(
            OrderLine.partner_id == pid, OrderLine.subscription_pk.in_(pks)).order_by(
            OrderLine.ordered_on, OrderLine.id)).scalars():
        orders.setdefault(line.subscription_pk, []).append(
            OrderView(line.ordered_on, line.order_ref, line.description, line.quantity))
    views = [_sub_view(s, latest.get(s.id), orders.get(s.id, []), as_of) for s in subs]
    rank = {"in_force": 0, "upcoming": 1, "ended": 2}

    def order(v: SubscriptionView):
        return (rank[v.state], v.end_date or date.max, v.subscription_id, v.product)

    paid = sorted((v for v in views if not v.is_trial), key=order)
    trials = sorted((v for v in views if v.is_trial), key=order)
    tags = session.execute(select(Tag.name).join(CustomerTag, CustomerTag.tag_id == Tag.id).where(
        CustomerTag.partner_id == pid, CustomerTag.customer_id == customer.id).order_by(Tag.name_key)).scalars().all()
    admins = session.execute(
        select(PartnerAdmin, CustomerAdmin.role_in_customer)
        .join(CustomerAdmin, CustomerAdmin.partner_admin_id == PartnerAdmin.id)
        .where(CustomerAdmin.partner_id == pid, CustomerAdmin.customer_id == customer.id)
        .order_by(PartnerAdmin.display_name, PartnerAdmin.id)
    ).all()
    statuses = statuses_of(customer, subs, latest, as_of=as_of, settings=settings)
    requests = session.execute(select(TrialRequest).where(
        TrialRequest.partner_id == pid, TrialRequest.customer_id == customer.id,
        TrialRequest.state == TrialRequestState.PENDING).order_by(TrialRequest.requested_at)).scalars().all()
    return CustomerCard(
        id=customer.id, org_id=customer.org_id, name=customer.name, region=customer.region,
        managed_by=customer.managed_by, external_id=customer.external_id, added_on=customer.added_on,
        last_admin_sign_in=customer.last_admin_sign_in, statuses=[s.value for s in statuses],
        products=sorted({v.product for v in views if v.state != "ended"}),
        subscriptions=paid,
        trials=[v for v in trials if v.state == "in_force"],
        past_trials=[v for v in trials if v.state != "in_force"],
        tags=list(tags),
        admins=[AdminView(a.id, a.display_name, a.email, a.role, role, a.slack_user_id) for a, role in admins],
        control_hub_url=control_hub_url(settings, customer.org_id),
        as_of=as_of, region_known=not customer.region_assumed,
        trial_requests=list(requests),
        sign_in_known=sign_in_known(_utc_day(customer.sign_in_checked_at), as_of, settings),
    )


def _sub_view(sub: Subscription, snap: LicenseSnapshot | None, orders: list[OrderView], as_of: date) -> SubscriptionView:
    ended = (sub.end_date is not None and sub.end_date < as_of) or (
        sub.cancelled_on is not None and sub.cancelled_on <= as_of)
    state = "ended" if ended else ("upcoming" if sub.start_date > as_of else "in_force")
    assigned = snap.assigned if snap else 0
    total = sub.total_licenses
    return SubscriptionView(
        subscription_id=sub.subscription_id, product=sub.product, is_trial=sub.is_trial, state=state,
        start_date=sub.start_date, end_date=sub.end_date,
        days_left=None if sub.end_date is None else (sub.end_date - as_of).days,
        auto_renew=sub.auto_renew, total=total, assigned=assigned,
        used=snap.used_7d if snap else 0, used_90d=snap.used_90d if snap else 0,
        available=max(total - assigned, 0), excess=max(total - assigned, 0), short=max(assigned - total, 0),
        license_balance="excess" if total > assigned else ("short" if assigned > total else "exact"),
        invoice_ref=sub.invoice_ref, provisioning_state=sub.provisioning_state,
        payment_state=sub.payment_state, orders=orders,
    )


# ---------------------------------------------------------------------------------
# List
# ---------------------------------------------------------------------------------
def list_customers(
    *,
    session: Session,
    actor: Actor,
    filters: CustomerFilters,
    as_of: date,
    settings: Settings,
    page: int = 1,
    page_size: int = 20,
) -> CustomerPage:
    """Customers matching every filter, by name, one page at a time (F1, F4)."""
    auth.require(actor, Permission.VIEW)
    if page < 1:
        raise BadInput(N_("Page numbers start at 1."))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BadInput(N_("A page holds 1 to {max} customers."), max=MAX_PAGE_SIZE)
    pid = actor.partner_id
    stmt = _scoped(select(Customer.id).where(Customer.partner_id == pid), session, actor)
    if filters.managed_by:
        stmt = stmt.where(Customer.managed_by == filters.managed_by)
    if filters.region:
        stmt = stmt.where(Customer.region == filters.region)
    if filters.search:
        key = search_key(filters.search)
        pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Customer.name_key.like(pattern, escape="\\"),
                              func.lower(Customer.org_id) == filters.search.strip().lower()))
    if filters.tag:
        tag = resolve_tag(session, pid, filters.tag)
        stmt = stmt.where(Customer.id.in_(select(CustomerTag.customer_id).where(CustomerTag.tag_id == tag.id)))
    # "No end date" as the last day, not "IS NULL OR …": an OR lets SQLite's planner walk
    # every line of the partner by end date instead of the (partner, product) index.
    not_over = (
        (func.coalesce(Subscription.end_date, date.max) >= as_of)
        & (func.coalesce(Subscription.cancelled_on, date.max) > as_of)
    )
    if filters.product:
        stmt = stmt.where(Customer.id.in_(select(Subscription.customer_id).where(
            Subscription.partner_id == pid, Subscription.product == filters.product, not_over)))
    if filters.subscription_type:
        stmt = stmt.where(Customer.id.in_(select(Subscription.customer_id).where(
            Subscription.partner_id == pid, not_over, Subscription.start_date <= as_of,
            Subscription.is_trial == (filters.subscription_type == "trial"))))
    ordered = stmt.order_by(Customer.name_key, Customer.id)
    ids = list(session.execute(ordered).scalars())
    statuses: dict[int, list[CustomerStatus]] | None = None
    if filters.status:
        statuses = customer_statuses(session=session, partner_id=pid, as_of=as_of, settings=settings,
                                     customer_ids=ids)
        ids = [i for i in ids if filters.status in statuses.get(i, [])]
    total = len(ids)
    pages = max(1, -(-total // page_size))
    if page > pages:
        raise BadInput(N_("There is no page {page}: the list has {pages} page(s)."), page=page, pages=pages)
    chunk = ids[(page - 1) * page_size: page * page_size]
    if statuses is None:
        statuses = customer_statuses(session=session, partner_id=pid, as_of=as_of, settings=settings,
                                     customer_ids=chunk)
    return CustomerPage(items=_rows(session, pid, chunk, statuses, as_of), total=total, page=page,
                        pages=pages, page_size=page_size, filters=filters)


def _rows(session: Session, pid: int, ids: list[int], statuses, as_of: date) -> list[CustomerRow]:
    if not ids:
        return []
    customers = {c.id: c for c in session.execute(select(Customer).where(
        Customer.partner_id == pid, Customer.id.in_(ids))).scalars()}
    products: dict[int, set[str]] = {i: set() for i in ids}
    next_end: dict[int, date | None] = {i: None for i in ids}
    for cid, product, start, end, cancelled in session.execute(select(
            Subscription.customer_id, Subscription.product, Subscription.start_date, Subscription.end_date,
            Subscription.cancelled_on).where(Subscription.partner_id == pid, Subscription.customer_id.in_(ids))):
        if (end is not None and end < as_of) or (cancelled is not None and cancelled <= as_of):
            continue
        products[cid].add(product)
        if end is not None and start <= as_of and (next_end[cid] is None or end < next_end[cid]):
            next_end[cid] = end
    tags: dict[int, list[str]] = {i: [] for i in ids}
    for cid, name in session.execute(select(CustomerTag.customer_id, Tag.name).join(
            Tag, Tag.id == CustomerTag.tag_id).where(CustomerTag.partner_id == pid,
                                                     CustomerTag.customer_id.in_(ids)).order_by(Tag.name_key)):
        tags[cid].append(name)
    out = []
    for i in ids:
        c = customers[i]
        out.append(CustomerRow(id=c.id, org_id=c.org_id, name=c.name, region=c.region, managed_by=c.managed_by,
                               products=sorted(products[i]), statuses=[s.value for s in statuses.get(i, [])],
                               tags=tags[i], next_end_date=next_end[i], region_known=not c.region_assumed))
    return out


def _utc_day(value: datetime | None) -> date | None:
    """The UTC day of an instant (SQLite hands instants back naive; they were stored as UTC)."""
    if value is None:
        return None
    return (value.astimezone(timezone.utc) if value.tzinfo else value).date()
