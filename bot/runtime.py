"""What every listener shares: the replies a handler can return (a plain dict is a
message; ``Modal``, ``Home``, ``ViewUpdate``) and the app's ``Runtime`` (settings, engine,
router, answer runner, registered handlers, the Slack user cache, work after the ack).

Import these from ``bot.context`` (which re-exports them) or from here.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp
from sqlalchemy.engine import Engine

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
