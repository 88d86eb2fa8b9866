"""Channel scope (issue 17, item 10): ``/partnerhub channel scope region:EU tag:"At risk"``
binds the channel it is typed in, ``/partnerhub channel scope off`` unbinds it, and
``/partnerhub channel`` says what it is bound to. Only full admins bind or unbind (core:
``partnerhub_core/channel_scope.py``, audited). A DM with the bot is never bound.

In a bound channel every command answers within the scope: the request's ``Ctx`` carries it
(``bot/request.py``), its ``Actor`` sees only the scope's customers, a region asked for
outside it is refused before the command runs (a router check), and every message answer,
buttons' included, ends with a footer saying so (``bot/scope_note.py``, added by
``bot/context.py``). DMs and unbound channels are unscoped.
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import scope_note
from bot.commands import Subcommand, router, subcommand
from bot.context import Ctx, Reply
from bot.request import is_dm
from partnerhub_core import channel_scope
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_, words
from partnerhub_core.i18n.glossary import region_label

NAME = "channel"
REGION_FLAGS = ("--region",)


# Subcommands that also read a bare region code as the region ("report call-usage EU").
BARE_REGION = frozenset({"report", "calling"})


def asked_regions(args: list[str], bare: bool = False) -> list[str]:
    """The regions a command's words ask for: ``region:EU``, ``--region EU``, ``--region=EU``
    (and ``EU`` alone with ``bare``)."""
    out = []
    for i, word in enumerate(args):
        low = word.casefold()
        key, colon, value = word.partition(":")
        if bare and words.canonical("region", word) in channel_scope.REGIONS:  # "Europa" too
            out.append(word)
        elif colon and words.canonical("filter_key", key) == "region":  # "região:US" too
            out.append(value)
        elif low.startswith("--region="):
            out.append(word.split("=", 1)[1])
        elif low in REGION_FLAGS and i + 1 < len(args):
            out.append(args[i + 1])
    return out


def check(ctx: Ctx, sub: Subcommand, args: list[str]) -> None:
    """Router check: never answer about a region outside the channel's scope."""
    if ctx.channel_scope is None or sub.name == NAME:
        return
    for region in asked_regions(args, bare=sub.name in BARE_REGION):
        other = channel_scope.outside(ctx.channel_scope, region)
        if other is not None:
            raise BadInput(N_("This channel only answers about {scope}, so {region} is outside it. Ask me in a DM "
                              "or in another channel."),
                           scope=region_label(ctx.channel_scope.region, ctx.locale),
                           region=region_label(other, ctx.locale))


def _channel(ctx: Ctx) -> str:
    if not ctx.channel_id or is_dm(ctx.channel_id, ctx.body):
        raise BadInput(N_("A DM with me is never scoped: type this in the channel you want to scope."))
    return ctx.channel_id


def show(ctx: Ctx) -> dict:
    scope = ctx.channel_scope
    if scope is None:
        return ctx.render("notice.json.j2", text=ctx._(N_("This channel is not scoped: commands typed here answer "
                                                          "about every customer you can see.")),
                          hint=ctx._(N_("A full admin can scope it: /partnerhub channel scope region:EU "
                                        "tag:\"At risk\"")))
    return ctx.render("notice.json.j2", text=scope_note.scoped_to(ctx, scope),
                      hint=ctx._(N_("Commands typed here answer only about these customers. A full admin can "
                                    "remove the scope: /partnerhub channel scope off")))


def register(app: AsyncApp) -> None:
    rt_router = router(app)
    rt_router.checks.append(check)

    @subcommand(app, NAME, usage=N_("channel [scope region:US|CA|EU|UAE tag:NAME | scope off]"),
                help=N_("Scope this channel: commands typed here answer only about a region and/or tag "
                        "(full admins)."),
                group=N_("Getting started"))
    def channel(ctx: Ctx, args: list[str]) -> Reply:
        ctx.scope_said = True  # every answer here names the scope, old or new
        words = list(args)
        if words and words[0].casefold() == "scope":
            words = words[1:]
        if not words:
            _channel(ctx)
            return show(ctx)
        channel_id = _channel(ctx)
        if len(words) == 1 and words[0].casefold() in channel_scope.OFF_WORDS:
            old = channel_scope.unbind_channel(session=ctx.session, actor=ctx.actor, workspace_id=ctx.workspace.id,
                                               channel_id=channel_id, now=ctx.now)
            if old is None:
                return ctx.render("notice.json.j2", text=ctx._(N_("This channel was not scoped; nothing changed.")))
            return ctx.render("notice.json.j2", text=ctx._(N_("This channel is no longer scoped (it was: {scope}). "
                                                              "Commands typed here answer about every customer "
                                                              "again."), scope=scope_note.describe(ctx, old)))
        scope = channel_scope.bind_channel(session=ctx.session, actor=ctx.actor, workspace_id=ctx.workspace.id,
                                           channel_id=channel_id, scope=channel_scope.parse_scope(words), now=ctx.now)
        return ctx.render("notice.json.j2", text=scope_note.scoped_to(ctx, scope),
                          hint=ctx._(N_("Commands typed here now answer only about these customers, and say so. "
                                        "Digests keep their own scope.")))
