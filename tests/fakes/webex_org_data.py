"""The Webex stand-in, extended with the per-organization sources of issue 14: admin audit
events (sign-in), organization details (region), locations, the PSTN connection of each
location and people. Shapes as in docs/webex-sources.md.

``OrgDataRoutes`` is mixed into ``FakeWebex`` (tests/fakes/webex.py), so every stand-in
answers these routes with the same paging, 429/Retry-After and failure injection
(``fail_next(429, retry_after="1", path_contains="/v1/locations")``); empty by default.
``deny(path_prefix, scope)`` makes a route answer 403 as Webex does for a token without
that scope, so a test can remove one source from a world where every source answers.

    with FakeWebex(token="t0k") as wx:
        wx.add_org("org-1", "Acme")
        wx.locations["org-1"] = [location("L1", "HQ", country="BR", city="São Paulo")]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode


def location(loc_id: str, name: str, *, country: str = "US", address1: str = "", city: str = "",
             state: str = "", postal_code: str = "", org_id: str = "") -> dict:
    """One ``GET /locations`` item."""
    return {"id": loc_id, "name": name, "orgId": org_id, "timeZone": "America/Chicago",
            "preferredLanguage": "en_us", "language": "en_us",
            "address": {"address1": address1, "address2": "", "city": city, "state": state,
                        "postalCode": postal_code, "country": country}}


def login_event(created: str, *, actor_org: str, email: str = "admin@customer.example",
                category: str = "EventCategory.LOGINS") -> dict:
    """One ``GET /adminAudit/events`` item (the spec's example shape)."""
    return {"data": {"actorOrgName": "Org", "targetName": "Org", "eventDescription": "An Admin logged in",
                     "actorName": "Admin", "actorEmail": email, "adminRoles": ["Full_Admin"],
                     "trackingId": "ATLAS_fake", "targetType": "TargetResourceType.ORG",
                     "eventCategory": category, "actorUserAgent": "Mozilla/5.0", "actorIp": "192.0.2.1",
                     "actionText": f"{email} logged into organization Org"},
            "created": created, "actorOrgId": actor_org, "id": f"evt-{created}", "actorId": f"person-{email}"}


def pstn_connection(kind: str, display_name: str | None = None) -> dict:
    """One ``GET /telephony/pstn/locations/{id}/connection`` answer."""
    body = {"id": f"conn-{kind}", "pstnConnectionType": kind, "pstnServices": ["GEOGRAPHIC_NUMBERS"]}
    if display_name is not None:
        body["displayName"] = display_name
    if kind == "LOCAL_GATEWAY":
        body.update(routeType="TRUNK", routeId="trunk-1")
    return body


def person(person_id: str, email: str, display_name: str = "") -> dict:
    """One ``GET /people`` item."""
    return {"id": person_id, "emails": [email], "displayName": display_name or email.split("@")[0],
            "orgId": "", "type": "person"}


@dataclass
class OrgDataRoutes:
    """Routes and data of the per-organization sources; ``FakeWebex`` inherits them."""

    audit_events: dict[str, list[dict]] = field(default_factory=dict)  # org -> events
    org_details: dict[str, dict] = field(default_factory=dict)  # org -> extra fields (xsiDomain ...)
    locations: dict[str, list[dict]] = field(default_factory=dict)  # org -> locations
    pstn: dict[str, dict] = field(default_factory=dict)  # location id -> connection
    people: dict[str, list[dict]] = field(default_factory=dict)  # org -> people
    denied: dict[str, str] = field(default_factory=dict)  # path prefix -> missing scope

    def deny(self, path_prefix: str, scope: str) -> None:
        """Answer 403 on every path starting with ``path_prefix`` (a token without ``scope``)."""
        self.denied[path_prefix] = scope

    def _org_data_route(self, method: str, path: str, query: dict, tracking: str):
        """The answer ``(status, body, headers)`` for one of these routes, else None."""
        for prefix, scope in self.denied.items():
            if path.startswith(prefix):
                return 403, {"message": f"Missing required scope: {scope}", "errors": [
                    {"description": "The request is understood, but it has been refused or access is "
                                    "not allowed."}], "trackingId": tracking}, {}
        if method == "GET" and path == "/v1/adminAudit/events":
            return self._audit(path, query, tracking)
        if method == "GET" and path.startswith("/v1/organizations/"):
            org = path[len("/v1/organizations/"):]
            found = next((o for o in self.orgs if o["id"] == org), None)
            if found is None:
                return 404, {"message": "Organization not found", "trackingId": tracking}, {}
            extra = self.org_details.get(org, {})
            if query.get("callingData") != "true":  # XSI values only when asked for
                extra = {k: v for k, v in extra.items() if not k.startswith("xsi")}
            return 200, dict(found, **extra), {}
        if method == "GET" and path == "/v1/locations":
            return self._page(path, query, self.locations.get(query["orgId"], []))
        if method == "GET" and path.startswith("/v1/telephony/pstn/locations/") and path.endswith("/connection"):
            loc = path[len("/v1/telephony/pstn/locations/"):-len("/connection")]
            owner = next((o for o, locs in self.locations.items() if any(x["id"] == loc for x in locs)), None)
            if owner is None or owner != query.get("orgId"):
                return 404, {"message": "Location not found", "trackingId": tracking}, {}
            if loc not in self.pstn:
                return 404, {"message": "PSTN connection not configured", "trackingId": tracking}, {}
            return 200, self.pstn[loc], {}
        if method == "GET" and path == "/v1/people":
            return self._people(path, query, tracking)
        return None

    def _audit(self, path: str, query: dict, tracking: str):
        try:
            start, end = _parse(query["from"]), _parse(query["to"])
        except (KeyError, ValueError):
            return 400, {"message": "from and to are required", "trackingId": tracking}, {}
        if (end - start).days > 366:
            return 400, {"message": "A maximum of one year of audit events can be returned per request",
                         "trackingId": tracking}, {}
        size = int(query.get("max") or 100)
        if size > 200:
            return 400, {"message": "max must be at most 200", "trackingId": tracking}, {}
        wanted = {c.strip() for c in query.get("eventCategories", "").split(",") if c.strip()}
        items = [e for e in self.audit_events.get(query["orgId"], [])
                 if start <= _parse(e["created"]) < end
                 and (not wanted or e["data"]["eventCategory"].rsplit(".", 1)[-1] in wanted)]
        items.sort(key=lambda e: e["created"], reverse=True)  # newest first
        size = min(size, self.page_size)
        offset = int(query.get("offset") or 0)
        headers = {}
        if offset + size < len(items):
            nxt = dict(query, offset=str(offset + size))
            headers["Link"] = f'<{self.root}{path}?{urlencode(nxt)}>; rel="next"'
        return 200, {"items": items[offset:offset + size]}, headers

    def _people(self, path: str, query: dict, tracking: str):
        everyone = self.people.get(query.get("orgId", ""), [])
        if "id" in query:
            ids = [i for i in query["id"].split(",") if i]
            if len(ids) > 85:
                return 400, {"message": "At most 85 ids", "trackingId": tracking}, {}
            everyone = [p for p in everyone if p["id"] in ids]
        return self._page(path, query, everyone)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
