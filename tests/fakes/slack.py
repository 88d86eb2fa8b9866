"""A local stand-in for the Slack Web API: a real HTTP server on port 0, in a thread.

It records every request whole (method, path, headers, parsed parameters, raw body) so a
test asserts what a partner would have seen, and answers like the Web API:
``auth.test``, ``chat.postMessage`` / ``postEphemeral`` / ``update``, ``views.open`` /
``publish`` / ``update`` / ``push``, ``users.info`` (with ``locale``), ``conversations.info``,
``files.getUploadURLExternal`` → the upload to ``/upload/<file id>`` on itself →
``files.completeUploadExternal``, ``oauth.v2.access``, and ``response_url`` posts
(``/response/<key>``). ``fail_next`` makes it answer 429 + Retry-After or a 5xx.
Posted messages (with their ``metadata``) land in ``history`` the moment the post is
received, as in Slack, however slowly it is answered (``slow``); ``conversations.history``
(newest first, ``limit`` + ``cursor``; metadata only with ``include_all_metadata``) and
``conversations.open`` (a user id -> its DM ``D…``) read them.

    with FakeSlack() as slack:
        client = WebClient(token="xoxb-1", base_url=slack.base_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert slack.calls("chat.postMessage")[0].params["text"] == "hi"
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlparse


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of answers from several answer
    # processes overflowed it, and each dropped SYN cost a 1 s retransmit. Slack does not.
    request_queue_size = 256
    daemon_threads = True

JSON_PARAMS = ("blocks", "attachments", "view", "files", "metadata")


@dataclass
class Recorded:
    method: str  # HTTP method
    path: str
    headers: dict[str, str]
    raw: bytes
    params: dict[str, Any]  # query + form or JSON body; JSON-valued form fields parsed
    api: str | None  # "chat.postMessage" for /api/chat.postMessage, else None
    at: float = field(default_factory=time.monotonic)

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else self.params.get("token")

    @property
    def json(self) -> Any:
        return json.loads(self.raw or b"null")


class FakeSlack:
    def __init__(self, team_id: str = "T001", team_name: str = "Acme Partners") -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = "UBOT"
        self.bot_id = "BBOT"
        self.requests: list[Recorded] = []
        self.users: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}  # token -> team id (auth.test); unknown -> team_id
        self.channels: dict[str, dict] = {}
        self.uploads: dict[str, bytes] = {}  # file id -> bytes received at the upload URL
        self.oauth_codes: dict[str, dict] = {}  # code -> oauth.v2.access answer
        self._failures: list[tuple[str, int, int | None, str]] = []
        self.delays: dict[str, float] = {}  # api (or "response") -> seconds before answering
        self.history: dict[str, list[dict]] = {}  # conversation id -> messages posted, oldest first
        self._ids = itertools.count(1)
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> "FakeSlack":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                fake._handle(self)

            def do_POST(self):
                fake._handle(self)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str | None = None) -> str:
        return f"{self.url}/response/{key or next(self._ids)}"

    # --- test controls -------------------------------------------------------------------
    def add_user(self, user_id: str, *, name: str = "", locale: str = "en-US", email: str | None = None,
                 team_id: str | None = None, tz: str = "America/Sao_Paulo") -> dict:
        user = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name or user_id.lower(),
            "real_name": name or user_id,
            "tz": tz,
            "locale": locale,
            "is_bot": False,
            "profile": {"real_name": name or user_id, "display_name": name or user_id,
                        "email": email or f"{user_id.lower()}@example.com"},
        }
        self.users[user_id] = user
        return user

    def fail_next(self, api: str = "*", *, status: int = 429, retry_after: int | None = 1,
                  error: str = "ratelimited", times: int = 1) -> None:
        """The next ``times`` calls of ``api`` ("*": any) answer ``status`` (429 with Retry-After)."""
        with self._lock:
            for _ in range(times):
                self._failures.append((api, status, retry_after if status == 429 else None, error))

    def slow(self, api: str, seconds: float) -> None:
        """Answer ``api`` (or ``"response"`` for response_url posts) only after ``seconds``;
        the request is recorded at once, so a test can act while it is in flight."""
        self.delays[api] = seconds

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    # --- queries -------------------------------------------------------------------------
    def calls(self, api: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.api == api]

    def files_in(self, conversation: str) -> list[str]:
        """Titles of the files uploaded into one conversation (its files.completeUploadExternal
        calls): who can see a file is decided by where it was completed."""
        return [f.get("title") for r in self.calls("files.completeUploadExternal")
                if r.params.get("channel_id") == conversation for f in r.params.get("files") or []]

    def responses(self, key: str | None = None) -> list[Recorded]:
        """Posts to response URLs (all, or those of one key)."""
        prefix = "/response/" + (key if key is not None else "")
        with self._lock:
            return [r for r in self.requests if r.path.startswith(prefix) and (key is None or r.path == prefix)]

    def wait_for(self, predicate: Callable[[Recorded], bool] | str, timeout: float = 10.0,
                 count: int = 1) -> list[Recorded]:
        """Block until ``count`` recorded requests match (an API name or a predicate)."""
        if isinstance(predicate, str):
            api = predicate
            predicate = lambda r: r.api == api  # noqa: E731
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                hits = [r for r in self.requests if predicate(r)]
                if len(hits) >= count:
                    return hits
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [r.api or r.path for r in self.requests]
                    raise AssertionError(f"the Slack stand-in did not receive the expected request; saw {seen}")
                self._lock.wait(left)

    def wait_for_response(self, key: str, timeout: float = 10.0) -> dict:
        """The JSON body of the first post to ``response_url(key)``."""
        return self.wait_for(lambda r: r.path == f"/response/{key}", timeout)[0].json

    # --- the server side -----------------------------------------------------------------
    def _handle(self, http: BaseHTTPRequestHandler) -> None:
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        parsed = urlparse(http.path)
        params: dict[str, Any] = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        ctype = (http.headers.get("Content-Type") or "").lower()
        if raw and "application/json" in ctype:
            try:
                body = json.loads(raw)
                if isinstance(body, dict):
                    params.update(body)
            except ValueError:
                pass
        elif raw and "application/x-www-form-urlencoded" in ctype and not parsed.path.startswith("/upload/"):
            # (uploads are raw file bytes, e.g. a PNG, whatever content type the SDK sets)
            params.update({k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()})
        for key in JSON_PARAMS:
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        api = parsed.path[len("/api/"):] if parsed.path.startswith("/api/") else None
        record = Recorded(method=http.command, path=parsed.path,
                          headers={k.lower(): v for k, v in http.headers.items()},
                          raw=raw, params=params, api=api)
        failure = self._take_failure(api or parsed.path)
        with self._lock:
            self.requests.append(record)
            self._lock.notify_all()
        # A post is in the channel once Slack has it, whenever the answer comes back.
        posted = self._answer(api, params, record) if api == "chat.postMessage" and failure is None else None
        delay = self.delays.get("response" if parsed.path.startswith("/response/") else (api or ""))
        if delay:
            time.sleep(delay)
        if failure is not None:
            _api, status, retry_after, error = failure
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            self._send(http, status, {"ok": False, "error": error}, headers)
            return
        if parsed.path.startswith("/response/"):
            self._send(http, 200, None, text="ok")
        elif parsed.path.startswith("/upload/"):
            self.uploads[parsed.path.rsplit("/", 1)[1]] = raw
            self._send(http, 200, None, text=f"OK - {len(raw)}")
        elif api is not None:
            self._send(http, 200, posted or self._answer(api, params, record))
        else:
            self._send(http, 404, {"ok": False, "error": "not_found"})

    def _take_failure(self, api: str):
        with self._lock:
            for i, failure in enumerate(self._failures):
                if failure[0] in ("*", api):
                    return self._failures.pop(i)
        return None

    @staticmethod
    def _send(http, status: int, body: Any, headers: dict | None = None, text: str | None = None) -> None:
        data = text.encode() if text is not None else json.dumps(body).encode()
        http.send_response(status)
        http.send_header("Content-Type", "text/plain" if text is not None else "application/json; charset=utf-8")
        http.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            http.send_header(k, v)
        http.end_headers()
        try:
            http.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting (its timeout); Slack would not notice either

    @staticmethod
    def _conversation(channel: str) -> str:
        # Posting to a user id posts in the bot's DM with that user.
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _history(self, p: dict) -> dict:
        with self._lock:
            messages = list(reversed(self.history.get(p.get("channel", ""), [])))  # newest first
        start = int(p.get("cursor") or 0)
        limit = int(p.get("limit") or 100)
        page = [dict(m) for m in messages[start:start + limit]]
        if str(p.get("include_all_metadata", "")).lower() not in ("true", "1"):
            for m in page:
                m.pop("metadata", None)
        more = start + limit < len(messages)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _ts(self) -> str:
        return f"1760000000.{next(self._ids):06d}"

    def _answer(self, api: str, p: dict, record: Recorded) -> dict:
        if api == "auth.test":
            team = self.tokens.get(record.token or "", self.team_id)
            return {"ok": True, "url": f"https://{team.lower()}.slack.com/", "team": self.team_name,
                    "user": "partnerhub", "team_id": team, "user_id": self.bot_user_id,
                    "bot_id": self.bot_id, "is_enterprise_install": False}
        if api == "chat.postMessage":
            ts = self._ts()
            message = {"type": "message", "text": p.get("text"), "blocks": p.get("blocks"), "ts": ts,
                       "bot_id": self.bot_id}
            if p.get("metadata"):
                message["metadata"] = p["metadata"]
            with self._lock:
                self.history.setdefault(self._conversation(p.get("channel") or ""), []).append(message)
            return {"ok": True, "channel": p.get("channel"), "ts": ts, "message": message}
        if api == "conversations.open":
            users = str(p.get("users") or "")
            if not users:
                return {"ok": False, "error": "users_list_not_supplied"}
            return {"ok": True, "channel": {"id": self._conversation(users.split(",")[0]), "is_im": True}}
        if api == "conversations.history":
            return self._history(p)
        if api == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._ts()}
        if api == "chat.update":
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text")}
        if api in ("views.open", "views.publish", "views.update", "views.push"):
            view = dict(p.get("view") or {})
            view.setdefault("id", p.get("view_id") or f"V{next(self._ids):05d}")
            return {"ok": True, "view": view}
        if api == "users.info":
            user = self.users.get(p.get("user", ""))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            user = dict(user)
            if str(p.get("include_locale", "")).lower() not in ("true", "1"):
                user.pop("locale", None)
            return {"ok": True, "user": user}
        if api == "conversations.info":
            cid = p.get("channel", "")
            channel = self.channels.get(cid, {"id": cid, "name": cid.lower(), "is_member": True})
            return {"ok": True, "channel": channel}
        if api == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):05d}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if api == "files.completeUploadExternal":
            files = p.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title"),
                                           "name": f.get("title"), "size": len(self.uploads.get(f.get("id"), b""))}
                                          for f in files]}
        if api == "oauth.v2.access":
            answer = self.oauth_codes.get(p.get("code", ""))
            return answer or {"ok": False, "error": "invalid_code"}
        if api in ("apps.uninstall", "auth.revoke"):
            return {"ok": True}
        return {"ok": False, "error": "unknown_method"}
