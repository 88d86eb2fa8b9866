"""The polite catch-all, registered after every feature: a stale button, a modal or an
event nobody handles gets an ack (never bolt's 404, which Slack shows as an error) and,
where the person is waiting for an answer, a short note."""
from __future__ import annotations

import logging
import re

from slack_bolt.async_app import AsyncApp

from bot.context import Ctx, handle, runtime
from bot.ids import ActionId

log = logging.getLogger("partnerhub.bot")
ANYTHING = re.compile(".*")


def stale_button(ctx: Ctx, action: dict) -> dict:
    return ctx.render(
        "notice.json.j2",
        text=ctx._("That button belongs to an older version of Partner Hub's message and no longer works."),
        hint=ctx._("Run the command again, or type /partnerhub help."),
    )


def other_command(ctx: Ctx, command: str) -> dict:
    return ctx.render(
        "notice.json.j2",
        text=ctx._("Partner Hub answers /partnerhub; {command} is not one of its commands.", command=command[:40]),
        hint=ctx._("Type /partnerhub help to see everything I can do."),
    )


def register(app: AsyncApp) -> None:
    rt = runtime(app)
    rt.register_handler(stale_button)
    rt.register_handler(other_command)

    @app.action(re.compile(rf"^{re.escape(ActionId.OPEN_URL)}(:.*)?$"))
    async def link_button(ack):
        await ack()  # Slack opened the URL; the click needs no answer

    @app.action(ANYTHING)
    async def unknown_action(ack, body, context, client):
        await ack()
        action = (body.get("actions") or [{}])[0]
        log.info("unhandled action %s", action.get("action_id"))
        if body.get("response_url") or body.get("channel"):
            await handle(rt, stale_button, action, body=body, context=context, client=client,
                         via_response_url=True)

    @app.view(ANYTHING)
    async def unknown_view(ack, body):
        log.info("unhandled view %s", (body.get("view") or {}).get("callback_id"))
        await ack()

    @app.view_closed(ANYTHING)
    async def closed_view(ack):
        await ack()

    @app.options(ANYTHING)
    async def unknown_options(ack):
        await ack(options=[])

    @app.shortcut(ANYTHING)
    async def unknown_shortcut(ack):
        await ack()

    @app.command(ANYTHING)
    async def unknown_command(ack, body, command, context, client):
        await ack()
        await handle(rt, other_command, command.get("command") or "", body=body, context=context,
                     client=client, via_response_url=True)

    @app.event(ANYTHING)
    async def unknown_event(ack, event):
        log.debug("unhandled event %s", event.get("type"))
        await ack()


