"""Trial requests for a customer (SPEC F5).

Webex documents no public API that starts a trial for a customer organization: Partner
Hub's "Start Trial" is the only way (help.webex.com, "Start and manage Webex Trials in
Partner Hub"), and the Wholesale provisioning API provisions paid packages, not trials
(docs/webex-sources.md, "Trials"). So partnerhub never says it started one. Asking for a
trial records a *trial request* (``TrialRequest``, state pending) and hands the person
the Partner Hub link to finish it; the request shows as pending on the customer card and
in the App Home, and ``reconcile_requests`` marks it started when a sync sees a trial of
that product for that customer in Webex.

Only full admins and sales admins ask for trials (``Permission.START_TRIAL``), and only
for customers they can see; one pending request and one running trial per product and
customer. Audited; never commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlmodel import Session, select

from partnerhub_core import audit, auth
from partnerhub_core.auth import Actor, Permission
from partnerhub_core.errors import BadInput, Conflict
from partnerhub_core.i18n import N_
from partnerhub_core.models import Customer, Product, Role, Subscription, TrialRequest, TrialRequestState, search_key
from partnerhub_core.services._scope import visible_customer
from partnerhub_core.settings import Settings

# Webex trials run for at most 90 days; the licence ceiling is ours, to catch a typo
# (an extra zero) before it lands in a customer's organization.
MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 90, 30
MIN_LICENSES, MAX_LICENSES = 1, 1000

# The products a partner can put on trial, with the words people type for them.
TRIAL_PRODUCTS: tuple[Product, ...] = (
    Product.MEETINGS,
    Product.CALLING,
    Product.MESSAGING,
    Product.WEBINARS,
    Product.CONTACT_CENTER,
    Product.REAL_TIME_TRANSLATIONS,
)
# Short product names for one-line texts (the same words as the CLI's customer card).
PRODUCT_LABELS = {
    "meetings": N_("Meetings"), "calling": N_("Calling"), "messaging": N_("Messaging"),
    "real_time_translations": N_("Real-Time Translations"), "contact_center": N_("Contact Center"),
    "webinars": N_("Webinars"),
}
_ALIASES = {
    "meeting": Product.MEETINGS,
    "webex meetings": Product.MEETINGS,
    "call": Product.CALLING,
    "webex calling": Product.CALLING,
    "message": Product.MESSAGING,
    "webinar": Product.WEBINARS,
    "contact center": Product.CONTACT_CENTER,
    "contact-center": Product.CONTACT_CENTER,
    "cc": Product.CONTACT_CENTER,
    "rtt": Product.REAL_TIME_TRANSLATIONS,
    "real-time translations": Product.REAL_TIME_TRANSLATIONS,
    "real time translations": Product.REAL_TIME_TRANSLATIONS,
    "translations": Product.REAL_TIME_TRANSLATIONS,
}


@dataclass(frozen=True)
class TrialTerms:
    product: Product
    licenses: int
    days: int


def parse_product(text: str | None) -> Product:
    key = search_key(text).replace("_", " ")
    for product in TRIAL_PRODUCTS:
        if key == product.value.replace("_", " "):
            return product
    if key in _ALIASES:
        return _ALIASES[key]
    raise BadInput(
        N_("Unknown product \"{product}\". Choose one of: {choices}."),
        product=(text or "")[:40], choices=", ".join(p.value for p in TRIAL_PRODUCTS),
    )


def parse_int(text: str | int | None, *, field: str, low: int, high: int) -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        raw = (text or "").strip()
        # Only plain ASCII digits: int() would also take "١٢" or "1_000".
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            raise BadInput(N_("The {field} must be a whole number from {low} to {high}."), field=field, low=low, high=high)
        value = int(raw)
    if not low <= value <= high:
        raise BadInput(N_("The {field} must be a whole number from {low} to {high}."), field=field, low=low, high=high)
    return value


def validate(*, product: str | Product, licenses: str | int, days: str | int | None) -> TrialTerms:
    """Turn what a person typed (command words or modal fields) into a trial's terms."""
    return TrialTerms(
        product=product if isinstance(product, Product) else parse_product(product),
        licenses=parse_int(licenses, field=N_("license count"), low=MIN_LICENSES, high=MAX_LICENSES),
        days=DEFAULT_DAYS if days in (None, "") else parse_int(days, field=N_("trial length in days"), low=MIN_DAYS, high=MAX_DAYS),
    )


def trials_in_progress(*, session: Session, partner_id: int, customer_id: int, as_of: date) -> list[Subscription]:
    """The customer's trials not ended on ``as_of`` (a future-dated one counts too)."""
    rows = session.exec(
        select(Subscription).where(
            Subscription.partner_id == partner_id,
            Subscription.customer_id == customer_id,
            Subscription.is_trial == True,  # noqa: E712 - SQL expression
            Subscription.cancelled_on.is_(None),
        )
    ).all()
    return sorted(
        (s for s in rows if s.end_date is None or s.end_date >= as_of), key=lambda s: (s.product, s.start_date)
    )


