"""The ``organizations`` part: Webex's customer organizations of the partner become our
customers (created or renamed, never deleted), and the listing fixes which organizations
the other parts walk. Wholesale customers add the provider's external id.

Webex: ``GET /organizations`` (partner token: the partner's and its customers'),
``GET /wholesale/customers``. See docs/webex-sources.md."""
from __future__ import annotations

import logging
from datetime import date, datetime

from sqlmodel import Session, select

from partnerhub_core import provenance
from partnerhub_core.errors import PartnerHubError
from partnerhub_core.models import Customer, Partner, Region, SyncState, search_key
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.sources.sync_common import (
    PartnerPart,
    PartResult,
    SyncContext,
    record_failure,
    state_row,
    to_date,
)

log = logging.getLogger(__name__)


def sync_organizations(ctx: SyncContext) -> PartResult:
    factory, client, partner_id, now = ctx.factory, ctx.client, ctx.partner_id, ctx.now
    result = PartResult("organizations")
    try:
        items = client.organizations()
    except PartnerHubError as exc:
        result.failed, result.errors = 1, [str(exc)]
        record_failure(factory, partner_id, "organizations", "", now, str(exc))
        status = getattr(exc, "status", 0)
        with factory() as session:  # names and regions are unknown without the listing
            provenance.record_failure(
                session, partner_id=partner_id, family=SourceFamily.ORGANIZATIONS, now=now,
                error="the organizations listing failed" + (f" (HTTP {status})" if status else ""),
                missing_scopes=list(provenance.SCOPES[SourceFamily.ORGANIZATIONS]) if status == 403 else None)
            session.commit()
        return result
    try:
        wholesale = client.wholesale_customers()
    except PartnerHubError as exc:  # external ids are a nicety; the customers still sync
        log.warning("organizations: wholesale customers unavailable: %s", exc)
        wholesale = None
    with factory() as session:
        result.items = upsert_organizations(session, partner_id=partner_id, items=items, as_of=now.date())
        _mark_listed(session, partner_id, items, now)
        if wholesale:
            _external_ids(session, partner_id, wholesale)
        row = state_row(session, partner_id, "organizations")
        row.last_success_at, row.last_error, row.items = now, None, result.items
        # The region part (org_region.py) records this family again with its coverage.
        provenance.record_refresh(session, partner_id=partner_id, family=SourceFamily.ORGANIZATIONS,
                                  now=now, rows=result.items)
        session.commit()
    result.succeeded = 1
    return result


def upsert_organizations(session: Session, *, partner_id: int, items: list[dict], as_of: date) -> int:
    """Create or rename customers from ``/organizations`` items; returns how many were seen.

    The partner's own organization is not a customer. Customers missing from the listing
    are kept: a token that sees fewer organizations must not wipe data."""
    partner = session.get(Partner, partner_id)
    existing = {c.org_id: c for c in session.exec(select(Customer).where(Customer.partner_id == partner_id))}
    seen = 0
    for item in items:
        org_id = item.get("id")
        if not isinstance(org_id, str) or not org_id:
            log.warning("organizations: skipped an item without an id")
            continue
        if org_id == partner.webex_org_id:
            continue
        name = str(item.get("displayName") or org_id)[:300]
        seen += 1
        customer = existing.get(org_id)
        if customer is None:
            customer = Customer(
                partner_id=partner_id, org_id=org_id, name=name, name_key=search_key(name),
                # Assumed until the region part (or a file) names it; managed_by: unknown until the admins part.
                region=partner.default_region or Region.US, region_assumed=True,
                added_on=to_date(item.get("created")) or as_of,
            )
            session.add(customer)
            existing[org_id] = customer
        elif customer.name != name:
            customer.name, customer.name_key = name, search_key(name)
    return seen


def _mark_listed(session: Session, partner_id: int, items: list[dict], now: datetime) -> None:
    """One organizations row per listed organization, stamped with this listing's time:
    the other parts walk exactly the organizations of the newest listing."""
    listed = {i["id"] for i in items if isinstance(i.get("id"), str) and i["id"]}
    rows = {r.org_id: r for r in session.exec(select(SyncState).where(
        SyncState.partner_id == partner_id, SyncState.part == "organizations", SyncState.org_id != ""))}
    for org_id in listed:
        row = rows.get(org_id)
        if row is None:
            session.add(SyncState(partner_id=partner_id, part="organizations", org_id=org_id,
                                  last_success_at=now, items=1))
        else:
            row.last_success_at = now


def _external_ids(session: Session, partner_id: int, wholesale: list[dict]) -> None:
    """Wholesale customers carry the provider's own id for them (reports' External ID)."""
    ids = {w["orgId"]: str(w["externalId"])[:200] for w in wholesale
           if isinstance(w.get("orgId"), str) and w.get("externalId")}
    if not ids:
        return
    session.flush()
    for customer in session.exec(select(Customer).where(Customer.partner_id == partner_id,
                                                        Customer.org_id.in_(sorted(ids)))):
        customer.external_id = ids[customer.org_id]


PART = PartnerPart("organizations", sync_organizations, essential=True)
