"""What the web process needs to run for real, beside the Slack routes:

- ``GET /readyz``: 200 when the database answers and is migrated to head, else 503 with
  the reason (``partnerhub_core.health``); ``GET /healthz`` stays "the process answers";
- one structured log line per Slack request (``logged``): workspace, partner, command or
  action or event, latency, outcome, Slack's request id and retry number; never the text
  a person typed (that is DEBUG only) nor a token. The line never holds the response back:
  a partner not in the cache is looked up after the response, and the line written then;
- ``GracefulServer``: on SIGTERM uvicorn stops accepting, finishes the requests in
  flight, and then we also wait (up to ``shutdown_grace_seconds``) for the work bolt runs
  after ``ack()`` — the answer to a slow command — before the process exits 0.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.guard import payload_of
from partnerhub_core import health, request_context
from partnerhub_core.logging import event

log = logging.getLogger("partnerhub.request")
shutdown_log = logging.getLogger("partnerhub.server")

PARTNER_CACHE_SECONDS = 60


# --- readiness ---------------------------------------------------------------------------
READY_TIMEOUT_SECONDS = 5.0


def readyz_route(engine: Engine, timeout: float = READY_TIMEOUT_SECONDS) -> Route:
    async def readyz(_request: Request) -> Response:
        try:
            # A database host that drops packets would hang the probe; the platform wants an answer.
            result = await asyncio.wait_for(asyncio.to_thread(health.readiness, engine), timeout)
        except asyncio.TimeoutError:
            result = health.Readiness(False, "database did not answer in time")
        return JSONResponse(result.as_dict(), status_code=200 if result.ok else 503)

    return Route("/readyz", readyz, methods=["GET"])


# --- one log line per request ----------------------------------------------------------
def request_fields(payload: dict, headers, known_words: Callable[[str], bool] | None = None) -> dict:
    """The facts of one Slack request worth a log line (ids only)."""
    def obj(key: str) -> dict:  # Slack sends some of these as an object, some as a bare id
        value = payload.get(key)
        return value if isinstance(value, dict) else {"id": value} if isinstance(value, str) else {}

    team = payload.get("team_id") or obj("team").get("id") or obj("user").get("team_id") or ""
    fields: dict = {"workspace": team or None, "enterprise": payload.get("enterprise_id") or None}
    user = payload.get("user_id") or obj("user").get("id") or obj("event").get("user")
    fields["user"] = user if isinstance(user, str) else None
    if payload.get("command"):
        fields["kind"] = "command"
        words = (payload.get("text") or "").split(None, 1)
        # Only a registered subcommand word: a first word can also be a customer's name.
        sub = words[0].lower() if words and known_words and known_words(words[0]) else None
        fields["command"] = f"{payload['command']} {sub}" if sub else payload["command"]
        fields["text"] = payload.get("text")  # DEBUG only (PRIVATE_FIELDS)
        fields["slack_request_id"] = payload.get("trigger_id")
    elif payload.get("type") == "event_callback":
        fields["kind"] = "event"
        fields["command"] = (payload.get("event") or {}).get("type")
        fields["slack_request_id"] = payload.get("event_id")
    elif payload.get("type") in ("block_actions", "view_submission", "view_closed", "shortcut",
                                 "message_action", "block_suggestion"):
        fields["kind"] = payload["type"]
        action = (payload.get("actions") or [{}])[0].get("action_id") if payload.get("actions") else None
        fields["command"] = action or payload.get("action_id") or (payload.get("view") or {}).get("callback_id") \
            or payload.get("callback_id")
        fields["slack_request_id"] = payload.get("trigger_id") or (payload.get("view") or {}).get("id")
    else:
        fields["kind"] = payload.get("type") or "other"
    retry = headers.get("x-slack-retry-num")
    if retry:
        fields["retry_num"] = int(retry) if retry.isdigit() else retry
        fields["retry_reason"] = headers.get("x-slack-retry-reason")
    fields["slack_timestamp"] = headers.get("x-slack-request-timestamp")
    return fields


class PartnerLookup:
    """team id -> partner id, cached briefly (one query per workspace per minute)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._cache: dict[str, tuple[float, int | None]] = {}
        self._pending: dict[str, asyncio.Future] = {}

    def cached(self, team_id: str | None) -> tuple[bool, int | None]:
        """(known, partner id) without touching the database: the common case, answered on
        the event loop instead of waiting for a free thread."""
        if not team_id:
            return True, None
        hit = self._cache.get(team_id)
        if hit and time.monotonic() - hit[0] < PARTNER_CACHE_SECONDS:
            return True, hit[1]
        return False, None

    def __call__(self, team_id: str | None) -> int | None:
        known, partner_id = self.cached(team_id)
        if known:
            return partner_id
        try:
            with Session(self.engine) as s:
                partner_id = request_context.partner_of_team(s, team_id)
        except Exception:  # noqa: BLE001 - a log line must never break a request
            partner_id = None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[team_id] = (time.monotonic(), partner_id)
        return partner_id

    async def lookup(self, team_id: str | None) -> int | None:
        """The same, from the event loop: one query in a thread however many requests of
        the team miss the cache at once (a burst after the minute is up: before this, each
        of 20 concurrent requests queried, and PostgreSQL answered them all at once)."""
        known, partner_id = self.cached(team_id)
        if known:
            return partner_id
        pending = self._pending.get(team_id)
        if pending is None:
            pending = asyncio.ensure_future(asyncio.to_thread(self, team_id))
            self._pending[team_id] = pending
            pending.add_done_callback(lambda _f: self._pending.pop(team_id, None))
        return await asyncio.shield(pending)


