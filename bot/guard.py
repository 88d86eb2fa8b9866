"""The gate in front of bolt: nothing of a Slack request is believed before its signature.

``guarded(bolt_app, secret)`` is the handler of ``POST /slack/events``. In this order:

1. the headers: exactly one ``X-Slack-Request-Timestamp`` made of ASCII digits, within
   ``TOLERANCE_SECONDS`` of now, and one ``X-Slack-Signature`` of the form ``v0=<64 hex>``;
   otherwise 401 before a byte of the body is read;
2. the body: read as a stream, at most ``MAX_BODY_BYTES`` (a ``Content-Length`` above it is
   refused at once), within ``READ_SECONDS``; 413 / 408 otherwise;
3. the signature: HMAC-SHA256 of ``v0:<timestamp>:<body>`` with the signing secret,
   compared in constant time; 401 otherwise;
4. the shape: UTF-8, parsed the way bolt parses it, a JSON object no deeper than
   ``MAX_DEPTH``, and the fields bolt and our listeners read of the types Slack sends;
   400 otherwise (the request log line says why, at WARNING).

Only then does bolt see the request. A refused request gets its status code and an empty
body, and nothing else happens: no listener, no ``respond()``, no Web API call. Steps 3
and 4 for bodies above ``INLINE_BYTES`` run in a worker thread, so a large body never
holds up the acks of others on the event loop.

Slack's own payloads are a few kilobytes (a modal submission with every field filled in
stays well under 100 KB), so 1 MiB leaves room without letting one request cost much.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.request.internals import parse_body
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

MAX_BODY_BYTES = 1024 * 1024
TOLERANCE_SECONDS = 300  # Slack's own advice: refuse requests older than five minutes
READ_SECONDS = 10.0  # a body trickled in slower than this is abandoned (408)
INLINE_BYTES = 64 * 1024  # below this, verifying and parsing cost less than a thread hop
MAX_DEPTH = 64  # Slack's deepest payloads (rich text inside a message) nest about a dozen levels

_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}", re.ASCII)


class Rejected(Exception):
    """A request refused before bolt: the HTTP status and the reason for the log line."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- 1. headers -------------------------------------------------------------------------
def check_headers(headers, now: float) -> tuple[str, str]:
    """(timestamp, signature) when both headers are well-formed and fresh, else Rejected(401)."""
    stamps = headers.getlist("x-slack-request-timestamp")
    signatures = headers.getlist("x-slack-signature")
    if len(stamps) != 1 or len(signatures) != 1:
        raise Rejected(401, "signature headers missing or repeated")
    stamp, signature = stamps[0].strip(), signatures[0].strip()
    if not _TIMESTAMP.fullmatch(stamp):
        raise Rejected(401, "timestamp is not an integer")
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        raise Rejected(401, "timestamp is not within five minutes")
    if not _SIGNATURE.fullmatch(signature):
        raise Rejected(401, "signature is not v0=<hex>")
    return stamp, signature


# --- 2. body ----------------------------------------------------------------------------
async def read_body(request: Request, limit: int = MAX_BODY_BYTES, seconds: float = READ_SECONDS) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise Rejected(413, "body larger than the limit")
    buffer = bytearray()
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                buffer += chunk
                if len(buffer) > limit:
                    raise Rejected(413, "body larger than the limit")
    except TimeoutError:
        raise Rejected(408, "body not received in time") from None
    except ClientDisconnect:
        raise Rejected(400, "client went away while sending") from None
    return bytes(buffer)


# --- 3. signature -----------------------------------------------------------------------
def signature_matches(secret: bytes, stamp: str, body: bytes, signature: str) -> bool:
    mac = hmac.new(secret, b"v0:" + stamp.encode("ascii") + b":", hashlib.sha256)
    mac.update(body)
    return hmac.compare_digest("v0=" + mac.hexdigest(), signature)


