"""The answer processes' parent: multiprocessing's fork server, forked from the web process.

``partnerhub serve`` has imported the whole app (bolt, SQLAlchemy, the models, pandas…)
before it listens. Spawned answer processes imported all of it again, each (~140 MB
apiece). Here the answer processes come from multiprocessing's "forkserver" start
method, and its server is not a fresh interpreter (the stdlib's way, which imports its
``preload`` list again) but a fork of the web process taken *before* the event loop and
any thread exist. So the server and every answer process it forks share the web's
imported modules copy-on-write, and a pool replaced after an answer process died is
forked from that single-threaded server, never from the web process, whose loop and
threads must not cross a fork.

- ``start(preload)`` forks the server when this process has one thread and the
  interpreter's fork server has the layout this module knows (CPython 3.11–3.13); it
  returns the server's pid. Otherwise it returns None and the stdlib starts its own
  server on first use, importing ``preload`` (same behaviour, more memory).
- The server imports ``preload`` itself after the fork (modules only the answers use),
  so the web process does not wait for them; its answer processes share them too.
- The server ignores SIGINT and SIGTERM, like the answer processes: platforms signal the
  whole process group, and a server that died would break the pool while the web
  process drains its answers. It exits when the web process does (its "alive" pipe), and
  is killed with it if the web process is killed outright (``die_with_parent``; the
  answer processes likewise with their server).

Database connections never cross the fork: the caller disposes its engine first, and
each answer process makes its own (bot/answers.py).
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from multiprocessing import forkserver

KNOWN_VERSIONS = ((3, 11), (3, 12), (3, 13))


def context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    """The "forkserver" context, with ``preload`` for a server the stdlib starts itself."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    return ctx


def supported() -> bool:
    """Whether this interpreter's fork server has the layout ``start`` fills in (checked
    against CPython 3.11.7, 3.12.1 and 3.13.0; a server that authenticates its clients,
    as later versions may, is left to the stdlib)."""
    import inspect

    server = getattr(forkserver, "_forkserver", None)
    return (sys.version_info[:2] in KNOWN_VERSIONS and server is not None
            and all(hasattr(server, a) for a in ("_lock", "_forkserver_pid", "_forkserver_address",
                                                 "_forkserver_alive_fd"))
            and list(inspect.signature(forkserver.main).parameters)[:3] == ["listener_fd", "alive_r", "preload"]
            and not any("authkey" in name for name in vars(server)))


def running_pid() -> int | None:
    """The fork server's pid if one runs for this process."""
    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return None
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return None if done else pid


def start(preload: Sequence[str]) -> int | None:
    """Fork this process into multiprocessing's fork server (see the module's docstring);
    its pid, or None when that is not possible here (the stdlib then starts one)."""
    if not supported() or threading.active_count() > 1:
        return None
    from multiprocessing import connection, resource_tracker, util

    server = forkserver._forkserver
    with server._lock:
        if running_pid() is not None:
            return server._forkserver_pid
        resource_tracker.ensure_running()  # a process of its own (fork + exec), before the fork
        address = connection.arbitrary_address("AF_UNIX")
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(address)
            if not util.is_abstract_socket_namespace(address):
                os.chmod(address, 0o600)
            listener.listen()
            alive_r, alive_w = os.pipe()
            sys.stdout.flush()
            sys.stderr.flush()
            parent = os.getpid()
            pid = os.fork()
            if pid == 0:  # the server: never returns into the caller's code
                _serve(listener.fileno(), alive_r, alive_w, list(preload), parent)
            os.close(alive_r)
        server._forkserver_address = address
        server._forkserver_alive_fd = alive_w
        server._forkserver_pid = pid
    return pid


def die_with_parent(parent: int | None = None) -> None:
    """Have the kernel kill this process when its parent ends (Linux ``PR_SET_PDEATHSIG``).

    A web process that is killed outright (SIGKILL, out of memory) leaves no one to close
    the pool: its fork server and answer processes, which ignore SIGTERM and wait on the
    pool's queues, would stay for ever. Elsewhere than Linux, nothing happens."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # it ended before the call above
        os._exit(0)


def _serve(listener_fd: int, alive_r: int, alive_w: int, preload: list[str], parent: int) -> None:
    code = 0
    try:
        os.close(alive_w)
        die_with_parent(parent)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        forkserver.main(listener_fd, alive_r, preload)  # imports preload, then forks on request
    except SystemExit:
        pass  # the web process has gone
    except BaseException:  # noqa: BLE001 - reported, then this process ends
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)  # no atexit handlers or finalizers of the web process run here


__all__ = ["context", "start", "running_pid", "supported", "die_with_parent"]
