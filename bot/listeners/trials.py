"""/partnerhub trial start — request a Webex trial for a customer (SPEC F5).

    trial start <customer> <product> <licenses> [days]   straight away
    trial start <customer> [product]                     opens the trial modal
    the "Request a trial" button of a customer card      opens the trial modal

Webex has no public API that starts a trial, so this records a trial request and answers
with the Partner Hub link to finish it; it never says a trial started (a sync marks the
request started once Webex has the trial: services/trials.py).

The modal opens first (its trigger id lives 3 seconds), with nothing slower than one
customer lookup before it; the submit is validated inline (pure), then the service runs
and the answer goes to the channel the modal came from.
"""
from __future__ import annotations

import json
import re

from slack_bolt.async_app import AsyncApp

from bot import values
from bot.commands import subcommand
from bot.context import Ctx, Modal, on_action, on_view
from bot.ids import ActionId, BlockId, CallbackId
from bot.listeners.customers import resolve_customer
from partnerhub_core import auth, i18n
from partnerhub_core.auth import Permission
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import Customer, Product
from partnerhub_core.services import trials
from partnerhub_core.services._scope import visible_customer

# A word that is meant as a number (even a bad one: the service explains the bounds).
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")

USAGE = N_("Usage: /partnerhub trial start <customer> <product> <licenses> [days] — or "
           "/partnerhub trial start <customer> to fill in a form")


def trial_command(ctx: Ctx, args: list[str]):
    if not args or args[0].casefold() != "start" or len(args) < 2:
        raise BadInput(USAGE)
    auth.require(ctx.actor, Permission.START_TRIAL)
    words = args[1:]
    numbers = 0
    while numbers < 2 and len(words) - numbers > 2 and _NUMBER.match(words[-1 - numbers]):
        numbers += 1
    if numbers:
        # <customer…> <product> <licenses> [days]
        licenses, days = words[-numbers], (words[-1] if numbers == 2 else None)
        product, customer_words = words[-numbers - 1], words[:-numbers - 1]
        customer = resolve_customer(ctx, " ".join(customer_words))
        request = trials.request_trial(session=ctx.session, actor=ctx.actor, customer_id=customer.id,
                                       product=product, licenses=licenses, days=days, as_of=ctx.as_of,
                                       now=ctx.now)
        return confirmation(ctx, customer, request)
    # No numbers: the rest names the customer, maybe followed by a product.
    product = None
    if len(words) > 1:
        try:
            product = trials.parse_product(words[-1])
            words = words[:-1]
        except BadInput:
            product = None
    customer = resolve_customer(ctx, " ".join(words))
    return modal(ctx, customer, product)


def modal(ctx: Ctx, customer: Customer, product: Product | None = None) -> Modal:
    running = trials.trials_in_progress(session=ctx.session, partner_id=ctx.partner_id,
                                        customer_id=customer.id, as_of=ctx.as_of)
    metadata = json.dumps({"customer_id": customer.id, "channel": ctx.channel_id})
    return Modal(ctx.render(
        "trials_modal.json.j2", customer=customer, products=list(trials.TRIAL_PRODUCTS),
        selected=product, running=running, metadata=metadata,
        limits={"min_licenses": trials.MIN_LICENSES, "max_licenses": trials.MAX_LICENSES,
                "min_days": trials.MIN_DAYS, "max_days": trials.MAX_DAYS, "days": trials.DEFAULT_DAYS},
    ))


def on_open(ctx: Ctx, action: dict):
    auth.require(ctx.actor, Permission.START_TRIAL)
    customer_id = values.record_id(action.get("value"))
    return modal(ctx, visible_customer(ctx.session, ctx.actor, customer_id))


def validate(values: dict, locale: str) -> dict[str, str]:
    """Inline errors for the modal (pure: no database, no Slack)."""
    problems: dict[str, str] = {}
    checks = (
        (BlockId.TRIAL_PRODUCT, lambda v: trials.parse_product(v)),
        (BlockId.TRIAL_LICENSES, lambda v: trials.parse_int(
            v, field=N_("license count"), low=trials.MIN_LICENSES, high=trials.MAX_LICENSES)),
        (BlockId.TRIAL_DAYS, lambda v: trials.parse_int(
            v, field=N_("trial length in days"), low=trials.MIN_DAYS, high=trials.MAX_DAYS)),
    )
    gettext = i18n.translations(locale).gettext
    for block, check in checks:
        try:
            check(values.get(str(block)))
        except BadInput as exc:
            problems[str(block)] = exc.render(gettext)
    return problems


def on_submit(ctx: Ctx, inputs: dict) -> dict:
    customer_id = values.record_id(ctx.metadata.get("customer_id"), values.STALE_FORM)
    customer = visible_customer(ctx.session, ctx.actor, customer_id)
    request = trials.request_trial(
        session=ctx.session, actor=ctx.actor, customer_id=customer.id,
        product=inputs.get(str(BlockId.TRIAL_PRODUCT)) or "", licenses=inputs.get(str(BlockId.TRIAL_LICENSES)) or "",
        days=inputs.get(str(BlockId.TRIAL_DAYS)) or "", as_of=ctx.as_of, now=ctx.now,
    )
    return confirmation(ctx, customer, request)


def confirmation(ctx: Ctx, customer: Customer, request) -> dict:
    return ctx.render("trials_requested.json.j2", customer=customer, request=request,
                      partner_hub_url=trials.partner_hub_url(ctx.settings))


def register(app: AsyncApp) -> None:
    subcommand(app, "trial", aliases=("trials",), usage=N_("trial start <customer> <product> <licenses> [days]"),
               help=N_("Request a Webex trial for a customer, to finish in Partner Hub (or open a form to fill in)."),
               group=N_("Customers"))(trial_command)
    on_action(app, ActionId.TRIAL_OPEN, on_open)
    on_view(app, CallbackId.TRIAL_START, on_submit, validate=validate)

