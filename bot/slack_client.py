"""Every Slack Web API client the app makes, built here.

slack_sdk reads no variable for its base URL, and by default retries only connection
errors: each client gets ``base_url=settings.slack_api_url`` (PARTNERHUB_SLACK_API_URL)
and the rate-limit (honours Retry-After) and server-error retry handlers.

Cheap per answer (issue 19 item 3): slack_sdk's sync clients open a connection per call
through urllib, which without a context builds a new TLS context (CA store loaded, ~20 ms
of CPU) for every HTTPS connection. So every sync client here shares one SSL context per
process, and ``web_client`` keeps one client per (process, token, base URL) in a small
bounded cache (the sync WebClient keeps no per-call state). Both are per process: a child
forked from a preloaded server (bot/forkserver.py) drops what it inherited and builds its
own after the fork.
"""
from __future__ import annotations

import os
import ssl
import threading
from collections import OrderedDict
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from partnerhub_core.errors import UpstreamError
from partnerhub_core.i18n import N_
from partnerhub_core.settings import Settings

RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 2
TIMEOUT_SECONDS = 30


def retry_handlers() -> list[RetryHandler]:
    return [
        ConnectionErrorRetryHandler(max_retry_count=1),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]


def async_retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]


def _token(settings: Settings, token: str | None, default_token: bool = True) -> str | None:
    if token or not default_token:
        return token
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None


CLIENT_CACHE_SIZE = 64  # workspaces (bot tokens) an answer process keeps a client for

_lock = threading.Lock()
_pid: int | None = None  # the process the cached context and clients belong to
_ssl: ssl.SSLContext | None = None
_clients: OrderedDict[tuple[str | None, str], WebClient] = OrderedDict()


def _forget_inherited() -> None:
    """In a forked child: a fresh lock (the parent may have held it) and nothing of the
    parent's context or clients."""
    global _lock, _pid, _ssl, _clients
    _lock = threading.Lock()
    _pid, _ssl, _clients = None, None, OrderedDict()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited)


def _own_process() -> None:
    """Called with the lock held: drop state made by another process (a fork the hook missed)."""
    global _pid, _ssl
    if _pid != os.getpid():
        _pid, _ssl = os.getpid(), None
        _clients.clear()


def ssl_context() -> ssl.SSLContext:
    """This process's TLS context for the sync clients: what urllib would build for each
    connection (verified, HTTP/1.1 by ALPN), built once."""
    global _ssl
    with _lock:
        _own_process()
        if _ssl is None:
            context = ssl.create_default_context()
            context.set_alpn_protocols(["http/1.1"])
            _ssl = context
        return _ssl


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A sync client (worker, CLI, listeners' thread work, answers). ``token`` defaults to
    SLACK_BOT_TOKEN; in OAuth mode pass the workspace's bot token. The same client for the
    same token and base URL in this process (thread-safe; see the module's docstring)."""
    token = _token(settings, token)
    key = (token, settings.slack_api_url)
    context = ssl_context()
    with _lock:
        _own_process()
        client = _clients.get(key)
        if client is not None:
            _clients.move_to_end(key)
            return client
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=TIMEOUT_SECONDS,
                       retry_handlers=retry_handlers(), ssl=context)
    with _lock:
        _own_process()
        client = _clients.setdefault(key, client)  # another thread may have made one meanwhile
        _clients.move_to_end(key)
        while len(_clients) > CLIENT_CACHE_SIZE:
            _clients.popitem(last=False)
    return client


def webhook_client(response_url: str) -> WebhookClient:
    """A sync client for one request's response_url (answers to commands and buttons). The
    URL is the request's own, so the client is too; its TLS context is the process's."""
    return WebhookClient(response_url, timeout=TIMEOUT_SECONDS, retry_handlers=retry_handlers(),
                         ssl=ssl_context())


def async_web_client(settings: Settings, token: str | None = None, *,
                     default_token: bool = True) -> AsyncWebClient:
    """The AsyncApp's client; bolt copies base_url and retry handlers into each request's client.
    In OAuth mode pass ``default_token=False``: tokens come from the installation store."""
    return AsyncWebClient(
        token=_token(settings, token, default_token),
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=async_retry_handlers(),
    )


def upload_file(
    client: WebClient,
    *,
    channel: str,
    filename: str,
    content: bytes,
    title: str | None = None,
    initial_comment: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """Upload bytes to a channel or DM with files_upload_v2 (getUploadURLExternal → the
    upload → completeUploadExternal). Returns the file object Slack answered with.

    Slack errors become ``UpstreamError`` with a message for people (e.g. the bot is not
    in the channel), so callers need no try/except.
    """
    try:
        response = client.files_upload_v2(
            channel=channel,
            filename=filename,
            content=content,
            title=title or filename,
            initial_comment=initial_comment,
            thread_ts=thread_ts,
        )
    except SlackApiError as exc:
        raise slack_failure(exc) from exc
    files = response.get("files") or [response.get("file") or {}]
    return files[0] if files else {}


# Slack error codes a person can act on, with what to tell them.
SLACK_ERROR_MESSAGES = {
    "not_in_channel": N_("Invite the Partner Hub app to that channel first (/invite @Partner Hub)."),
    "channel_not_found": N_("Slack cannot find that channel, or the Partner Hub app cannot see it."),
    "is_archived": N_("That channel is archived."),
    "msg_too_long": N_("The message was too long for Slack."),
    "ratelimited": N_("Slack is rate limiting us; try again in a minute."),
    "token_revoked": N_("The Partner Hub app was removed from this workspace; reinstall it."),
    "invalid_auth": N_("The Slack token is not valid; ask your Slack admin to reinstall the app."),
    "account_inactive": N_("The Partner Hub app's Slack account is inactive; reinstall the app."),
}


def slack_failure(exc: SlackApiError) -> UpstreamError:
    code = (exc.response.get("error") if exc.response is not None else None) or "unknown_error"
    message = SLACK_ERROR_MESSAGES.get(code, N_("Slack answered with an error ({code})."))
    return UpstreamError(message, code=code)
