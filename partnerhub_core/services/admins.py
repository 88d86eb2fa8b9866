"""Partner administrators: who looks after which customer, and with which role (SPEC F6, F7).

Everyone may see the admins of a customer they can see. Assigning, unassigning and
changing roles is for full partner admins (``Permission.MANAGE_ADMINS``): roles are
managed in one place (``set_role``), assignments per customer. The partner always keeps
at least one full admin. Audited; never commits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from partnerhub_core import audit, auth
from partnerhub_core.auth import ROLE_LABELS, Actor, Permission
from partnerhub_core.errors import BadInput, Conflict, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import CustomerAdmin, PartnerAdmin, Role, search_key
from partnerhub_core.services._scope import MAX_NAME_CHARS, suggestions, visible_customer

# What Webex shows as "roleInCustomerOrg" for an assigned partner admin of each role.
ROLE_IN_CUSTOMER = {
    Role.FULL_ADMIN: "id_full_admin",
    Role.ADMIN: "id_full_admin",
    Role.SALES_ADMIN: "id_full_admin",
    Role.READ_ONLY: "id_readonly_admin",
}

# What Webex's ``roleInCustomerOrg`` of an assigned partner admin means here: Webex made
# them a full admin of that customer -> our partner admin (assigned customers); any other
# customer role (read-only, support, user and device admin...) -> read-only. Applied to
# admins a sync meets first; an admin we know keeps the role set in partnerhub.
WEBEX_ROLE_EQUIVALENT = {"id_full_admin": Role.ADMIN}

# The English names of Webex's customer roles, shown next to ours (translate outside).
WEBEX_ROLE_LABELS = {
    "id_full_admin": N_("full admin"),
    "id_readonly_admin": N_("read-only admin"),
    "id_support_admin": N_("support admin"),
    "id_user_admin": N_("user and device admin"),
    "id_device_admin": N_("device admin"),
}


def role_from_webex(role_in_customer: str | None) -> Role:
    """Our role for a partner admin Webex lists with ``role_in_customer`` in a customer."""
    return WEBEX_ROLE_EQUIVALENT.get(str(role_in_customer or "").strip(), Role.READ_ONLY)


def webex_role_label(role_in_customer: str | None) -> str:
    """The English msgid naming a Webex customer role (the raw value when unknown)."""
    value = str(role_in_customer or "").strip()
    return WEBEX_ROLE_LABELS.get(value, value)


_ROLE_WORDS = {
    "full": Role.FULL_ADMIN, "full_admin": Role.FULL_ADMIN, "full admin": Role.FULL_ADMIN,
    "full partner admin": Role.FULL_ADMIN,
    "admin": Role.ADMIN, "partner": Role.ADMIN, "partner admin": Role.ADMIN,
    "sales": Role.SALES_ADMIN, "sales_admin": Role.SALES_ADMIN, "sales admin": Role.SALES_ADMIN,
    "read_only": Role.READ_ONLY, "read-only": Role.READ_ONLY, "readonly": Role.READ_ONLY,
    "read only": Role.READ_ONLY, "read-only partner admin": Role.READ_ONLY,
}
_MENTION = re.compile(r"^<@([UW][A-Z0-9_]{2,30})(?:\|[^>]*)?>$")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9_]{4,30}$")


@dataclass(frozen=True)
class AdminInfo:
    id: int
    display_name: str
    email: str
    role: Role
    all_customers: bool
    slack_user_id: str | None
    customers: int  # explicit assignments


@dataclass(frozen=True)
class AssignedAdmin:
    admin_id: int
    display_name: str
    email: str
    role: Role
    role_in_customer: str
    assigned_at: datetime | None


def parse_role(text: str | None) -> Role:
    key = " ".join((text or "").casefold().split())
    if key in _ROLE_WORDS:
        return _ROLE_WORDS[key]
    raise BadInput(
        N_("Unknown role \"{role}\". Choose one of: full, admin, sales, read-only."), role=(text or "")[:40]
    )


def find_admin(*, session: Session, partner_id: int, ref: str) -> PartnerAdmin:
    """A partner admin by Slack mention or user id, email, or (part of the) name."""
    text = " ".join((ref or "").split())[:MAX_NAME_CHARS]
    if not text:
        raise BadInput(N_("Name the partner admin (a @mention, an email or a name)."))
    admins = session.exec(select(PartnerAdmin).where(PartnerAdmin.partner_id == partner_id)).all()
    mention = _MENTION.match(text)
    slack_id = mention.group(1) if mention else (text if _SLACK_ID.match(text) else None)
    hits = [a for a in admins if a.slack_user_id == slack_id] if slack_id else []
    if hits or mention:
        pass
    elif "@" in text.lstrip("@"):
        hits = [a for a in admins if a.email.casefold() == text.casefold()]
    else:
        key = search_key(text.lstrip("@"))
        exact = [a for a in admins if search_key(a.display_name) == key]
        hits = exact or [a for a in admins if key and key in search_key(a.display_name)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise NotFound(
            N_("No partner admin matches \"{ref}\"."),
            suggestions=suggestions(text.lstrip("@"), [a.display_name for a in admins] + [a.email for a in admins]),
            ref=text[:60],
        )
    raise BadInput(
        N_("\"{ref}\" matches several partner admins: {names}. Use an email or a @mention."),
        ref=text[:60], names=", ".join(sorted(f"{a.display_name} <{a.email}>" for a in hits)[:5]),
    )


def list_partner_admins(*, session: Session, actor: Actor) -> list[AdminInfo]:
    """Every partner admin of the partner with role and scope: the one place roles live."""
    auth.require(actor, Permission.VIEW)
    admins = session.exec(select(PartnerAdmin).where(PartnerAdmin.partner_id == actor.partner_id)).all()
    counts = dict(
        session.exec(
            select(CustomerAdmin.partner_admin_id, func.count())
            .where(CustomerAdmin.partner_id == actor.partner_id)
            .group_by(CustomerAdmin.partner_admin_id)
        ).all()
    )
    infos = [
        AdminInfo(a.id, a.display_name, a.email, Role(a.role), a.all_customers, a.slack_user_id, counts.get(a.id, 0))
        for a in admins
    ]
    return sorted(infos, key=lambda i: (list(Role).index(i.role), search_key(i.display_name), i.id))


def customer_admins(*, session: Session, actor: Actor, customer_id: int) -> list[AssignedAdmin]:
    """The partner admins assigned to one customer, strongest role first."""
    auth.require(actor, Permission.VIEW)
    customer = visible_customer(session, actor, customer_id)
    rows = session.exec(
        select(CustomerAdmin, PartnerAdmin)
        .join(PartnerAdmin, PartnerAdmin.id == CustomerAdmin.partner_admin_id)
        .where(CustomerAdmin.partner_id == actor.partner_id, CustomerAdmin.customer_id == customer.id)
    ).all()
    out = [
        AssignedAdmin(a.id, a.display_name, a.email, Role(a.role), link.role_in_customer, link.assigned_at)
        for link, a in rows
    ]
    return sorted(out, key=lambda i: (list(Role).index(i.role), search_key(i.display_name), i.admin_id))


def assign_admin(*, session: Session, actor: Actor, customer_id: int, admin_id: int, now: datetime) -> CustomerAdmin:
    auth.require(actor, Permission.MANAGE_ADMINS)
    customer = visible_customer(session, actor, customer_id)
    admin = _admin(session, actor, admin_id)
    if session.get(CustomerAdmin, (customer.id, admin.id)) is not None:
        raise Conflict(
            N_("{admin} is already assigned to {customer}."), admin=admin.display_name, customer=customer.name
        )
    before = _assigned_emails(session, actor.partner_id, customer.id)
    link = CustomerAdmin(
        customer_id=customer.id, partner_admin_id=admin.id, partner_id=actor.partner_id,
        role_in_customer=ROLE_IN_CUSTOMER[Role(admin.role)], assigned_at=now,
    )
    session.add(link)
    session.flush()
    audit.record(
        session, actor=actor, action="admin.assign", target_type="customer", target_id=customer.id,
        before={"admins": before}, after={"admins": sorted(before + [admin.email])}, at=now,
    )
    return link


def unassign_admin(*, session: Session, actor: Actor, customer_id: int, admin_id: int, now: datetime) -> None:
    auth.require(actor, Permission.MANAGE_ADMINS)
    customer = visible_customer(session, actor, customer_id)
    admin = _admin(session, actor, admin_id)
    link = session.get(CustomerAdmin, (customer.id, admin.id))
    if link is None or link.partner_id != actor.partner_id:
        raise NotFound(N_("{admin} is not assigned to {customer}."), admin=admin.display_name, customer=customer.name)
    before = _assigned_emails(session, actor.partner_id, customer.id)
    session.delete(link)
    session.flush()
    audit.record(
        session, actor=actor, action="admin.unassign", target_type="customer", target_id=customer.id,
        before={"admins": before}, after={"admins": [e for e in before if e != admin.email]}, at=now,
    )


def set_role(
    *, session: Session, actor: Actor, admin_id: int, role: Role | str,
    all_customers: bool | None = None, now: datetime,
) -> PartnerAdmin:
    """Change a partner admin's role (and "all customers" scope); keeps one full admin."""
    auth.require(actor, Permission.MANAGE_ADMINS)
    admin = _admin(session, actor, admin_id)
    new_role = role if isinstance(role, Role) else parse_role(role)
    before = {"role": admin.role, "all_customers": admin.all_customers}
    if admin.role == Role.FULL_ADMIN and new_role != Role.FULL_ADMIN:
        others = session.exec(
            select(func.count()).select_from(PartnerAdmin).where(
                PartnerAdmin.partner_id == actor.partner_id,
                PartnerAdmin.role == Role.FULL_ADMIN.value,
                PartnerAdmin.id != admin.id,
            )
        ).one()
        if not others:
            raise Conflict(
                N_("{admin} is the last full partner admin; make someone else a full admin first."),
                admin=admin.display_name,
            )
    admin.role = new_role.value
    if all_customers is not None:
        admin.all_customers = all_customers
    session.add(admin)
    for link in session.exec(
        select(CustomerAdmin).where(CustomerAdmin.partner_id == actor.partner_id, CustomerAdmin.partner_admin_id == admin.id)
    ).all():
        link.role_in_customer = ROLE_IN_CUSTOMER[new_role]
        session.add(link)
    session.flush()
    audit.record(
        session, actor=actor, action="admin.set_role", target_type="partner_admin", target_id=admin.id,
        before=before, after={"role": admin.role, "all_customers": admin.all_customers}, at=now,
    )
    return admin


def role_label(role: Role | str) -> str:
    """The English msgid naming a role ("full partner admin"); translate it outside."""
    return ROLE_LABELS[Role(role)]


def _admin(session: Session, actor: Actor, admin_id: int) -> PartnerAdmin:
    admin = session.get(PartnerAdmin, admin_id)
    if admin is None or admin.partner_id != actor.partner_id:
        raise NotFound(N_("No partner admin with id {admin_id}."), admin_id=admin_id)
    return admin


def _assigned_emails(session: Session, partner_id: int, customer_id: int) -> list[str]:
    return sorted(
        session.exec(
            select(PartnerAdmin.email)
            .join(CustomerAdmin, CustomerAdmin.partner_admin_id == PartnerAdmin.id)
            .where(CustomerAdmin.partner_id == partner_id, CustomerAdmin.customer_id == customer_id)
        ).all()
    )