def pending_requests(*, session: Session, partner_id: int,
                     customer_ids: list[int] | None = None) -> list[TrialRequest]:
    """The partner's trial requests Webex has not confirmed yet, oldest first (of
    ``customer_ids`` when given)."""
    stmt = select(TrialRequest).where(TrialRequest.partner_id == partner_id,
                                      TrialRequest.state == TrialRequestState.PENDING)
    if customer_ids is not None:
        stmt = stmt.where(TrialRequest.customer_id.in_(customer_ids))
    return list(session.exec(stmt.order_by(TrialRequest.requested_at, TrialRequest.id)).all())


def pending_with_names(*, session: Session, partner_id: int,
                       customer_ids: list[int] | set[int] | None = None) -> list[tuple[TrialRequest, str]]:
    """``pending_requests`` with each customer's name (the App Home lists them)."""
    requests = pending_requests(session=session, partner_id=partner_id,
                                customer_ids=None if customer_ids is None else sorted(customer_ids))
    ids = sorted({r.customer_id for r in requests})
    names = dict(session.exec(select(Customer.id, Customer.name).where(
        Customer.partner_id == partner_id, Customer.id.in_(ids))).all()) if ids else {}
    return [(r, names.get(r.customer_id, "")) for r in requests]


def partner_hub_url(settings: Settings) -> str:
    """Where the person finishes the trial: Partner Hub (Customers, the customer, Start
    Trial, or Edit trial when the customer already has one)."""
    return settings.control_hub_url.rstrip("/")


def request_trial(
    *,
    session: Session,
    actor: Actor,
    customer_id: int,
    product: str | Product,
    licenses: str | int,
    days: str | int | None = None,
    now: datetime,
    as_of: date,
) -> TrialRequest:
    """Record a pending trial request; nothing is sent to Webex (there is no API for it)."""
    auth.require(actor, Permission.START_TRIAL)
    customer = visible_customer(session, actor, customer_id)
    terms = validate(product=product, licenses=licenses, days=days)
    running = trials_in_progress(session=session, partner_id=actor.partner_id, customer_id=customer.id,
                                 as_of=as_of)
    for trial in running:
        if trial.product == terms.product:
            raise Conflict(
                N_("{customer} already has a {product} trial in progress (ends {end})."),
                customer=customer.name, product=terms.product.value,
                end=trial.end_date.isoformat() if trial.end_date else "-",
            )
    for pending in pending_requests(session=session, partner_id=actor.partner_id, customer_ids=[customer.id]):
        if pending.product == terms.product:
            raise Conflict(
                N_("A {product} trial for {customer} was already requested on {day}; finish it in Partner Hub."),
                customer=customer.name, product=terms.product.value,
                day=pending.requested_at.date().isoformat(),
            )
    row = TrialRequest(
        partner_id=actor.partner_id, customer_id=customer.id, product=terms.product.value,
        licenses=terms.licenses, days=terms.days, state=TrialRequestState.PENDING,
        requested_at=now, requested_by=actor.label[:120],
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, action="trial.request", target_type="customer", target_id=customer.id,
        before={"trials_in_progress": [s.product for s in running]},
        after={"request_id": row.id, "product": row.product, "licenses": row.licenses, "days": row.days,
               "state": row.state},
        at=now,
    )
    return row


def reconcile_requests(*, session: Session, partner_id: int, now: datetime) -> list[TrialRequest]:
    """After a sync: each pending request whose customer now has a trial of that product
    in Webex (a trial subscription not cancelled, started no earlier than the day before
    the request) becomes started, with Webex's subscription id. Returns those requests."""
    pending = pending_requests(session=session, partner_id=partner_id)
    if not pending:
        return []
    trials = session.exec(
        select(Subscription).where(
            Subscription.partner_id == partner_id,
            Subscription.customer_id.in_(sorted({r.customer_id for r in pending})),
            Subscription.is_trial == True,  # noqa: E712 - SQL expression
            Subscription.cancelled_on.is_(None),
        ).order_by(Subscription.start_date, Subscription.id)
    ).all()
    started = []
    taken: set[int] = set()
    for request in pending:
        asked = _aware(request.requested_at).date() - timedelta(days=1)
        match = next((t for t in trials if t.id not in taken and t.customer_id == request.customer_id
                      and t.product == request.product and t.start_date >= asked), None)
        if match is None:
            continue
        taken.add(match.id)
        request.state = TrialRequestState.STARTED
        request.started_at = now
        request.subscription_id = match.subscription_id
        session.add(request)
        audit.record(
            session, actor=Actor(partner_id=partner_id, role=Role.FULL_ADMIN, label="system:sync"),
            action="trial.started", target_type="customer", target_id=request.customer_id,
            before={"request_id": request.id, "state": TrialRequestState.PENDING.value},
            after={"request_id": request.id, "state": request.state, "subscription_id": match.subscription_id},
            at=now,
        )
        started.append(request)
    session.flush()
    return started


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive instants; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
