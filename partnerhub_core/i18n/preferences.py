"""Stored language choices: a partner admin's own, and a workspace's default.

Services in the house style: keyword-only, role check first, an audit event, no commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core import audit
from partnerhub_core.auth import Actor, Permission, require
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import SUPPORTED
from partnerhub_core.models import Partner, PartnerAdmin, Workspace


@dataclass(frozen=True)
class StoredLanguages:
    user: str | None  # PartnerAdmin.language: the person's own choice, or None
    workspace: str | None  # Workspace.default_language, else the partner's default


def stored_languages(
    session: Session, *, partner_id: int | None, slack_user_id: str | None,
    team_id: str | None, enterprise_id: str | None = None,
) -> StoredLanguages:
    """What the database says about the language of a reply to this Slack user."""
    user_language = workspace_language = None
    if partner_id is not None and slack_user_id:
        user_language = session.exec(
            select(PartnerAdmin.language).where(
                PartnerAdmin.partner_id == partner_id, PartnerAdmin.slack_user_id == slack_user_id
            )
        ).first()
    if team_id:
        query = select(Workspace.default_language).where(
            Workspace.team_id == team_id, Workspace.enterprise_id == (enterprise_id or "")
        )
        if partner_id is not None:
            query = query.where(Workspace.partner_id == partner_id)
        workspace_language = session.exec(query).first()
    if workspace_language is None and partner_id is not None:
        workspace_language = session.exec(
            select(Partner.default_language).where(Partner.id == partner_id)
        ).first()
    return StoredLanguages(user=user_language, workspace=workspace_language)


def set_my_language(*, session: Session, actor: Actor, language: str | None, now: datetime) -> PartnerAdmin:
    """Set (or, with None, clear) the acting admin's own language. Anyone may choose theirs."""
    require(actor, Permission.VIEW)
    if language is not None:
        _check_language(language)
    admin = session.get(PartnerAdmin, actor.admin_id) if actor.admin_id is not None else None
    if admin is None or admin.partner_id != actor.partner_id:
        raise NotFound("You are not registered as a partner admin here yet. Ask a full admin to add you.")
    _change(session, actor, admin, "language", language, action="admin.language",
            target_type="partner_admin", now=now)
    return admin


def set_workspace_language(
    *, session: Session, actor: Actor, workspace_id: int, language: str, now: datetime
) -> Workspace:
    """The default language of a workspace (setup, full admins)."""
    require(actor, Permission.SETUP)
    _check_language(language)
    workspace = session.get(Workspace, workspace_id)
    if workspace is None or workspace.partner_id != actor.partner_id:
        raise NotFound("This workspace is not linked to your partner organization.")
    _change(session, actor, workspace, "default_language", language, action="workspace.language",
            target_type="workspace", now=now)
    return workspace


def _check_language(language: str) -> None:
    if language not in SUPPORTED:
        raise BadInput("Unknown language \u201c{language}\u201d. Choose one of: {choices}.",
                       language=language, choices="en, pt-BR, es")


def _change(session: Session, actor: Actor, row, attr: str, language: str | None, *, action: str,
            target_type: str, now: datetime) -> None:
    """Set a language column and audit it, only when it really changes."""
    before = getattr(row, attr)
    if before == language:
        return
    setattr(row, attr, language)
    session.add(row)
    audit.record(session, actor=actor, action=action, target_type=target_type, target_id=row.id,
                 before={"language": before}, after={"language": language}, at=now)
