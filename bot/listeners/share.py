"""Private by default, shared on purpose.

Every answer is ephemeral and its files go to the person's DM with the bot
(``bot/files.py``). Read-only answers typed in a channel end with a "Share in channel"
button carrying the command text (and whose answer it is). Pressing it runs the command again, as the person who
pressed it and with today's roles and customer assignments (so tenancy and role checks
apply at share time), then posts the answer into the channel with its files and who
shared it. Commands that change something are never offered: re-running them would
change it twice.
"""
from __future__ import annotations

import json

from slack_bolt.async_app import AsyncApp

from bot import values
from bot.commands import MAX_TEXT, Router, Subcommand, parse, route, router
from bot.context import Ctx, Reply, on_action
from bot.ids import ActionId
from bot.render import MAX_MESSAGE_BLOCKS
from bot.request import is_dm
from partnerhub_core.errors import BadInput

# Subcommands whose answer only reads: safe to run again when shared.
READ_ONLY = frozenset({"customer", "customers", "calling", "report",
                       "kpis", "recent", "expiring", "renewing", "low", "overage", "trend"})
# ...except these words after them, which change something (or only list choices).
CHANGING_WORDS = frozenset({"save", "delete"})


def shareable(sub: Subcommand, args: list[str]) -> bool:
    if sub.name not in READ_ONLY:
        return False
    if sub.name == "report":  # "report" alone is the list of reports to pick from
        return bool(args) and args[0].casefold() not in CHANGING_WORDS
    return True


def in_channel(ctx: Ctx) -> bool:
    """A conversation others read: not the person's DM with the bot (a D… id, a slash command's
    ``channel_name`` "directmessage", a message event's ``channel_type`` "im")."""
    return bool(ctx.channel_id) and not is_dm(ctx.channel_id, ctx.body)


def merge(first: dict, second: dict) -> dict:
    """Two rendered messages as one, within Slack's block limit."""
    extra = second.get("blocks") or []
    merged = dict(first)
    merged["blocks"] = list(first.get("blocks") or [])[:MAX_MESSAGE_BLOCKS - len(extra)] + extra
    return merged


def offer(ctx: Ctx, sub: Subcommand, args: list[str], text: str, reply: Reply) -> Reply:
    """Router finisher: add the share button to a private read-only answer in a channel."""
    if ctx.shared or not isinstance(reply, dict) or not in_channel(ctx) or not shareable(sub, args):
        return reply
    # The button is only the asker's to press (Slack shows an ephemeral answer to them
    # alone); the value says whose it is, so a replayed or copied button runs nothing.
    value = json.dumps({"c": text.strip(), "t": ctx.team_id, "u": ctx.user_id}, ensure_ascii=False)
    return merge(reply, ctx.render("share_offer.json.j2", value=value))


def _share_handler(rt_router: Router):
    def share_in_channel(ctx: Ctx, action: dict) -> Reply:
        request = values.json_object(action.get("value"))
        text = values.optional_text(request.get("c"), MAX_TEXT)
        if not text or not in_channel(ctx) or (request.get("t"), request.get("u")) != (ctx.team_id, ctx.user_id):
            raise BadInput(values.STALE)
        word, args, _rest = parse(text)
        sub = rt_router.find(word)
        if sub is None or not shareable(sub, args):  # a forged value: never run a change
            raise BadInput(values.STALE)
        ctx.shared = True
        reply = route(rt_router, ctx, text)  # the checks of today, as the presser
        if not isinstance(reply, dict):
            raise BadInput(values.STALE)
        shared = merge(ctx.render("shared_by.json.j2", user_id=ctx.user_id), reply)
        shared["text"] = reply.get("text") or shared.get("text") or ""
        shared["response_type"] = "in_channel"
        shared["replace_original"] = False
        return shared

    return share_in_channel


def register(app: AsyncApp) -> None:
    rt_router = router(app)
    rt_router.finishers.append(offer)
    on_action(app, ActionId.SHARE, _share_handler(rt_router))
