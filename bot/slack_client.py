"""Every Slack Web API client the app makes, built here.

slack_sdk reads no variable for its base URL, and by default retries only connection
errors: each client gets ``base_url=settings.slack_api_url`` (PARTNERHUB_SLACK_API_URL)
and the rate-limit (honours Retry-After) and server-error retry handlers.
"""
from __future__ import annotations

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


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A sync client (worker, CLI, listeners' thread work). ``token`` defaults to
    SLACK_BOT_TOKEN; in OAuth mode pass the workspace's bot token."""
    return WebClient(
        token=_token(settings, token),
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(),
    )


def webhook_client(response_url: str) -> WebhookClient:
    """A sync client for one request's response_url (answers to commands and buttons)."""
    return WebhookClient(response_url, timeout=TIMEOUT_SECONDS, retry_handlers=retry_handlers())


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
