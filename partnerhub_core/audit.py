"""The audit trail: who changed what, when, from what to what."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from partnerhub_core.auth import Actor
from partnerhub_core.models import AuditEvent


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime,
) -> AuditEvent:
    """Add an audit event to the caller's transaction (services never commit)."""
    event = AuditEvent(
        partner_id=actor.partner_id,
        actor=actor.label or (f"admin:{actor.admin_id}" if actor.admin_id else "system"),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=_jsonable(before),
        after=_jsonable(after),
        at=at,
    )
    session.add(event)
    return event


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    out: dict[str, Any] = {}
    for k, v in value.items():
        if hasattr(v, "isoformat"):
            v = v.isoformat()
        elif isinstance(v, (set, frozenset, tuple)):
            v = sorted(v) if isinstance(v, (set, frozenset)) else list(v)
        out[k] = v
    return out
