"""Per-partner sync from the Webex REST API into the database: the orchestrator.

Each Webex resource has its own small reader module under ``partnerhub_core/sources/``
(``organizations``, ``licenses``, ``tags``, ``admins``, ``numbers``, ``devices``,
``call_history``); ``webex.py`` is the shared client (paging, retries, rate limits) and
``sync_common.py`` what the parts share. This module only says which parts exist, in
which order they run, and how a run is reported.

Registering a part (the one place to edit when a reader is added):
1. In its module, describe it with ``PART = OrgPart(name, fetch, write, calling_only=…)``
   (read each customer organization; walked by ``org_walk.walk_organizations`` with
   concurrency, per-organization transactions, resume and failure limits) or
   ``PART = PartnerPart(name, run)`` (one read for the whole partner; ``run(ctx)``
   returns a ``PartResult`` and keeps its own ``SyncState`` row).
2. Import the module below and add its ``PART`` to ``REGISTRY`` at the place it must run:
   parts run in ``REGISTRY`` order, and a part that reads rows another part writes (the
   devices read the numbers' owners) comes after it.
``PARTS`` (the names, for ``--parts`` and the status table) follows from ``REGISTRY``.

Every part but ``organizations`` walks the customers of the newest organizations listing.
When ``organizations`` fails nothing else runs: the token or the connection is wrong.

A whole sync (no parts chosen) that did not finish — killed, or a part failed — is resumed
by the next whole sync within ``webex_sync_resume_hours``: the parts that finished without
error since it started are not run again (``SyncState`` part ``run`` keeps its start), and
a part that was cut off resumes with the organizations it had not done.

Tags and partner admin assignments also go to Webex (``push_customer_tags``,
``assign_customer_admin``); see ``tags.py`` and ``admins.py``.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from partnerhub_core import credentials
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import Partner, SyncState
from partnerhub_core.provenance import SCOPES, SourceFamily
from partnerhub_core.services import trials
from partnerhub_core.settings import Settings
from partnerhub_core.sources import (
    admin_sign_in,
    admins,
    call_history,
    devices,
    license_usage,
    licenses,
    locations,
    numbers,
    org_region,
    organizations,
    people,
    pstn,
    tags,
)
from partnerhub_core.sources.org_walk import resume_point, walk_organizations
from partnerhub_core.sources.recorded_walk import recorded_part
from partnerhub_core.sources.sync_common import (
    OrgPart,
    PartnerPart,
    PartResult,
    Progress,
    ProgressFn,
    SessionFactory,
    SyncContext,
    NOT_CONNECTED,
    as_utc,
    no_progress,
    state_row,
)
from partnerhub_core.sources.webex import WebexClient

# Public names other modules import from here (kept where they always were).
from partnerhub_core.sources.admins import (  # noqa: F401  (re-exported)
    assign_customer_admin,
    remember_admin_change,
    unassign_customer_admin,
)
from partnerhub_core.sources.call_history import cdr_windows, org_uuid  # noqa: F401
from partnerhub_core.sources.licenses import product_of_license, snapshot_week  # noqa: F401
from partnerhub_core.sources.organizations import upsert_organizations  # noqa: F401
from partnerhub_core.sources.tags import (  # noqa: F401
    MAX_TAG_CHARS,
    MAX_TAGS_PER_ORG,
    check_webex_tags,
    mark_tags_pending,
    push_customer_tags,
)

log = logging.getLogger(__name__)

REGISTRY: tuple[OrgPart | PartnerPart, ...] = (
    organizations.PART,
    org_region.PART,  # region (organization details)
    # Subscriptions, licences and trials, devices and numbers are recorded sources like the
    # others: a token without their scope leaves them "not connected" (subscriptions can
    # still be imported) instead of failing every sync.
    recorded_part(licenses.PART, (SourceFamily.SUBSCRIPTIONS, SourceFamily.TRIALS),
                  SCOPES[SourceFamily.SUBSCRIPTIONS]),
    license_usage.PART,  # after licenses: usage goes on the week's licence snapshot
    tags.PART,
    recorded_part(admins.PART, SourceFamily.PARTNER_ADMINS, admins.SCOPES),
    admin_sign_in.PART,  # admin audit events: last customer admin sign-in
    locations.PART,  # before numbers: they name locations too
    recorded_part(numbers.PART, SourceFamily.NUMBERS, SCOPES[SourceFamily.NUMBERS]),
    recorded_part(devices.PART, SourceFamily.DEVICES, SCOPES[SourceFamily.DEVICES]),
    pstn.PART,  # after locations and numbers: writes each location's numbers
    people.PART,  # after numbers and devices: fills their owners' emails
    call_history.PART,
)
PARTS = tuple(p.name for p in REGISTRY)
RUN_PART = "run"  # SyncState row whose cursor is the start of a whole sync not finished yet
_BY_NAME = {p.name: p for p in REGISTRY}

__all__ = ["PARTS", "REGISTRY", "PartResult", "Progress", "SessionFactory", "SyncReport", "sync_partner",
           "sync_status"]


@dataclass
class SyncReport:
    partner_id: int
    parts: list[PartResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.parts)


def sync_partner(
    *,
    session_factory: SessionFactory,
    partner_id: int,
    settings: Settings,
    now: datetime,
    parts: Iterable[str] | None = None,
    token: str | None = None,
    client: WebexClient | None = None,
    progress: ProgressFn | None = None,
) -> SyncReport:
    """Sync one partner from Webex. Commits per organization; never raises for one
    organization's upstream failure (it is recorded in ``SyncState``), but raises
    ``NotFound``/``BadInput`` for a wrong partner or part and ``NotSetUp`` without a token.

    ``session_factory()`` must give a context manager yielding a ``Session`` (a
    ``sessionmaker``, ``lambda: Session(engine)``, or ``partial(db.session_scope, engine)``).
    ``progress`` is called (in this thread) as each part moves on, for a progress bar.
    """
    wanted = list(PARTS) if parts is None else list(parts)
    unknown = [p for p in wanted if p not in PARTS]
    if unknown:
        raise BadInput(N_("Unknown sync part {part}; choose from {parts}."),
                       part=unknown[0], parts=", ".join(PARTS))
    with session_factory() as session:
        if session.get(Partner, partner_id) is None:
            raise NotFound(N_("There is no partner with id {id}."), id=partner_id)
        if token is None and client is None:
            # The partner's own token (stored encrypted); else PARTNERHUB_WEBEX_TOKEN.
            token = credentials.webex_token_for(session, partner_id)
    own_client = client is None
    client = client or WebexClient(settings=settings, token=token)
    ctx = SyncContext(factory=session_factory, client=client, settings=settings, partner_id=partner_id,
                      now=now, progress=progress or no_progress)
    report = SyncReport(partner_id=partner_id)
    # Only a whole sync resumes a whole sync; a run of chosen parts runs them.
    run_start = _resumed_run(ctx) if parts is None else None
    try:
        for spec in REGISTRY:
            if spec.name not in wanted:
                continue
            done = _done_in_run(ctx, spec.name, run_start) if run_start else None
            if done is not None:
                log.info("sync partner %s: %s already done in the run being resumed", partner_id, spec.name)
                ctx.progress(Progress(spec.name, max(done.skipped, 1), max(done.skipped, 1)))
                report.parts.append(done)
                continue
            log.info("sync partner %s: %s", partner_id, spec.name)
            result = _run(ctx, spec)
            report.parts.append(result)
            if isinstance(spec, PartnerPart) and spec.essential and not result.ok:
                log.error("sync partner %s: %s failed, other parts not run", partner_id, spec.name)
                break
            log.info("sync partner %s: %s done: %d ok, %d failed, %d resumed past, %d items",
                     partner_id, spec.name, result.succeeded, result.failed, result.skipped, result.items)
    finally:
        if own_client:
            client.close()
    if parts is None and report.ok and len(report.parts) == len(REGISTRY):
        with session_factory() as session:
            state_row(session, partner_id, RUN_PART).cursor = None  # the whole run is done
            session.commit()
    # Trials asked for in Slack become "started" only once Webex has them (services/trials.py).
    with session_factory() as session:
        trials.reconcile_requests(session=session, partner_id=partner_id, now=now)
        session.commit()
    return report


def _resumed_run(ctx: SyncContext) -> datetime | None:
    """The start of a whole run that did not finish (killed, or a part failed) and is recent
    enough to resume (``webex_sync_resume_hours``): its parts that succeeded are not run
    again. Otherwise this run's start is kept until it finishes, and None is returned."""
    with ctx.factory() as session:
        row = state_row(session, ctx.partner_id, RUN_PART)
        start = resume_point(row, ctx.now, ctx.settings)
        if start is None:
            row.cursor = ctx.now.isoformat()
        session.commit()
    return start