def bolt_request_verified(request: AsyncBoltRequest, secret: str, now: float | None = None) -> bool:
    """The same check on a request bolt already holds (the error handler's last line of
    defence: it answers nobody whose request this does not pass). Socket Mode requests
    arrive over Slack's authenticated connection and carry no signature."""
    if getattr(request, "mode", "http") == "socket_mode":
        return True
    headers = request.headers or {}
    stamps = headers.get("x-slack-request-timestamp") or []
    signatures = headers.get("x-slack-signature") or []
    if len(stamps) != 1 or len(signatures) != 1:
        return False
    stamp, signature = stamps[0].strip(), signatures[0].strip()
    if not _TIMESTAMP.fullmatch(stamp) or not _SIGNATURE.fullmatch(signature):
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > TOLERANCE_SECONDS:
        return False
    raw = request.raw_body if isinstance(request.raw_body, str) else ""
    return signature_matches(secret.encode("utf-8"), stamp, raw.encode("utf-8"), signature)


# --- 4. shape ---------------------------------------------------------------------------
# Fields Slack sends as an object with an "id", as the bare id, or as null.
_ENTITIES = ("team", "enterprise", "user", "channel")
# Fields that, when present, must be objects.
_OBJECTS = ("view", "event", "container", "message", "previous_message", "item", "state",
            "assistant_thread", "function_data", "submission", "selected_option", "values")
# Fields that, when present, must be lists of objects.
_LISTS = ("actions", "authorizations", "response_urls", "selected_options")
# Fields that, when present, must be strings (null allowed where Slack sends it).
_STRINGS = ("type", "token", "team_id", "user_id", "channel_id", "enterprise_id", "trigger_id",
            "response_url", "command", "text", "api_app_id", "callback_id", "action_id", "block_id",
            "event_id", "challenge", "private_metadata", "value", "selected_date", "selected_user",
            "selected_channel", "selected_conversation", "hash", "id", "external_id", "name")


def _check_object(obj: dict, where: str) -> None:
    for key in _ENTITIES:
        value = obj.get(key)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, dict) or not isinstance(value.get("id"), (str, type(None))):
            raise Rejected(400, f"{where}{key} is not an id or an object with an id")
    for key in _OBJECTS:
        if key in obj and not isinstance(obj[key], dict):
            # "selected_option": null is what Slack sends for a cleared select
            if key == "selected_option" and obj[key] is None:
                continue
            raise Rejected(400, f"{where}{key} is not an object")
    for key in _LISTS:
        if key in obj and not (isinstance(obj[key], list) and all(isinstance(v, dict) for v in obj[key])):
            raise Rejected(400, f"{where}{key} is not a list of objects")
    for key in _STRINGS:
        if key in obj and not isinstance(obj[key], (str, type(None))):
            if key in ("id", "name", "value", "text") and where.startswith(("event.", "message.", "view.blocks")):
                continue  # free-form inside events and messages (e.g. a text object)
            if key == "text" and isinstance(obj[key], dict):
                continue  # a Block Kit text object
            raise Rejected(400, f"{where}{key} is not a string")


def _check_kind(payload: dict) -> None:
    """What bolt's matchers index without looking, per payload type."""
    kind = payload.get("type")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not actions or not all(isinstance(a.get("action_id"), str) for a in actions):
            raise Rejected(400, "block_actions without actions")
    elif kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
            raise Rejected(400, f"{kind} without a view")
    elif kind == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise Rejected(400, "event_callback without an event")
    elif kind in ("shortcut", "message_action") and not isinstance(payload.get("callback_id"), str):
        raise Rejected(400, f"{kind} without a callback_id")


