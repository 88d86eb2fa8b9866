"""Per-partner Webex tokens, stored encrypted (``WebexCredential``; ``EncryptedString``).

Each partner organization syncs with its own token; ``PARTNERHUB_WEBEX_TOKEN`` remains
the fallback for a single-partner installation. Operators set a token with
``partnerhub secrets set-webex-token --partner ID`` (read from stdin, never a
command-line argument that would land in the shell history).

A token no configured key can read (the key that encrypted it is lost) is never decrypted
on the way to replacing or forgetting it: ``set_webex_token(replace=True)`` and
``forget_webex_token`` find the row by its id and overwrite or delete it as it is.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from partnerhub_core import secrets
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import Partner, WebexCredential


def set_webex_token(session: Session, *, partner_id: int, token: str, now: datetime, by: str = "cli",
                    refresh_token: str | None = None, expires_at: datetime | None = None,
                    replace: bool = False) -> WebexCredential:
    """Store (or replace) the partner's Webex token. The caller commits.

    A stored token that no configured key can read is replaced only with ``replace=True``
    (recovery from a lost key); without it, ``SecretUnreadable`` says how to recover."""
    token = (token or "").strip()
    if not token or any(ch.isspace() for ch in token):
        raise BadInput(N_("A Webex token is one word without spaces."))
    if session.get(Partner, partner_id) is None:
        raise NotFound(N_("There is no partner with id {partner_id}."), partner_id=partner_id)
    row_id = _credential_id(session, partner_id)
    if row_id is None:
        row = WebexCredential(partner_id=partner_id, access_token=token, updated_at=now, updated_by=by[:200],
                              refresh_token=refresh_token, expires_at=expires_at)
        session.add(row)
        session.flush()
        return row
    if not replace and not _readable(session, row_id):
        raise secrets.SecretUnreadable(
            N_("The stored Webex token of partner {partner_id} cannot be decrypted with PARTNERHUB_SECRET_KEYS "
               "(was its key removed?). To overwrite it, run `partnerhub secrets set-webex-token --partner "
               "{partner_id} --replace`."), partner_id=partner_id)
    # An UPDATE by id: the old ciphertext is overwritten without being read.
    session.execute(sa.update(WebexCredential).where(WebexCredential.id == row_id).values(
        access_token=token, refresh_token=refresh_token, expires_at=expires_at, updated_at=now,
        updated_by=by[:200]))
    session.expire_all()
    return session.get(WebexCredential, row_id)


def _credential_id(session: Session, partner_id: int) -> int | None:
    return session.exec(select(WebexCredential.id).where(WebexCredential.partner_id == partner_id)).first()


def _readable(session: Session, row_id: int) -> bool:
    """Whether a configured key decrypts the stored tokens (read as ciphertext, not through
    the column type, so an unreadable one is reported instead of raised)."""
    raw = session.execute(sa.select(
        sa.type_coerce(WebexCredential.__table__.c.access_token, sa.Text()),
        sa.type_coerce(WebexCredential.__table__.c.refresh_token, sa.Text()),
    ).where(WebexCredential.__table__.c.id == row_id)).one()
    try:
        for value in raw:
            if value is not None:
                secrets.decrypt(value)
    except secrets.SecretUnreadable:
        return False
    return True


def webex_token_for(session: Session, partner_id: int) -> str | None:
    """The partner's own Webex token, or None (then the connector uses the setting)."""
    row = session.exec(select(WebexCredential).where(WebexCredential.partner_id == partner_id)).first()
    return row.access_token if row else None


def forget_webex_token(session: Session, *, partner_id: int) -> bool:
    """Delete the partner's stored token, readable or not (a DELETE by partner: nothing is
    decrypted). Then the connector uses PARTNERHUB_WEBEX_TOKEN, if set. False: none stored."""
    result = session.execute(sa.delete(WebexCredential).where(WebexCredential.partner_id == partner_id))
    session.flush()
    return result.rowcount > 0
