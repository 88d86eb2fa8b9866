"""Multi-workspace OAuth: bolt's installation and state stores, in our database.

The tables are ``SlackInstallation`` and ``SlackOAuthState`` of ``models/operations.py`` (so
``partnerhub db upgrade`` makes them). Tokens are encrypted at rest by the columns'
type (``partnerhub_core.secrets.EncryptedString``), so ``seal``/``unseal`` pass them
through unchanged; they remain the one place a token crosses this module. The queries are
``partnerhub_core/installations.py``'s; this module maps rows to the Slack SDK's objects.
"""
from __future__ import annotations

import asyncio
import copy
import logging
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Optional

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy.engine import Engine

from partnerhub_core import installations
from partnerhub_core.db import session_scope
from partnerhub_core.models import SlackInstallation, utcnow

log = logging.getLogger("partnerhub.installation")

STATE_SECONDS = 600
# bolt asks for the installation before every ack in OAuth mode (its authorize middleware):
# answered from memory for this long, so an ack waits on no query and no thread hop. A
# save or delete through this store empties the cache at once; another web process's
# (a second replica's) is seen within this time.
CACHE_SECONDS = 30.0


def seal(token: Optional[str]) -> Optional[str]:
    """A token on its way into the database."""
    return token


def unseal(stored: Optional[str]) -> Optional[str]:
    """A token on its way out of the database."""
    return stored


def _ts(value) -> Optional[datetime]:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(float(value), tz=timezone.utc)


def _epoch(value: Optional[datetime]) -> Optional[int]:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp())


