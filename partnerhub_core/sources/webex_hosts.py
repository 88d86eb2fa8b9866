"""Where a Webex token may go: the configured Webex hosts and their documented regional
variants, nowhere else. ``WebexClient`` checks every URL (a next link, a 451 region
redirect, a URL given as a path) against ``WebexHosts`` before it sends anything.

Webex's documented regional hosts are a global host's first label plus a region suffix, on
the same domain: analytics-calling-eu.webexapis.com for call history (-gov for Government),
analytics-eu / analytics-ca.webexapis.com for historical analytics, -in and -au
(developer.webex.com "Reports: Detailed Call History", "Historical Analytics APIs";
docs/webex-sources.md). A 451 answer names the organization's regional host in its body.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REGION_SUFFIXES = ("eu", "ca", "in", "au", "gov")


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"https": 443, "http": 80}.get(scheme)
    except ValueError:  # a port that is not a number
        return scheme, "", -1
    return scheme, (parts.hostname or "").lower(), port


def family(host: str) -> tuple[str, str]:
    """("analytics-calling", "webexapis.com") for analytics-calling[-eu].webexapis.com."""
    first, _, parent = host.partition(".")
    for region in REGION_SUFFIXES:
        if first.endswith(f"-{region}"):
            return first[: -len(region) - 1], parent
    return first, parent


class WebexHosts:
    """The hosts of the configured Webex URLs, and their regional variants (https only: a
    local stand-in on http has no variants)."""

    def __init__(self, *configured: str):
        self.origins = {origin(u) for u in configured if u}

    def allows(self, url: str) -> bool:
        scheme, host, port = origin(url)
        if not host:
            return False
        if (scheme, host, port) in self.origins:
            return True
        if scheme != "https":
            return False
        first, _, parent = host.partition(".")
        for known_scheme, known_host, known_port in self.origins:
            base, known_parent = family(known_host)
            if known_scheme != "https" or known_port != port or not parent or known_parent != parent:
                continue
            if first == base or first in {f"{base}-{r}" for r in REGION_SUFFIXES}:
                return True
        return False


_URL = re.compile(r"https?://[^\s\"'<>,;]+")


def region_host_from_451(body: Any) -> str | None:
    """The base URL (…/v1) of the regional host named in a 451 body, wherever it sits."""
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(body)
    for text in texts:
        for match in _URL.findall(text):
            url = match.rstrip(".)")
            parts = urlsplit(url)
            path = parts.path.rstrip("/")
            if path.endswith("/cdr_feed"):
                path = path[: -len("/cdr_feed")]
            if not path.endswith("/v1"):
                path = path + "/v1" if "/v1" not in path else path[: path.index("/v1") + 3]
            return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return None


