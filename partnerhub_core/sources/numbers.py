"""The ``numbers`` part: a Calling customer's phone numbers and extensions become exactly
Webex's list, and the locations they name are created or renamed.

Webex: ``GET /telephony/config/numbers?orgId=``. See docs/webex-sources.md."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core.models import Customer, Location, PhoneNumber
from partnerhub_core.settings import Settings
from partnerhub_core.sources.sync_common import OrgPart, replace_customer_rows, text

log = logging.getLogger(__name__)


_OWNER_TYPES = {
    "PEOPLE": "People", "PLACE": "Workspace", "VIRTUAL_LINE": "Virtual Line",
    "AUTO_ATTENDANT": "Auto Attendant", "CALL_QUEUE": "Call Queue", "HUNT_GROUP": "Hunt Group",
    "GROUP_PAGING": "Paging Group", "VOICEMAIL_GROUP": "Voicemail Group",
    "VOICE_MESSAGING": "Voice Messaging", "BROADWORKS_ANYWHERE": "Single Number Reach",
    "CONTACT_CENTER_LINK": "Contact Center Link", "ROUTE_LIST": "Route List",
}
_NUMBER_TYPES = {"PRIMARY": "Primary", "ALTERNATE": "Secondary"}


def _fetch_numbers(client, customer, _cursor, _now, _settings):
    return client.numbers(customer.org_id)



def _write_numbers(session: Session, partner_id: int, customer: Customer, items: list[dict],
                   now: datetime, _settings: Settings) -> tuple[int, None]:
    """The customer's numbers become exactly Webex's list (point-in-time inventory)."""
    rows: dict[str, dict] = {}
    locations: dict[str, str] = {}
    for item in items:
        number, ext = text(item.get("phoneNumber"), 40), text(item.get("extension"), 20)
        loc = item.get("location") if isinstance(item.get("location"), dict) else {}
        loc_id = text(loc.get("id"), 200) or None
        if loc_id:
            locations[loc_id] = text(loc.get("name"), 300)
        if not number and not ext:
            log.info("numbers %s: skipped an item without number or extension", customer.org_id)
            continue
        key = number or f"{loc_id or ''}/{ext}"
        owner = item.get("owner") if isinstance(item.get("owner"), dict) else {}
        owner_type = text(owner.get("type"), 40).upper()
        rows[key] = dict(
            location_id=loc_id, phone_number=number, extension=ext,
            active=text(item.get("state"), 20).upper() != "INACTIVE",
            user_type=_OWNER_TYPES.get(owner_type, owner_type.replace("_", " ").title()) if owner else "",
            number_type=(_NUMBER_TYPES.get(text(item.get("phoneNumberType"), 20).upper(), "")
                         if number and owner else ""),
            user_id=text(owner.get("email"), 320) if owner_type == "PEOPLE" else "",
            user_uuid=text(owner.get("id"), 200),
        )
    _upsert_locations(session, partner_id, customer, locations)
    replace_customer_rows(session, PhoneNumber, "number_key", partner_id, customer, rows)
    return len(rows), None


def _upsert_locations(session: Session, partner_id: int, customer: Customer, names: dict[str, str]) -> None:
    if not names:
        return
    existing = {loc.location_id: loc for loc in session.exec(select(Location).where(
        Location.partner_id == partner_id, Location.location_id.in_(sorted(names))))}
    for loc_id, name in names.items():
        loc = existing.get(loc_id)
        if loc is None:
            session.add(Location(partner_id=partner_id, customer_id=customer.id, location_id=loc_id,
                                 name=name or loc_id))
        elif name and loc.name != name:
            loc.name = name


PART = OrgPart("numbers", _fetch_numbers, _write_numbers, calling_only=True)
