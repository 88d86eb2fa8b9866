"""The database side of chat installs: installation rows (a workspace's bot and user
tokens), one-time OAuth states, and what an uninstall or a revoked token stops.

bot/installation.py turns these rows into the Slack SDK's objects (bolt's installation and
state stores) and bot/lifecycle.py calls the rest from Slack's events; the queries live
here. Tokens are encrypted at rest by the columns' type (``secrets.EncryptedString``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_
from sqlmodel import Session, select

from partnerhub_core import schedules
from partnerhub_core.auth import Actor
from partnerhub_core.models import Schedule, SlackInstallation, SlackOAuthState, Workspace


# --- installations -----------------------------------------------------------------------
def _of_team(client_id: str, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool):
    q = select(SlackInstallation).where(
        SlackInstallation.client_id == client_id,
        SlackInstallation.enterprise_id == (enterprise_id or ""),
    )
    if not is_enterprise_install:
        # An org-wide install answers for every team of the org.
        q = q.where(SlackInstallation.team_id == (team_id or ""))
    return q.order_by(SlackInstallation.installed_at.desc(), SlackInstallation.id.desc())


def newest(session: Session, *, client_id: str, enterprise_id: str | None, team_id: str | None,
           is_enterprise_install: bool = False, user_id: str | None = None,
           with_bot_token: bool = False) -> SlackInstallation | None:
    """The team's newest installation (of this user; holding a bot token), or None."""
    q = _of_team(client_id, enterprise_id, team_id, is_enterprise_install)
    if user_id is not None:
        q = q.where(SlackInstallation.user_id == user_id)
    if with_bot_token:
        q = q.where(SlackInstallation.bot_token.is_not(None))
    return session.exec(q).first()


def add(session: Session, row: SlackInstallation) -> None:
    """A new installation: the newest row of its team is its bot from now on."""
    session.add(row)


def clear_bot_tokens(session: Session, *, client_id: str, enterprise_id: str | None, team_id: str | None) -> int:
    """Forget the bot (and refresh) token of every installation row of the team."""
    rows = session.exec(_of_team(client_id, enterprise_id, team_id, False)).all()
    for row in rows:
        row.bot_token = None
        row.bot_refresh_token = None
        session.add(row)
    return len(rows)


def delete_installations(session: Session, *, client_id: str, enterprise_id: str | None, team_id: str | None,
                         user_id: str | None = None) -> None:
    """Every installation row of the team (only this user's, with ``user_id``)."""
    stmt = delete(SlackInstallation).where(
        SlackInstallation.client_id == client_id,
        SlackInstallation.enterprise_id == (enterprise_id or ""),
        SlackInstallation.team_id == (team_id or ""),
    )
    if user_id is not None:
        stmt = stmt.where(SlackInstallation.user_id == user_id)
    session.exec(stmt)


def clear_user_tokens(session: Session, *, client_id: str | None, team_id: str, enterprise_id: str,
                      user_ids: list[str]) -> int:
    """Forget the user tokens of these users in this workspace; the bot token stays."""
    q = select(SlackInstallation).where(
        SlackInstallation.team_id == team_id,
        SlackInstallation.enterprise_id == (enterprise_id or ""),
        SlackInstallation.user_id.in_(user_ids),
    )
    if client_id:
        q = q.where(SlackInstallation.client_id == client_id)
    rows = session.exec(q).all()
    for row in rows:
        row.user_token = None
        row.user_refresh_token = None
        row.user_token_expires_at = None
        session.add(row)
    return len(rows)


def stop_workspace_schedules(session: Session, *, team_id: str, enterprise_id: str, reason: str,
                             now: datetime, label: str) -> list[int]:
    """Disable (with ``reason``, audited) every enabled schedule that posts to this
    workspace: its own, and those of its partner that name no workspace (they post with
    the single-workspace token). Returns their ids."""
    q = select(Workspace).where(Workspace.enterprise_id == (enterprise_id or ""))
    if team_id or not enterprise_id:
        q = q.where(Workspace.team_id == team_id)
    # else: an org-wide install went away: every workspace of the org is affected.
    stopped: list[int] = []
    for workspace in session.exec(q.order_by(Workspace.id)).all():  # none: never set up, nothing posts
        rows = session.exec(
            select(Schedule).where(
                Schedule.enabled == True,  # noqa: E712
                or_(Schedule.workspace_id == workspace.id,
                    (Schedule.workspace_id.is_(None)) & (Schedule.partner_id == workspace.partner_id)),
            ).order_by(Schedule.id)
        ).all()
        actor = Actor.system(workspace.partner_id, label=label)
        for schedule in rows:
            schedules.disable_schedule(session=session, actor=actor, schedule_id=schedule.id, reason=reason,
                                       now=now)
            stopped.append(schedule.id)
    return stopped


# --- OAuth states -----------------------------------------------------------------------
def issue_state(session: Session, *, state: str, now: datetime, expires_at: datetime) -> None:
    # Expired states are useless; each new one sweeps them (rate-limited per client in
    # bot/server.py, so the table stays small).
    session.exec(delete(SlackOAuthState).where(SlackOAuthState.expires_at <= now))
    session.add(SlackOAuthState(state=state, expires_at=expires_at))


def consume_state(session: Session, *, state: str, now: datetime) -> bool:
    """True for exactly one caller per issued, unexpired state, however many race: the
    DELETE is the test, and only the transaction that deleted the row sees rowcount 1."""
    deleted = session.exec(delete(SlackOAuthState).where(
        SlackOAuthState.state == state, SlackOAuthState.expires_at > now))
    if deleted.rowcount == 1:
        return True
    # An expired one is gone too (a second try must not find it either).
    session.exec(delete(SlackOAuthState).where(SlackOAuthState.state == state))
    return False
