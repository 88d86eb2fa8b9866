"""A client for the public Webex REST API (docs/webex-sources.md lists what it reads).

What it does for every call:
- ``Authorization: Bearer <token>`` and our own ``TrackingID`` header (helps Cisco support);
- RFC 5988 ``Link: rel="next"`` pagination, following the next URL as given (it carries
  the filters) minus the ``max=null`` some next URLs are known to hold; a page without its
  list (``items``) is an error, not an empty page;
- the token goes only to Webex: every request (a next link, a 451 region redirect, a URL
  given as a path) must be on a configured Webex host (``webex_api_url``, ``webex_cdr_url``,
  the client's base URL) or one of its documented regional variants (``analytics-calling``
  -> ``analytics-calling-eu`` …, same domain, https). Anything else stops with
  ``ForeignHostError`` before a byte is sent;
- 429/423: waits ``Retry-After`` seconds (a default when missing, capped), a bounded
  number of times;
- 5xx, timeouts and connection errors: retries with exponential backoff;
- at most ``webex_concurrency`` requests in flight per token, across threads;
- failures raise ``UpstreamError`` naming the call and the tracking id, which the log
  line carries too. The token never appears in a log line or an error.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from partnerhub_core.errors import NotSetUp, UpstreamError
from partnerhub_core.i18n import N_
from partnerhub_core.settings import Settings
from partnerhub_core.sources.webex_hosts import WebexHosts, region_host_from_451  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

RATE_LIMITED = (429, 423)
RETRYABLE = (500, 502, 503, 504)

# One semaphore per token (keyed by a hash, never the token): the limit holds across
# every client object and thread of the process using that token.
_SEMAPHORES: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_SEMAPHORES_LOCK = threading.Lock()


def _token_semaphore(token: str, size: int) -> threading.BoundedSemaphore:
    key = (hashlib.sha256(token.encode()).hexdigest()[:16], size)
    with _SEMAPHORES_LOCK:
        sem = _SEMAPHORES.get(key)
        if sem is None:
            sem = _SEMAPHORES[key] = threading.BoundedSemaphore(size)
        return sem


def drop_null_max(url: str) -> str:
    """Remove ``max=null`` (seen in real next links) and keep every other parameter."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not (k == "max" and v in ("null", "None", ""))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def parse_retry_after(value: str | None, *, default: float, cap: float) -> float:
    """Seconds to wait: the header when it is a number, else ``default``; never above ``cap``."""
    try:
        wait = float(value) if value is not None else default
    except ValueError:
        wait = default  # an HTTP-date or garbage: Webex sends seconds, so be conservative
    if wait != wait or wait < 0:  # NaN or negative
        wait = default
    return min(wait, cap)


class WebexHTTPError(UpstreamError):
    """A call that failed for good. ``status`` is 0 when no HTTP answer came back."""

    def __init__(self, *, method: str, path: str, status: int, detail: str, tracking_id: str,
                 body: Any = None):
        self.status = status
        self.body = body
        self.tracking_id = tracking_id
        super().__init__(
            N_("Webex {method} {path} failed ({status}): {detail} (trackingId {tracking_id})"),
            method=method, path=path, status=status or "no answer", detail=detail,
            tracking_id=tracking_id,
        )


class ForeignHostError(WebexHTTPError):
    """Webex pointed us (a next link, a 451 redirect) at a host that is not Webex's. Nothing
    was sent there: the part that followed the link stops with this error."""

    MESSAGES = {
        "next": N_("Webex's next-page link points to {host}, which is not a Webex host: the listing "
                   "stopped there, and the token was not sent."),
        "redirect": N_("Webex's region redirect points to {host}, which is not a Webex host: stopped "
                       "there, and the token was not sent."),
        "url": N_("{host} is not a Webex host: nothing was sent there (the token goes only to Webex)."),
    }

    def __init__(self, *, url: str, via: str):
        self.status = 0
        self.body = None
        self.tracking_id = "-"
        self.url = url
        UpstreamError.__init__(self, self.MESSAGES[via], host=urlsplit(url).netloc or url[:100])


