"""The install lifecycle: Slack tells us the app was uninstalled or its tokens revoked.

- ``app_uninstalled``: every installation row of the workspace goes (bot and user
  tokens), and every schedule that posts there is stopped with the reason.
- ``tokens_revoked``: revoked user tokens are cleared; a revoked bot token is cleared and
  the workspace's schedules are stopped as above (nothing could post anyway).

The partner's own data stays (customers, tags, schedules — disabled, not deleted — and
the workspace link, so a reinstall picks up where it was). Deleting a partner's data is
``partnerhub purge``. These replace bolt's ``enable_token_revocation_listeners``, which
would delete the installer's whole row (our rows hold the bot and the user token
together) and knows nothing of schedules.
"""
from __future__ import annotations

import asyncio
import logging

from slack_bolt.async_app import AsyncApp
from bot.context import runtime
from partnerhub_core.db import session_scope
from partnerhub_core.i18n import N_
from partnerhub_core.installations import clear_user_tokens, stop_workspace_schedules  # noqa: F401 - importable here
from partnerhub_core.logging import event
from partnerhub_core.models import utcnow

log = logging.getLogger("partnerhub.lifecycle")

UNINSTALLED = N_("The app was uninstalled from this Slack workspace.")
BOT_REVOKED = N_("The app's access to this Slack workspace was revoked.")


def _ids(body: dict, context) -> tuple[str, str]:
    team_id = body.get("team_id") or context.get("team_id") or ""
    enterprise_id = body.get("enterprise_id") or context.get("enterprise_id") or ""
    return team_id, enterprise_id


def register(app: AsyncApp) -> None:
    rt = runtime(app)

    def _stop(team_id: str, enterprise_id: str, reason: str, label: str) -> list[int]:
        with session_scope(rt.engine) as session:
            return stop_workspace_schedules(session, team_id=team_id, enterprise_id=enterprise_id,
                                            reason=reason, now=utcnow(), label=label)

    @app.event("app_uninstalled")
    async def on_app_uninstalled(ack, body, context):
        await ack()
        rt.after_ack(_uninstalled(body, context))

    async def _uninstalled(body, context) -> None:
        team_id, enterprise_id = _ids(body, context)
        store = app.installation_store
        if store is not None:
            await store.async_delete_installation(enterprise_id=enterprise_id or None, team_id=team_id)
        stopped = await asyncio.to_thread(_stop, team_id, enterprise_id, UNINSTALLED, "system:app_uninstalled")
        event(log, "app_uninstalled", level=logging.WARNING, workspace=team_id, enterprise=enterprise_id or None,
              schedules_stopped=len(stopped), installation_store=store is not None)

    @app.event("tokens_revoked")
    async def on_tokens_revoked(ack, body, context, event: dict):  # noqa: A002 - bolt's argument name
        await ack()
        rt.after_ack(_revoked(body, context, event))

    async def _revoked(body, context, event: dict) -> None:  # noqa: A002
        team_id, enterprise_id = _ids(body, context)
        tokens = event.get("tokens") or {}
        users = [u for u in tokens.get("oauth") or [] if u]
        bots = [b for b in tokens.get("bot") or [] if b]
        store = app.installation_store
        cleared = 0
        if users and store is not None:
            client_id = getattr(store, "client_id", None)

            def _clear() -> int:
                with session_scope(rt.engine) as session:
                    return clear_user_tokens(session, client_id=client_id, team_id=team_id,
                                             enterprise_id=enterprise_id, user_ids=users)

            cleared = await asyncio.to_thread(_clear)
        stopped: list[int] = []
        if bots:
            if store is not None:
                await store.async_delete_bot(enterprise_id=enterprise_id or None, team_id=team_id)
            stopped = await asyncio.to_thread(_stop, team_id, enterprise_id, BOT_REVOKED, "system:tokens_revoked")
        _log_event("tokens_revoked", workspace=team_id, enterprise=enterprise_id or None,
                   user_tokens_cleared=cleared, bot_revoked=bool(bots), schedules_stopped=len(stopped))


def _log_event(name: str, **fields) -> None:
    event(log, name, level=logging.WARNING, **fields)
