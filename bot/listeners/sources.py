"""/partnerhub sources — where each family of figures comes from.

    sources      per source family: connected or not, last refresh, rows, coverage, last
                 error and the Webex scopes the token lacks; how to connect what is missing

Thin: partnerhub_core/provenance.py reads the states, partnerhub_core/unknown.py words them
(the CLI's `partnerhub sources` shows the same lines), templates/sources.json.j2 lays them out.
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.commands import subcommand
from bot.context import Ctx
from partnerhub_core import auth, i18n
from partnerhub_core.auth import Permission
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.provenance import source_states
from partnerhub_core.unknown import describe

USAGE = N_("Usage: /partnerhub sources")


def sources_command(ctx: Ctx, args: list[str]) -> dict:
    if args:
        raise BadInput(USAGE)
    auth.require(ctx.actor, Permission.VIEW)
    states = source_states(ctx.session, partner_id=ctx.partner_id, as_of=ctx.as_of, settings=ctx.settings)
    gettext = i18n.translations(ctx.locale).gettext
    rows = [describe(s, gettext, ctx.locale) for s in states]
    return ctx.render("sources.json.j2", rows=rows, as_of=ctx.as_of,
                      connected=sum(1 for s in states if s.known), total=len(states))


def register(app: AsyncApp) -> None:
    subcommand(app, "sources", aliases=("fuentes", "fontes"), usage=N_("sources"),
               help=N_("Where each figure comes from: which Webex sources are connected, when they were last "
                       "read, what is missing and how to connect it."),
               group=N_("Getting started"))(sources_command)
