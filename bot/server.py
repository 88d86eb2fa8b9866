"""The web process: bolt's AsyncSlackRequestHandler on Starlette, under uvicorn.

Routes: POST /slack/events (commands, interactivity, events — one Request URL for all
three in slack-manifest.yml), GET /slack/install and /slack/oauth_redirect (OAuth mode),
GET /healthz (liveness: the process answers), GET /readyz (database reachable and migrated,
503 with the reason otherwise; bot/ops_http.py). POST /slack/events passes bot/guard.py first
(size limit, signature, shape); the OAuth pages are rate-limited per client address. Every Slack request writes one JSON log
line; SIGTERM finishes in-flight requests and post-ack work first (``GracefulServer``).
"""
from __future__ import annotations

import gc
import logging

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot import answers
from bot.app import build_app
from bot.context import runtime
from bot.guard import RateLimit, guarded, rate_limited
from bot.ops_http import GracefulServer, logged, readyz_route
from partnerhub_core.settings import Settings

log = logging.getLogger("partnerhub.server")

INSTALL_PER_MINUTE = 10  # per client address; a person installing needs one or two
INSTALL_PER_MINUTE_OVERALL = 300  # all addresses together: at most this many state rows a minute
REDIRECT_PER_MINUTE = 20


def build_asgi(settings: Settings, engine: Engine, app: AsyncApp | None = None,
               extra_routes: list[Route] | None = None) -> Starlette:
    bolt = app or build_app(settings, engine)
    handler = AsyncSlackRequestHandler(bolt)
    # Every POST passes the signature gate before bolt reads a byte (bot/guard.py).
    events = guarded(bolt, settings.slack_signing_secret.get_secret_value())

    async def oauth_pages(request: Request):
        return await handler.handle(request)

    def known_word(word: str) -> bool:
        router = getattr(getattr(bolt, "_partnerhub_runtime", None), "router", None)
        return router is not None and router.find(word) is not None

    # Each GET of /slack/install writes a state row: a stranger gets a few a minute, not more.
    install = logged(rate_limited(oauth_pages, RateLimit(INSTALL_PER_MINUTE, 60),
                                  RateLimit(INSTALL_PER_MINUTE_OVERALL, 60)), engine, known_word)
    redirect = logged(rate_limited(oauth_pages, RateLimit(REDIRECT_PER_MINUTE, 60)), engine, known_word)

    async def healthz(_request: Request):
        return PlainTextResponse("ok")

    routes = [
        Route("/slack/events", logged(events, engine, known_word), methods=["POST"]),
        Route("/slack/install", install, methods=["GET"]),
        Route("/slack/oauth_redirect", redirect, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        readyz_route(engine),
        *(extra_routes or []),
    ]
    asgi = Starlette(routes=routes)
    asgi.state.bolt = bolt
    return asgi


def uvicorn_config(asgi, *, host: str, port: int, log_level: str = "info",
                   grace_seconds: float | None = None) -> uvicorn.Config:
    # proxy_headers: behind a platform router the client address and scheme come from it.
    # log_config=None: uvicorn's own lines go through our JSON handler (partnerhub_core.logging).
    return uvicorn.Config(asgi, host=host, port=port, log_level=log_level.lower(),
                          proxy_headers=True, forwarded_allow_ips="*", access_log=False,
                          lifespan="off", log_config=None, timeout_graceful_shutdown=grace_seconds)


def serve_http(settings: Settings, engine: Engine, *, host: str, port: int) -> None:
    grace = settings.shutdown_grace_seconds
    bolt = build_app(settings, engine)
    # Answers run in child processes (bot/answers.py), started before the first request;
    # after SIGTERM the server drains its requests, then the children finish theirs.
    runner = answers.for_settings(settings)
    runtime(bolt).answers = runner
    # Everything built so far (the app, its libraries) lives as long as the process: keep
    # it out of the collector, whose full passes over it stalled acks (~0.2 s each). Frozen
    # before the fork, the answer processes' collector leaves those pages shared too.
    gc.collect()
    gc.freeze()
    # No connection crosses the fork into the answer processes' server; this process
    # opens new ones on demand.
    engine.dispose()
    # The answer processes build their apps while this process starts listening: at nice
    # 10 on a busy machine, waiting for them would hold /healthz back for seconds.
    runner.start(wait=False)
    server = GracefulServer(uvicorn_config(build_asgi(settings, engine, app=bolt), host=host, port=port,
                                           log_level=settings.log_level, grace_seconds=grace),
                            grace_seconds=grace)
    try:
        server.run()
    finally:
        runner.close(cancel_pending=True)


def serve_socket(settings: Settings, engine: Engine) -> None:
    """Socket Mode for development behind a firewall (needs SLACK_APP_TOKEN, xapp-…)."""
    import asyncio

    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from partnerhub_core.errors import BadInput
    from partnerhub_core.i18n import N_

    if settings.slack_app_token is None:
        raise BadInput(N_("Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-…, with connections:write)."))
    bolt = build_app(settings, engine)

    async def run() -> None:
        await AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value()).start_async()

    asyncio.run(run())