class WebexClient:
    """Synchronous and thread-safe: sync fetches several organizations in parallel with it."""

    def __init__(
        self,
        *,
        settings: Settings,
        token: str | SecretStr | None = None,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        if isinstance(token, SecretStr):
            token = token.get_secret_value()
        if token is None and settings.webex_token is not None:
            token = settings.webex_token.get_secret_value()
        if not token:
            raise NotSetUp(N_("No Webex token is configured: set PARTNERHUB_WEBEX_TOKEN or store "
                              "one for this partner."))
        self._token = token
        self.settings = settings
        self.base_url = (base_url or settings.webex_api_url).rstrip("/")
        self._sleep = sleep
        self._sem = _token_semaphore(token, settings.webex_concurrency)
        self._hosts = WebexHosts(self.base_url, settings.webex_api_url, settings.webex_cdr_url)
        self._http = httpx.Client(
            timeout=settings.webex_timeout_s,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport,
            follow_redirects=False,
        )

    # -- plumbing ------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "WebexClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def is_webex(self, url: str) -> bool:
        """Whether ``url`` is on a configured Webex host or a documented regional variant."""
        return self._hosts.allows(url)

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _short(self, url: str) -> str:
        """The URL without scheme and host, for logs and messages."""
        parts = urlsplit(url)
        return urlunsplit(("", "", parts.path, parts.query, ""))

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                accept: tuple[int, ...] = ()) -> httpx.Response:
        """One call with the retry rules. Statuses in ``accept`` are returned, not raised."""
        url = self.url(path)
        if not self.is_webex(url):
            log.error("webex %s: %s is not a Webex host; not sent", method, urlsplit(url).netloc or "?")
            raise ForeignHostError(url=url, via="url")
        shown = self._short(str(httpx.URL(url, params=params) if params else url))
        s = self.settings
        retries = rate_waits = 0
        while True:
            tracking = f"partnerhub_{uuid.uuid4()}"
            try:
                with self._sem:
                    resp = self._http.request(method, url, params=params, json=json,
                                              headers={"TrackingID": tracking})
            except httpx.TransportError as exc:  # timeouts, refused connections, resets
                kind = type(exc).__name__
                if retries < s.webex_max_retries:
                    wait = self._backoff(retries)
                    retries += 1
                    log.warning("webex %s %s: %s; retry %d/%d in %.2fs (trackingId=%s)", method,
                                shown, kind, retries, s.webex_max_retries, wait, tracking)
                    self._sleep(wait)
                    continue
                log.error("webex %s %s: %s after %d retries (trackingId=%s)", method,
                          shown, kind, retries, tracking)
                raise WebexHTTPError(method=method, path=shown, status=0,
                                     detail=self._scrub(kind), tracking_id=tracking) from None
            status = resp.status_code
            if status < 400 or status in accept:
                return resp
            tid = self._tracking_id(resp) or tracking
            if status in RATE_LIMITED and rate_waits < s.webex_max_rate_limit_waits:
                wait = parse_retry_after(resp.headers.get("Retry-After"),
                                         default=s.webex_retry_after_default_s,
                                         cap=s.webex_retry_after_cap_s)
                rate_waits += 1
                log.warning("webex %s %s: %d, waiting %.2fs (trackingId=%s)", method,
                            shown, status, wait, tid)
                self._sleep(wait)
                continue
            if status in RETRYABLE and retries < s.webex_max_retries:
                wait = self._backoff(retries)
                if "Retry-After" in resp.headers:
                    wait = parse_retry_after(resp.headers["Retry-After"], default=wait,
                                             cap=s.webex_retry_after_cap_s)
                retries += 1
                log.warning("webex %s %s: %d; retry %d/%d in %.2fs (trackingId=%s)", method,
                            shown, status, retries, s.webex_max_retries, wait, tid)
                self._sleep(wait)
                continue
            body = _json_or_none(resp)
            detail = self._scrub(_error_detail(resp, body))
            # A 451 is the call history's region redirect: expected, the caller follows it.
            log.log(logging.INFO if status == 451 else logging.ERROR, "webex %s %s: %d %s (trackingId=%s)",
                    method, shown, status, detail, tid)
            raise WebexHTTPError(method=method, path=shown, status=status,
                                 detail=detail, tracking_id=tid, body=body)

    def _backoff(self, attempt: int) -> float:
        return min(self.settings.webex_backoff_s * (2 ** attempt), self.settings.webex_retry_after_cap_s)

    @staticmethod
    def _tracking_id(resp: httpx.Response) -> str:
        body = _json_or_none(resp)
        if isinstance(body, dict) and isinstance(body.get("trackingId"), str):
            return body["trackingId"]
        return resp.headers.get("trackingid", "")

    def get_json(self, path: str, params: dict | None = None) -> Any:
        resp = self.request("GET", path, params=params)
        body = _json_or_none(resp)
        if body is None:
            raise WebexHTTPError(method="GET", path=self._short(self.url(path)), status=resp.status_code,
                                 detail="not JSON", tracking_id=self._tracking_id(resp) or "-")
        return body

    def pages(self, path: str, params: dict | None = None,
              absent: tuple[int, ...] = ()) -> Iterator[tuple[Any, httpx.Response]]:
        """Each page's JSON body, following ``Link: rel="next"`` as given. A status in
        ``absent`` (say 403 for an API this partner does not have) ends it quietly."""
        url, query = self.url(path), params
        seen: set[str] = set()
        while True:
            resp = self.request("GET", url, params=query, accept=absent)
            if resp.status_code in absent:
                return
            body = _json_or_none(resp)
            if body is None:
                raise WebexHTTPError(method="GET", path=self._short(url), status=resp.status_code,
                                     detail="not JSON", tracking_id=self._tracking_id(resp) or "-")
            yield body, resp
            nxt = resp.links.get("next", {}).get("url")
            if not nxt:
                return
            nxt = drop_null_max(str(resp.url.join(nxt)))  # a relative link stays on this host
            if not self.is_webex(nxt):
                # A listing cut short here is not complete: stop this part with an error.
                log.error("webex GET %s: next link to %s, not a Webex host; stopped, token not sent",
                          self._short(url), urlsplit(nxt).netloc or "?")
                raise ForeignHostError(url=nxt, via="next")
            if nxt in seen:  # a server that loops would otherwise keep us here forever
                log.error("webex GET %s: next link repeats, stopping", self._short(nxt))
                return
            seen.add(nxt)
            url, query = nxt, None  # the next URL already carries the filters

    def paginate(self, path: str, params: dict | None = None, key: str = "items",
                 absent: tuple[int, ...] = ()) -> Iterator[dict]:
        """Every item of every page under ``key``; non-object items are logged and skipped.
        A page without the ``key`` list is an error: an empty listing says ``"items": []``."""
        for body, resp in self.pages(path, params, absent):
            items = body.get(key) if isinstance(body, dict) else body
            if not isinstance(items, list):
                detail = f"the answer has no {key!r} list" if items is None else f"{key!r} is not a list"
                log.error("webex GET %s: %s", self._short(str(resp.url)), detail)
                raise WebexHTTPError(method="GET", path=self._short(str(resp.url)), status=resp.status_code,
                                     detail=detail, tracking_id=self._tracking_id(resp) or "-")
            for item in items:
                if isinstance(item, dict):
                    yield item
                else:
                    log.warning("webex GET %s: skipped a malformed item (%s)", self._short(self.url(path)),
                                type(item).__name__)

    # -- endpoints -----------------------------------------------------------------
    def organizations(self) -> list[dict]:
        return list(self.paginate("organizations"))

    def wholesale_customers(self) -> list[dict]:
        """Wholesale customers (``{orgId, externalId, status, …}``); [] for a partner
        without the wholesale offer (403/404)."""
        return list(self.paginate("wholesale/customers", absent=(403, 404)))

    def partner_managed_orgs(self, person_id: str) -> list[dict]:
        """Customers assigned to one plain partner admin: ``[{orgId, role}]``."""
        return list(self.paginate("partner/organizations", {"managedBy": person_id}))

    def licenses(self, org_id: str) -> list[dict]:
        return list(self.paginate("licenses", {"orgId": org_id}))

    def org_tags(self, org_id: str) -> list[dict]:
        body = self.get_json(f"partner/tags/organizations/{org_id}")
        tags = body.get("tags") if isinstance(body, dict) else None
        return [t for t in (tags or []) if isinstance(t, dict) and isinstance(t.get("name"), str)]

    def assign_org_tags(self, org_id: str, tags: list[dict]) -> None:
        """Replaces every tag of the organization (``[]`` clears)."""
        self.request("POST", f"partner/tags/organizations/{org_id}/assignTags", json={"tags": tags})

    def partner_admins(self, org_id: str) -> list[dict]:
        return list(self.paginate(f"partner/organizations/{org_id}/partnerAdmins"))

    def assign_partner_admin(self, org_id: str, person_id: str) -> None:
        self.request("POST", f"partner/organizations/{org_id}/partnerAdmin/{person_id}/assign")

    def unassign_partner_admin(self, org_id: str, person_id: str) -> None:
        self.request("DELETE", f"partner/organizations/{org_id}/partnerAdmin/{person_id}/unassign")

    def devices(self, org_id: str, page_size: int = 100) -> list[dict]:
        return list(self.paginate("devices", {"orgId": org_id, "max": page_size}))

    def numbers(self, org_id: str, page_size: int = 1000) -> list[dict]:
        return list(self.paginate("telephony/config/numbers", {"orgId": org_id, "max": page_size},
                                  key="phoneNumbers"))

    def cdr_feed(self, *, org_id: str, start: str, end: str, host: str | None = None,
                 page_size: int = 5000) -> tuple[list[dict], str]:
        """Detailed call history of one window (at most 12 hours) for one organization.

        Returns (records, host used). A 451 names the organization's regional host in its
        body; the call is repeated there once and the caller keeps the host for next time.
        """
        host = (host or self.settings.webex_cdr_url).rstrip("/")
        params = {"startTime": start, "endTime": end, "orgId": org_id, "max": page_size}
        for _attempt in range(2):
            try:
                return list(self.paginate(f"{host}/cdr_feed", params)), host
            except WebexHTTPError as exc:
                redirect = region_host_from_451(exc.body) if exc.status == 451 else None
                if not redirect or redirect == host:
                    raise
                if not self.is_webex(redirect):
                    log.error("webex cdr_feed: 451 names %s, not a Webex host; token not sent",
                              urlsplit(redirect).netloc or "?")
                    raise ForeignHostError(url=redirect, via="redirect") from None
                log.info("webex cdr_feed: org data lives on %s (451 from %s)", redirect, host)
                host = redirect
        raise WebexHTTPError(method="GET", path="/cdr_feed", status=451,
                             detail="region redirect loop", tracking_id="-")


def _json_or_none(resp: httpx.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None


def _error_detail(resp: httpx.Response, body: Any) -> str:
    if isinstance(body, dict):
        parts = [str(body["message"])] if body.get("message") else []
        for err in body.get("errors") or []:
            if isinstance(err, dict) and err.get("description"):
                parts.append(str(err["description"]))
        if parts:
            return "; ".join(parts)[:300]
    return resp.reason_phrase or f"HTTP {resp.status_code}"
