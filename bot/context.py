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

The parts live in their own modules, all re-exported here (import from ``bot.context``):
``bot/runtime.py`` (replies, ``Runtime``), ``bot/request.py`` (``Ctx``, ``RequestInfo``,
``build_ctx``), ``bot/replying.py`` (``deliver``), ``bot/listening.py`` (``on_action``,
``on_view``, ``on_event``, ``handle``). This module runs a handler in its transaction
(``run_in_transaction``, ``answer``).
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import partial

from bot import errors
from bot import render as _render
from bot import scope_note
from bot.listening import handle, on_action, on_event, on_view, stale_input, view_values
from bot.replying import _metadata_channel, deliver, open_modal, say_message
from bot.request import (
    Ctx,
    RequestInfo,
    build_ctx,
    choose_locale,
    request_info,
    slack_user,
)
from bot.runtime import USER_CACHE_SECONDS, AfterCommit, Home, Modal, Reply, Runtime, ViewUpdate, attach, runtime
from partnerhub_core.db import session_scope
from partnerhub_core.errors import PartnerHubError
from partnerhub_core.i18n import N_

__all__ = [
    "USER_CACHE_SECONDS", "AfterCommit", "Ctx", "Home", "Modal", "Reply", "RequestInfo", "Runtime", "ViewUpdate",
    "_metadata_channel", "answer", "attach", "build_ctx", "choose_locale", "deliver", "handle", "on_action",
    "on_event", "on_view", "open_modal", "request_info",
    "run_after_commit", "run_in_transaction", "runtime", "say_message", "slack_user", "stale_input",
    "view_values", "with_notes",
]

log = logging.getLogger("partnerhub.bot")


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
            reply = scope_note.with_footer(ctx, handler(ctx, *args))
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
