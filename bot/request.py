"""A request from Slack becomes a ``Ctx``: the workspace's partner (via ``Workspace``), the
Slack user's ``PartnerAdmin`` as an ``auth.Actor``, the language, ``as_of`` from
``settings.today()``, a sync ``WebClient`` for this workspace, and a database session.

``request_info`` gathers what the async side knows (ids, token, ``users.info``);
``build_ctx`` turns it into a ``Ctx`` inside the handler's transaction. Import these from
``bot.context`` (which re-exports them) or from here.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import render as _render
from bot.runtime import AfterCommit, Runtime
from bot.slack_client import web_client
from partnerhub_core import channel_scope, i18n, request_context
from partnerhub_core.auth import Actor
from partnerhub_core.channel_scope import Scope
from partnerhub_core.errors import NotAllowed, NotSetUp
from partnerhub_core.i18n import N_
from partnerhub_core.i18n.resolve import resolve_locale
from partnerhub_core.models import Partner, PartnerAdmin, Workspace
from partnerhub_core.settings import Settings

log = logging.getLogger("partnerhub.bot")


# ---------------------------------------------------------------------------------
# The context
# ---------------------------------------------------------------------------------
@dataclass
class Ctx:
    settings: Settings
    session: Session
    client: WebClient  # sync, this workspace's bot token; use from the handler's thread
    team_id: str
    enterprise_id: str
    user_id: str
    channel_id: str | None
    as_of: date
    now: datetime
    locale: str
    workspace: Workspace | None
    partner: Partner | None
    admin: PartnerAdmin | None
    slack_user: dict  # users.info "user" (name, real_name, tz, locale, profile.email), may be {}
    body: dict  # the raw Slack payload
    text: str = ""  # the slash command's text after the subcommand word
    # True while a "Share in channel" press re-runs a command: its files go to the channel.
    shared: bool = False
    files_dm: str | None = None  # the person's DM with the bot, once files went there
    # The channel's scope (partnerhub_core/channel_scope.py); None in a DM or an unbound channel.
    channel_scope: Scope | None = None
    _scope_ids: frozenset[int] | None = field(default=None, repr=False)
    scope_said: bool = False  # the answer already names the scope: no footer (bot/scope_note.py)
    after_commit_hooks: list[AfterCommit] = field(default_factory=list, repr=False)

    def after_commit(self, hook: AfterCommit) -> None:
        """Run ``hook(session_factory)`` once this request's transaction has committed (never
        after a rollback), in the handler's thread, before the reply is delivered: e.g. push
        a change to Webex. ``session_factory()`` opens a new transaction (``session_scope``).
        A returned text (already translated) is added to the reply as a short note; a hook
        that raises is logged with a reference and cannot undo what was committed."""
        self.after_commit_hooks.append(hook)

    @property
    def actor(self) -> Actor:
        """The caller as a partner admin; a polite error when the workspace or person is unknown."""
        if self.partner is None:
            raise NotSetUp(N_("This Slack workspace is not linked to a partner organization yet."))
        if self.admin is None:
            raise NotAllowed(
                N_("You are not a partner admin of {partner} yet. Ask a full partner admin to add you "
                   "with /partnerhub setup."),
                partner=self.partner.name,
            )
        actor = Actor.for_admin(self.admin, label=f"slack:{self.user_id}")
        if self.channel_scope is None:
            return actor
        if self._scope_ids is None:  # once per request: every read intersects with these
            self._scope_ids = channel_scope.customer_ids(self.session, partner_id=actor.partner_id,
                                                         scope=self.channel_scope)
        return replace(actor, within=self._scope_ids)

    @property
    def partner_id(self) -> int:
        return self.actor.partner_id

    def _(self, message: str, **params) -> str:
        text = i18n.translations(self.locale).gettext(message)
        if not params:
            return text
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text

    def render(self, template: str, **values) -> dict:
        return _render.render(template, locale=self.locale, **values)

    @property
    def metadata(self) -> dict:
        """A view's private_metadata as JSON (``{}`` when absent or not JSON)."""
        raw = (self.body.get("view") or {}).get("private_metadata") or ""
        try:
            value = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def choose_locale(admin: PartnerAdmin | None, slack_user: dict, workspace: Workspace | None) -> str:
    """A personal choice wins, then the Slack client's language, then the workspace's
    (the rule of ``i18n.resolve``)."""
    return resolve_locale(
        user_override=admin.language if admin is not None else None,
        slack_locale=slack_user.get("locale"),
        workspace_default=workspace.default_language if workspace is not None else None,
    )


