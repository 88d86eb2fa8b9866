"""Where a request's answer is made: the work after the ack, away from the event loop.

The web process's event loop is what acknowledges Slack within 3 seconds. An answer (a
lookup, a section, a CSV, then posting it) is CPU-bound Python. Run in threads of the
web process it holds the GIL against the loop, and under load every ack waits behind
answers: with 20 concurrent clients the ack p99 was about 1 s (bench/RESULTS.md). So
``partnerhub serve`` makes answers in a small pool of processes
(``PARTNERHUB_ANSWER_PROCESSES``, default 2) at a lower CPU priority
(``PARTNERHUB_ANSWER_NICE``); the loop only verifies, acknowledges and hands over.

- ``ThreadAnswers``: threads of this process, in a pool of their own, so answers never
  hold the default executor's threads, which the ack path itself uses (installation
  lookups in OAuth mode, the request log line). Tests, Socket Mode, the offline demo and
  ``PARTNERHUB_ANSWER_PROCESSES=0`` use it.
- ``ProcessAnswers``: each child builds the same app from the same settings (so it holds
  the same handlers under the same keys, ``Runtime.handler_key``) with its own engine;
  the handler's key, its ``RequestInfo`` and arguments are pickled to the child, which
  runs the transaction and delivers the reply itself. Children ignore SIGINT/SIGTERM: on
  shutdown the web process drains its requests first and then closes the pool, so an
  answer half made is finished, not lost. A child that dies (out of memory, killed)
  breaks the pool: the requests it held are told "something went wrong" with a
  reference, the pool's other children are killed, and a new pool takes the next
  requests.

Children are not spawned (a fresh interpreter importing everything again, ~140 MB each):
they come from multiprocessing's fork server, which ``partnerhub serve`` forks from the
web process after the app is imported and before the event loop or any thread exists
(bot/forkserver.py). The web process, that server and its children share the imported
modules copy-on-write (bench/RESULTS.md: idle ``serve`` 414 → 178 MB PSS), and no
connection crosses the fork: the web process disposes its engine first and each child
makes its own. A replacement pool is forked from the same server, never from the web
process. Where the web process already runs threads (tests), the stdlib starts its own
fork server instead, importing ``preload``.

A child makes one answer at a time: an answer waiting on Webex or on a Slack upload
holds its child, so a team whose answers wait on the network more than they compute
raises PARTNERHUB_ANSWER_PROCESSES (each child costs ~40 MB of its own once warm).
"""
from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from bot import forkserver
from partnerhub_core.settings import Settings

log = logging.getLogger("partnerhub.answers")

THREADS = 8  # answers also wait on Slack and Webex, not only on the CPU
APP_FACTORY = "bot.app:build_app"
# What only the answers import (besides the factory's module): the fork server imports it
# once, after the fork, and its answer processes share it.
PRELOAD: tuple[str, ...] = ()


class ThreadAnswers:
    """Answers in threads of this process (a pool of their own)."""

    def __init__(self, threads: int = THREADS):
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="partnerhub-answer")

    async def run(self, rt: Any, handler: Callable, info: Any, args: tuple, replace_original: bool) -> None:
        from bot.context import answer

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._pool, partial(answer, rt, info, handler, args, replace_original))

    def start(self, wait: bool = True) -> None:
        """Nothing to start: threads come on demand."""

    def close(self, cancel_pending: bool = False) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel_pending)


