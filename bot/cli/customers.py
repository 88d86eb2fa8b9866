"""``partnerhub customers lookup QUERY`` and ``partnerhub customers list [FILTER]...``:
text by default, JSON with ``--json``; the list also as CSV or XLSX (``--format``). Filters
are Slack's words (``region:EU tag:"At risk" status:expiring_soon``, other words search
the name), with ``--region/--tag/--product/--status`` as aliases. The CLI acts as the
partner's operator and sees every customer."""
from __future__ import annotations

from dataclasses import asdict

import typer

from bot.cli.common import echo_json
from bot.cli.filters import parse_filters
from bot.cli.options import ANY_PRODUCT_OPT, REGION_OPT, STATUS_OPT, TAG_OPT, filters_arg
from bot.cli.output import JSON, TABLE, ReadOptions, emit_view, read_command
from bot.cli.tables import ReadContext, format_value, text_table
from partnerhub_core import i18n
from partnerhub_core.auth import ROLE_LABELS
from partnerhub_core.customers import CustomerCard, CustomerPage, list_customers, lookup_customer
from partnerhub_core.errors import Ambiguous, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.i18n.glossary import region_label
from partnerhub_core.services.admins import webex_role_label

customers_app = typer.Typer(help="Customer lookup and list.", no_args_is_help=True)


@customers_app.command("lookup")
@read_command(formats=False)
def lookup(
    query: str = typer.Argument(..., help="Org id, or part of the name (accents and case do not matter).",
                                metavar="QUERY"),
    *,
    opts: ReadOptions,
) -> None:
    """One customer's details: statuses, subscriptions, trial, tags, admins, Control Hub link."""
    ctx = opts.context()
    with ctx.session() as session:
        try:
            card = lookup_customer(session=session, actor=opts.actor(ctx), query=query,
                                   as_of=ctx.as_of, settings=ctx.settings)
        except (Ambiguous, NotFound) as exc:
            if not exc.candidates:
                raise
            # The customers meant, as a table (no ids): the exit code stays the error's.
            ask = "" if isinstance(exc, Ambiguous) else " " + ctx._(N_("Did you mean one of these?"))
            typer.echo(f"error: {exc.render(ctx._)}{ask}\n\n{render_candidates(exc, ctx)}", err=True)
            raise typer.Exit(2 if isinstance(exc, Ambiguous) else 3) from None
    if opts.json_out:
        echo_json(asdict(card))
    else:
        typer.echo(render_card(card, ctx))


@customers_app.command("list")
@read_command()
def list_(
    filters: list[str] = filters_arg('region:EU, tag:"At risk", product:calling, status:expiring_soon, '
                                     "type:trial|subscription, managed:external|partner; other words search "
                                     "the name or org id"),
    region: str = REGION_OPT,
    tag: str = TAG_OPT,
    product: str = ANY_PRODUCT_OPT,
    status: str = STATUS_OPT,
    page: int = typer.Option(1, "--page", help="Page number, from 1 (table and JSON)."),
    page_size: int = typer.Option(20, "--page-size", help="Customers per page (1-200; table and JSON)."),
    *,
    opts: ReadOptions,
) -> None:
    """Customers with their statuses, filtered; the table and JSON a page at a time, CSV
    and XLSX every matching customer."""
    shape = opts.shape()
    parsed = parse_filters(filters, keys=LIST_KEYS, region=region, tag=tag, product=product, status=status)
    ctx = opts.context()
    actor = opts.actor(ctx)
    if shape not in (JSON, TABLE):
        from partnerhub_core.reports.views import customers_table

        with ctx.session() as session:
            table = customers_table(session=session, actor=actor, filters=parsed, as_of=ctx.as_of,
                                    settings=ctx.settings, locale=ctx.locale)
        emit_view(table, shape, ctx.locale, opts.output)
        return
    with ctx.session() as session:
        result = list_customers(session=session, actor=actor, filters=parsed,
                                as_of=ctx.as_of, settings=ctx.settings, page=page, page_size=page_size)
    if shape == JSON:
        echo_json(asdict(result))
    else:
        typer.echo(render_page(result, ctx))


LIST_KEYS = ("region", "tag", "product", "status", "subscription_type", "managed_by", "search")


def render_candidates(exc: Ambiguous | NotFound, ctx: ReadContext) -> str:
    _ = ctx._
    rows = [[c.name, region_label(c.region, ctx.locale), ", ".join(_(STATUS_LABELS[s]) for s in c.statuses) or "—"]
            for c in exc.candidates]
    table = text_table([_(N_("Customer")), _(N_("Region")), _(N_("Statuses"))], rows)
    more = (exc.total if isinstance(exc, Ambiguous) else len(exc.candidates)) - len(rows)
    if more > 0:
        table += "\n" + _(N_("And {num} more: type more of the name, or the org id, to narrow it down.")).format(
            num=format_value(more, "int", ctx.locale))
    return table


def render_page(page: CustomerPage, ctx: ReadContext) -> str:
    _ = ctx._
    rows = [[r.name, r.org_id, region_label(r.region, ctx.locale), ", ".join(_(PRODUCT_LABELS.get(p, p)) for p in r.products) or "—",
             ", ".join(_(STATUS_LABELS[s]) for s in r.statuses) or "—", ", ".join(r.tags) or "—",
             format_value(r.next_end_date, "date", ctx.locale)] for r in page.items]
    head = [_(N_("Customer")), _(N_("Org ID")), _(N_("Region")), _(N_("Products")), _(N_("Statuses")),
            _(N_("Tags")), _(N_("Next end date"))]
    out = [text_table(head, rows)] if rows else [_(N_("No customer matches these filters."))]
    count = i18n.translations(ctx.locale).ngettext("{total} customer", "{total} customers", page.total)
    out.append(_(N_("Page {page} of {pages}")).format(page=page.page, pages=page.pages) + " · "
               + count.format(total=page.total))
    return "\n".join(out)