@dataclass
class RequestInfo:
    """What the async part learns about a request before the thread runs."""

    team_id: str
    enterprise_id: str
    user_id: str
    channel_id: str | None
    bot_token: str | None
    slack_user: dict
    body: dict
    text: str = ""
    response_url: str | None = None  # answer there (commands, buttons)


def is_dm(channel_id: str | None, body: dict | None = None) -> bool:
    """The person's DM with the bot (ids start with D; the payload may say so too)."""
    body = body or {}
    return bool(channel_id) and (channel_id.startswith("D") or body.get("channel_name") == "directmessage"
                                 or (body.get("event") or {}).get("channel_type") == "im")


def build_ctx(rt: Runtime, session: Session, info: RequestInfo) -> Ctx:
    # Workspace, partner, admin and channel scope in one round trip (partnerhub_core/request_context.py).
    found = request_context.load(session, team_id=info.team_id, enterprise_id=info.enterprise_id,
                                 slack_user_id=info.user_id, channel_id=info.channel_id,
                                 dm=is_dm(info.channel_id, info.body))
    return Ctx(
        settings=rt.settings,
        session=session,
        client=web_client(rt.settings, info.bot_token),
        team_id=info.team_id,
        enterprise_id=info.enterprise_id,
        user_id=info.user_id,
        channel_id=info.channel_id,
        as_of=rt.settings.today(),
        now=rt.settings.now(),
        locale=choose_locale(found.admin, info.slack_user, found.workspace),
        workspace=found.workspace,
        partner=found.partner,
        admin=found.admin,
        slack_user=info.slack_user,
        body=info.body,
        text=info.text,
        channel_scope=found.scope,
    )


async def request_info(rt: Runtime, body: dict, context: Any, client: Any, text: str = "") -> RequestInfo:
    team_id = context.get("team_id") or body.get("team_id") or (body.get("team") or {}).get("id") or ""
    enterprise_id = context.get("enterprise_id") or body.get("enterprise_id") or ""
    user_id = context.get("user_id") or body.get("user_id") or (body.get("user") or {}).get("id") or ""
    channel_id = context.get("channel_id") or body.get("channel_id") or (body.get("channel") or {}).get("id")
    return RequestInfo(
        team_id=team_id,
        enterprise_id=enterprise_id,
        user_id=user_id,
        channel_id=channel_id,
        bot_token=context.get("bot_token"),
        slack_user=await slack_user(rt, client, team_id, user_id),
        body=body,
        text=text,
    )


async def slack_user(rt: Runtime, client: Any, team_id: str, user_id: str) -> dict:
    """users.info with the locale, cached for a few minutes; {} when Slack will not say."""
    if not user_id or client is None:
        return {}
    cached = rt.cached_user(team_id, user_id)
    if cached is not None:
        return cached
    try:
        response = await client.users_info(user=user_id, include_locale=True)
        info = dict(response.get("user") or {})
    except SlackApiError as exc:
        log.info("users.info failed for %s: %s", user_id, exc.response.get("error") if exc.response else exc)
        info = {}
    except Exception:  # noqa: BLE001 - the language is a nicety; the request goes on
        log.warning("users.info failed for %s", user_id, exc_info=True)
        info = {}
    rt.remember_user(team_id, user_id, info)
    return info