def check_shape(payload) -> None:
    """Raise Rejected(400) unless ``payload`` is an object of the shape bolt and our
    listeners read: checked at every level, so a nested field cannot surprise them."""
    if not isinstance(payload, dict) or not payload:
        raise Rejected(400, "body is not a JSON object")
    # Iterative walk: a deep body must not exhaust the stack here either.
    stack: list[tuple[object, int, str]] = [(payload, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise Rejected(400, "body nested too deeply")
        if isinstance(node, dict):
            # The levels bolt and our listeners read; the keys of view.state.values are block ids.
            if depth <= 4 and not where.endswith("values."):
                _check_object(node, where)
            stack.extend((v, depth + 1, f"{where}{k}.") for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1, where) for v in node if isinstance(v, (dict, list)))
    _check_kind(payload)
    view = payload.get("view")
    if isinstance(view, dict):
        values = (view.get("state") or {}).get("values", {})
        if not isinstance(values, dict) or not all(
                isinstance(block, dict) and all(isinstance(a, dict) for a in block.values())
                for block in values.values()):
            raise Rejected(400, "view.state.values is not {block: {action: object}}")


def parse(body: bytes, content_type: str | None) -> tuple[str, dict]:
    """(text, payload) of a verified body, parsed exactly as bolt will parse it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    kind = content_type.split(";")[0] if content_type else None
    try:
        payload = parse_body(text, kind)
    except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
        raise Rejected(400, "body is not JSON or a form") from None
    check_shape(payload)
    return text, payload


# --- the route --------------------------------------------------------------------------
@dataclass
class Verified:
    text: str
    payload: dict


def verify_and_parse(secret: bytes, stamp: str, signature: str, body: bytes,
                     content_type: str | None) -> Verified:
    if not signature_matches(secret, stamp, body, signature):
        raise Rejected(401, "signature does not match")
    return Verified(*parse(body, content_type))


def guarded(app: AsyncApp, signing_secret: str, clock: Callable[[], float] = time.time):
    """The ``POST /slack/events`` handler: the checks above, then bolt."""
    secret = signing_secret.encode("utf-8")

    async def handle(request: Request) -> Response:
        try:
            stamp, signature = check_headers(request.headers, clock())
            body = await read_body(request)
            content_type = request.headers.get("content-type")
            if len(body) > INLINE_BYTES:
                verified = await asyncio.to_thread(verify_and_parse, secret, stamp, signature, body, content_type)
            else:
                verified = verify_and_parse(secret, stamp, signature, body, content_type)
        except Rejected as rejected:
            request.state.rejected = rejected.reason
            return Response(status_code=rejected.status)
        request.state.slack_payload = verified.payload
        bolt_request = AsyncBoltRequest(body=verified.text, query=request.query_params,
                                        headers=request.headers)
        return to_starlette_response(await app.async_dispatch(bolt_request))

    return handle


# --- /slack/install and /slack/oauth_redirect ------------------------------------------
class RateLimit:
    """At most ``limit`` requests per ``seconds`` per client address (a sliding window).

    Each GET of /slack/install writes an OAuth state row; without this a stranger could
    write rows as fast as they can send requests. Remembers at most ``max_clients``."""

    def __init__(self, limit: int, seconds: float, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.seconds, self.max_clients, self.clock = limit, seconds, max_clients, clock
        self._hits: OrderedDict[str, list[float]] = OrderedDict()

    def allow(self, client: str) -> bool:
        now = self.clock()
        hits = [t for t in self._hits.pop(client, []) if now - t < self.seconds]
        allowed = len(hits) < self.limit
        if allowed:
            hits.append(now)
        self._hits[client] = hits
        while len(self._hits) > self.max_clients:
            self._hits.popitem(last=False)  # the client seen least recently
        return allowed


def rate_limited(handler, limit: RateLimit, overall: RateLimit | None = None):
    """``limit`` per client address; ``overall`` for all clients together (an address is
    easy to vary: behind the platform's router it comes from X-Forwarded-For)."""
    async def handle(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        if not limit.allow(client) or (overall is not None and not overall.allow("*")):
            request.state.rejected = "too many requests from this client"
            return Response(status_code=429, headers={"Retry-After": str(int(limit.seconds))})
        return await handler(request)

    return handle


def payload_of(request: Request) -> Mapping:
    """The verified payload of a request that got past the gate, else an empty dict."""
    return getattr(request.state, "slack_payload", None) or {}


__all__ = ["MAX_BODY_BYTES", "TOLERANCE_SECONDS", "Rejected", "RateLimit", "guarded", "rate_limited",
           "bolt_request_verified", "check_shape", "parse", "payload_of"]
