"""Import the CSV files partners already download from Partner Hub: the customer list's
"export to CSV" and the devices and phone numbers reports. The kind of file is recognised
from its header row (``partner_hub_layouts.py``); a subscription file goes to the
subscription import, a call usage report is refused (totals, not calls).

As the subscription import: every row is checked first, and when any is wrong nothing is
written and the error lists each bad row by its line number; one audit event; the role
check; never commits. The reports are point-in-time inventories, so each customer the file
names gets exactly the file's devices (or numbers), as a sync does (``replace_customer_rows``);
customers the file does not name keep theirs. ``docs/IMPORT.md`` says what is relied on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlmodel import Session, select

from partnerhub_core import audit, auth, provenance
from partnerhub_core.auth import Actor, Permission
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import Customer, Device, Location, Partner, PhoneNumber, Region, search_key
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.sources.partner_hub_layouts import (
    CUSTOMERS,
    DEVICES,
    NUMBERS,
    ExportRow,
    fields_of,
    kind_of,
    parse_export_row,
)
from partnerhub_core.sources.subscription_import import (
    ImportRejected,
    RowError,
    _one_import_at_a_time,
    _synced_orgs,
)
from partnerhub_core.sources.subscription_rows import records
from partnerhub_core.sources.sync_common import replace_customer_rows

log = logging.getLogger(__name__)

# The families each kind fills; recorded as refreshed by the import.
FAMILIES = {
    CUSTOMERS: (SourceFamily.ORGANIZATIONS,),
    DEVICES: (SourceFamily.DEVICES,),
    NUMBERS: (SourceFamily.NUMBERS, SourceFamily.PSTN),
}


@dataclass
class ExportImportResult:
    kind: str
    rows: int = 0
    customers: int = 0  # customers the file named
    customers_created: int = 0
    customers_updated: int = 0
    items: int = 0  # devices or numbers written
    ignored_columns: list[str] = field(default_factory=list)


def file_kind(source: IO[bytes], file_name: str) -> str:
    """The kind of a file from its header row (the subscription layout included). Reads
    the first line only; BadInput for an unknown header, naming the kinds known."""
    header, _rows = records(source, file_name, required=())
    return kind_of(header, file_name)


def import_partner_hub_export(
    *,
    session: Session,
    actor: Actor,
    source: str | Path | IO[bytes],
    now: datetime,
    file_name: str | None = None,
) -> ExportImportResult:
    """Import a Partner Hub export (a path or a binary file object) for the actor's partner.

    Raises ``ImportRejected`` listing every bad row by line, and ``BadInput`` for a file of
    no known kind (or a subscription file: ``import_subscriptions`` reads those). Never commits."""
    auth.require(actor, Permission.IMPORT_DATA)
    if isinstance(source, (str, Path)):
        file_name = file_name or Path(source).name
        with open(source, "rb") as raw:
            return import_partner_hub_export(session=session, actor=actor, source=raw, now=now, file_name=file_name)
    file_name = file_name or "the file"
    partner_id = actor.partner_id
    header, rows = records(source, file_name, required=())
    kind = kind_of(header, file_name)
    if kind not in FAMILIES:
        raise BadInput(N_("{file} is a subscription file: import it with partnerhub import subscriptions."),
                       file=file_name)
    names, ignored = fields_of(header)
    _one_import_at_a_time(session, partner_id)
    result = ExportImportResult(kind=kind, ignored_columns=ignored)
    customers = {c.org_id: c for c in session.exec(select(Customer).where(Customer.partner_id == partner_id))}
    good: list[ExportRow] = []
    errors: list[RowError] = []
    first: dict[tuple[str, str], int] = {}  # (org, key) -> line that named it first
    for line, rec in rows:
        result.rows += 1
        row, problems = parse_export_row(kind, line, {names.get(k, k): v for k, v in rec.items() if k in names
                                                      or k == "__extra__"})
        if row is not None:
            problems = _contradictions(kind, row, first, customers)
        errors.extend(RowError(line, p) for p in problems)
        if not errors:
            good.append(row)
    if errors:
        raise ImportRejected(errors, result.rows, file_name)
    if result.rows == 0:
        raise BadInput(N_("{file} has a header but no rows."), file=file_name)
    if kind == CUSTOMERS:
        _write_customers(session, partner_id, good, customers, result, now)
    else:
        _write_inventory(session, partner_id, kind, good, customers, result)
    for family in FAMILIES[kind]:
        provenance.record_refresh(session, partner_id=partner_id, family=family, now=now, rows=len(good))
    audit.record(session, actor=actor, action="partner_hub_export.import", target_type="file",
                 target_id=file_name[:200], after={
                     "kind": kind, "rows": result.rows, "customers": result.customers,
                     "customers_created": result.customers_created,
                     "customers_updated": result.customers_updated, "items": result.items}, at=now)
    log.info("partner hub %s import for partner %s: %d rows, %d customers, %d items",
             kind, partner_id, result.rows, result.customers, result.items)
    return result


def _contradictions(kind: str, row: ExportRow, first: dict[tuple[str, str], int],
                    customers: dict[str, Customer]) -> list[str]:
    """What a good row contradicts: a customer partnerhub does not know (reports), or a
    customer / number / device already on an earlier line."""
    if kind != CUSTOMERS and row.org_id not in customers:
        return [f"customer {row.org_id[:60]} is not known to partnerhub: run partnerhub sync or import "
                f"the customer list first"]
    # A device is one per customer (its MAC); a number or a customer, one per partner.
    key = (row.org_id, row.key) if kind == DEVICES else ("", row.key)
    earlier = first.setdefault(key, row.line)
    if earlier != row.line:
        what = {CUSTOMERS: f"customer {row.org_id[:60]}", DEVICES: f"device {row.key}",
                NUMBERS: f"number {row.key[:60]}"}[kind]
        return [f"{what} is already on line {earlier}"]
    return []


def _write_customers(session: Session, partner_id: int, rows: list[ExportRow], customers: dict[str, Customer],
                     result: ExportImportResult, now: datetime) -> None:
    """Create the customers the file adds; update region and external id of the others,
    and the name too unless a Webex sync named the customer (the next sync would rename it
    back, as in the subscription import)."""
    synced = _synced_orgs(session, partner_id)
    partner = session.get(Partner, partner_id)
    default_region = partner.default_region if partner and partner.default_region else Region.US
    for row in rows:
        v = row.values
        customer = customers.get(row.org_id)
        if customer is None:
            customer = Customer(partner_id=partner_id, org_id=row.org_id, name=v["name"], name_key=search_key(v["name"]),
                                region=v["region"] or default_region, region_assumed=not v["region"],
                                external_id=v["external_id"],
                                added_on=now.date(), created_at=now)
            session.add(customer)
            customers[row.org_id] = customer
            result.customers_created += 1
            continue
        before = (customer.name, customer.region, customer.external_id)
        if row.org_id not in synced and v["name"] != customer.name:
            customer.name, customer.name_key = v["name"], search_key(v["name"])
        customer.region = v["region"] or customer.region
        customer.region_assumed = customer.region_assumed and not v["region"]
        customer.external_id = v["external_id"] or customer.external_id
        if (customer.name, customer.region, customer.external_id) != before:
            result.customers_updated += 1
    result.customers = len(rows)
    session.flush()


def _write_inventory(session: Session, partner_id: int, kind: str, rows: list[ExportRow],
                     customers: dict[str, Customer], result: ExportImportResult) -> None:
    by_org: dict[str, list[ExportRow]] = {}
    for row in rows:
        by_org.setdefault(row.org_id, []).append(row)
    for org, own in by_org.items():
        customer = customers[org]
        _locations(session, partner_id, customer, own)
        if kind == DEVICES:
            ids = _device_ids(session, partner_id, customer)
            items = {ids.get(r.key, f"mac:{r.key}"): r.values for r in own}
            replace_customer_rows(session, Device, "device_id", partner_id, customer, items)
        else:
            items = {r.key: r.values for r in own}
            replace_customer_rows(session, PhoneNumber, "number_key", partner_id, customer, items)
        result.items += len(items)
    result.customers = len(by_org)
    session.flush()


def _device_ids(session: Session, partner_id: int, customer: Customer) -> dict[str, str]:
    """MAC -> the id a sync gave the customer's device, so an import updates it in place
    instead of replacing it by a copy the next sync would replace back."""
    found = session.exec(select(Device.mac, Device.device_id).where(
        Device.partner_id == partner_id, Device.customer_id == customer.id)).all()
    return {mac.upper(): device_id for mac, device_id in found if mac}


def _locations(session: Session, partner_id: int, customer: Customer, rows: list[ExportRow]) -> None:
    """Create the locations the rows name; rename them, and set the country the numbers
    report gives. The address (locations source only) is left as it is."""
    named = {r.location_id: r for r in rows if r.location_id}
    if not named:
        return
    existing = {loc.location_id: loc for loc in session.exec(select(Location).where(
        Location.partner_id == partner_id, Location.location_id.in_(sorted(named))))}
    for loc_id, row in named.items():
        loc = existing.get(loc_id)
        if loc is None:
            session.add(Location(partner_id=partner_id, customer_id=customer.id, location_id=loc_id,
                                 name=row.location_name or loc_id, country=row.country))
            continue
        if row.location_name:
            loc.name = row.location_name
        if row.country:
            loc.country = row.country
