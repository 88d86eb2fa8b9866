"""The ``region`` part: the region a customer organization is provisioned in, from its
organization details.

Webex: ``GET /organizations/{orgId}?callingData=true`` (scope
``spark-admin:organizations_read``) -> ``{id, displayName, created, xsiActionsEndpoint,
xsiEventsEndpoint, xsiEventsChannelEndpoint, xsiDomain}``. The documentation says the XSI
values are included "if the base domain (region where the organization is provisioned)
is non-null"; ``xsiDomain`` is ``api-`` + that base domain (``api-us.bcld.webex.com``).
The first label after ``api-`` names the region. See docs/webex-sources.md.

Only a known label changes ``Customer.region`` (US, EU, CA, UAE); an organization without
a base domain (no Calling) or with a label we do not know keeps its region, which is the
partner's default until a source names it (``Customer.region_assumed``: shown as unknown,
counted in the default region for filters and per-region reports; a Partner Hub export or a
subscription file with a region column names it too)."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from partnerhub_core.models import Customer, Region
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.settings import Settings
from partnerhub_core.sources.recorded_walk import recorded_part
from partnerhub_core.sources.sync_common import OrgPart, text

log = logging.getLogger(__name__)

NAME = "region"
SCOPES = ("spark-admin:organizations_read",)
_LABELS = {"us": Region.US, "eu": Region.EU, "ca": Region.CA, "ae": Region.UAE, "uae": Region.UAE}


def region_of(xsi_domain: str) -> Region | None:
    """``api-eu.bcld.webex.com`` -> EU; None when the domain names no region we know."""
    host = text(xsi_domain, 200).casefold()
    if not host.startswith("api-"):
        return None
    return _LABELS.get(host[len("api-"):].split(".", 1)[0])


def _fetch(client, customer, _cursor, _now, _settings) -> dict:
    body = client.get_json(f"organizations/{customer.org_id}", {"callingData": "true"})
    return body if isinstance(body, dict) else {}


def _write(session: Session, partner_id: int, customer: Customer, body: dict,
           now: datetime, _settings: Settings) -> tuple[int, None]:
    region = region_of(body.get("xsiDomain") or "")
    if region is None:
        return 0, None
    customer.region, customer.region_assumed = region.value, False
    return 1, None


ORG_PART = OrgPart(NAME, _fetch, _write)
PART = recorded_part(ORG_PART, SourceFamily.ORGANIZATIONS, SCOPES)
