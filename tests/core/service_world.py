"""A small hand-made partner for the service tests: one admin of each role, three
customers (one assigned to the plain admins), and a second partner that must stay invisible."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlmodel import Session, select

from partnerhub_core.auth import Actor
from partnerhub_core.models import AuditEvent, Customer, CustomerAdmin, Partner, PartnerAdmin, Role, search_key

AS_OF = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)


@dataclass
class World:
    partner: Partner
    other_partner: Partner
    admins: dict[Role, PartnerAdmin]
    acme: Customer  # assigned to the admin, sales admin and read-only admin
    globex: Customer  # not assigned to anyone
    sao: Customer  # "São Paulo Táxi"
    foreign: Customer  # the other partner's

    def actor(self, role: Role) -> Actor:
        return Actor.for_admin(self.admins[role])


def customer(session: Session, partner: Partner, name: str, org: str) -> Customer:
    c = Customer(partner_id=partner.id, org_id=org, name=name, name_key=search_key(name), added_on=date(2026, 1, 5))
    session.add(c)
    session.flush()
    return c


def build(session: Session) -> World:
    partner = Partner(name="Northwind Partners")
    other = Partner(name="Rival Reseller")
    session.add_all([partner, other])
    session.flush()
    admins = {}
    for role, name in [
        (Role.FULL_ADMIN, "Fiona Full"),
        (Role.ADMIN, "Adam Admin"),
        (Role.SALES_ADMIN, "Sally Sales"),
        (Role.READ_ONLY, "Rita Reader"),
    ]:
        first = name.split()[0].lower()
        a = PartnerAdmin(
            partner_id=partner.id, display_name=name, email=f"{first}@northwind.example",
            slack_user_id=f"U0{first.upper()}", role=role.value,
        )
        session.add(a)
        admins[role] = a
    session.flush()
    acme = customer(session, partner, "Acme Corp", "org-acme")
    globex = customer(session, partner, "Globex", "org-globex")
    sao = customer(session, partner, "São Paulo Táxi", "org-sao")
    foreign = customer(session, other, "Rival Customer", "org-rival")
    for role in (Role.ADMIN, Role.SALES_ADMIN, Role.READ_ONLY):
        session.add(CustomerAdmin(customer_id=acme.id, partner_admin_id=admins[role].id, partner_id=partner.id))
    session.flush()
    return World(partner, other, admins, acme, globex, sao, foreign)


def audit_rows(session: Session, action: str | None = None) -> list[AuditEvent]:
    q = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        q = q.where(AuditEvent.action == action)
    return list(session.exec(q).all())
