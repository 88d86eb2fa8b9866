"""Who is asking, read in one round trip: a chat request's workspace, its partner, the
person's ``PartnerAdmin`` and the channel's scope (issue 19).

The bot layer used to read these with four queries per answer (workspace, partner, admin,
channel scope); on PostgreSQL each is a round trip to a backend that competes for the
same cores as the acks (bench/RESULTS.md, issue 19). ``load`` reads them with one
SELECT of outer joins, so a workspace that is not linked, a person who is not an admin
and a channel that is not bound each come back as None, exactly as the four did.

``partner_of_team`` is the request log line's lookup (bot/ops_http.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false
from sqlmodel import Session, select

from partnerhub_core.channel_scope import Scope
from partnerhub_core.models import ChannelScope, Partner, PartnerAdmin, Workspace


@dataclass(frozen=True)
class RequestContext:
    workspace: Workspace | None = None
    partner: Partner | None = None
    admin: PartnerAdmin | None = None
    scope: Scope | None = None


def load(session: Session, *, team_id: str, enterprise_id: str, slack_user_id: str | None,
         channel_id: str | None, dm: bool = False) -> RequestContext:
    """The request's workspace (by team and enterprise), its partner, the partner's admin
    with this Slack user id (the first by id, should two share it) and the channel's scope.

    No admin without a user id; no scope without a channel, in a DM (never bound), or for
    a binding of another partner. The rows are the session's own (the caller's
    transaction), as ``session.get`` would give them."""
    admin_on = (and_(PartnerAdmin.partner_id == Workspace.partner_id, PartnerAdmin.slack_user_id == slack_user_id)
                if slack_user_id else false())
    scope_on = (and_(ChannelScope.workspace_id == Workspace.id, ChannelScope.channel_id == channel_id,
                     ChannelScope.partner_id == Workspace.partner_id)
                if channel_id and not dm else false())
    row = session.exec(
        select(Workspace, Partner, PartnerAdmin, ChannelScope)
        .select_from(Workspace)
        .outerjoin(Partner, Partner.id == Workspace.partner_id)
        .outerjoin(PartnerAdmin, admin_on)
        .outerjoin(ChannelScope, scope_on)
        .where(Workspace.team_id == (team_id or ""), Workspace.enterprise_id == (enterprise_id or ""))
        .order_by(PartnerAdmin.id)
        .limit(1)
    ).first()
    if row is None:
        return RequestContext()
    workspace, partner, admin, bound = row
    scope = Scope(region=bound.region, tag=bound.tag) if bound is not None and partner is not None else None
    return RequestContext(workspace=workspace, partner=partner, admin=admin if partner is not None else None,
                          scope=scope)


def partner_of_team(session: Session, team_id: str) -> int | None:
    """The partner a Slack team is linked to (any enterprise), or None: for log lines."""
    return session.exec(select(Workspace.partner_id).where(Workspace.team_id == team_id)
                        .order_by(Workspace.id)).first()