class ProcessAnswers:
    """Answers in ``processes`` child processes, forked from a fork server that holds no
    event loop and no thread (bot/forkserver.py), so nothing of the loop leaks in."""

    def __init__(self, settings: Settings, processes: int, *, nice: int = 0, factory: str = APP_FACTORY,
                 preload: tuple[str, ...] = PRELOAD):
        if processes < 1:
            raise ValueError("ProcessAnswers needs at least one process")
        self.settings = settings
        self.processes = processes
        self.nice = nice
        self.factory = factory
        self.preload = (factory.partition(":")[0], *preload)
        self.server_pid: int | None = None
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=forkserver.context(self.preload),
            initializer=_init_child,
            initargs=(self.settings, self.nice, self.factory, os.getpid()),
        )

    def start(self, timeout: float = 120.0, wait: bool = True) -> list[int]:
        """Start every child; with ``wait``, wait until each has built its app and return
        their pids (a child that cannot start fails here). Without, the children build
        their apps while the web process starts listening (``partnerhub serve``: the web
        process has built the same app from the same settings already, so a child fails
        only on what it alone does, which is logged), and the list is empty. Called
        before the event loop and any thread, the fork server is a fork of this process
        (bot/forkserver.py)."""
        self.server_pid = forkserver.start(self.preload)
        self._pool = self._new_pool()
        # One slow ping per child at once: each finds no idle child, so all are started.
        futures = [self._pool.submit(_ping, 0.2) for _ in range(self.processes)]
        if not wait:
            for future in futures:
                future.add_done_callback(_log_start_failure)
            return []
        return sorted({f.result(timeout=timeout) for f in futures})

    async def run(self, rt: Any, handler: Callable, info: Any, args: tuple, replace_original: bool) -> None:
        key = rt.handler_key(handler)
        if key is None:  # no child knows it (never registered while the app was built)
            from bot.context import answer

            log.warning("handler %s is not registered; answering in a thread", getattr(handler, "__name__", handler))
            await asyncio.to_thread(answer, rt, info, handler, args, replace_original)
            return
        if self._pool is None:  # not started: children come on demand (start() waits for them)
            self._pool = self._new_pool()
        pool = self._pool
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(pool, _child_answer, key, info, args, replace_original)
        except Exception as exc:  # noqa: BLE001 - the child answers its own errors; this is the pool failing
            ref = uuid.uuid4().hex[:8]
            if isinstance(exc, BrokenProcessPool):
                log.error("an answer process died (ref %s); starting a new pool", ref)
                self._replace(pool)
            else:
                log.exception("handing the request to an answer process failed (ref %s)", ref)
            await asyncio.to_thread(_say_unexpected, rt, info, ref)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._pool is broken:  # several requests see the same break; replace it once
            self._pool = self._new_pool()
            # The broken pool has failed every answer it held (each is told "something went
            # wrong"). Its other processes ignore SIGTERM (see _init_child), so the pool's
            # own clean-up, a SIGTERM and a join, would wait on them for ever (and so would
            # this process at exit): they are killed, before shutdown(), which from Python
            # 3.12 on waits for the lock that clean-up holds while it joins them.
            for process in _processes(broken):
                process.kill()
            broken.shutdown(wait=False, cancel_futures=True)

    def close(self, cancel_pending: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel_pending)


def _processes(pool: ProcessPoolExecutor) -> list:
    """The pool's child processes (its manager thread may be changing the dict meanwhile)."""
    for _ in range(10):
        try:
            return list((getattr(pool, "_processes", None) or {}).values())
        except RuntimeError:  # changed size during iteration
            continue
    return []


def for_settings(settings: Settings) -> ThreadAnswers | ProcessAnswers:
    """The runner ``partnerhub serve`` uses."""
    if settings.answer_processes > 0:
        return ProcessAnswers(settings, settings.answer_processes, nice=settings.answer_nice)
    return ThreadAnswers()


# --- the child's side ----------------------------------------------------------------------
_child_runtime: Any = None


def _init_child(settings: Settings, nice: int, factory: str, web: int | None = None) -> None:
    global _child_runtime
    # The parent decides when children stop (after draining); a SIGTERM sent to the whole
    # process group must not kill an answer half made.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    forkserver.die_with_parent()  # a web process killed outright leaves no child behind
    if web is not None and os.getppid() != web:
        # The parent is a fork server. Ours dies with the web process, the stdlib's (the
        # fallback) does not: it lives while any child holds its "alive" pipe.
        forkserver.die_with(web)
    if nice:
        os.nice(nice)
    from bot.context import runtime
    from partnerhub_core.db import make_engine
    from partnerhub_core.logging import configure_logging

    configure_logging(settings)
    module, _, name = factory.partition(":")
    build = getattr(importlib.import_module(module), name)
    _child_runtime = runtime(build(settings, make_engine(settings.database_url)))


def _log_start_failure(future) -> None:
    if future.exception() is not None:
        log.error("an answer process could not start: %s", future.exception())


def _ping(seconds: float) -> int:
    import time

    time.sleep(seconds)
    return os.getpid()


def _child_answer(key: str, info: Any, args: tuple, replace_original: bool) -> None:
    from bot.context import answer

    rt = _child_runtime
    answer(rt, info, rt.handlers[key], args, replace_original)


def _say_unexpected(rt: Any, info: Any, ref: str) -> None:
    from bot import errors
    from bot.context import choose_locale, deliver

    locale = choose_locale(None, info.slack_user, None)
    deliver(errors.unexpected_message(ref, locale), rt=rt, info=info, locale=locale)


__all__ = ["ThreadAnswers", "ProcessAnswers", "for_settings"]
