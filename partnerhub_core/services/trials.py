"""Start a Webex trial for a customer (SPEC F5).

Only full admins and sales admins start trials (``Permission.START_TRIAL``), and only for
customers they can see. A trial is a ``Subscription`` row with ``is_trial`` set, starting
on ``as_of`` and ending ``days`` later; a customer cannot have two trials of the same
product in progress. Audited; never commits.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from partnerhub_core import audit, auth
from partnerhub_core.auth import Actor, Permission
from partnerhub_core.errors import BadInput, Conflict
from partnerhub_core.i18n import N_
from partnerhub_core.models import PaymentState, Product, ProvisioningState, Subscription, search_key
from partnerhub_core.services._scope import visible_customer

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
class TrialRequest:
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


def validate(*, product: str | Product, licenses: str | int, days: str | int | None) -> TrialRequest:
    """Turn what a person typed (command words or modal fields) into a trial request."""
    return TrialRequest(
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


def start_trial(
    *,
    session: Session,
    actor: Actor,
    customer_id: int,
    product: str | Product,
    licenses: str | int,
    days: str | int | None = None,
    as_of: date,
    now: datetime,
) -> Subscription:
    """Start a trial on ``as_of`` for ``days`` days; returns the new trial subscription."""
    auth.require(actor, Permission.START_TRIAL)
    customer = visible_customer(session, actor, customer_id)
    request = validate(product=product, licenses=licenses, days=days)
    running_trials = trials_in_progress(
        session=session, partner_id=actor.partner_id, customer_id=customer.id, as_of=as_of
    )
    for running in running_trials:
        if running.product == request.product:
            raise Conflict(
                N_("{customer} already has a {product} trial in progress (ends {end})."),
                customer=customer.name, product=request.product.value,
                end=running.end_date.isoformat() if running.end_date else "-",
            )
    trial = Subscription(
        partner_id=actor.partner_id,
        customer_id=customer.id,
        subscription_id=f"TRIAL-{uuid.uuid4().hex[:12].upper()}",
        is_trial=True,
        product=request.product.value,
        total_licenses=request.licenses,
        start_date=as_of,
        end_date=as_of + timedelta(days=request.days),
        auto_renew=False,
        provisioning_state=ProvisioningState.PROVISIONED,
        payment_state=PaymentState.PAID,
    )
    session.add(trial)
    session.flush()
    audit.record(
        session, actor=actor, action="trial.start", target_type="customer", target_id=customer.id,
        before={"trials_in_progress": [s.product for s in running_trials]},
        after={
            "subscription_id": trial.subscription_id, "product": trial.product,
            "licenses": trial.total_licenses, "start_date": trial.start_date, "end_date": trial.end_date,
        },
        at=now,
    )
    return trial
