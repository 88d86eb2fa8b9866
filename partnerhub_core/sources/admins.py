"""The ``admins`` part (partner admins assigned to each customer) and partner admin
(un)assignment pushed to Webex. An assignment whose immediate push failed is kept in the
organization's cursor and sent before the next listing.

Webex: ``GET /partner/organizations/{orgId}/partnerAdmins``,
``POST /partner/organizations/{orgId}/partnerAdmin/{personId}/assign|unassign``.
See docs/webex-sources.md."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core import credentials
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import Customer, CustomerAdmin, ManagedBy, PartnerAdmin, SyncState
from partnerhub_core.services.admins import role_from_webex
from partnerhub_core.settings import Settings
from partnerhub_core.sources.sync_common import OrgPart, state_row
from partnerhub_core.sources.webex import WebexClient

log = logging.getLogger(__name__)

SCOPES = ("spark-admin:organizations_read",)  # read the partner admins of a customer


@dataclass
class AdminsData:
    items: list[dict]
    pushed: dict[str, bool]  # person id -> assigned (True) / unassigned, sent before listing


def _pending_admins(cursor: str | None) -> dict[str, bool]:
    try:
        data = json.loads(cursor) if cursor else None
    except ValueError:
        return {}
    pending = data.get("pending") if isinstance(data, dict) else None
    if not isinstance(pending, dict):
        return {}
    return {k: v for k, v in pending.items() if isinstance(k, str) and k and isinstance(v, bool)}


def _fetch_admins(client, customer, cursor, _now, _settings) -> AdminsData:
    # Assignments made here whose immediate push failed go first, so the listing that
    # follows (and replaces ours) already holds them.
    pushed = _pending_admins(cursor)
    for person, assign in pushed.items():
        if assign:
            client.assign_partner_admin(customer.org_id, person)
        else:
            client.unassign_partner_admin(customer.org_id, person)
    return AdminsData(client.partner_admins(customer.org_id), pushed)


def remember_admin_change(*, session: Session, partner_id: int, customer_id: int, person_id: str,
                          assign: bool, pending: bool) -> None:
    """Keep (``pending=True``) or drop a partner admin (un)assignment Webex has not got
    yet; the next sync sends what is kept before it reads Webex's list. The caller commits."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.partner_id != partner_id:
        raise NotFound(N_("There is no customer with id {id}."), id=customer_id)
    if not pending and session.exec(select(SyncState.id).where(
            SyncState.partner_id == partner_id, SyncState.part == "admins",
            SyncState.org_id == customer.org_id)).first() is None:
        return  # nothing queued for this organization
    row = state_row(session, partner_id, "admins", customer.org_id)
    ops = _pending_admins(row.cursor)
    if pending:
        ops[person_id] = assign
    else:
        ops.pop(person_id, None)
    row.cursor = json.dumps({"pending": ops}) if ops else ""


def _write_admins(session: Session, partner_id: int, customer: Customer, data: AdminsData | list[dict],
                  now: datetime, _settings: Settings) -> tuple[int, str]:
    """The customer's assigned partner admins become exactly Webex's list. Admins new to
    us get the role equivalent to Webex's ``roleInCustomerOrg`` (``services.admins.
    role_from_webex``); an admin we know keeps the role set here. Webex naming partner
    admins with a role in the organization says the partner manages it as external admin."""
    items, pushed = (data.items, data.pushed) if isinstance(data, AdminsData) else (data, {})
    admins = list(session.exec(select(PartnerAdmin).where(PartnerAdmin.partner_id == partner_id)))
    by_person = {a.webex_person_id: a for a in admins if a.webex_person_id}
    by_email = {a.email.casefold(): a for a in admins}
    wanted: dict[int, str] = {}
    for item in items:
        person = item.get("id")
        emails = [e for e in (item.get("emails") or []) if isinstance(e, str) and "@" in e]
        if not isinstance(person, str) or not person:
            log.info("admins %s: skipped an item without an id", customer.org_id)
            continue
        admin = by_person.get(person) or (by_email.get(emails[0].casefold()) if emails else None)
        if admin is None:
            if not emails:
                log.info("admins %s: skipped admin %s without an email", customer.org_id, person)
                continue
            name = item.get("displayName") or " ".join(
                p for p in (item.get("firstName"), item.get("lastName")) if p) or emails[0]
            admin = PartnerAdmin(partner_id=partner_id, display_name=str(name)[:200], email=emails[0][:320],
                                 webex_person_id=person, created_at=now,
                                 role=role_from_webex(item.get("roleInCustomerOrg")).value)
            session.add(admin)
            session.flush()
            by_person[person] = by_email[admin.email.casefold()] = admin
        elif not admin.webex_person_id:
            admin.webex_person_id = person
        wanted[admin.id] = str(item.get("roleInCustomerOrg") or "id_full_admin")[:40]
    have = {ca.partner_admin_id: ca for ca in session.exec(select(CustomerAdmin).where(
        CustomerAdmin.partner_id == partner_id, CustomerAdmin.customer_id == customer.id))}
    for admin_id, link in have.items():
        if admin_id not in wanted:
            session.delete(link)
        elif link.role_in_customer != wanted[admin_id]:
            link.role_in_customer = wanted[admin_id]
    if wanted:
        customer.managed_by = ManagedBy.EXTERNAL_ADMIN.value
    for admin_id in set(wanted) - set(have):
        session.add(CustomerAdmin(customer_id=customer.id, partner_admin_id=admin_id,
                                  partner_id=partner_id, role_in_customer=wanted[admin_id],
                                  assigned_at=now))
    # Keep only what was queued while this sync ran (a change the listing cannot know).
    row = state_row(session, partner_id, "admins", customer.org_id)
    left = {k: v for k, v in _pending_admins(row.cursor).items() if pushed.get(k) != v}
    return len(wanted), json.dumps({"pending": left}) if left else ""


# -- pushing one assignment ------------------------------------------------------
def assign_customer_admin(*, session: Session, partner_id: int, customer_id: int, admin_id: int,
                          settings: Settings, assign: bool = True, client: WebexClient | None = None,
                          token: str | None = None) -> None:
    """Assign (or with ``assign=False`` unassign) a partner admin to a customer in Webex.
    The caller updates ``CustomerAdmin`` and audits; this only speaks to Webex."""
    customer = session.get(Customer, customer_id)
    admin = session.get(PartnerAdmin, admin_id)
    if customer is None or customer.partner_id != partner_id:
        raise NotFound(N_("There is no customer with id {id}."), id=customer_id)
    if admin is None or admin.partner_id != partner_id:
        raise NotFound(N_("There is no partner admin with id {id}."), id=admin_id)
    if not admin.webex_person_id:
        raise BadInput(N_("{name} has no Webex person id yet; run a sync first."), name=admin.display_name)
    own = client is None
    client = client or WebexClient(settings=settings, token=token or credentials.webex_token_for(session, partner_id))
    try:
        if assign:
            client.assign_partner_admin(customer.org_id, admin.webex_person_id)
        else:
            client.unassign_partner_admin(customer.org_id, admin.webex_person_id)
    finally:
        if own:
            client.close()


def unassign_customer_admin(**kw) -> None:
    assign_customer_admin(assign=False, **kw)


PART = OrgPart("admins", _fetch_admins, _write_admins)
