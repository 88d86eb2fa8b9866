"""The ``devices`` part: a customer's devices become exactly Webex's list; the owner's
primary number (from the numbers part) fills in the number the device API lacks.

Webex: ``GET /devices?orgId=``. See docs/webex-sources.md."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core.models import Customer, Device, PhoneNumber
from partnerhub_core.settings import Settings
from partnerhub_core.sources.sync_common import OrgPart, replace_customer_rows, text

log = logging.getLogger(__name__)


def _fetch_devices(client, customer, _cursor, _now, _settings):
    return client.devices(customer.org_id)


def _write_devices(session: Session, partner_id: int, customer: Customer, items: list[dict],
                   now: datetime, _settings: Settings) -> tuple[int, None]:
    """The customer's devices become exactly Webex's list. The device API carries no
    number: the owner's primary number (from the numbers part) fills it in."""
    numbers = {}
    for n in session.exec(select(PhoneNumber).where(PhoneNumber.partner_id == partner_id,
                                                    PhoneNumber.customer_id == customer.id)):
        if n.user_uuid and (n.user_uuid not in numbers or n.number_type == "Primary"):
            numbers[n.user_uuid] = n
    rows: dict[str, dict] = {}
    for item in items:
        device_id = text(item.get("id"), 200)
        if not device_id:
            log.info("devices %s: skipped an item without an id", customer.org_id)
            continue
        person = text(item.get("personId"), 200)
        number = numbers.get(person)
        rows[device_id] = dict(
            location_id=text(item.get("locationId"), 200) or None,
            product=text(item.get("product"), 200), mac=text(item.get("mac"), 32),
            firmware=text(item.get("software"), 200),
            phone_number=number.phone_number if number else "",
            extension=number.extension if number else "",
            user_id=number.user_id if number else "", user_uuid=person,
        )
    replace_customer_rows(session, Device, "device_id", partner_id, customer, rows)
    return len(rows), None


PART = OrgPart("devices", _fetch_devices, _write_devices)
