"""Per-request context and the wrapper every listener runs in.

A request from Slack becomes a ``Ctx``: the workspace's partner (via ``Workspace``), the
Slack user's ``PartnerAdmin`` as an ``auth.Actor``, the language, ``as_of`` from
``settings.today()``, a sync ``WebClient`` for this workspace, and a database session.

Listeners are plain sync functions ``handler(ctx, ...) -> reply``; ``on_action``,
``on_view``, ``on_event`` (and ``commands`` for /partnerhub) register them so that:

1. the request is acknowledged first (Slack waits 3 s; nothing slow happens before),
2. the handler runs away from the event loop — in an answer process of ``partnerhub
   serve`` or an answer thread (``bot/answers.py``) — inside one transaction: commit on
   success, roll back on error, close — the wrapper owns it, services never commit;
   then the steps the handler queued with ``ctx.after_commit`` (pushes to Webex) run,
3. its reply is delivered after the commit, from the same thread or process: a message
   dict goes to the request's response_url or, without one, as an ephemeral message /
   DM; ``Modal`` opens a modal with the trigger id; ``Home`` publishes the App Home;
   ``ViewUpdate`` updates a view,
4. a typed core error becomes a polite localized message (``bot/errors.py``); anything
   else is logged with a reference the user is given.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import errors
from bot import render as _render
from bot import values as _values
from bot.events import first_delivery
from bot.slack_client import web_client, webhook_client
from partnerhub_core import i18n
from partnerhub_core.auth import Actor
from partnerhub_core.db import session_scope
from partnerhub_core.errors import BadInput, NotAllowed, NotSetUp, PartnerHubError
from partnerhub_core.i18n import N_
from partnerhub_core.i18n.resolve import resolve_locale
from partnerhub_core.models import Partner, PartnerAdmin, Workspace
from partnerhub_core.settings import Settings

log = logging.getLogger("partnerhub.bot")

USER_CACHE_SECONDS = 600


# ---------------------------------------------------------------------------------
# Replies a handler can return (a plain dict is a message)
# ---------------------------------------------------------------------------------
@dataclass
class Modal:
    """Open (or, with ``push``, stack) a modal with the request's trigger id."""

    view: dict
    push: bool = False


@dataclass
class Home:
    """Publish this App Home view for the requesting user."""

    view: dict


@dataclass
class ViewUpdate:
    """Replace an open view (``view_id`` from the action's body)."""

    view: dict
    view_id: str


Reply = dict | Modal | Home | ViewUpdate | None
AfterCommit = Callable[[Callable[[], Any]], "str | None"]


