"""The ``people`` part: the email of each person who owns a phone number or a device of
a customer (the reports' "User ID" column).

Webex: ``GET /people?orgId=&id=<up to 85 ids, comma separated>`` (scope
``spark-admin:people_read``), ``Link`` paging; items ``{id, emails[], displayName, ...}``.
The numbers listing names an owner by id only, and a device by ``personId``: this part
turns those ids into emails, 85 at a time. See docs/webex-sources.md.

An owner Webex does not return, and every owner of a customer this part could not read,
keeps what it had: "" (unknown, shown "—") unless an earlier read found the email."""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core.models import Customer, Device, PhoneNumber
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.settings import Settings
from partnerhub_core.sources.recorded_walk import NOTHING_TO_READ, prepared_part
from partnerhub_core.sources.sync_common import OrgPart, SyncContext, text

log = logging.getLogger(__name__)

NAME = "people"
SCOPES = ("spark-admin:people_read",)
IDS_PER_CALL = 85  # the documented limit of the ``id`` parameter
PEOPLE = "People"  # PhoneNumber.user_type of a number owned by a person


def _fetch_for(owners: dict[str, list[str]]):
    def fetch(client, customer, _cursor, _now, _settings):
        ids = owners.get(customer.org_id, [])
        if not ids:
            return NOTHING_TO_READ
        emails: dict[str, str] = {}
        for i in range(0, len(ids), IDS_PER_CALL):
            chunk = ids[i:i + IDS_PER_CALL]
            for item in client.paginate("people", {"orgId": customer.org_id, "id": ",".join(chunk),
                                                   "max": IDS_PER_CALL}):
                person = text(item.get("id"), 200)
                mails = [m for m in (item.get("emails") or []) if isinstance(m, str) and "@" in m]
                if person and mails:
                    emails[person] = mails[0].strip()[:320]
        return emails
    return fetch


def _write(session: Session, partner_id: int, customer: Customer, emails: dict[str, str],
           now: datetime, _settings: Settings) -> tuple[int, None]:
    count = 0
    for number in session.exec(select(PhoneNumber).where(
            PhoneNumber.partner_id == partner_id, PhoneNumber.customer_id == customer.id,
            PhoneNumber.user_type == PEOPLE, PhoneNumber.user_uuid != "")):
        if number.user_uuid in emails:
            number.user_id = emails[number.user_uuid]
            count += 1
    for device in session.exec(select(Device).where(
            Device.partner_id == partner_id, Device.customer_id == customer.id, Device.user_uuid != "")):
        if device.user_uuid in emails:
            device.user_id = emails[device.user_uuid]
            count += 1
    return count, None


def _build(ctx: SyncContext) -> OrgPart:
    """Each customer's owner ids (numbers owned by people, devices with a person)."""
    owners: dict[str, set[str]] = defaultdict(set)
    with ctx.factory() as session:
        for org_id, uuid in session.exec(
                select(Customer.org_id, PhoneNumber.user_uuid)
                .join(PhoneNumber, PhoneNumber.customer_id == Customer.id)
                .where(Customer.partner_id == ctx.partner_id, PhoneNumber.user_type == PEOPLE,
                       PhoneNumber.user_uuid != "")):
            owners[org_id].add(uuid)
        for org_id, uuid in session.exec(
                select(Customer.org_id, Device.user_uuid)
                .join(Device, Device.customer_id == Customer.id)
                .where(Customer.partner_id == ctx.partner_id, Device.user_uuid != "")):
            owners[org_id].add(uuid)
    return OrgPart(NAME, _fetch_for({k: sorted(v) for k, v in owners.items()}), _write)


PART = prepared_part(NAME, SourceFamily.PEOPLE, SCOPES, _build)
