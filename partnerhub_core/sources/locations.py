"""The ``locations`` part: each customer's locations (name, country, address) become
exactly Webex's list.

Webex: ``GET /locations?orgId=&max=`` (scope ``spark-admin:locations_read``), ``Link``
paging; items ``{id, name, orgId, timeZone, preferredLanguage, address{address1, address2,
city, state, postalCode, country}, latitude, longitude, notes}``. ``country`` is an ISO
3166-1 alpha-2 code. See docs/webex-sources.md.

The numbers part also creates locations (by the id and name a number names); this part
is the one that knows their country and address. A customer the part could not read keeps
what it had; where nothing was ever read, country and address stay "" (unknown, shown "—")."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from partnerhub_core.models import Customer, Location
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.settings import Settings
from partnerhub_core.sources.recorded_walk import recorded_part
from partnerhub_core.sources.sync_common import OrgPart, replace_customer_rows, text

log = logging.getLogger(__name__)

NAME = "locations"
SCOPES = ("spark-admin:locations_read",)
PAGE = 100


def _fetch(client, customer, _cursor, _now, _settings) -> list[dict]:
    return list(client.paginate("locations", {"orgId": customer.org_id, "max": PAGE}))


def address_text(address: dict) -> str:
    """"Rua A 1, Apt 2, São Paulo, SP 01000-000" from Webex's address parts ("" when none)."""
    street = ", ".join(p for p in (text(address.get("address1"), 200), text(address.get("address2"), 200)) if p)
    region = " ".join(p for p in (text(address.get("state"), 100), text(address.get("postalCode"), 40)) if p)
    return ", ".join(p for p in (street, text(address.get("city"), 100), region) if p)[:500]


def country_code(address: dict) -> str:
    code = text(address.get("country"), 8).upper()
    return code if code.isalpha() and 2 <= len(code) <= 3 else ""


def _write(session: Session, partner_id: int, customer: Customer, items: list[dict],
           now: datetime, _settings: Settings) -> tuple[int, None]:
    rows: dict[str, dict] = {}
    for item in items:
        loc_id = text(item.get("id"), 200)
        if not loc_id:
            log.info("locations %s: skipped an item without an id", customer.org_id)
            continue
        address = item.get("address") if isinstance(item.get("address"), dict) else {}
        rows[loc_id] = dict(name=text(item.get("name"), 300) or loc_id, country=country_code(address),
                            address=address_text(address))
    replace_customer_rows(session, Location, "location_id", partner_id, customer, rows)
    return len(rows), None


ORG_PART = OrgPart(NAME, _fetch, _write)
PART = recorded_part(ORG_PART, SourceFamily.LOCATIONS, SCOPES)
