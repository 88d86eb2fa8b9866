"""The one slash command, ``/partnerhub``, and its subcommands.

Features add subcommands from their ``register(app)``::

    from bot.commands import subcommand

    def register(app):
        @subcommand(app, "customer", aliases=("c", "lookup"),
                    usage=N_("customer <name or org id>"),
                    help=N_("Look up a customer: statuses, subscriptions, trial, tags."),
                    group=N_("Customers"))
        def lookup(ctx, args):            # runs in a thread, inside one transaction
            card = customers.lookup_customer(session=ctx.session, actor=ctx.actor, ...)
            return ctx.render("customer_card.json.j2", card=card)

The router acknowledges at once (an empty ack, well inside Slack's 3 seconds), then hands
the handler to the answer runner (``bot/answers.py``), which answers through the
command's response_url. ``args`` are the
words after the subcommand (quotes group words: ``tag add "Key accounts" Acme``);
``ctx.text`` is the same text unsplit. An unknown word gets a short usage with "did you
mean"; a workspace not linked yet gets the setup prompt for every subcommand that needs a
partner (``needs_partner=True``, the default).
"""
from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp

from bot.context import Ctx, Reply, handle, on_action, runtime
from bot.ids import ActionId
from partnerhub_core.errors import BadInput, NotSetUp
from partnerhub_core.i18n import N_
from partnerhub_core.models import search_key

COMMAND = "/partnerhub"
MAX_TEXT = 1000  # longer input is a paste gone wrong, not a command


@dataclass(frozen=True)
class Subcommand:
    name: str
    handler: Callable[[Ctx, list[str]], Reply]
    usage: str  # msgid, without the "/partnerhub " prefix: "customer <name or org id>"
    help: str  # msgid, one line
    aliases: tuple[str, ...] = ()
    group: str = N_("General")  # msgid; help lists subcommands by group
    needs_partner: bool = True
    hidden: bool = False  # still routed, not listed in help

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Router:
    """The subcommands of one app (features register into it; no module-level state)."""

    def __init__(self) -> None:
        self._subs: list[Subcommand] = []
        self._by_word: dict[str, Subcommand] = {}
        # ``fn(ctx, sub, args, text, reply) -> reply`` run on every routed answer, e.g. the
        # "Share in channel" offer (bot/listeners/share.py), which commands cannot import.
        self.finishers: list[Callable[[Ctx, Subcommand, list[str], str, Reply], Reply]] = []
        # ``fn(ctx, sub, args)`` run before every routed handler; raises to refuse the command,
        # e.g. a region outside the channel's scope (bot/listeners/channel_scope.py).
        self.checks: list[Callable[[Ctx, Subcommand, list[str]], None]] = []

    def add(self, sub: Subcommand) -> Subcommand:
        for word in sub.words:
            key = search_key(word)
            if key in self._by_word:
                raise ValueError(f"/partnerhub {word} is already registered by {self._by_word[key].name}")
            self._by_word[key] = sub
        self._subs.append(sub)
        return sub

    def find(self, word: str) -> Subcommand | None:
        # Case- and accent-insensitive: "Reuniões" finds "reunioes" (i18n.words).
        return self._by_word.get(search_key(word))

    def all(self, include_hidden: bool = False) -> list[Subcommand]:
        return [s for s in self._subs if include_hidden or not s.hidden]

    def suggest(self, word: str) -> list[str]:
        names = [search_key(w) for s in self.all() for w in s.words]
        close = difflib.get_close_matches(search_key(word), names, n=3, cutoff=0.6)
        out: list[str] = []
        for w in close:
            name = self._by_word[w].name
            if name not in out:
                out.append(name)
        return out


def router(app: AsyncApp) -> Router:
    return runtime(app).router


def subcommand(app: AsyncApp, name: str, *, usage: str, help: str, aliases: tuple[str, ...] = (),
               group: str = N_("General"), needs_partner: bool = True, hidden: bool = False):
    """Decorator: register ``fn(ctx, args) -> reply`` as ``/partnerhub <name>``."""

    def wrap(fn: Callable[[Ctx, list[str]], Reply]):
        router(app).add(Subcommand(name=name, handler=fn, usage=usage, help=help, aliases=tuple(aliases),
                                   group=group, needs_partner=needs_partner, hidden=hidden))
        return fn

    return wrap


def unescape(text: str) -> str:
    """Slack sends ``& < >`` escaped in command text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_words(text: str) -> list[str]:
    """Words, with quotes grouping ("Key accounts"); unbalanced quotes fall back to spaces."""
    # Slack clients type curly quotes; treat them as straight ones.
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def parse(text: str) -> tuple[str, list[str], str]:
    """``"tag add 'A b' x"`` -> ("tag", ["add", "A b", "x"], "add 'A b' x")."""
    text = unescape(text or "").strip()
    if len(text) > MAX_TEXT:
        raise BadInput(N_("That is too long for a command ({length} characters; at most {limit})."),
                       length=len(text), limit=MAX_TEXT)
    # Control characters (other than spaces) never belong in a command.
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    words = split_words(text)
    if not words:
        return "", [], ""
    first = words[0]
    rest = text[len(text.split(None, 1)[0]):].strip() if text.split(None, 1) else ""
    return first, words[1:], rest


def route(rt_router: Router, ctx: Ctx, text: str) -> Reply:
    """Thread side: pick the subcommand and run it."""
    word, args, rest = parse(text)
    if not word:
        word, args, rest = "help", [], ""
    sub = rt_router.find(word)
    if sub is None:
        return unknown_subcommand(ctx, rt_router, word)
    if sub.needs_partner and ctx.partner is None:
        raise NotSetUp(N_("This Slack workspace is not linked to a partner organization yet."))
    ctx.text = rest
    for check in rt_router.checks:
        check(ctx, sub, args)
    reply = sub.handler(ctx, args)
    for finish in rt_router.finishers:
        reply = finish(ctx, sub, args, text, reply)
    return reply


def unknown_subcommand(ctx: Ctx, rt_router: Router, word: str) -> dict:
    suggestions = rt_router.suggest(word)
    return ctx.render(
        "notice.json.j2",
        text=ctx._("I don't know “{word}”.", word=word[:40]),
        detail=[ctx._("Did you mean: {names}?", names=", ".join(f"/partnerhub {s}" for s in suggestions))]
        if suggestions else [],
        hint=ctx._("Type /partnerhub help to see everything I can do."),
        buttons=[{"text": ctx._("Show help"), "action_id": ActionId.HELP_TOPIC, "value": ""}],
    )


def register(app: AsyncApp) -> None:
    """Route /partnerhub; call before the features register their subcommands."""
    rt = runtime(app)
    if rt.router is None:
        rt.router = Router()
    run_command = _route_handler(rt.router)
    rt.register_handler(run_command)

    async def on_partnerhub(ack, body, command, context, client):
        await ack()  # first, and alone: nothing may delay it
        text = command.get("text") or ""
        await handle(rt, run_command, text, body=body, context=context, client=client,
                     via_response_url=True, text=text)

    app.command(COMMAND)(on_partnerhub)

    def run_command_button(ctx: Ctx, action: dict) -> Reply:
        # Buttons that stand for a command ("resources helpdesk", "expiring calling").
        return route(rt.router, ctx, action.get("value") or "help")

    on_action(app, ActionId.RUN_COMMAND, run_command_button)


def _route_handler(rt_router: Router):
    def run_partnerhub_command(ctx: Ctx, text: str) -> Reply:
        return route(rt_router, ctx, text)

    return run_partnerhub_command
