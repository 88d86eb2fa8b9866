"""Acting on an alert: acknowledge, snooze, name an owner (audited; the caller commits),
and whether a muted alert stays out of a digest.

An alert someone acknowledged, or snoozed until a date still ahead, is left out of the
digest as long as its *fingerprint* (the facts it shows, e.g. which lines end on which
day, how many licenses over) is the one they acted on; when the facts change it comes back.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from partnerhub_core import audit
from partnerhub_core.auth import Actor, Permission, require, visible_customer_ids
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import AlertKind, AlertState, Customer


def is_muted(state: AlertState | None, fp: str, as_of: date) -> bool:
    """Acknowledged, or snoozed until a later day, and unchanged since."""
    if state is None or state.muted_fingerprint != fp:
        return False
    if state.snoozed_until is not None:
        return as_of < state.snoozed_until
    return state.acknowledged_at is not None


def _state_for(session: Session, actor: Actor, kind: str, customer_id: int, now: datetime) -> AlertState:
    require(actor, Permission.MANAGE_SCHEDULES)
    if kind not in {k.value for k in AlertKind}:
        raise BadInput(N_("Unknown alert {alert}."), alert=kind)
    customer = session.get(Customer, customer_id)
    visible = visible_customer_ids(session, actor)
    if customer is None or customer.partner_id != actor.partner_id or (
            visible is not None and customer_id not in visible):
        raise NotFound(N_("That customer is not one of yours."))
    state = session.exec(
        select(AlertState).where(AlertState.partner_id == actor.partner_id, AlertState.kind == kind,
                                 AlertState.customer_id == customer_id)
    ).first()
    if state is None:
        state = AlertState(partner_id=actor.partner_id, kind=kind, customer_id=customer_id, updated_at=now)
    return state


def _state_dict(state: AlertState) -> dict[str, Any]:
    return {"kind": state.kind, "customer_id": state.customer_id, "muted_fingerprint": state.muted_fingerprint,
            "acknowledged_at": state.acknowledged_at, "snoozed_until": state.snoozed_until,
            "owner_slack_user_id": state.owner_slack_user_id}


def acknowledge(*, session: Session, actor: Actor, kind: str, customer_id: int, fingerprint: str,
                now: datetime) -> AlertState:
    """Stop repeating this alert until its facts change."""
    state = _state_for(session, actor, kind, customer_id, now)
    before = _state_dict(state) if state.id else None
    state.muted_fingerprint, state.fingerprint = fingerprint, fingerprint
    state.acknowledged_at, state.acknowledged_by, state.snoozed_until = now, actor.label, None
    state.updated_at = now
    session.add(state)
    session.flush()
    audit.record(session, actor=actor, action="alert.acknowledge", target_type="alert", target_id=state.id,
                 before=before, after=_state_dict(state), at=now)
    return state


def snooze(*, session: Session, actor: Actor, kind: str, customer_id: int, fingerprint: str, until: date,
           as_of: date, now: datetime) -> AlertState:
    """Leave this alert out of digests before ``until`` (unless its facts change)."""
    if until <= as_of:
        raise BadInput(N_("Snooze until a day after today ({today})."), today=as_of.isoformat())
    state = _state_for(session, actor, kind, customer_id, now)
    before = _state_dict(state) if state.id else None
    state.muted_fingerprint, state.fingerprint = fingerprint, fingerprint
    state.snoozed_until, state.acknowledged_at, state.acknowledged_by = until, None, None
    state.updated_at = now
    session.add(state)
    session.flush()
    audit.record(session, actor=actor, action="alert.snooze", target_type="alert", target_id=state.id,
                 before=before, after=_state_dict(state), at=now)
    return state


def assign_owner(*, session: Session, actor: Actor, kind: str, customer_id: int, owner_slack_user_id: str | None,
                 now: datetime, owner_admin_id: int | None = None) -> AlertState:
    """Name who follows this alert up (shown next to it in later digests)."""
    state = _state_for(session, actor, kind, customer_id, now)
    before = _state_dict(state) if state.id else None
    state.owner_slack_user_id, state.owner_admin_id, state.updated_at = owner_slack_user_id, owner_admin_id, now
    session.add(state)
    session.flush()
    audit.record(session, actor=actor, action="alert.assign_owner", target_type="alert", target_id=state.id,
                 before=before, after=_state_dict(state), at=now)
    return state
