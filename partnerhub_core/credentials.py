"""Per-partner Webex tokens, stored encrypted (``WebexCredential``; ``EncryptedString``).

Each partner organization syncs with its own token; ``PARTNERHUB_WEBEX_TOKEN`` remains
the fallback for a single-partner installation. Operators set a token with
``partnerhub secrets set-webex-token --partner ID`` (read from stdin, never a
command-line argument that would land in the shell history).
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import Partner, WebexCredential


def set_webex_token(session: Session, *, partner_id: int, token: str, now: datetime, by: str = "cli",
                    refresh_token: str | None = None, expires_at: datetime | None = None) -> WebexCredential:
    """Store (or replace) the partner's Webex token. The caller commits."""
    token = (token or "").strip()
    if not token or any(ch.isspace() for ch in token):
        raise BadInput(N_("A Webex token is one word without spaces."))
    if session.get(Partner, partner_id) is None:
        raise NotFound(N_("There is no partner with id {partner_id}."), partner_id=partner_id)
    row = session.exec(select(WebexCredential).where(WebexCredential.partner_id == partner_id)).first()
    if row is None:
        row = WebexCredential(partner_id=partner_id, access_token=token, updated_at=now)
    row.access_token = token
    row.refresh_token = refresh_token
    row.expires_at = expires_at
    row.updated_at = now
    row.updated_by = by[:200]
    session.add(row)
    session.flush()
    return row


def webex_token_for(session: Session, partner_id: int) -> str | None:
    """The partner's own Webex token, or None (then the connector uses the setting)."""
    row = session.exec(select(WebexCredential).where(WebexCredential.partner_id == partner_id)).first()
    return row.access_token if row else None


def forget_webex_token(session: Session, *, partner_id: int) -> bool:
    row = session.exec(select(WebexCredential).where(WebexCredential.partner_id == partner_id)).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