STATUS_LABELS = {
    "trial": N_("Trial"),
    "active": N_("Active"),
    "expiring_soon": N_("Expiring soon"),
    "license_overage": N_("License overage"),
    "no_recent_activity": N_("No recent activity"),
    "ready_for_order_setup": N_("Ready for order setup"),
    "suspended": N_("Suspended"),
    "expired": N_("Expired"),
}


STATE_LABELS = {"in_force": N_("in force"), "upcoming": N_("upcoming"), "ended": N_("ended")}
# Words the card writes inside f-strings, where the message extractor does not look.
CARD_WORDS = (N_("Managed as"), N_("Last sign-in of its admins"), N_("excess"), N_("short"))
PRODUCT_LABELS = {
    "meetings": N_("Meetings"), "calling": N_("Calling"), "messaging": N_("Messaging"),
    "real_time_translations": N_("Real-Time Translations"), "contact_center": N_("Contact Center"),
    "webinars": N_("Webinars"),
}


def render_card(card: CustomerCard, ctx: ReadContext) -> str:
    _ = ctx._
    loc = ctx.locale
    managed = {"external_admin": _(N_("external admin")), "partner_org": _(N_("inside the partner organization"))}.get(
        card.managed_by or "", "—")  # None: unknown, never "external admin"
    out = [
        f"{card.name}  ({card.org_id})",
        f"  {_(N_('Statuses'))}: {', '.join(_(STATUS_LABELS[s]) for s in card.statuses) or '—'}",
        f"  {_(N_('Region'))}: {region_label(card.region, ctx.locale) if card.region_known else '—'} · {_(N_('Managed as'))}: {managed}"
        + (f" · {_(N_('External ID'))}: {card.external_id}" if card.external_id else ""),
        f"  {_(N_('Products'))}: {', '.join(_(PRODUCT_LABELS.get(p, p)) for p in card.products) or '—'}",
        f"  {_(N_('Tags'))}: {', '.join(card.tags) or '—'}",
        f"  {_(N_('Last sign-in of its admins'))}: "
        + (format_value(card.last_admin_sign_in.date(), 'date', loc) if card.last_admin_sign_in
           else _(N_("never")) if card.sign_in_known else "—"),
        f"  {_(N_('Control Hub'))}: {card.control_hub_url}",
        f"  {_(N_('Partner admins'))}: "
        + (", ".join(_admin_text(a, _) for a in card.admins) or "—"),
        "",
        _(N_("Subscriptions")),
    ]
    out.append(_lines_table(card.subscriptions, ctx) if card.subscriptions else "  —")
    for sub in card.subscriptions:
        for o in sub.orders:
            out.append(f"  {sub.subscription_id} {_(PRODUCT_LABELS.get(sub.product, sub.product))}: "
                       f"{format_value(o.ordered_on, 'date', loc)} "
                       f"{o.order_ref} {o.description} × {o.quantity}")
    out += ["", _(N_("Trial"))]
    if card.trials:
        out.append(_lines_table(card.trials, ctx))
    else:
        out.append("  " + _(N_("No trial in progress; a full or sales admin can request one from Slack and finish it in Partner Hub.")))
    return "\n".join(out)


def _lines_table(lines, ctx: ReadContext) -> str:
    _ = ctx._
    loc = ctx.locale
    head = [_(N_("Subscription ID")), _(N_("Product")), _(N_("State")), _(N_("Renewal / end date")),
            _(N_("Days left")), _(N_("Auto-renew")), _(N_("Total licenses")), _(N_("Assigned")), _(N_("Used")),
            _(N_("Available")), _(N_("Excess or short")), _(N_("Invoice"))]
    rows = []
    for s in lines:
        balance = (f"+{s.excess} {_(N_('excess'))}" if s.license_balance == "excess"
                   else f"-{s.short} {_(N_('short'))}" if s.license_balance == "short" else "0")
        rows.append([s.subscription_id, _(PRODUCT_LABELS.get(s.product, s.product)), _(STATE_LABELS[s.state]), format_value(s.end_date, "date", loc),
                     format_value(s.days_left, "int", loc), format_value(s.auto_renew, "bool", loc),
                     format_value(s.total, "int", loc), format_value(s.assigned, "int", loc),
                     format_value(s.used, "int", loc), format_value(s.available, "int", loc), balance,
                     s.invoice_ref or "—"])
    right = [False] * 4 + [True, False, True, True, True, True, True, False]
    return "\n".join("  " + line for line in text_table(head, rows, right).splitlines())


def register(app: typer.Typer) -> None:
    app.add_typer(customers_app, name="customers")


def _admin_text(admin, _) -> str:
    """"Ana Lima (partner admin · in Webex: full admin)": our role, then Webex's."""
    role = _(ROLE_LABELS.get(admin.role, admin.role))
    if admin.role_in_customer:
        role += " · " + _(N_("in Webex: {role}")).format(role=_(webex_role_label(admin.role_in_customer)))
    return f"{admin.name} ({role})"
