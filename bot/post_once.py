"""Posting a scheduled message once, even when Slack answers late or a worker dies mid-post.

A post whose answer never came back (a timeout, a connection dropped after the request went
out, a worker killed while waiting) may or may not be in the channel. So every post carries
our delivery id in Slack message metadata (``chat.postMessage`` ``metadata`` =
``{"event_type", "event_payload"}``, https://docs.slack.dev/messaging/message-metadata), and
before any later attempt posts again it reads the conversation's recent history
(``conversations.history`` with ``include_all_metadata``: ``channels:history``,
``groups:history``, ``im:history``) for that id. Found: the message's ``ts`` is recorded
instead of posting.

What the lookup relies on: the earlier post is visible in history by the time the retry
reads it (a retry comes a tick — a minute — after an unanswered post, or a lease after a dead
worker), and it is among the newest ``HISTORY_PAGES`` × ``HISTORY_PAGE_SIZE`` messages.
"""
from __future__ import annotations

import http.client
import logging
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from partnerhub_core.models import Delivery, Schedule, TargetType
from partnerhub_core.settings import Settings

log = logging.getLogger("partnerhub.worker")

EVENT_TYPE = "partnerhub_delivery"
HISTORY_PAGE_SIZE = 200
HISTORY_PAGES = 5


class Unanswered(Exception):
    """The post went out and no answer came back: it may be in the channel."""


def metadata(delivery: Delivery) -> dict:
    """The message metadata that names a delivery (Slack payload values: strings/numbers)."""
    return {"event_type": EVENT_TYPE,
            "event_payload": {"delivery_id": delivery.id, "schedule_id": delivery.schedule_id,
                              "period": delivery.period}}


def posting_client(client: WebClient, settings: Settings) -> WebClient:
    """The client as the worker posts with: the worker's timeout, and no automatic retry of a
    request that may already have reached Slack. slack_sdk's connection-error handler also
    retries a connection reset or a disconnect *after* the request was sent, which would post
    twice; only a URLError (raised while connecting or sending, so Slack never had the whole
    request) is still retried. 429 and 5xx retries stay: Slack did not take those posts."""
    # A new client with the same token and address: the caller's (a listener's) stays as it was.
    return WebClient(
        token=client.token, base_url=client.base_url, headers=dict(client.headers or {}), ssl=client.ssl,
        proxy=client.proxy, timeout=settings.worker_slack_timeout_seconds,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1, error_types=[URLError])
                        if isinstance(h, ConnectionErrorRetryHandler) else h for h in client.retry_handlers],
    )


def post(client: WebClient, schedule: Schedule, delivery: Delivery, message: dict) -> dict:
    """chat.postMessage with the delivery's metadata; ``Unanswered`` when the outcome is unknown."""
    try:
        return client.chat_postMessage(channel=schedule.target_id, text=message.get("text", ""),
                                       blocks=message.get("blocks"), unfurl_links=False,
                                       metadata=metadata(delivery))
    except URLError:
        raise  # never reached Slack whole: a plain failure, retried on a later tick
    except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        raise Unanswered(f"{type(exc).__name__}: {exc}") from exc


def find_posted(client: WebClient, schedule: Schedule, delivery: Delivery) -> tuple[str, str] | None:
    """(conversation id, ts) of this delivery's message when an earlier attempt got it into
    the conversation, else None. Slack errors (e.g. ``missing_scope`` on an install made
    before the history scopes) propagate: without the lookup the worker does not re-post."""
    channel = delivery.channel_id or schedule.target_id
    if schedule.target_type == TargetType.DM and not channel.startswith("D"):
        # A DM was posted to the user id; its history lives under the DM's own id.
        channel = client.conversations_open(users=schedule.target_id)["channel"]["id"]
    cursor = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(channel=channel, limit=HISTORY_PAGE_SIZE, include_all_metadata=True,
                                            cursor=cursor)
        for message in page.get("messages") or []:
            if _names(message.get("metadata"), delivery):
                return channel, message["ts"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return None
    log.warning("delivery %s: not among the newest %s messages of %s; posting it", delivery.id,
                HISTORY_PAGES * HISTORY_PAGE_SIZE, channel)
    return None


def _names(meta: object, delivery: Delivery) -> bool:
    if not isinstance(meta, dict) or meta.get("event_type") != EVENT_TYPE:
        return False
    payload = meta.get("event_payload")
    if not isinstance(payload, dict):
        return False
    return (str(payload.get("delivery_id")) == str(delivery.id)
            and str(payload.get("schedule_id")) == str(delivery.schedule_id)
            and payload.get("period") == delivery.period)
