"""The footer of every answer given in a channel bound to a scope (issue 17, item 10):
"Scoped to this channel: region European Union, tag At risk", in the person's language.

``bot/context.py`` adds it to every message reply of a request whose ``Ctx`` carries a
channel scope (commands, buttons, shares), once, at the end; a handler that already says
the scope (``/partnerhub channel``) sets ``ctx.scope_said``.
"""
from __future__ import annotations

from bot import render as _render
from bot.request import Ctx
from bot.runtime import Reply
from partnerhub_core.channel_scope import Scope
from partnerhub_core.i18n import N_
from partnerhub_core.i18n.glossary import region_label


def describe(ctx: Ctx, scope: Scope) -> str:
    """"region European Union, tag At risk", in the person's language."""
    parts = []
    if scope.region:
        parts.append(ctx._(N_("region {region}"), region=region_label(scope.region, ctx.locale)))
    if scope.tag:
        parts.append(ctx._(N_("tag {tag}"), tag=scope.tag))
    return ", ".join(parts)


def scoped_to(ctx: Ctx, scope: Scope) -> str:
    return ctx._(N_("Scoped to this channel: {scope}"), scope=describe(ctx, scope))


def with_footer(ctx: Ctx, reply: Reply) -> Reply:
    """A message reply with the scope's footer at the end (other replies as they are)."""
    if ctx.channel_scope is None or ctx.scope_said or not isinstance(reply, dict) or not reply.get("blocks"):
        return reply
    note = ctx.render("scope_footer.json.j2", text=scoped_to(ctx, ctx.channel_scope))
    merged = dict(reply)
    merged["blocks"] = list(reply["blocks"])[:_render.MAX_MESSAGE_BLOCKS - len(note["blocks"])] + note["blocks"]
    return merged
