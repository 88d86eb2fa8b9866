"""The Slack side of "which language": a user's Slack locale (``users.info`` with
``include_locale``), cached per user, and the choice for one reply.

The rules live in ``partnerhub_core.i18n.resolve`` (the person's own choice, then their
Slack locale, then the workspace default, then English). Requests get the Slack user from
``bot.context`` (it already calls ``users.info`` for the request); this module serves the
places without a request — the worker sending a scheduled report to someone's DM — and
the language command, which shows how the language was chosen.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from partnerhub_core.i18n.preferences import stored_languages
from partnerhub_core.i18n.resolve import LocaleCache, LocaleChoice, choose_locale
from partnerhub_core.models import PartnerAdmin, Workspace

log = logging.getLogger("partnerhub.bot")

# A person's Slack language rarely changes; users.info is rate limited (Tier 4).
LOCALE_TTL = timedelta(hours=6)
# When Slack refuses (missing scope, deleted user), ask again later, not on every message.
REFUSED_TTL = timedelta(minutes=10)

_cache = LocaleCache(ttl=LOCALE_TTL)


def slack_locale(client: Any, *, team_id: str, user_id: str, now: datetime,
                 cache: LocaleCache = _cache) -> str | None:
    """The Slack locale of a user ("pt-BR"), or None; one ``users.info`` per user per TTL.

    ``client`` is a sync ``slack_sdk.WebClient`` with the workspace's bot token. A Slack
    error never fails the caller: the reply is simply not in the user's Slack language.
    """
    if not user_id:
        return None
    key = (team_id or "", user_id)
    hit, value = cache.get(key, now=now)
    if hit:
        return value
    try:
        response = client.users_info(user=user_id, include_locale=True)
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else str(exc)
        log.info("users.info refused for %s: %s", user_id, error)
        cache.put(key, None, now=now, ttl=REFUSED_TTL)
        return None
    except Exception:  # noqa: BLE001 - network trouble: answer in the default, retry next time
        log.warning("users.info failed for %s", user_id, exc_info=True)
        return None
    value = (response.get("user") or {}).get("locale") or None
    cache.put(key, value, now=now)
    return value


def remember(team_id: str, user_id: str, locale: str | None, *, now: datetime,
             cache: LocaleCache = _cache) -> None:
    """Feed a locale learnt elsewhere (a request's users.info) into the cache."""
    cache.put((team_id or "", user_id), locale, now=now)


def request_locale(*, admin: PartnerAdmin | None, slack_user: dict | None,
                   workspace: Workspace | None) -> LocaleChoice:
    """The language of a reply to this person, and where it came from."""
    return choose_locale(
        user_override=admin.language if admin is not None else None,
        slack_locale=(slack_user or {}).get("locale"),
        workspace_default=workspace.default_language if workspace is not None else None,
    )


def locale_for_user(session: Session, client: Any, *, partner_id: int | None, team_id: str,
                    enterprise_id: str = "", user_id: str, now: datetime,
                    cache: LocaleCache = _cache) -> LocaleChoice:
    """Outside a request (the worker's DMs): stored choices, then Slack, then defaults."""
    stored = stored_languages(session, partner_id=partner_id, slack_user_id=user_id, team_id=team_id,
                              enterprise_id=enterprise_id)
    if stored.user:
        # The person chose: no need to ask Slack.
        return choose_locale(user_override=stored.user, slack_locale=None, workspace_default=stored.workspace)
    return choose_locale(
        user_override=None,
        slack_locale=slack_locale(client, team_id=team_id, user_id=user_id, now=now, cache=cache),
        workspace_default=stored.workspace,
    )
