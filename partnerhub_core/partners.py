"""Partners as the command line and the demo pick them: the one partner a command reads
when none is named, a partner's headline counts, a schema check, and the demo's Slack
workspace link. Queries the bot's CLI (bot/cli/) needs and must not write itself.
"""
from __future__ import annotations

from sqlalchemy import func, inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import Customer, LicenseSnapshot, Partner, PartnerAdmin, Role, Subscription, Workspace


def resolve_partner(session: Session, partner_id: int | None, url: str) -> Partner:
    """The partner asked for, or the only one in the database (``url`` names it in errors)."""
    if partner_id is not None:
        partner = session.get(Partner, partner_id)
        if partner is None:
            raise BadInput(N_("There is no partner with id {partner_id}."), partner_id=partner_id)
        return partner
    partners = session.execute(select(Partner).order_by(Partner.id).limit(11)).scalars().all()
    if not partners:
        raise BadInput(N_("There is no partner in {url} yet: run `partnerhub demo`, or set one up."), url=url)
    if len(partners) > 1:
        listed = "; ".join(f"{p.id} {p.name}" for p in partners[:10])
        raise BadInput(N_("Several partners in the database ({partners}): choose one with --partner ID."),
                       partners=listed)
    return partners[0]


def headline_counts(session: Session, partner_id: int) -> dict[str, int]:
    """How many customers, subscription lines and weekly license snapshots the partner has."""
    def count(model) -> int:
        return session.execute(select(func.count()).select_from(model).where(
            model.partner_id == partner_id)).scalar_one()

    return {"customers": count(Customer), "lines": count(Subscription), "snapshots": count(LicenseSnapshot)}


def missing_tables(engine: Engine) -> set[str]:
    """The models' tables the database does not have (an older schema)."""
    return set(SQLModel.metadata.tables) - set(inspect(engine).get_table_names())


def link_demo_workspace(session: Session, *, team_id: str, partner_id: int, language: str) -> list[PartnerAdmin]:
    """Link ``team_id`` to the partner (once; again after the demo partner was rebuilt with
    a new id) and return its admins who see every customer and may change things, with a
    Slack user id, by id. The caller commits."""
    workspace = session.exec(select(Workspace).where(Workspace.team_id == team_id).order_by(Workspace.id)).first()
    if workspace is None:
        session.add(Workspace(partner_id=partner_id, team_id=team_id, default_language=language))
    elif workspace.partner_id != partner_id:
        workspace.partner_id = partner_id
        session.add(workspace)
    return list(session.exec(select(PartnerAdmin).where(
        PartnerAdmin.partner_id == partner_id, PartnerAdmin.all_customers.is_(True),
        PartnerAdmin.role.in_([Role.FULL_ADMIN.value, Role.ADMIN.value]),
        PartnerAdmin.slack_user_id.is_not(None)).order_by(PartnerAdmin.id)).all())