def _done_in_run(ctx: SyncContext, part: str, run_start: datetime) -> PartResult | None:
    """A part that finished without error since ``run_start``, as a result with everything
    resumed past (its organizations, or 1 for a partner-level part); else None."""
    with ctx.factory() as session:
        top = session.exec(select(SyncState).where(
            SyncState.partner_id == ctx.partner_id, SyncState.part == part, SyncState.org_id == "")).first()
        ok_at, failed_at = (as_utc(top.last_success_at), as_utc(top.last_error_at)) if top else (None, None)
        if ok_at is None or ok_at < run_start or (failed_at is not None and failed_at >= ok_at) or top.cursor:
            return None
        orgs = session.exec(select(func.count()).select_from(SyncState).where(
            SyncState.partner_id == ctx.partner_id, SyncState.part == part, SyncState.org_id != "",
            SyncState.last_success_at >= run_start)).one()
    return PartResult(part, skipped=orgs or 1)


def _run(ctx: SyncContext, spec: OrgPart | PartnerPart) -> PartResult:
    if isinstance(spec, OrgPart):
        return walk_organizations(ctx, spec)
    # A partner-level part that walks organizations itself reports them; the others are
    # one step (0 of 1, then 1 of 1).
    outer, own = ctx.progress, []

    def relay(event: Progress) -> None:
        own.append(event)
        outer(event)

    if not spec.walks:
        outer(Progress(spec.name, 0, 1))
    result = spec.run(replace(ctx, progress=relay))
    if not own:
        outer(Progress(spec.name, 1, 1, result.failed))
    return result


