"""First-run setup (SPEC F26): link a chat workspace to a partner organization, map chat
users to partner admins with roles, choose the workspace's default region.

Keyword-only services; audited; never commit (the caller owns the transaction).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core import audit, auth
from partnerhub_core.auth import Actor, Permission
from partnerhub_core.errors import BadInput, Conflict, NotFound
from partnerhub_core.i18n import N_, SUPPORTED, normalize_locale
from partnerhub_core.models import Partner, PartnerAdmin, Region, Role, Workspace
from partnerhub_core.services import admins as admin_service
from partnerhub_core.services._scope import clean_text

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9_]{1,30}$")


@dataclass(frozen=True)
class Linked:
    partner: Partner
    workspace: Workspace
    admin: PartnerAdmin
    claimed_existing: bool  # the partner existed (imported from Webex) and had no workspace


def clean_email(value: str | None) -> str:
    email = (value or "").strip()
    if not _EMAIL.match(email) or len(email) > 320:
        raise BadInput(N_("“{email}” is not an email address."), email=email[:80])
    return email.lower()


def clean_region(value: str | None) -> str | None:
    if value in (None, "", "none", "all"):
        return None
    try:
        return Region(value.upper()).value
    except ValueError:
        raise BadInput(N_("Unknown region “{region}”. Choose one of: {choices}."), region=value[:20],
                       choices=", ".join(r.value for r in Region)) from None


def clean_language(value: str | None) -> str:
    language = normalize_locale(value) if value else "en"
    if value and language == "en" and not value.lower().startswith("en"):
        raise BadInput(N_("Unknown language “{language}”. Choose one of: {choices}."), language=value[:20],
                       choices="en, pt-BR, es")
    assert language in SUPPORTED
    return language


def find_workspace(session: Session, *, team_id: str, enterprise_id: str = "") -> Workspace | None:
    return session.exec(select(Workspace).where(Workspace.team_id == team_id,
                                                Workspace.enterprise_id == (enterprise_id or ""))).first()


def link_workspace(
    *, session: Session, team_id: str, enterprise_id: str = "", partner_name: str,
    webex_org_id: str | None, default_region: str | None, default_language: str | None,
    slack_user_id: str, display_name: str, email: str, allow_claim: bool, now: datetime,
) -> Linked:
    """Link an unlinked workspace to a new partner (or, with ``allow_claim``, to a partner
    imported from Webex that no workspace has yet); the caller becomes its full admin.

    ``allow_claim`` is for single-workspace installs, where whoever installed the app runs
    the server. On a shared (OAuth) server, typing an existing org id must not hand over
    that partner's data, so it is refused.
    """
    if not team_id or not _SLACK_USER.match(slack_user_id or ""):
        raise BadInput(N_("This request does not say which workspace and person it comes from."))
    name = clean_text(partner_name, field="partner organization name", max_chars=200)
    org_id = (webex_org_id or "").strip() or None
    if org_id is not None and (len(org_id) > 200 or any(ch.isspace() for ch in org_id)):
        raise BadInput(N_("“{org}” is not a Webex organization id."), org=org_id[:80])
    region = clean_region(default_region)
    language = clean_language(default_language)
    mail = clean_email(email)
    person = clean_text(display_name or slack_user_id, field="name", max_chars=200)

    existing = find_workspace(session, team_id=team_id, enterprise_id=enterprise_id)
    if existing is not None:
        partner = session.get(Partner, existing.partner_id)
        raise Conflict(N_("This workspace is already linked to {partner}."), partner=partner.name if partner else "?")

    partner = session.exec(select(Partner).where(Partner.webex_org_id == org_id)).first() if org_id else None
    claimed = partner is not None
    if partner is not None:
        taken = session.exec(select(Workspace).where(Workspace.partner_id == partner.id)).first()
        if taken is not None or not allow_claim:
            raise Conflict(N_("The Webex organization {org} is already set up on this server. Ask its full "
                              "partner admin, or the server's operator, to link this workspace."), org=org_id)
    else:
        partner = Partner(name=name, webex_org_id=org_id, default_language=language, default_region=region,
                          created_at=now)
        session.add(partner)
        session.flush()

    admin = session.exec(select(PartnerAdmin).where(PartnerAdmin.partner_id == partner.id,
                                                    PartnerAdmin.email == mail)).first()
    if claimed:
        # Claiming an imported partner needs the email of one of its Webex full admins
        # (when the import brought any), not any admin's.
        full = session.exec(select(PartnerAdmin.id).where(PartnerAdmin.partner_id == partner.id,
                                                          PartnerAdmin.role == Role.FULL_ADMIN.value)).all()
        if full and (admin is None or admin.id not in full):
            raise Conflict(N_("{email} is not a full partner admin of {partner} in Webex."), email=mail,
                           partner=partner.name)
    if admin is None:
        admin = PartnerAdmin(partner_id=partner.id, display_name=person, email=mail, created_at=now)
    workspace = Workspace(partner_id=partner.id, team_id=team_id, enterprise_id=enterprise_id or "",
                          default_language=language, default_region=region, linked_at=now,
                          linked_by=slack_user_id)
    session.add(workspace)
    admin.slack_user_id = slack_user_id
    admin.role = Role.FULL_ADMIN.value
    session.add(admin)
    session.flush()
    actor = Actor.for_admin(admin, label=f"slack:{slack_user_id}")
    audit.record(session, actor=actor, action="workspace.link", target_type="workspace", target_id=workspace.id,
                 after={"team_id": team_id, "enterprise_id": enterprise_id or "", "partner_id": partner.id,
                        "partner": partner.name, "claimed": claimed, "language": language, "region": region},
                 at=now)
    return Linked(partner=partner, workspace=workspace, admin=admin, claimed_existing=claimed)


def map_slack_user(
    *, session: Session, actor: Actor, slack_user_id: str, display_name: str, email: str | None,
    role: Role | str, all_customers: bool = False, now: datetime,
) -> PartnerAdmin:
    """Make a chat user a partner admin with a role (or change the role of one).

    Matches an existing admin by chat user, then by email (admins imported from Webex),
    else creates one. Full partner admins only; the last full admin cannot be demoted.
    """
    auth.require(actor, Permission.MANAGE_ADMINS)
    if not _SLACK_USER.match(slack_user_id or ""):
        raise BadInput(N_("Pick a person to add."))
    new_role = role if isinstance(role, Role) else admin_service.parse_role(role)
    admin = session.exec(select(PartnerAdmin).where(PartnerAdmin.partner_id == actor.partner_id,
                                                    PartnerAdmin.slack_user_id == slack_user_id)).first()
    mail = clean_email(email) if email else None
    if admin is None and mail is not None:
        admin = session.exec(select(PartnerAdmin).where(PartnerAdmin.partner_id == actor.partner_id,
                                                        PartnerAdmin.email == mail)).first()
        if admin is not None and admin.slack_user_id and admin.slack_user_id != slack_user_id:
            raise Conflict(N_("{email} is already linked to another Slack user."), email=mail)
    if admin is None:
        if mail is None:
            raise BadInput(N_("Slack does not share this person's email; type it in the form."))
        admin = PartnerAdmin(partner_id=actor.partner_id, display_name=clean_text(
            display_name or slack_user_id, field="name", max_chars=200), email=mail, slack_user_id=slack_user_id,
            role=new_role.value, all_customers=all_customers, created_at=now)
        session.add(admin)
        session.flush()
        audit.record(session, actor=actor, action="admin.add", target_type="partner_admin", target_id=admin.id,
                     after={"slack_user_id": slack_user_id, "email": mail, "role": new_role.value,
                            "all_customers": all_customers}, at=now)
        return admin
    before_link = admin.slack_user_id
    if before_link != slack_user_id:
        admin.slack_user_id = slack_user_id
        session.add(admin)
        audit.record(session, actor=actor, action="admin.link_slack", target_type="partner_admin",
                     target_id=admin.id, before={"slack_user_id": before_link},
                     after={"slack_user_id": slack_user_id}, at=now)
    if admin.role != new_role.value or admin.all_customers != all_customers:
        admin_service.set_role(session=session, actor=actor, admin_id=admin.id, role=new_role,
                               all_customers=all_customers, now=now)
    session.flush()
    return admin


def set_default_region(*, session: Session, actor: Actor, workspace_id: int, region: str | None,
                       now: datetime) -> Workspace:
    """The region views and reports start with (None: all regions)."""
    auth.require(actor, Permission.SETUP)
    workspace = session.get(Workspace, workspace_id)
    if workspace is None or workspace.partner_id != actor.partner_id:
        raise NotFound(N_("This workspace is not linked to your partner organization."))
    new = clean_region(region)
    if workspace.default_region != new:
        audit.record(session, actor=actor, action="workspace.region", target_type="workspace",
                     target_id=workspace.id, before={"region": workspace.default_region}, after={"region": new},
                     at=now)
        workspace.default_region = new
        session.add(workspace)
    return workspace
