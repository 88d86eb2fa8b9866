"""Registration helpers for features: ``on_action`` (buttons, selects), ``on_view`` (modal
submissions, with pure inline validation before the ack), ``on_event`` (Events API, each
event once), and ``handle``, which every listener calls after its ack to hand the handler
to the answer runner (``bot/answers.py``). Import these from ``bot.context`` (which
re-exports them) or from here.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import values as _values
from bot.events import first_delivery
from bot.request import Ctx, request_info
from bot.runtime import Reply, Runtime, runtime
from partnerhub_core import i18n
from partnerhub_core.errors import BadInput

log = logging.getLogger("partnerhub.bot")


async def handle(app_rt: Runtime, handler: Callable[..., Reply], *args, body: dict, context: Any,
                 client: Any, via_response_url: bool = False, text: str = "",
                 replace_original: bool = False) -> None:
    """Call after the ack; returns at once. Once Slack has its answer: gather request
    info, then hand the handler and its delivery to the answer runner
    (``bot/answers.py``). ``via_response_url``: answer through the request's response_url
    (commands, buttons) rather than a message."""

    async def work() -> None:
        info = await request_info(app_rt, body, context, client, text=text)
        if via_response_url:  # bolt read it from the body (or a modal's response_urls)
            info.response_url = context.get("response_url")
        await app_rt.answer_runner().run(app_rt, handler, info, args, replace_original)

    app_rt.after_ack(work())



# ---------------------------------------------------------------------------------
# Registration helpers for features
# ---------------------------------------------------------------------------------
def stale_input(ctx: Ctx, _value: Any) -> Reply:
    """The answer to a forged or impossible button value or form input."""
    raise BadInput(_values.STALE)


def on_action(app: AsyncApp, action_id: Any, handler: Callable[[Ctx, dict], Reply]) -> None:
    """Button / select: ``handler(ctx, action)`` where ``action`` is the clicked element
    (``action["value"]``, ``action["selected_option"]``...). A message reply from a button
    in a message replaces nothing unless it sets ``"replace_original": True``.

    Matches ``action_id`` and ``action_id:<anything>``: Slack wants action ids unique
    within a block, so templates suffix repeated buttons (``ph_run_command:2``)."""
    rt = runtime(app)
    rt.register_handler(handler)

    rt.register_handler(stale_input)

    async def _listener(ack, body, context, client):
        await ack()
        action = (body.get("actions") or [{}])[0]
        # A value no Slack client sends (not a string, too long, a NUL byte) never reaches
        # the handler: the person hears "that button is out of date" (bot/values.py).
        chosen = handler if _values.clean_action(action) else stale_input
        await handle(rt, chosen, action, body=body, context=context, client=client, via_response_url=True)

    _listener.__name__ = f"action_{getattr(handler, '__name__', 'handler')}"
    pattern = action_id if hasattr(action_id, "pattern") else re.compile(rf"^{re.escape(str(action_id))}(:.*)?$")
    app.action(pattern)(_listener)


def view_values(body: dict) -> dict[str, Any]:
    """A submitted view's inputs as ``{block_id: value}``: text, a selected option's
    value, a list for multi-selects and checkboxes, a user or channel id."""
    out: dict[str, Any] = {}
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        for _action_id, el in actions.items():
            kind = el.get("type")
            if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
                out[block_id] = (el.get("value") or "").strip()
            elif kind in ("static_select", "external_select", "radio_buttons"):
                opt = el.get("selected_option")
                out[block_id] = opt.get("value") if opt else None
            elif kind in ("multi_static_select", "checkboxes", "multi_external_select"):
                out[block_id] = [o.get("value") for o in el.get("selected_options") or []]
            elif kind == "users_select":
                out[block_id] = el.get("selected_user")
            elif kind == "conversations_select":
                out[block_id] = el.get("selected_conversation")
            elif kind == "channels_select":
                out[block_id] = el.get("selected_channel")
            elif kind == "multi_users_select":
                out[block_id] = el.get("selected_users") or []
            elif kind == "datepicker":
                out[block_id] = el.get("selected_date")
            else:
                out[block_id] = el.get("value")
    return out


def on_view(app: AsyncApp, callback_id: Any, handler: Callable[[Ctx, dict], Reply],
            validate: Callable[[dict, str], dict[str, str]] | None = None) -> None:
    """Modal submit: ``handler(ctx, values)`` with ``values = view_values(body)``.

    ``validate(values, locale) -> {block_id: message}`` runs before the ack and must be
    pure (no database, no Slack): errors keep the modal open with Slack's inline errors.
    After the ack the modal closes and the handler's reply goes to ``private_metadata``'s
    ``channel`` (ephemeral) or else to the user's DM.
    """
    rt = runtime(app)
    rt.register_handler(handler)

    rt.register_handler(stale_input)

    async def _listener(ack, body, context, client):
        values = view_values(body)
        if not _values.clean_view_values(values):
            await ack()
            await handle(rt, stale_input, values, body=body, context=context, client=client)
            return
        if validate is not None:
            locale = i18n.normalize_locale(((body.get("user") or {}).get("locale")) or None)
            cached = rt.cached_user(context.get("team_id") or "", context.get("user_id") or "")
            if cached and cached.get("locale"):
                locale = i18n.normalize_locale(cached["locale"])
            problems = validate(values, locale)
            if problems:
                await ack(response_action="errors", errors=problems)
                return
        await ack()
        await handle(rt, handler, values, body=body, context=context, client=client)

    _listener.__name__ = f"view_{getattr(handler, '__name__', 'handler')}"
    app.view(str(callback_id))(_listener)


def on_event(app: AsyncApp, event_type: str, handler: Callable[[Ctx, dict], Reply]) -> None:
    """Events API: ``handler(ctx, event)``; a ``Home`` reply publishes the App Home."""
    rt = runtime(app)
    rt.register_handler(handler)

    async def _listener(ack, body, event, context, client):
        await ack()
        if await first_delivery(rt, body, context):  # Slack retries; handle each event once
            await handle(rt, handler, event, body=body, context=context, client=client)

    _listener.__name__ = f"event_{getattr(handler, '__name__', 'handler')}"
    app.event(event_type)(_listener)
