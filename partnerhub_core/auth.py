"""Who is acting, and what their role lets them do (SPEC F7).

Every mutation in ``services/`` starts with ``require(actor, Permission.X)`` and ends by
writing an audit event (``audit.record``). Reads are scoped with ``visible_customer_ids``:
full admins and admins marked "all customers" see every customer of the partner; the
others see the customers assigned to them.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import exists
from sqlmodel import Session, select

from partnerhub_core.errors import NotAllowed
from partnerhub_core.models import Customer, CustomerAdmin, PartnerAdmin, Region, Role


class Permission(StrEnum):
    VIEW = "view"
    EDIT_TAGS = "edit_tags"
    START_TRIAL = "start_trial"
    MANAGE_ADMINS = "manage_admins"
    MANAGE_SCHEDULES = "manage_schedules"
    RUN_REPORTS = "run_reports"
    SETUP = "setup"
    IMPORT_DATA = "import_data"


# Which roles hold which permission. Tags: "only full admins and partner admins can
# create, edit, assign or remove them" (guide). Trials: full and sales admins.
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW: frozenset(Role),
    Permission.RUN_REPORTS: frozenset(Role),
    Permission.EDIT_TAGS: frozenset({Role.FULL_ADMIN, Role.ADMIN}),
    Permission.START_TRIAL: frozenset({Role.FULL_ADMIN, Role.SALES_ADMIN}),
    Permission.MANAGE_ADMINS: frozenset({Role.FULL_ADMIN}),
    Permission.MANAGE_SCHEDULES: frozenset({Role.FULL_ADMIN, Role.ADMIN}),
    Permission.SETUP: frozenset({Role.FULL_ADMIN}),
    Permission.IMPORT_DATA: frozenset({Role.FULL_ADMIN}),
}

ROLE_LABELS = {
    Role.FULL_ADMIN: "full partner admin",
    Role.ADMIN: "partner admin",
    Role.SALES_ADMIN: "sales admin",
    Role.READ_ONLY: "read-only partner admin",
}


@dataclass(frozen=True)
class Actor:
    """The person (or job) doing something, within one partner."""

    partner_id: int
    role: Role
    admin_id: int | None = None
    all_customers: bool = False
    label: str = ""  # for the audit trail: "slack:U123", "cli", "system:digest"
    # A channel's scope (partnerhub_core/channel_scope.py): when set, only these customers
    # are visible, whatever the role.
    within: frozenset[int] | None = None

    @property
    def sees_all_customers(self) -> bool:
        return self.role == Role.FULL_ADMIN or self.all_customers or self.admin_id is None

    def can(self, permission: Permission) -> bool:
        return self.role in GRANTS[permission]

    @classmethod
    def system(cls, partner_id: int, label: str = "system") -> "Actor":
        return cls(partner_id=partner_id, role=Role.FULL_ADMIN, label=label)

    @classmethod
    def for_admin(cls, admin: PartnerAdmin, label: str | None = None) -> "Actor":
        return cls(
            partner_id=admin.partner_id,
            role=Role(admin.role),
            admin_id=admin.id,
            all_customers=admin.all_customers,
            label=label or f"admin:{admin.id}",
        )


def require(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        allowed = sorted(GRANTS[permission], key=list(Role).index)
        raise NotAllowed(
            "You need the {roles} role to do this (you are a {role}).",
            roles=" or ".join(ROLE_LABELS[r] for r in allowed),
            role=ROLE_LABELS[actor.role],
            permission=str(permission),
        )


def visible_customer_ids(session: Session, actor: Actor) -> set[int] | None:
    """None when the actor sees every customer of the partner; else the assigned ids (within
    the channel's scope, ``Actor.within``, when there is one)."""
    if actor.sees_all_customers:
        return None if actor.within is None else set(actor.within)
    rows = session.exec(
        select(CustomerAdmin.customer_id).where(
            CustomerAdmin.partner_id == actor.partner_id,
            CustomerAdmin.partner_admin_id == actor.admin_id,
        )
    ).all()
    return set(rows) if actor.within is None else set(rows) & actor.within


def visible_regions(session: Session, actor: Actor) -> list[str]:
    """The regions of the customers the actor can see, in the Region enum's order. Seeing
    every customer: one probe of ix_customer_partner_region per region, in one query, not a
    DISTINCT over all the partner's customers (20,000 rows: 10-25 ms of PostgreSQL per
    analytics answer, bench/RESULTS.md)."""
    scope = visible_customer_ids(session, actor)
    if scope is None:
        regions = list(Region)
        present = session.execute(select(*(
            exists().where(Customer.partner_id == actor.partner_id, Customer.region == r.value).label(f"r{i}")
            for i, r in enumerate(regions)))).one()
        return [r.value for r, here in zip(regions, present) if here]
    stmt = (select(Customer.region).where(Customer.partner_id == actor.partner_id,
                                          Customer.id.in_(sorted(scope) or [-1])).distinct())
    found = set(session.exec(stmt).all())
    return [r.value for r in Region if r.value in found]


def partner_admins(session: Session, partner_id: int) -> list[PartnerAdmin]:
    """The partner's admins, the most powerful role first, then by name (the setup
    overview's list; no permission needed to see who administers the partner)."""
    admins = session.exec(select(PartnerAdmin).where(PartnerAdmin.partner_id == partner_id)).all()
    order = list(Role)
    return sorted(admins, key=lambda a: (order.index(Role(a.role)), a.display_name.casefold(), a.id))
