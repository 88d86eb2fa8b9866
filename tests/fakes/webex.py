"""A local Webex stand-in: a real HTTP server on port 0, in a thread.

It serves the Webex endpoints the connector calls (docs/webex-sources.md), from plain
Python data the test fills in, with multi-page ``Link`` pagination, and can be told to
misbehave: answer 429 + Retry-After, 5xx, a 451 region redirect for call history, a
malformed item, or 500 for every organization after the first N. Every request is
recorded (method, path, query, headers, JSON body).

    with FakeWebex(token="t0k") as wx:
        wx.add_org("org-1", "Acme")
        settings = Settings(webex_api_url=wx.url, webex_token="t0k", webex_cdr_url=wx.cdr_url("us"))
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.fakes.webex_org_data import OrgDataRoutes
from tests.fakes.webex_reports import PartnerReportRoutes


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Failure:
    status: int  # 0: no error, but answer only after ``delay_s`` (a timeout)
    retry_after: str | None = None
    path_contains: str = ""
    times: int = 1
    body: dict | None = None
    delay_s: float = 0.0


@dataclass
class FakeWebex(OrgDataRoutes, PartnerReportRoutes):  # + sign-in, region, locations, PSTN, people; Partner Reports
    token: str = "fake-token"
    page_size: int = 2  # small, so that every listing spans several pages
    orgs: list[dict] = field(default_factory=list)
    licenses: dict[str, list] = field(default_factory=dict)
    org_tags: dict[str, list[dict]] = field(default_factory=dict)
    admins: dict[str, list] = field(default_factory=dict)
    devices: dict[str, list] = field(default_factory=dict)
    numbers: dict[str, list] = field(default_factory=dict)
    cdr: dict[str, list] = field(default_factory=dict)
    cdr_region: dict[str, str] = field(default_factory=dict)  # org -> "us" | "eu" ...
    wholesale: list[dict] | None = None  # None: not a wholesale partner (403)
    requests: list[Recorded] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    fail_after_orgs: int | None = None  # org-scoped calls for later orgs answer 500
    null_max_in_next: bool = True  # next links carry max=null, as some real ones do
    next_link_root: str | None = None  # set: next links point at this other server (a hostile page)
    delay_s: float = 0.0  # every answer waits this long (concurrency and timeout tests)
    max_in_flight: int = 0  # the most requests handled at once

    def __post_init__(self):
        self._lock = threading.Lock()
        self._orgs_served: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._counter = 0
        self._in_flight = 0

    # -- data ----------------------------------------------------------------------
    def add_org(self, org_id: str, name: str, created: str | None = "2025-03-01T10:00:00.000Z") -> None:
        org = {"id": org_id, "displayName": name}
        if created is not None:
            org["created"] = created
        self.orgs.append(org)

    def fail_next(self, status: int, *, retry_after: str | None = None, path_contains: str = "",
                  times: int = 1, body: dict | None = None, delay_s: float = 0.0) -> None:
        self.failures.append(Failure(status, retry_after, path_contains, times, body, delay_s))

    def calls(self, path_contains: str = "", method: str | None = None) -> list[Recorded]:
        return [r for r in self.requests
                if path_contains in r.path and (method is None or r.method == method)]

    # -- server --------------------------------------------------------------------
    def start(self) -> "FakeWebex":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # keep test output clean
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

            def do_DELETE(self):
                fake._handle(self, "DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "FakeWebex":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.root}/v1"

    def cdr_url(self, region: str = "us") -> str:
        return f"{self.root}/analytics-{region}/v1"

    # -- request handling ---------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay_s:
                time.sleep(self.delay_s)
            self._answer(h, method)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, dict(h.headers.items()), body))
            self._counter += 1
            tracking = f"ROUTER_fake_{self._counter}"
        if h.headers.get("Authorization") != f"Bearer {self.token}":
            return self._send(h, 401, {"message": "The request requires a valid access token set "
                                                  "in the Authorization request header.",
                                       "errors": [], "trackingId": tracking})
        with self._lock:
            failure = next((f for f in self.failures if f.path_contains in parts.path), None)
            if failure:
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
        if failure and failure.delay_s:
            time.sleep(failure.delay_s)
        if failure and failure.status:
            headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
            payload = failure.body or {"message": "injected failure", "errors": [],
                                       "trackingId": tracking}
            return self._send(h, failure.status, payload, headers)
        org = self._org_of(parts.path, query)
        if org and self.fail_after_orgs is not None:
            with self._lock:
                if org not in self._orgs_served:
                    self._orgs_served.append(org)
                blocked = self._orgs_served.index(org) >= self.fail_after_orgs
            if blocked:
                return self._send(h, 500, {"message": "Internal Server Error", "errors": [],
                                           "trackingId": tracking})
        try:
            status, payload, headers = self._route(method, parts.path, query, body, tracking)
        except KeyError:
            status, payload, headers = 404, {"message": "not found", "trackingId": tracking}, {}
        self._send(h, status, payload, headers)

    @staticmethod
    def _org_of(path: str, query: dict) -> str | None:
        if "orgId" in query:
            return query["orgId"]
        for prefix in ("/v1/partner/tags/organizations/", "/v1/partner/organizations/"):
            if path.startswith(prefix):
                rest = path[len(prefix):].split("/")[0]
                return rest or None
        return None

    def _page(self, path: str, query: dict, items: list, key: str = "items"):
        if query.get("max") == "null":
            return 400, {"message": "Invalid max"}, {}
        size = int(query.get("max") or self.page_size)
        size = min(size, self.page_size)
        start = int(query.get("start") or 0)
        page = items[start:start + size]
        headers = {}
        if start + size < len(items):
            nxt = dict(query, start=str(start + size))
            if self.null_max_in_next:
                nxt["max"] = "null"
            headers["Link"] = f'<{self.next_link_root or self.root}{path}?{urlencode(nxt)}>; rel="next"'
        return 200, {key: page}, headers

    def _route(self, method: str, path: str, query: dict, body: Any, tracking: str):
        answer = self._org_data_route(method, path, query, tracking)
        if answer is None:
            answer = self._partner_report_route(method, path, query, body, tracking)
        if answer is not None:
            return answer
        if method == "GET" and path == "/v1/organizations":
            return 200, {"items": list(self.orgs)}, {}
        if method == "GET" and path == "/v1/wholesale/customers":
            if self.wholesale is None:
                return 403, {"message": "Not a wholesale partner", "errors": [], "trackingId": tracking}, {}
            return self._page(path, query, self.wholesale)
        if method == "GET" and path == "/v1/licenses":
            return self._page(path, query, self.licenses.get(query["orgId"], []))
        if method == "GET" and path == "/v1/devices":
            return self._page(path, query, self.devices.get(query["orgId"], []))
        if method == "GET" and path == "/v1/telephony/config/numbers":
            return self._page(path, query, self.numbers.get(query["orgId"], []), key="phoneNumbers")
        if path.startswith("/v1/partner/tags/organizations/"):
            rest = path[len("/v1/partner/tags/organizations/"):].split("/")
            org = rest[0]
            if method == "GET" and len(rest) == 1:
                name = next((o["displayName"] for o in self.orgs if o["id"] == org), "")
                return 200, {"orgName": name, "orgId": org, "tags": self.org_tags.get(org, [])}, {}
            if method == "POST" and rest[1:] == ["assignTags"]:
                tags = (body or {}).get("tags")
                if not isinstance(tags, list) or len(tags) > 5 or any(
                        len(t.get("name", "")) > 25 for t in tags):
                    return 400, {"message": "Invalid tags", "trackingId": tracking}, {}
                self.org_tags[org] = [{"name": t["name"], "description": t.get("description", "")}
                                      for t in tags]
                return 204, None, {}
        if path.startswith("/v1/partner/organizations/"):
            rest = path[len("/v1/partner/organizations/"):].split("/")
            org = rest[0]
            if method == "GET" and rest[1:] == ["partnerAdmins"]:
                return self._page(path, query, self.admins.get(org, []))
            if len(rest) == 4 and rest[1] == "partnerAdmin":
                person, action = rest[2], rest[3]
                admins = self.admins.setdefault(org, [])
                if method == "POST" and action == "assign":
                    if not any(a.get("id") == person for a in admins):
                        admins.append({"id": person, "displayName": person, "emails": [],
                                       "roleInCustomerOrg": "id_full_admin"})
                    return 204, None, {}
                if method == "DELETE" and action == "unassign":
                    self.admins[org] = [a for a in admins if a.get("id") != person]
                    return 204, None, {}
        if method == "GET" and path.endswith("/v1/cdr_feed") and path.startswith("/analytics-"):
            return self._cdr(path, query, tracking)
        raise KeyError(path)

    def _cdr(self, path: str, query: dict, tracking: str):
        region = path[len("/analytics-"):].split("/")[0]
        org = query.get("orgId", "")
        home = self.cdr_region.get(org, "us")
        if region != home:
            return 451, {"message": f"The data of this organization is hosted in another region; "
                                    f"use {self.cdr_url(home)}/cdr_feed",
                         "errors": [], "trackingId": tracking}, {}
        try:
            start = _parse(query["startTime"])
            end = _parse(query["endTime"])
        except (KeyError, ValueError):
            return 400, {"message": "startTime and endTime are required (YYYY-MM-DDTHH:MM:SS.mmmZ)",
                         "trackingId": tracking}, {}
        if not start < end or (end - start).total_seconds() > 12 * 3600:
            return 400, {"message": "The time window must be at most 12 hours", "trackingId": tracking}, {}
        # Report time is when the call finished. Malformed records (not an object, no
        # readable time) are served in every window, as a broken feed would.
        items = []
        for rec in self.cdr.get(org, []):
            try:
                at = _parse(rec.get("Release time") or rec.get("Start time"))
            except (AttributeError, TypeError, ValueError):
                items.append(rec)
                continue
            if start <= at < end:
                items.append(rec)
        return self._page(path, query, items)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict | None = None):
        raw = isinstance(payload, bytes)  # a file (a Partner Reports download)
        data = payload if raw else b"" if payload is None else json.dumps(payload).encode()
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if data and not raw:
            h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("trackingid", "ROUTER_hdr")
        h.end_headers()
        if data:
            h.wfile.write(data)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
