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
  interpreter's fork server has the private layout this module fills in
  (``PRIVATE_ATTRIBUTES`` of ``multiprocessing.forkserver._forkserver`` and the
  signature of ``forkserver.main``; checked on CPython 3.11.7, 3.12.1 and 3.13.0), and
  then checks that it behaves: the stdlib adopts the server (``ensure_running`` keeps
  it) and forks a trivial process through it. It returns the server's pid. Otherwise
  (another layout, a server that authenticates its clients as 3.14's does, a check
  that failed) it logs why, once per process, undoes what it did and returns None: the
  stdlib then starts its own server on first use, a fresh interpreter importing
  ``preload`` (the standard "forkserver" start method: the same answers, more memory
  and a slower first answer). Where "forkserver" does not exist at all, ``context``
  gives the platform's default start method.
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

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from multiprocessing import forkserver

log = logging.getLogger("partnerhub.answers")

# What start() reads and writes of the stdlib's fork server (multiprocessing.forkserver's
# module-level ``_forkserver``): its lock, and the three fields its own ensure_running()
# fills in after starting a server. forkserver.main must take these parameters first.
PRIVATE_ATTRIBUTES = ("_lock", "_forkserver_pid", "_forkserver_address", "_forkserver_alive_fd")
MAIN_PARAMETERS = ("listener_fd", "alive_r", "preload")
PROBE_TIMEOUT_S = 30.0
_said: set[str] = set()  # fallback reasons already logged by this process


def context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    """The "forkserver" context, with ``preload`` for a server the stdlib starts itself
    (the platform's default context where there is no fork server)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        _fall_back("this platform has no fork server; answer processes use the default start method")
        return multiprocessing.get_context()
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    return ctx


def unsupported() -> str | None:
    """Why ``start`` cannot fill in this interpreter's fork server (None: it can)."""
    import inspect

    server = getattr(forkserver, "_forkserver", None)
    if server is None:
        return "multiprocessing.forkserver._forkserver is missing"
    missing = [name for name in PRIVATE_ATTRIBUTES if not hasattr(server, name)]
    if missing:
        return f"multiprocessing.forkserver._forkserver has no {', '.join(missing)}"
    for method in ("ensure_running", "connect_to_new_process"):
        if not callable(getattr(server, method, None)):
            return f"multiprocessing.forkserver._forkserver has no {method}()"
    try:
        params = tuple(inspect.signature(forkserver.main).parameters)
    except (AttributeError, TypeError, ValueError):
        return "multiprocessing.forkserver.main is missing"
    if params[:len(MAIN_PARAMETERS)] != MAIN_PARAMETERS:
        return f"multiprocessing.forkserver.main takes {params}, not {MAIN_PARAMETERS} first"
    if any("authkey" in name for name in (*vars(server), *params)):  # 3.14+: clients authenticate
        return "this Python's fork server authenticates its clients"
    return None


def supported() -> bool:
    """Whether this interpreter's fork server has the layout ``start`` fills in."""
    return unsupported() is None


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
    """Fork this process into multiprocessing's fork server and check that it works (see
    the module's docstring); its pid, or None when that is not possible here (the stdlib
    then starts one)."""
    reason = unsupported()
    if reason is not None:
        _fall_back(reason)
        return None
    if threading.active_count() > 1:  # forking a threaded process is unsafe (tests): expected
        return None
    try:
        pid = _fork_server(preload)
    except Exception as exc:  # noqa: BLE001 - anything here means: let the stdlib do it
        _fall_back(f"forking the fork server failed: {exc!r}")
        _forget_server()
        return None
    reason = _misbehaves(pid)
    if reason is not None:
        _fall_back(reason)
        _forget_server()
        return None
    return pid


def _fork_server(preload: Sequence[str]) -> int:
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


def _misbehaves(pid: int) -> str | None:
    """Why the server forked as ``pid`` is not usable (None: it is). The stdlib must keep it
    as its running server, and a process forked through it must run and exit cleanly: the
    path every answer process takes. Costs one short-lived process (a few ms, plus the
    server's import of ``preload``)."""
    server = forkserver._forkserver
    address = server._forkserver_address
    try:
        server.ensure_running()
        if server._forkserver_pid != pid or server._forkserver_address != address:
            return "the stdlib did not keep the forked fork server as its own"
        probe = multiprocessing.get_context("forkserver").Process(target=os.getpid, name="partnerhub-fork-probe",
                                                                   daemon=True)
        probe.start()
        probe.join(PROBE_TIMEOUT_S)
        if probe.exitcode is None:
            probe.kill()
            probe.join(5)
            return f"a process forked through the fork server did not finish within {PROBE_TIMEOUT_S:.0f} s"
        if probe.exitcode != 0:
            return f"a process forked through the fork server exited with {probe.exitcode}"
        probe.close()
    except Exception as exc:  # noqa: BLE001 - any failure of the private path: fall back
        return f"the forked fork server did not work: {exc!r}"
    return None


def _forget_server() -> None:
    """Undo ``_fork_server``: end the server this process forked and clear the stdlib's
    fields, so that its own ensure_running() starts a fresh server."""
    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    alive = getattr(server, "_forkserver_alive_fd", None)
    if pid is not None:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    if alive is not None:
        try:
            os.close(alive)
        except OSError:
            pass
    for name in ("_forkserver_pid", "_forkserver_address", "_forkserver_alive_fd"):
        try:
            setattr(server, name, None)
        except AttributeError:
            pass


def _fall_back(reason: str) -> None:
    if reason not in _said:
        _said.add(reason)
        log.warning("answer processes come from the standard fork server (a fresh interpreter importing the app "
                    "again: more memory, slower start): %s", reason)


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


def die_with(pid: int) -> None:
    """End this process (``os._exit``) when process ``pid`` ends, whoever its parent is: a
    daemon thread waits on the pid's file descriptor (Linux 5.3+; elsewhere nothing)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return

    def wait() -> None:
        import select

        select.select([fd], [], [])
        os._exit(0)

    threading.Thread(target=wait, name="partnerhub-die-with-web", daemon=True).start()


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


__all__ = ["context", "start", "running_pid", "supported", "unsupported", "die_with_parent", "die_with", "PRIVATE_ATTRIBUTES"]
