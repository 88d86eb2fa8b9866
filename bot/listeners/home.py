"""The App Home: the partner's dashboard.

Headline KPIs (F9, Meetings and Calling together), what needs attention this week
(subscriptions and trials of the chosen product ending within 7 days, customers over
their license limit, unpaid and not yet provisioned subscriptions), and buttons into the
analytics sections. Published on ``app_home_opened`` and on the product/refresh buttons;
scoped to the customers the person can see.
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.context import Ctx, Home, on_action, on_event
from bot.ids import ActionId
from bot.render import escape_mrkdwn
from partnerhub_core import auth, i18n
from partnerhub_core.analytics import attention, subscriptions
from partnerhub_core.analytics.hints import kpi_hint
from partnerhub_core.analytics.common import PERCENT
from partnerhub_core.i18n import N_
from partnerhub_core.models import CustomerStatus
from partnerhub_core.services import trials

ATTENTION_DAYS = 7
ATTENTION_LINES = 10
PRODUCTS = ("meetings", "calling")
SECTION_BUTTONS = (  # (label msgid, subcommand); "{product}" is the chosen product
    (N_("Customers"), "customers"),
    (N_("Recently added"), "recent {product}"),
    (N_("Expiring"), "expiring {product}"),
    (N_("Renewing"), "renewing {product}"),
    (N_("Low assignment"), "low {product}"),
    (N_("Overage"), "overage {product}"),
    (N_("Trend"), "trend {product}"),
    (N_("Resources"), "resources"),
)
# Status counts worth a line in "needs attention" (msgid with {n}).
STATUS_LINES = (
    (CustomerStatus.LICENSE_OVERAGE, N_("{n} customer(s) over their license limit")),
    (CustomerStatus.SUSPENDED, N_("{n} customer(s) with an unpaid (suspended) subscription")),
    (CustomerStatus.READY_FOR_ORDER_SETUP, N_("{n} customer(s) with an order waiting to be set up")),
)


def home_view(ctx: Ctx, product: str = "meetings") -> dict:
    if ctx.partner is None:
        return ctx.render("home.json.j2", state="not_set_up", partner="", as_of=None, product=product,
                          kpis=[], sections=[], thresholds="", more_attention=0)
    if ctx.admin is None:
        return ctx.render("home.json.j2", state="not_admin", partner=ctx.partner.name, as_of=None,
                          product=product, kpis=[], sections=[], thresholds="", more_attention=0)
    product = product if product in PRODUCTS else "meetings"
    actor = ctx.actor
    visible = auth.visible_customer_ids(ctx.session, actor)
    headline, sections = subscriptions.overview(session=ctx.session, partner_id=actor.partner_id, as_of=ctx.as_of,
                                                settings=ctx.settings, product=product, customer_ids=visible)
    kpis = [{"label": ctx._(k.label), "value": _value(k, ctx.locale)} for k in headline.kpis]
    low = next((k for k in headline.kpis if k.key == "low_assignment"), None)
    thresholds = kpi_hint(low, ctx._, ctx.locale) if low is not None else ""

    # Only the lines shown are made (the first ATTENTION_LINES); the rest are only counted.
    lines: list[str] = []
    ending, total = attention.ending_within(sections["expiring"], ATTENTION_DAYS, ATTENTION_LINES)
    for row in ending:
        lines.append("• " + ctx._("*{customer}*: {subscription} ends in {days} day(s)",
                                  customer=escape_mrkdwn(row.get("customer")),
                                  subscription=escape_mrkdwn(row.get("subscription_id")),
                                  days=i18n.format_number(row.get("days_left"), ctx.locale)))
    counts = attention.status_counts(session=ctx.session, partner_id=actor.partner_id, as_of=ctx.as_of,
                                     settings=ctx.settings, customer_ids=visible)
    for status, msgid in STATUS_LINES:
        if counts.get(status):
            total += 1
            if len(lines) < ATTENTION_LINES:
                lines.append("• " + ctx._(msgid, n=i18n.format_number(counts[status], ctx.locale)))
    # Trials asked for here are only requests until a sync sees them in Webex (services/trials.py).
    for request, name in trials.pending_with_names(session=ctx.session, partner_id=actor.partner_id,
                                                   customer_ids=visible):
        total += 1
        if len(lines) < ATTENTION_LINES:
            lines.append("• " + ctx._("*{customer}*: {product} trial requested on {day}, pending in Partner Hub",
                                      customer=escape_mrkdwn(name), product=ctx._(trials.PRODUCT_LABELS.get(request.product, request.product)),
                                      day=i18n.format_date(request.requested_at.date(), ctx.locale)))
    buttons = [{"label": ctx._(label), "command": command.format(product=product)}
               for label, command in SECTION_BUTTONS]
    return ctx.render("home.json.j2", state="ready", partner=ctx.partner.name, as_of=ctx.as_of, product=product,
                      kpis=kpis, attention=lines, more_attention=max(total - ATTENTION_LINES, 0),
                      sections=buttons, thresholds=thresholds)


def _value(kpi, locale: str) -> str:
    if kpi.kind == PERCENT:
        return i18n.format_percent(kpi.value, locale)
    return i18n.format_number(kpi.value, locale)


def on_home_opened(ctx: Ctx, event: dict) -> Home | None:
    if event.get("tab") not in (None, "home"):
        return None  # the Messages tab needs no view
    return Home(home_view(ctx))


def on_product(ctx: Ctx, action: dict) -> Home:
    return Home(home_view(ctx, (action.get("value") or "meetings")))


def register(app: AsyncApp) -> None:
    on_event(app, "app_home_opened", on_home_opened)
    on_action(app, ActionId.HOME_PRODUCT, on_product)
    on_action(app, ActionId.HOME_REFRESH, on_product)
