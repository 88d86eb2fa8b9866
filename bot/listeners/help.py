"""/partnerhub help (every subcommand's usage, or one) and F27 resources & helpdesk."""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.commands import Router, Subcommand, router, subcommand
from bot.context import Ctx, on_action
from bot.ids import ActionId
from bot.render import escape_mrkdwn
from partnerhub_core import resources
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_, words

COMMANDS_PER_SECTION = 12  # keeps a section well under Slack's 3,000 characters


def _line(ctx: Ctx, sub: Subcommand) -> str:
    return f"`/partnerhub {escape_mrkdwn(words.say_usage(ctx._(sub.usage), ctx.locale))}` — {escape_mrkdwn(ctx._(sub.help))}"


def help_message(ctx: Ctx, subs: Router, topic: str | None = None) -> dict:
    if topic:
        sub = subs.find(topic)
        if sub is not None:
            return ctx.render("help.json.j2", groups=[], topic={
                "usage": words.say_usage(ctx._(sub.usage), ctx.locale), "help": ctx._(sub.help), "aliases": list(sub.aliases)})
    groups: list[dict] = []
    by_title: dict[str, list[Subcommand]] = {}
    for sub in subs.all():
        by_title.setdefault(sub.group, []).append(sub)
    for title, members in by_title.items():
        for start in range(0, len(members), COMMANDS_PER_SECTION):
            chunk = members[start:start + COMMANDS_PER_SECTION]
            groups.append({"title": ctx._(title) if start == 0 else "…",
                           "commands": [{"line": _line(ctx, s)} for s in chunk]})
    return ctx.render("help.json.j2", groups=groups, topic=None, unknown_topic=topic or None)


def register(app: AsyncApp) -> None:
    subs = router(app)

    @subcommand(app, "help", aliases=("?", "ajuda", "ayuda"), usage=N_("help [command]"),
                help=N_("Everything Partner Hub can do, or how to use one command."),
                group=N_("Getting started"), needs_partner=False)
    def show_help(ctx: Ctx, args: list[str]) -> dict:
        return help_message(ctx, subs, args[0] if args else None)

    def help_button(ctx: Ctx, action: dict) -> dict:
        return help_message(ctx, subs, (action.get("value") or "").strip() or None)

    on_action(app, ActionId.HELP_TOPIC, help_button)

    @subcommand(app, "resources", aliases=("resource", "recursos", "links", "helpdesk"),
                usage=N_("resources [words] [category:<name>] | resources helpdesk [calling|contact_center]"),
                help=N_("Quick links, featured resources, a search over them, and the partner helpdesk."),
                group=N_("Getting started"), needs_partner=False)
    def show_resources(ctx: Ctx, args: list[str]) -> dict:
        return resources_message(ctx, args)

    def resource_filter(ctx: Ctx, action: dict) -> dict:
        value = (action.get("selected_option") or {}).get("value") or ""
        return resources_message(ctx, [f"category:{value}"] if value else [])

    on_action(app, ActionId.RESOURCE_FILTER, resource_filter)


# ---------------------------------------------------------------------------------
# Resources (F27)
# ---------------------------------------------------------------------------------
def _resource(ctx: Ctx, r: resources.Resource) -> dict:
    title, description = ctx._(r.title), ctx._(r.description)
    return {
        "title": title, "url": r.url, "description": description,
        "link": f"<{r.url}|{escape_mrkdwn(title)}>",
        "line": f"• <{r.url}|{escape_mrkdwn(title)}>  {escape_mrkdwn(description)}",
    }


def resources_message(ctx: Ctx, args: list[str]) -> dict:
    """``[]`` quick links and featured; ``helpdesk [product]``; else a search with filters."""
    categories = [{"value": c.value, "label": ctx._(label)} for c, label in resources.CATEGORY_LABELS.items()]
    base = {"quick": [_resource(ctx, r) for r in resources.quick_links()],
            "featured": [_resource(ctx, r) for r in resources.featured()],
            "categories": categories, "helpdesk": None, "results": None, "query": "", "category": None}
    if args and args[0].casefold() in ("helpdesk", "support", "suporte", "soporte"):
        if len(args) > 2:
            raise BadInput(N_("Usage: {usage}"), usage="/partnerhub resources helpdesk [calling|contact_center]")
        product = args[1].casefold().replace("-", "_") if len(args) > 1 else None
        if product in ("cc", "contact", "contactcenter"):
            product = "contact_center"
        desks = resources.helpdesk(product)
        base["helpdesk"] = [{"product": ctx._(resources.HELPDESK_LABELS[p]),
                             "items": [_resource(ctx, r) for r in items]} for p, items in desks.items()]
        return ctx.render("resources.json.j2", **base)
    if not args:
        return ctx.render("resources.json.j2", **base)
    category = None
    words: list[str] = []
    for arg in args:
        key, sep, value = arg.partition(":")
        if sep and key.casefold() in ("category", "categoria", "categoría", "cat"):
            category = resources.parse_category(value)
        else:
            words.append(arg)
    query = " ".join(words)[:100]
    hits = resources.search(query, category=category, text_of=ctx._)
    base.update(results=[_resource(ctx, r) for r in hits], query=query,
                category=ctx._(resources.CATEGORY_LABELS[category]) if category else None)
    return ctx.render("resources.json.j2", **base)
