"""/partnerhub customer and /partnerhub customers — lookup card and filtered list (F1, F2, F4, F6).

    customer <name or org id>             the card: statuses, subscriptions, trial, tags, admins
    customers [region:EU] [status:trial] [product:calling] [type:trial] [managed:external]
              [tag:"Key accounts"] [name words]      the list, 20 a page, next/previous buttons,
                                                     and the whole list as CSV or XLSX (bot/table_files.py)

``resolve_customer`` is what the other features (tags, trials, admins) use to turn the
words a person typed into one customer they can see, with "did you mean" when none match.
"""
from __future__ import annotations

import json
import re
from dataclasses import fields

from slack_bolt.async_app import AsyncApp

from bot import values
from bot.commands import subcommand
from bot.context import Ctx, on_action
from bot.ids import ActionId
from bot.table_files import action_pattern, file_format, send_table
from partnerhub_core import customers
from partnerhub_core.auth import Permission
from partnerhub_core.customers import CustomerCard, CustomerFilters
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.i18n.glossary import status_label
from partnerhub_core.reports.views import customers_table

PAGE_SIZE = 20
STALE = N_("That button is out of date; run the command again.")


def resolve_customer(ctx: Ctx, query: str) -> CustomerCard:
    """One visible customer by org id or name (NotFound with suggestions, BadInput when several)."""
    return customers.lookup_customer(session=ctx.session, actor=ctx.actor, query=query,
                                     as_of=ctx.as_of, settings=ctx.settings)


def card_message(ctx: Ctx, card: CustomerCard) -> dict:
    return ctx.render(
        "customers_card.json.j2",
        card=card,
        statuses=[status_label(s, ctx.locale) for s in card.statuses],
        can_start_trial=ctx.actor.can(Permission.START_TRIAL),
    )


def lookup(ctx: Ctx, args: list[str]) -> dict:
    if not args:
        raise BadInput(N_("Usage: /partnerhub customer <name or org id>"))
    return card_message(ctx, resolve_customer(ctx, " ".join(args)))


def list_command(ctx: Ctx, args: list[str]) -> dict:
    return list_message(ctx, CustomerFilters.parse(args), 1)


def list_message(ctx: Ctx, filters: CustomerFilters, page: int) -> dict:
    result = customers.list_customers(session=ctx.session, actor=ctx.actor, filters=filters,
                                      as_of=ctx.as_of, settings=ctx.settings, page=page, page_size=PAGE_SIZE)
    state = {f.name: getattr(filters, f.name) for f in fields(filters) if getattr(filters, f.name) is not None}

    def value(p: int | None) -> str:
        data = {"f": state} if p is None else {"f": state, "p": p}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    return ctx.render(
        "customers_list.json.j2",
        page=result,
        filters=filters.describe(),
        statuses={row.id: [status_label(s, ctx.locale) for s in row.statuses] for row in result.items},
        prev=value(result.page - 1) if result.page > 1 else None,
        next=value(result.page + 1) if result.page < result.pages else None,
        download=value(None) if result.total else None,
    )


def on_open(ctx: Ctx, action: dict) -> dict:
    customer_id = values.record_id(action.get("value"))
    card = customers.customer_card(session=ctx.session, actor=ctx.actor, customer_id=customer_id,
                                   as_of=ctx.as_of, settings=ctx.settings)
    return card_message(ctx, card)


def _button_filters(state) -> CustomerFilters:
    """The filters a list button carries, re-parsed rather than trusted: the same checks as
    typed filters."""
    if not isinstance(state, dict):
        raise BadInput(STALE)
    # Keys and values of filters we wrote: short, printable (a NUL would reach the query).
    tokens = [f"{values.text(key, 40)}:{values.text(val, 200)}" for key, val in state.items()
              if isinstance(val, str)]
    return CustomerFilters.parse(tokens)


def on_page(ctx: Ctx, action: dict) -> dict:
    data = values.json_object(action.get("value"))
    page = values.page_number(data.get("p"))
    message = list_message(ctx, _button_filters(data.get("f")), max(page, 1))
    message["replace_original"] = True
    return message


def on_download(ctx: Ctx, action: dict) -> dict | None:
    """Every customer of the list (all pages) as CSV or XLSX, to the person's DM."""
    fmt = file_format(action)
    filters = _button_filters(values.json_object(action.get("value")).get("f"))
    return send_table(ctx, lambda: customers_table(session=ctx.session, actor=ctx.actor, filters=filters,
                                                   as_of=ctx.as_of, settings=ctx.settings, locale=ctx.locale), fmt)


def register(app: AsyncApp) -> None:
    subcommand(app, "customer", aliases=("c", "lookup"), usage=N_("customer <name or org id>"),
               help=N_("Look up a customer: statuses, subscriptions, licenses, trial, tags, partner admins."),
               group=N_("Customers"))(lookup)
    subcommand(app, "customers", aliases=("list", "ls"),
               usage=N_("customers [region:..] [status:..] [product:..] [type:trial|subscription] "
                        "[managed:external|partner] [tag:..] [name]"),
               help=N_("List customers with filters, 20 a page."), group=N_("Customers"))(list_command)
    on_action(app, re.compile(rf"^{ActionId.CUSTOMER_OPEN}(:.*)?$"), on_open)
    on_action(app, re.compile(rf"^{ActionId.CUSTOMERS_PAGE}(:.*)?$"), on_page)
    on_action(app, action_pattern(ActionId.CUSTOMERS_FILE), on_download)
