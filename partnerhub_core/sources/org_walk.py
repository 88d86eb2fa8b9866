"""Walking a partner's customer organizations for one ``OrgPart``.

Each organization is fetched (several at once, bounded by ``webex_concurrency``) and then
written in ONE transaction together with its ``SyncState`` row, so a failure midway
leaves the last good data of that organization. A pass that did not finish keeps its
start time in the part's partner-level ``SyncState.cursor``; the next run (within
``webex_sync_resume_hours``) skips the organizations that already succeeded since then
and resumes with the rest. ``webex_sync_max_failures`` organizations failing in a row
stop the part (Webex is probably down; no need to hammer it); so does an error whose
``ends_part`` is true (recorded_walk.NotConnected: the token lacks the source's scope)."""
from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlmodel import Session, select

from partnerhub_core.errors import PartnerHubError
from partnerhub_core.models import Customer, Product, Subscription, SyncState
from partnerhub_core.settings import Settings
from partnerhub_core.sources.sync_common import (
    OrgPart,
    OrgRef,
    PartResult,
    Progress,
    SyncContext,
    as_utc,
    record_failure,
    state_row,
)


def walk_organizations(ctx: SyncContext, spec: OrgPart) -> PartResult:
    """Run one per-organization part over the partner's customers (see the module doc)."""
    factory, client, settings, partner_id, now = ctx.factory, ctx.client, ctx.settings, ctx.partner_id, ctx.now
    part, fetch, write = spec.name, spec.fetch, spec.write
    result = PartResult(part)
    with factory() as session:
        top = state_row(session, partner_id, part)
        pass_start = resume_point(top, now, settings)
        resuming = pass_start is not None
        if not resuming:
            top.cursor = now.isoformat()
        customers = [OrgRef(c.id, c.org_id) for c in _customers_for(session, partner_id, spec.calling_only)]
        done = set()
        if resuming:
            done = set(session.exec(select(SyncState.org_id).where(
                SyncState.partner_id == partner_id, SyncState.part == part, SyncState.org_id != "",
                SyncState.last_success_at >= pass_start,
            )))
        cursors = {s.org_id: s.cursor for s in session.exec(select(SyncState).where(
            SyncState.partner_id == partner_id, SyncState.part == part, SyncState.org_id != ""))}
        session.commit()
    todo = [c for c in customers if c.org_id not in done]
    result.skipped = len(customers) - len(todo)
    total = len(customers)

    def report() -> None:
        ctx.progress(Progress(part, result.skipped + result.succeeded + result.failed, total, result.failed))

    report()

    in_a_row = 0
    with ThreadPoolExecutor(max_workers=settings.webex_concurrency, thread_name_prefix="webex") as pool:
        window: deque[tuple[OrgRef, Future]] = deque()
        queue = iter(todo)

        def refill() -> None:
            while len(window) < settings.webex_concurrency * 2:
                customer = next(queue, None)
                if customer is None:
                    return
                window.append((customer, pool.submit(
                    fetch, client, customer, cursors.get(customer.org_id), now, settings)))

        def failed(customer: OrgRef, exc: PartnerHubError) -> bool:
            """Record one organization's failure; True when the part must stop."""
            nonlocal in_a_row
            if getattr(exc, "ends_part", False):  # the token cannot read this source at all
                return True  # (recorded_walk.NotConnected): not this organization's failure
            result.failed += 1
            result.errors.append(f"{customer.org_id}: {exc}")
            record_failure(factory, partner_id, part, customer.org_id, now, str(exc))
            in_a_row += 1
            return in_a_row >= settings.webex_sync_max_failures

        refill()
        while window:
            customer, future = window.popleft()
            problem = None
            try:
                data = future.result()
            except PartnerHubError as exc:
                problem = exc
            if problem is None:
                with factory() as session:
                    fresh = session.get(Customer, customer.id)
                    try:
                        count, cursor = write(session, partner_id, fresh, data, now, settings)
                    except PartnerHubError as exc:  # e.g. Webex refused a tag push
                        session.rollback()
                        problem = exc
                    else:
                        row = state_row(session, partner_id, part, customer.org_id)
                        row.last_success_at, row.last_error, row.items = now, None, count
                        if cursor is not None:
                            row.cursor = cursor
                        session.commit()
            if problem is not None:
                if failed(customer, problem):
                    result.stopped = True
                    for _c, pending in window:
                        pending.cancel()
                    window.clear()
                    report()
                    break
            else:
                in_a_row = 0
                result.succeeded += 1
                result.items += count
            report()
            refill()

    with factory() as session:
        top = state_row(session, partner_id, part)
        if result.ok:
            top.last_success_at, top.last_error, top.cursor = now, None, None
            top.items = result.items
        else:
            top.last_error_at = now
            top.last_error = (f"{result.failed} organizations failed"
                              f"{' (stopped)' if result.stopped else ''}; first: {result.errors[0]}")[:2000]
        session.commit()
    return result


def resume_point(top: SyncState, now: datetime, settings: Settings) -> datetime | None:
    """The start of an unfinished pass that is recent enough to resume, else None."""
    if not top.cursor:
        return None
    try:
        started = as_utc(datetime.fromisoformat(top.cursor))
    except ValueError:
        return None
    if timedelta(0) <= now - started <= timedelta(hours=settings.webex_sync_resume_hours):
        return started
    return None


def _customers_for(session: Session, partner_id: int, calling_only: bool) -> list[Customer]:
    """The customers a part walks: those Webex listed at the last organizations sync (an
    imported customer this token cannot see would only fail), and for ``calling_only``
    parts (numbers, call history) only those with Webex Calling."""
    q = select(Customer).where(Customer.partner_id == partner_id)
    listed = session.exec(select(SyncState.last_success_at).where(
        SyncState.partner_id == partner_id, SyncState.part == "organizations", SyncState.org_id == "")).first()
    if listed is not None:
        q = q.where(Customer.org_id.in_(select(SyncState.org_id).where(
            SyncState.partner_id == partner_id, SyncState.part == "organizations", SyncState.org_id != "",
            SyncState.last_success_at == listed)))
    if calling_only:
        q = q.where(Customer.id.in_(select(Subscription.customer_id).where(
            Subscription.partner_id == partner_id, Subscription.product == Product.CALLING)))
    return list(session.exec(q.order_by(Customer.org_id)))