# ---------------------------------------------------------------------------------
# The app's runtime: what every listener shares
# ---------------------------------------------------------------------------------
@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    oauth: bool = False
    router: Any = None  # bot.commands.Router, set by build_app
    # The bot.answers runner, set by whoever builds the app (build_app: threads; `partnerhub
    # serve`: processes). Never imported here: the runner calls this module, not the reverse.
    answers: Any = None
    handlers: dict[str, Callable[..., Reply]] = field(default_factory=dict)
    _keys: dict[int, str] = field(default_factory=dict)
    _users: dict[tuple[str, str], tuple[float, dict]] = field(default_factory=dict)
    _after_ack: set[asyncio.Task] = field(default_factory=set)

    def after_ack(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run ``work`` after this request's HTTP answer. The app is built with
        ``process_before_response=True``: bolt answers Slack as soon as the listener
        returns, instead of polling every 10 ms for the ack while the listener goes on. So
        a listener acks, schedules the rest here, and returns. The task is kept (the loop
        holds tasks weakly) and the graceful shutdown waits for it."""
        task = asyncio.get_running_loop().create_task(work)
        self._after_ack.add(task)
        task.add_done_callback(self._after_ack_done)
        return task

    def _after_ack_done(self, task: asyncio.Task) -> None:
        self._after_ack.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("work after the ack failed", exc_info=task.exception())

    def register_handler(self, handler: Callable[..., Reply]) -> str:
        """Name a handler by where it is defined, so that an answer process, which builds
        the same app, finds the same function under the same key. Registering happens
        while the app is built, in the same order in every process."""
        known = self._keys.get(id(handler))
        if known is not None:
            return known
        key = base = f"{handler.__module__}:{handler.__qualname__}"
        n = 1
        while key in self.handlers:  # two closures of one function (e.g. made in a loop)
            n += 1
            key = f"{base}#{n}"
        self.handlers[key] = handler
        self._keys[id(handler)] = key
        return key

    def handler_key(self, handler: Callable[..., Reply]) -> str | None:
        return self._keys.get(id(handler))

    def answer_runner(self) -> Any:
        if self.answers is None:
            raise RuntimeError("this Runtime has no answer runner: build the app with bot.app.build_app")
        return self.answers

    def cached_user(self, team_id: str, user_id: str) -> dict | None:
        hit = self._users.get((team_id, user_id))
        if hit and time.monotonic() - hit[0] < USER_CACHE_SECONDS:
            return hit[1]
        return None

    def remember_user(self, team_id: str, user_id: str, info: dict) -> None:
        if len(self._users) > 5000:  # bounded: a big org should not grow this forever
            self._users.clear()
        self._users[(team_id, user_id)] = (time.monotonic(), info)


def attach(app: AsyncApp, runtime: Runtime) -> Runtime:
    app._partnerhub_runtime = runtime  # noqa: SLF001 - one per app, never per request
    return runtime


def runtime(app: AsyncApp) -> Runtime:
    return app._partnerhub_runtime  # noqa: SLF001


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
        return Actor.for_admin(self.admin, label=f"slack:{self.user_id}")

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


def find_workspace(session: Session, team_id: str, enterprise_id: str) -> Workspace | None:
    return session.exec(
        select(Workspace).where(Workspace.team_id == (team_id or ""),
                                Workspace.enterprise_id == (enterprise_id or ""))
    ).first()


def find_admin(session: Session, partner_id: int, slack_user_id: str) -> PartnerAdmin | None:
    return session.exec(
        select(PartnerAdmin).where(PartnerAdmin.partner_id == partner_id,
                                   PartnerAdmin.slack_user_id == slack_user_id)
        .order_by(PartnerAdmin.id)
    ).first()


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


def build_ctx(rt: Runtime, session: Session, info: RequestInfo) -> Ctx:
    workspace = find_workspace(session, info.team_id, info.enterprise_id)
    partner = session.get(Partner, workspace.partner_id) if workspace else None
    admin = find_admin(session, partner.id, info.user_id) if partner and info.user_id else None
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
        locale=choose_locale(admin, info.slack_user, workspace),
        workspace=workspace,
        partner=partner,
        admin=admin,
        slack_user=info.slack_user,
        body=info.body,
        text=info.text,
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


# ---------------------------------------------------------------------------------
# Running a handler and delivering its reply
# ---------------------------------------------------------------------------------
def run_in_transaction(rt: Runtime, info: RequestInfo, handler: Callable[..., Reply], *args) -> tuple[Reply, str]:
    """Thread side: one transaction around the handler. Returns (reply, locale)."""
    locale = choose_locale(None, info.slack_user, None)
    try:
        with session_scope(rt.engine) as session:
            ctx = build_ctx(rt, session, info)
            locale = ctx.locale
            reply = handler(ctx, *args)
        return with_notes(reply, run_after_commit(rt, ctx), locale), locale
    except PartnerHubError as exc:
        if isinstance(exc, errors.OPERATOR_ERRORS):  # a stored token no key can read
            errors.alert_operator_once(f"{info.enterprise_id or ''}/{info.team_id or ''}", exc)
        return errors.error_message(exc, locale, setup_possible=True), locale
    except Exception:  # noqa: BLE001 - the one place that turns a bug into a polite answer
        ref = uuid.uuid4().hex[:8]
        log.exception("handler %s failed (ref %s)", getattr(handler, "__name__", handler), ref)
        return errors.unexpected_message(ref, locale), locale


def run_after_commit(rt: Runtime, ctx: Ctx) -> list[str]:
    """The hooks a committed request registered, in order; their notes for the person."""
    notes: list[str] = []
    for hook in ctx.after_commit_hooks:
        try:
            note = hook(partial(session_scope, rt.engine))
        except Exception:  # noqa: BLE001 - the change is committed; say so, never lose the reply
            ref = uuid.uuid4().hex[:8]
            log.exception("after-commit step %s failed (ref %s)", getattr(hook, "__name__", hook), ref)
            note = ctx._(N_("Saved. A follow-up step failed; if it matters, give your administrator "
                            "this reference: {ref}"), ref=ref)
        if note:
            notes.append(note)
    return notes


def with_notes(reply: Reply, notes: list[str], locale: str) -> Reply:
    """A message reply with the notes added at the end (a reply with nothing to show
    becomes the notes). Modals and views have no room for them: logged only."""
    if not notes:
        return reply
    note = _render.render("notice.json.j2", locale=locale, text="\n".join(notes))
    if reply is None:
        return note
    if not isinstance(reply, dict):
        log.info("notes after commit not shown with a %s reply: %s", type(reply).__name__, notes)
        return reply
    merged = dict(reply)
    blocks = list(reply.get("blocks") or [])
    if blocks:
        room = _render.MAX_MESSAGE_BLOCKS - len(note["blocks"])
        merged["blocks"] = blocks[:room] + note["blocks"]
    merged["text"] = ((reply.get("text") or "") + "\n" + note["text"]).strip()[:3000]
    return merged


def answer(rt: Runtime, info: RequestInfo, handler: Callable[..., Reply], args: tuple,
           replace_original: bool = False) -> None:
    """The whole work after the ack, in an answer thread or process (``bot/answers.py``):
    the handler in its transaction, then its reply delivered."""
    reply, locale = run_in_transaction(rt, info, handler, *args)
    deliver(reply, rt=rt, info=info, locale=locale, replace_original=replace_original)


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
