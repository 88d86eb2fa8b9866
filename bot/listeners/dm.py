"""Chat with the bot in its DM (the App Home's Messages tab).

A message there is a command without the slash: ``kpis calling``, ``customer sao paulo``,
``help``. It goes through the same router as ``/partnerhub`` (``bot.commands.route``), in
an answer thread or process like every answer, and the answer is posted into that DM.
Messages from bots (this one included), edits, joins and other subtypes, and messages
anywhere but a DM are not commands and get nothing. Retries are dropped like every
event's (``bot/events.py``).
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import errors
from bot.commands import COMMAND, Router, _route_handler
from bot.context import Ctx, Reply, handle, runtime
from bot.events import first_delivery
from partnerhub_core.errors import PartnerHubError


def is_command(event: dict) -> bool:
    """A person's own new message in a DM with the bot."""
    return (event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")
            and bool(event.get("user")) and bool((event.get("text") or "").strip()))


def command_text(text: str) -> str:
    """The command in a message; a person who types the slash command out of habit means the same."""
    text = (text or "").strip()
    if text.casefold().startswith(COMMAND):
        text = text[len(COMMAND):].strip()
    return text


def dm_handler(rt_router: Router):
    """The handler a DM message runs: ``answer_in_dm(ctx, text)`` (the demo runs it offline)."""
    route_text = _route_handler(rt_router)

    def answer_in_dm(ctx: Ctx, text: str) -> Reply:
        try:
            reply = route_text(ctx, text)
        except PartnerHubError as exc:
            if isinstance(exc, errors.OPERATOR_ERRORS):
                raise  # the wrapper also alerts the operator
            # Polite errors are answers too: they go into the conversation like the rest,
            # not as an ephemeral note that is gone on reload. Nothing of the failed
            # command may be committed.
            ctx.session.rollback()
            reply = errors.error_message(exc, ctx.locale, setup_possible=True)
        if isinstance(reply, dict):  # a message: into the DM for the person, not an ephemeral one
            reply = {**reply, "response_type": "in_channel"}
        return reply

    return answer_in_dm


def register(app: AsyncApp) -> None:
    rt = runtime(app)
    answer_in_dm = dm_handler(rt.router)
    rt.register_handler(answer_in_dm)

    async def on_dm_message(ack, body, event, context, client):
        await ack()
        if not is_command(event) or not await first_delivery(rt, body, context):
            return
        text = command_text(event.get("text") or "")
        await handle(rt, answer_in_dm, text, body=body, context=context, client=client, text=text)

    app.event("message")(on_dm_message)