# ---------------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------------
@dataclass
class PartStatus:
    part: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    items: int
    organizations_ok: int
    organizations_failed: int
    resuming: bool
    not_connected: bool = False  # an optional source this token lacks the scope for (last_error says which)


def sync_status(*, session: Session, partner_id: int) -> list[PartStatus]:
    """When each part last succeeded, what failed since, and how many organizations stand
    failed now (their newest error is newer than their newest success). Counted in the
    database: a large partner has a row per organization and part."""
    tops = {r.part: r for r in session.exec(select(SyncState).where(
        SyncState.partner_id == partner_id, SyncState.org_id == ""))}
    per_org = (SyncState.partner_id == partner_id, SyncState.org_id != "")
    totals = dict(session.exec(select(SyncState.part, func.count()).where(*per_org).group_by(SyncState.part)).all())
    failing = dict(session.exec(select(SyncState.part, func.count()).where(
        *per_org, SyncState.last_error_at.is_not(None),
        or_(SyncState.last_success_at.is_(None), SyncState.last_error_at > SyncState.last_success_at),
    ).group_by(SyncState.part)).all())
    out = []
    for part in PARTS:
        top = tops.get(part)
        failed = failing.get(part, 0)
        out.append(PartStatus(
            part=part,
            last_success_at=as_utc(top.last_success_at) if top else None,
            last_error_at=as_utc(top.last_error_at) if top else None,
            last_error=top.last_error if top else None,
            items=top.items if top else 0,
            organizations_ok=totals.get(part, 0) - failed,
            organizations_failed=failed,
            resuming=bool(top and top.cursor and part != "organizations"),
            # A later success clears last_error, so the prefix is the current state.
            not_connected=bool(top and top.last_error and top.last_error.startswith(NOT_CONNECTED)),
        ))
    return out
