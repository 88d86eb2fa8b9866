"""Delivering a handler's reply in the right place: a message to the request's
response_url, or as an ephemeral message / DM; ``Modal`` opens (or pushes) a modal with the
trigger id; ``Home`` publishes the App Home; ``ViewUpdate`` updates a view. Slack failures
are logged, never raised (the request is already acknowledged).
"""
from __future__ import annotations

import json
import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import render as _render
from bot.request import RequestInfo
from bot.runtime import Home, Modal, Reply, Runtime, ViewUpdate
from bot.slack_client import web_client, webhook_client
from partnerhub_core import i18n

log = logging.getLogger("partnerhub.bot")


def deliver(reply: Reply, *, rt: Runtime, info: RequestInfo, replace_original: bool = False,
            locale: str | None = None) -> None:
    """Say the reply in the right place. Slack failures are logged, not raised."""
    if reply is None:
        return
    client = web_client(rt.settings, info.bot_token)
    try:
        if isinstance(reply, Modal):
            open_modal(reply, client=client, info=info, locale=locale)
        elif isinstance(reply, Home):
            client.views_publish(user_id=info.user_id, view=reply.view)
        elif isinstance(reply, ViewUpdate):
            client.views_update(view_id=reply.view_id, view=reply.view)
        else:
            say_message(reply, client=client, info=info, replace_original=replace_original)
    except SlackApiError as exc:
        log.warning("Slack refused the reply: %s", exc.response.get("error") if exc.response else exc)
    except Exception:  # noqa: BLE001 - the request is already acknowledged; log and go on
        log.exception("delivering a reply failed")


def open_modal(reply: Modal, *, client: WebClient, info: RequestInfo, locale: str | None) -> None:
    trigger = info.body.get("trigger_id")
    try:
        if reply.push and info.body.get("view"):
            client.views_push(trigger_id=trigger, view=reply.view)
        else:
            client.views_open(trigger_id=trigger, view=reply.view)
    except SlackApiError as exc:
        # Usually expired_trigger_id: the trigger lives 3 seconds. Say so instead of nothing.
        log.info("the modal did not open: %s", exc.response.get("error") if exc.response is not None else exc)
        gettext = i18n.translations(locale).gettext
        note = _render.render("notice.json.j2", locale=locale, text=gettext(
            "Slack closed the form before it could open. Please try again."))
        say_message(note, client=client, info=info)


def say_message(message: dict, *, client: WebClient, info: RequestInfo, replace_original: bool = False) -> None:
    message = dict(message)
    in_channel = message.pop("response_type", "ephemeral") == "in_channel"
    replace = message.pop("replace_original", replace_original)
    if info.response_url:
        sent = webhook_client(info.response_url).send_dict({**message, "response_type": "in_channel" if in_channel else "ephemeral",
                                  "replace_original": bool(replace)})
        if sent.status_code != 200:
            log.warning("Slack refused the answer to a response_url: HTTP %s %s", sent.status_code,
                        (sent.body or "")[:200])
        return
    channel = info.channel_id or _metadata_channel(info.body)
    try:
        if channel and not in_channel:
            client.chat_postEphemeral(channel=channel, user=info.user_id, **message)
            return
        if channel:
            client.chat_postMessage(channel=channel, **message)
            return
    except SlackApiError as exc:
        # A channel the bot is not in (a private channel, someone else's DM): say it in
        # the person's DM with the app rather than not at all.
        log.info("could not answer in %s (%s); answering in a DM", channel,
                 exc.response.get("error") if exc.response is not None else exc)
    if info.user_id:  # no channel at all (a modal from the Home tab), or the channel refused
        client.chat_postMessage(channel=info.user_id, **message)


def _metadata_channel(body: dict) -> str | None:
    raw = (body.get("view") or {}).get("private_metadata") or ""
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return None
    return value.get("channel") if isinstance(value, dict) else None
