"""Run /partnerhub commands without Slack: the demo and the CLI show what the bot answers.

    app = offline_app(settings, engine)
    reply = answer(app, "kpis calling", team_id="T0DEMO", user_id="U0DEMO01")
    print(blocks_to_text(reply))

The same router, handlers, transaction wrapper and error messages as over HTTP; only the
delivery differs (the reply is returned instead of posted). Handlers that call Slack
themselves (file uploads) need a reachable PARTNERHUB_SLACK_API_URL.
"""
from __future__ import annotations

from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from sqlalchemy.engine import Engine

from bot.context import Reply, RequestInfo, run_in_transaction, runtime
from partnerhub_core.settings import Settings


def offline_app(settings: Settings, engine: Engine) -> AsyncApp:
    """The real app, built with placeholder Slack credentials (nothing is sent at build time)."""
    from bot.app import build_app  # late: bot.app imports every listener

    placeholders = {
        "slack_bot_token": settings.slack_bot_token or SecretStr("xoxb-offline"),
        "slack_signing_secret": settings.slack_signing_secret or SecretStr("offline"),
        "slack_client_id": None,
        "slack_client_secret": None,
    }
    return build_app(settings.model_copy(update=placeholders), engine)


def answer(app: AsyncApp, text: str, *, team_id: str, user_id: str, enterprise_id: str = "",
           channel_id: str | None = "C_OFFLINE", locale: str | None = None) -> Reply:
    """What ``/partnerhub <text>`` answers to ``user_id`` of ``team_id`` (a message dict,
    or a ``Modal`` for commands that open one). ``locale`` stands in for the Slack locale."""
    from bot.commands import _route_handler

    rt = runtime(app)
    info = RequestInfo(team_id=team_id, enterprise_id=enterprise_id, user_id=user_id, channel_id=channel_id,
                       bot_token=None, slack_user={"locale": locale} if locale else {}, body={}, text=text)
    reply, _locale = run_in_transaction(rt, info, _route_handler(rt.router), text)
    return reply
