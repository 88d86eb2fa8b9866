"""Builds the slack-bolt app from settings. Only wiring: listeners live in bot/listeners/.

Add a feature by adding its module to ``LISTENERS`` (each exposes ``register(app)``).
``fallback`` is registered last on purpose: it answers whatever nothing else matched.
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from sqlalchemy.engine import Engine

from bot import answers, commands, errors, lifecycle
from bot.context import Runtime, attach
from bot.installation import DatabaseInstallationStore, DatabaseStateStore
from bot.listeners import (admins, analytics, audit, calling, channel_scope, customers, digests, dm, fallback, help,
                           home, language, reports, setup, share, sources, sync, tags, trials)
from bot.slack_client import async_web_client
from partnerhub_core import secrets
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.settings import Settings

# Bot scopes; slack-manifest.yml declares the same list.
# The *:history scopes let the worker find a scheduled post whose answer never came back
# before it posts again (bot/post_once.py).
# im:history also brings the message.im events of the bot's DM (bot/listeners/dm.py).
SCOPES = ["commands", "chat:write", "files:write", "users:read", "users:read.email",
          "channels:read", "groups:read", "im:write", "files:read",
          "channels:history", "groups:history", "im:history"]

# Bolt answers Slack when the listener returns; listeners ack and schedule the rest with
# Runtime.after_ack (bolt's other mode polls every 10 ms for the ack).
PROCESS_BEFORE_RESPONSE = True

# Features, in the order their listeners are tried. fallback is not here: it goes last.
LISTENERS = (setup, help, home, customers, tags, trials, admins, audit, analytics, calling, reports, language, digests, sync,
             sources, channel_scope, share, dm)


def oauth_mode(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def build_app(settings: Settings, engine: Engine) -> AsyncApp:
    if settings.slack_signing_secret is None:
        raise BadInput(N_("Set SLACK_SIGNING_SECRET (Slack app > Basic Information > Signing Secret)."))
    signing_secret = settings.slack_signing_secret.get_secret_value()
    secrets.configure(settings)  # tokens at rest; production without keys stops here
    if oauth_mode(settings):
        client_id = settings.slack_client_id
        oauth_settings = AsyncOAuthSettings(
            client_id=client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=SCOPES,
            installation_store=DatabaseInstallationStore(engine, client_id),
            state_store=DatabaseStateStore(engine),
        )
        # bolt authorizes every request before the listener can ack: the installation (cached
        # in memory, bot/installation.py), then auth.test, a call to Slack, unless its result
        # is kept per token. Safe to keep: we ask for no user scopes, so the result holds no
        # person's token, and a new or rotated bot token is a new key.
        oauth_settings.authorize.cache_enabled = True
        app = AsyncApp(
            signing_secret=signing_secret,
            process_before_response=PROCESS_BEFORE_RESPONSE,
            client=async_web_client(settings, token=None, default_token=False),
            oauth_settings=oauth_settings,
        )
    elif settings.slack_bot_token is not None:
        app = AsyncApp(signing_secret=signing_secret, process_before_response=PROCESS_BEFORE_RESPONSE,
                       client=async_web_client(settings))
    else:
        raise BadInput(N_("Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (one workspace), or "
                          "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (OAuth install)."))
    # Answers run in threads of this process unless `partnerhub serve` sets processes.
    rt = attach(app, Runtime(settings=settings, engine=engine, oauth=oauth_mode(settings),
                             answers=answers.ThreadAnswers()))
    errors.install(app, rt)
    lifecycle.register(app)  # app_uninstalled, tokens_revoked (instead of bolt's defaults)
    commands.register(app)
    for module in LISTENERS:
        module.register(app)
    fallback.register(app)
    return app
