"""The ``pstn`` part: the PSTN connection of each location of a Calling customer, written
on the location's phone numbers (the numbers report's "PSTN Connection" column).

Webex: ``GET /telephony/pstn/locations/{locationId}/connection?orgId=`` (scope
``spark-admin:telephony_pstn_read``) -> ``{id, displayName, pstnServices[],
pstnConnectionType, routeType, routeId}``; ``pstnConnectionType`` is one of
``LOCAL_GATEWAY``, ``NON_INTEGRATED_CCP``, ``INTEGRATED_CCP``, ``CISCO_PSTN``. A 404 is a
location without a PSTN connection (not enabled for Calling). See docs/webex-sources.md.

What is stored: the connection's ``displayName`` (for a cloud connected provider it names
the provider), else a label for its type. Only locations holding a phone number are
asked (the numbers part runs first and names them); a location's numbers without a
connection, and every number of a customer this part could not read, keep "" (unknown,
shown "—")."""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core.models import Customer, PhoneNumber
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.settings import Settings
from partnerhub_core.sources.recorded_walk import NOTHING_TO_READ, prepared_part
from partnerhub_core.sources.sync_common import OrgPart, SyncContext, text

log = logging.getLogger(__name__)

NAME = "pstn"
SCOPES = ("spark-admin:telephony_pstn_read",)
NOT_CONFIGURED = 404

TYPE_LABELS = {
    "LOCAL_GATEWAY": "Local Gateway",
    "NON_INTEGRATED_CCP": "Non-integrated CCP",
    "INTEGRATED_CCP": "Integrated CCP",
    "CISCO_PSTN": "Cisco PSTN",
}


def connection_label(body: dict) -> str:
    """What the numbers report shows for one connection ("" when Webex named none)."""
    name = text(body.get("displayName"), 100)
    if name:
        return name
    kind = text(body.get("pstnConnectionType"), 40).upper()
    return TYPE_LABELS.get(kind, kind.replace("_", " ").title())[:100]


def _body(resp):
    try:
        return resp.json() if resp.content else None
    except ValueError:
        return None


def _fetch_for(locations: dict[str, list[str]]):
    def fetch(client, customer, _cursor, _now, _settings):
        if not locations.get(customer.org_id):
            return NOTHING_TO_READ
        found: dict[str, str] = {}
        for loc_id in locations[customer.org_id]:
            resp = client.request("GET", f"telephony/pstn/locations/{loc_id}/connection",
                                  params={"orgId": customer.org_id}, accept=(NOT_CONFIGURED,))
            body = _body(resp) if resp.status_code != NOT_CONFIGURED else None
            found[loc_id] = connection_label(body) if isinstance(body, dict) else ""
        return found
    return fetch


def _write(session: Session, partner_id: int, customer: Customer, found: dict[str, str],
           now: datetime, _settings: Settings) -> tuple[int, None]:
    count = 0
    for number in session.exec(select(PhoneNumber).where(
            PhoneNumber.partner_id == partner_id, PhoneNumber.customer_id == customer.id)):
        if number.location_id in found and number.phone_number:
            number.pstn_connection = found[number.location_id]
            count += 1
    return count, None


def _build(ctx: SyncContext) -> OrgPart:
    """Each Calling customer's locations that hold a phone number (one call per location:
    a location without numbers has nothing to show its connection on)."""
    locations: dict[str, list[str]] = defaultdict(list)
    with ctx.factory() as session:
        for org_id, loc_id in session.exec(
                select(Customer.org_id, PhoneNumber.location_id).distinct()
                .join(PhoneNumber, PhoneNumber.customer_id == Customer.id)
                .where(Customer.partner_id == ctx.partner_id, PhoneNumber.phone_number != "",
                       PhoneNumber.location_id.is_not(None))
                .order_by(Customer.org_id, PhoneNumber.location_id)):
            locations[org_id].append(loc_id)
    return OrgPart(NAME, _fetch_for(dict(locations)), _write, calling_only=True)


PART = prepared_part(NAME, SourceFamily.PSTN, SCOPES, _build)