def logged(handler: Callable[[Request], Awaitable[Response]], engine: Engine,
           known_words: Callable[[str], bool] | None = None) -> Callable[[Request], Awaitable[Response]]:
    """Wrap the Slack route: one ``request`` log line per HTTP request, written once the
    response is on its way (a partner lookup never delays an ack)."""
    partners = PartnerLookup(engine)
    later: set[asyncio.Task] = set()  # the loop holds tasks weakly; the graceful shutdown waits for them

    async def wrapper(request: Request) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status_code
            return response
        finally:
            latency_ms = round((time.perf_counter() - started) * 1000, 1)
            fields = _fields(request, known_words)
            team = fields.get("workspace") if "kind" in fields else None
            known, partner_id = partners.cached(team) if "kind" in fields else (True, None)
            if known:
                if "kind" in fields:
                    fields["partner"] = partner_id
                _write(request, status, latency_ms, fields)
            else:  # the database is asked after the response, never before it
                task = asyncio.get_running_loop().create_task(
                    _write_with_partner(partners, team, request, status, latency_ms, fields))
                later.add(task)
                task.add_done_callback(later.discard)

    return wrapper


def _fields(request: Request, known_words: Callable[[str], bool] | None) -> dict:
    # Only a payload that passed the gate (bot/guard.py) is read: an unverified body is
    # never parsed, not even for a log line.
    payload = payload_of(request)
    try:
        return request_fields(payload, request.headers, known_words) if payload else {}
    except Exception:  # noqa: BLE001 - a log line must never break a request
        return {}


async def _write_with_partner(partners: PartnerLookup, team: str | None, request: Request, status: int,
                              latency_ms: float, fields: dict) -> None:
    try:
        fields["partner"] = await partners.lookup(team)
    except Exception:  # noqa: BLE001 - a log line must never break a request
        fields["partner"] = None
    _write(request, status, latency_ms, fields)


def _write(request: Request, status: int, latency_ms: float, fields: dict) -> None:
    rejected = getattr(request.state, "rejected", None)
    if rejected:
        fields["reason"] = rejected
    outcome = "ok" if status < 400 else ("refused" if status in (401, 403) else f"http_{status}")
    # A malformed or oversized request from a client is worth a WARNING; a refused
    # signature is the Internet's background noise (INFO).
    level = logging.ERROR if status >= 500 else logging.WARNING if status in (400, 408, 413, 429) \
        else logging.INFO
    event(log, "request", level=level,
          path=request.url.path, status=status, outcome=outcome, latency_ms=latency_ms, **fields)
    if fields.get("text") and log.isEnabledFor(logging.DEBUG):
        # What the person typed, for debugging: DEBUG only, tokens masked like every line.
        event(log, "request_text", level=logging.DEBUG, text=fields["text"],
              slack_request_id=fields.get("slack_request_id"))


# --- graceful shutdown ------------------------------------------------------------------
class GracefulServer(uvicorn.Server):
    """uvicorn.Server that, after the requests in flight are answered, also waits for
    the tasks started while serving (bolt's work after ``ack()``) before exiting."""

    def __init__(self, config: uvicorn.Config, *, grace_seconds: float = 25.0):
        super().__init__(config)
        self.grace_seconds = grace_seconds
        self._baseline: set[asyncio.Task] = set()

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        self._baseline = set(asyncio.all_tasks())  # the server's own long-lived tasks

    async def shutdown(self, sockets=None) -> None:
        await super().shutdown(sockets)
        await drain_tasks(self._baseline, self.grace_seconds)

    @contextlib.contextmanager
    def capture_signals(self):
        with super().capture_signals():
            try:
                yield
            finally:
                # uvicorn re-raises the signal after a graceful stop, so the process dies
                # "killed by SIGTERM"; having finished everything, we exit 0 instead.
                captured = getattr(self, "_captured_signals", None)
                if captured:
                    event(shutdown_log, "shutdown_complete", signals=[int(s) for s in captured])
                    captured.clear()


async def drain_tasks(baseline: set[asyncio.Task], grace_seconds: float) -> int:
    """Wait for every task not in ``baseline`` (and not this one), including tasks they
    start meanwhile, for at most ``grace_seconds``; cancel what is left. Returns how
    many tasks were still running when the wait began."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_seconds
    me = asyncio.current_task()

    def pending() -> set[asyncio.Task]:
        return {t for t in asyncio.all_tasks() if t is not me and t not in baseline and not t.done()}

    first = pending()
    if first:
        event(shutdown_log, "shutdown_waiting", tasks=len(first), grace_seconds=grace_seconds)
    while (left := pending()) and loop.time() < deadline:
        await asyncio.wait(left, timeout=max(0.0, deadline - loop.time()))
    left = pending()
    if left:
        event(shutdown_log, "shutdown_cancelled", level=logging.ERROR, tasks=len(left))
        for task in left:
            task.cancel()
    return len(first)
