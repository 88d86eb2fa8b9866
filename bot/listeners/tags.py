"""/partnerhub tags — custom tags on customers (SPEC F3).

    tags                              the partner's tags, with customer counts
    tags show <tag>                   the customers carrying a tag (the paginated customer list)
    tags create <name> [description]  quotes group words: tags create "Key accounts" Top 50
    tags rename <tag> <new name>
    tags delete <tag>
    tags add <tag> <customer>         the customer is the rest of the line
    tags remove <tag> <customer>

Everyone sees tags; editing is for full and partner admins (the service says so).
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.commands import subcommand
from bot.context import Ctx
from bot.listeners.customers import list_message, resolve_customer
from bot.webex_push import push_tags_after_commit
from partnerhub_core import auth
from partnerhub_core.auth import Permission
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.customers import CustomerFilters
from partnerhub_core.services import tags
from partnerhub_core.sources import push

USAGE = {
    "show": N_("Usage: /partnerhub tags show <tag>"),
    "create": N_("Usage: /partnerhub tags create <name> [description] (quote a name of several words)"),
    "rename": N_("Usage: /partnerhub tags rename <tag> <new name> (quote names of several words)"),
    "delete": N_("Usage: /partnerhub tags delete <tag>"),
    "add": N_("Usage: /partnerhub tags add <tag> <customer>"),
    "remove": N_("Usage: /partnerhub tags remove <tag> <customer>"),
}
ALL_USAGE = N_("Usage: /partnerhub tags [show|create|rename|delete|add|remove] …")


def _usage(word: str) -> BadInput:
    return BadInput(USAGE.get(word, ALL_USAGE))


def tags_command(ctx: Ctx, args: list[str]) -> dict:
    if not args or args[0].casefold() == "list":
        if len(args) > 1:
            raise BadInput(N_("Usage: /partnerhub tags"))
        return list_tags(ctx)
    word, rest = args[0].casefold(), args[1:]
    if word == "show":
        if not rest:
            raise _usage(word)
        return list_message(ctx, CustomerFilters(tag=" ".join(rest)), 1)
    if word == "create":
        if not rest:
            raise _usage(word)
        tag = tags.create_tag(session=ctx.session, actor=ctx.actor, name=rest[0],
                              description=" ".join(rest[1:]), now=ctx.now)
        return _done(ctx, ctx._("Created the tag “{tag}”.", tag=tag.name),
                     ctx._("Put it on a customer: /partnerhub tags add {tag} <customer>", tag=_quoted(tag.name)))
    if word == "rename":
        if len(rest) != 2:
            raise _usage(word)
        found = tags.get_tag(session=ctx.session, partner_id=ctx.partner_id, name=rest[0])
        before = found.name
        tag = tags.rename_tag(session=ctx.session, actor=ctx.actor, name=rest[0], new_name=rest[1], now=ctx.now)
        push_tags_after_commit(ctx, push.customers_with_tag(ctx.session, partner_id=ctx.partner_id,
                                                            tag_id=found.id))
        return _done(ctx, ctx._("Renamed the tag “{old}” to “{new}”.", old=before, new=tag.name))
    if word == "delete":
        if len(rest) != 1:
            raise _usage(word)
        found = tags.get_tag(session=ctx.session, partner_id=ctx.partner_id, name=rest[0])
        name = found.name
        # Read before the delete takes the tag off them: each of these changes in Webex.
        had_it = push.customers_with_tag(ctx.session, partner_id=ctx.partner_id, tag_id=found.id)
        count = tags.delete_tag(session=ctx.session, actor=ctx.actor, name=rest[0], now=ctx.now)
        push_tags_after_commit(ctx, had_it)
        return _done(ctx, ctx._("Deleted the tag “{tag}”; {count} customers no longer have it.", tag=name, count=count))
    if word in ("add", "remove"):
        if len(rest) < 2:
            raise _usage(word)
        # Check the role before looking the customer up: a read-only admin gets the
        # role message, not a "did you mean" about customers.
        auth.require(ctx.actor, Permission.EDIT_TAGS)
        customer = resolve_customer(ctx, " ".join(rest[1:]))
        service = tags.add_tag if word == "add" else tags.remove_tag
        tag = service(session=ctx.session, actor=ctx.actor, customer_id=customer.id, tag=rest[0], now=ctx.now)
        push_tags_after_commit(ctx, [customer.id])
        now_has = [t.name for t in tags.tags_of_customer(session=ctx.session, partner_id=ctx.partner_id,
                                                          customer_id=customer.id)]
        text = (ctx._("Tagged {customer} with “{tag}”.", customer=customer.name, tag=tag.name) if word == "add"
                else ctx._("Removed the tag “{tag}” from {customer}.", customer=customer.name, tag=tag.name))
        return _done(ctx, text, ctx._("Tags of {customer}: {tags}", customer=customer.name,
                                      tags=", ".join(now_has) or ctx._("none")))
    raise _usage(word)


def list_tags(ctx: Ctx) -> dict:
    infos = tags.list_tags(session=ctx.session, actor=ctx.actor)
    return ctx.render("tags_list.json.j2", tags=infos, can_edit=ctx.actor.can(Permission.EDIT_TAGS))


def _done(ctx: Ctx, text: str, detail: str | None = None) -> dict:
    return ctx.render("notice.json.j2", text=text, detail=[detail] if detail else [])


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


def register(app: AsyncApp) -> None:
    subcommand(app, "tags", aliases=("tag",), usage=N_("tags [show|create|rename|delete|add|remove] …"),
               help=N_("Custom tags: list them, see a tag's customers, create, rename, delete, tag customers."),
               group=N_("Customers"))(tags_command)