class DatabaseInstallationStore(AsyncInstallationStore):
    """Installations per (client id, enterprise, team); the newest row of a team is its bot."""

    def __init__(self, engine: Engine, client_id: str, cache_seconds: float = CACHE_SECONDS):
        self.engine = engine
        self.client_id = client_id
        self._logger = log
        self.cache_seconds = cache_seconds
        self._cache: dict[tuple, tuple[float, object]] = {}
        self._generation = 0  # a write since a lookup began: its answer is not kept

    @property
    def logger(self):
        return self._logger

    # --- sync API (tests, CLI) ---------------------------------------------------------
    def save(self, installation: Installation) -> None:
        row = SlackInstallation(
            client_id=self.client_id,
            app_id=installation.app_id,
            enterprise_id=installation.enterprise_id or "",
            team_id=installation.team_id or "",
            is_enterprise_install=bool(installation.is_enterprise_install),
            user_id=installation.user_id,
            bot_id=installation.bot_id,
            bot_user_id=installation.bot_user_id,
            bot_scopes=",".join(installation.bot_scopes or []),
            user_scopes=",".join(installation.user_scopes or []),
            bot_token=seal(installation.bot_token),
            bot_refresh_token=seal(installation.bot_refresh_token),
            bot_token_expires_at=_ts(installation.bot_token_expires_at),
            user_token=seal(installation.user_token),
            user_refresh_token=seal(installation.user_refresh_token),
            user_token_expires_at=_ts(installation.user_token_expires_at),
            details={
                "enterprise_name": installation.enterprise_name,
                "enterprise_url": installation.enterprise_url,
                "team_name": installation.team_name,
                "token_type": installation.token_type,
                "incoming_webhook_channel": installation.incoming_webhook_channel,
                "incoming_webhook_channel_id": installation.incoming_webhook_channel_id,
            },
            installed_at=_ts(installation.installed_at) or utcnow(),
        )
        with session_scope(self.engine) as session:
            installations.add(session, row)

    def save_bot(self, bot: Bot) -> None:
        # Token rotation refreshes the bot: update the newest installation of the team.
        with session_scope(self.engine) as session:
            row = self._newest(session, bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
            if row is None:
                return
            row.bot_token = seal(bot.bot_token)
            row.bot_refresh_token = seal(bot.bot_refresh_token)
            row.bot_token_expires_at = _ts(bot.bot_token_expires_at)
            session.add(row)

    def _newest(self, session, enterprise_id, team_id, is_enterprise_install, user_id=None, with_bot_token=False):
        return installations.newest(session, client_id=self.client_id, enterprise_id=enterprise_id, team_id=team_id,
                                    is_enterprise_install=is_enterprise_install, user_id=user_id,
                                    with_bot_token=with_bot_token)

    def find_bot(self, *, enterprise_id, team_id, is_enterprise_install=False) -> Optional[Bot]:
        with session_scope(self.engine) as session:
            row = self._newest(session, enterprise_id, team_id, is_enterprise_install, with_bot_token=True)
            if row is None:
                return None
            return Bot(
                app_id=row.app_id,
                enterprise_id=row.enterprise_id or None,
                team_id=row.team_id or None,
                team_name=(row.details or {}).get("team_name"),
                bot_token=unseal(row.bot_token),
                bot_id=row.bot_id,
                bot_user_id=row.bot_user_id,
                bot_scopes=row.bot_scopes,
                bot_refresh_token=unseal(row.bot_refresh_token),
                bot_token_expires_at=_epoch(row.bot_token_expires_at),
                is_enterprise_install=row.is_enterprise_install,
                installed_at=float(_epoch(row.installed_at)),  # slack_sdk takes a float, not an int
            )

    def find_installation(self, *, enterprise_id, team_id, user_id=None,
                          is_enterprise_install=False) -> Optional[Installation]:
        with session_scope(self.engine) as session:
            row = self._newest(session, enterprise_id, team_id, is_enterprise_install, user_id)
            if row is None:
                return None
            # Without a user the row is the newest already: no second query.
            newest = row if user_id is None else self._newest(session, enterprise_id, team_id,
                                                               is_enterprise_install)
            details = row.details or {}
            installation = Installation(
                app_id=row.app_id,
                enterprise_id=row.enterprise_id or None,
                enterprise_name=details.get("enterprise_name"),
                enterprise_url=details.get("enterprise_url"),
                team_id=row.team_id or None,
                team_name=details.get("team_name"),
                bot_token=unseal(row.bot_token),
                bot_id=row.bot_id,
                bot_user_id=row.bot_user_id,
                bot_scopes=row.bot_scopes,
                bot_refresh_token=unseal(row.bot_refresh_token),
                bot_token_expires_at=_epoch(row.bot_token_expires_at),
                user_id=row.user_id,
                user_token=unseal(row.user_token),
                user_scopes=row.user_scopes,
                user_refresh_token=unseal(row.user_refresh_token),
                user_token_expires_at=_epoch(row.user_token_expires_at),
                incoming_webhook_channel=details.get("incoming_webhook_channel"),
                incoming_webhook_channel_id=details.get("incoming_webhook_channel_id"),
                is_enterprise_install=row.is_enterprise_install,
                token_type=details.get("token_type"),
                installed_at=float(_epoch(row.installed_at)),  # slack_sdk takes a float, not an int
            )
            if user_id is not None and newest is not None and newest.id != row.id:
                # The user's own row may hold an old bot token; the newest bot wins.
                installation.bot_token = unseal(newest.bot_token)
                installation.bot_id = newest.bot_id
                installation.bot_user_id = newest.bot_user_id
                installation.bot_scopes = newest.bot_scopes.split(",") if newest.bot_scopes else []
                installation.bot_refresh_token = unseal(newest.bot_refresh_token)
                installation.bot_token_expires_at = _epoch(newest.bot_token_expires_at)
            return installation

    def delete_bot(self, *, enterprise_id, team_id) -> None:
        with session_scope(self.engine) as session:
            installations.clear_bot_tokens(session, client_id=self.client_id, enterprise_id=enterprise_id,
                                           team_id=team_id)

    def delete_installation(self, *, enterprise_id, team_id, user_id=None) -> None:
        with session_scope(self.engine) as session:
            installations.delete_installations(session, client_id=self.client_id, enterprise_id=enterprise_id,
                                               team_id=team_id, user_id=user_id)

    # --- bolt's async API (the ack path in OAuth mode: cached, see CACHE_SECONDS) --------
    def _cached(self, key: tuple):
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.cache_seconds:
            # bolt edits the installation it is given (it drops another user's token): a copy.
            return True, copy.copy(hit[1])
        return False, None

    def _remember(self, key: tuple, found, generation: int) -> None:
        if generation != self._generation:  # read before a write of this process finished
            return
        if len(self._cache) > 10_000:  # bounded: one entry per workspace (and user) seen
            self._cache.clear()
        self._cache[key] = (time.monotonic(), copy.copy(found))

    def forget(self) -> None:
        """Empty the cache: every write through this store calls it."""
        self._generation += 1
        self._cache.clear()

    async def async_save(self, installation: Installation):
        self.forget()
        await asyncio.to_thread(self.save, installation)
        self.forget()

    async def async_save_bot(self, bot: Bot):
        self.forget()
        await asyncio.to_thread(self.save_bot, bot)
        self.forget()

    async def async_find_bot(self, *, enterprise_id, team_id, is_enterprise_install=False):
        key = ("bot", enterprise_id, team_id, bool(is_enterprise_install))
        known, found = self._cached(key)
        if known:
            return found
        generation = self._generation
        found = await asyncio.to_thread(self.find_bot, enterprise_id=enterprise_id, team_id=team_id,
                                        is_enterprise_install=is_enterprise_install)
        self._remember(key, found, generation)
        return found

    async def async_find_installation(self, *, enterprise_id, team_id, user_id=None,
                                      is_enterprise_install=False):
        key = ("installation", enterprise_id, team_id, user_id, bool(is_enterprise_install))
        known, found = self._cached(key)
        if known:
            return found
        generation = self._generation
        found = await asyncio.to_thread(self.find_installation, enterprise_id=enterprise_id, team_id=team_id,
                                        user_id=user_id, is_enterprise_install=is_enterprise_install)
        self._remember(key, found, generation)
        return found

    async def async_delete_bot(self, *, enterprise_id, team_id):
        self.forget()
        await asyncio.to_thread(self.delete_bot, enterprise_id=enterprise_id, team_id=team_id)
        self.forget()

    async def async_delete_installation(self, *, enterprise_id, team_id, user_id=None):
        self.forget()
        await asyncio.to_thread(self.delete_installation, enterprise_id=enterprise_id, team_id=team_id,
                                user_id=user_id)
        self.forget()


class DatabaseStateStore(AsyncOAuthStateStore):
    """One-time OAuth state values with an expiry (consumed once, then gone)."""

    def __init__(self, engine: Engine, expiration_seconds: int = STATE_SECONDS):
        self.engine = engine
        self.expiration_seconds = expiration_seconds
        self._logger = log

    @property
    def logger(self):
        return self._logger

    def issue(self, *, now: datetime | None = None) -> str:
        state = secrets.token_urlsafe(32)
        now = now or utcnow()
        with session_scope(self.engine) as session:
            installations.issue_state(session, state=state, now=now,
                                      expires_at=now + timedelta(seconds=self.expiration_seconds))
        return state

    def consume(self, state: str, *, now: datetime | None = None) -> bool:
        """True for exactly one caller per issued, unexpired state, however many race: the
        DELETE is the test, and only the transaction that deleted the row sees rowcount 1."""
        now = now or utcnow()
        if not isinstance(state, str) or not state or len(state) > 200:
            return False
        with session_scope(self.engine) as session:
            return installations.consume_state(session, state=state, now=now)

    async def async_issue(self, *args, **kwargs) -> str:
        return await asyncio.to_thread(self.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.consume, state)
