"""Per-partner sync from the Webex REST API into the database.

Parts, in order: ``organizations`` (customers), ``licenses`` (subscriptions and this
week's license snapshot), ``tags`` (pull), ``admins`` (partner admins per customer),
``numbers``, ``devices``, ``cdr`` (detailed call history into the calling rollups).

Every part but ``organizations`` walks the partner's customers. Each organization is
fetched (several at once, bounded by ``webex_concurrency``) and then written in ONE
transaction together with its ``SyncState`` row, so a failure midway leaves the last
good data of that organization. A pass that did not finish keeps its start time in the
part's partner-level ``SyncState.cursor``; the next run (within
``webex_sync_resume_hours``) skips the organizations that already succeeded since then
and resumes with the rest. ``webex_sync_max_failures`` organizations failing in a row
stop the part (Webex is probably down; no need to hammer it).

Call history keeps its own cursor per organization: the end of the last 12-hour window
ingested, plus the regional host learnt from a 451.

Tags go both ways. ``push_customer_tags`` sends a customer's tags right after a change
(the tags service or the bot calls it); a change nobody pushed is caught by the next sync,
which remembers per organization the tag set both sides agreed on: if partnerhub's set
moved away from it, partnerhub's set is pushed, otherwise Webex's is pulled. An immediate
push that failed marks the organization (``mark_tags_pending``): its set is pushed next.
Partner admin assignment is ``assign_customer_admin`` / ``unassign_customer_admin``; one
whose push failed is kept (``remember_admin_change``) and sent before the admins listing.
"""
from __future__ import annotations

import base64
import json
import logging
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

from sqlalchemy import func, or_
from sqlmodel import Session, select

from partnerhub_core import credentials
from partnerhub_core.errors import BadInput, NotFound, PartnerHubError
from partnerhub_core.i18n import N_
from partnerhub_core.models import (
    Customer,
    CustomerAdmin,
    CustomerTag,
    Device,
    LicenseSnapshot,
    Location,
    ManagedBy,
    Partner,
    PartnerAdmin,
    PhoneNumber,
    Product,
    Region,
    Role,
    Subscription,
    SyncState,
    Tag,
    search_key,
)
from partnerhub_core.settings import Settings
from partnerhub_core.sources.webex import WebexClient

log = logging.getLogger(__name__)

PARTS = ("organizations", "licenses", "tags", "admins", "numbers", "devices", "cdr")
MAX_TAGS_PER_ORG = 5
MAX_TAG_CHARS = 25
CDR_WINDOW = timedelta(hours=12)
CDR_DELAY = timedelta(minutes=5)  # records appear 5 minutes after a call ends
CDR_RETENTION = timedelta(days=30)


@dataclass
class PartResult:
    part: str
    succeeded: int = 0  # organizations written (1 for the organizations part)
    failed: int = 0
    skipped: int = 0  # already done in the interrupted pass being resumed
    items: int = 0
    errors: list[str] = field(default_factory=list)
    stopped: bool = False  # too many failures in a row

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.stopped


@dataclass
class SyncReport:
    partner_id: int
    parts: list[PartResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.parts)


SessionFactory = Callable[[], Any]  # ``with factory() as session:``


class _Org(NamedTuple):
    id: int
    org_id: str


# ---------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------
def sync_partner(
    *,
    session_factory: SessionFactory,
    partner_id: int,
    settings: Settings,
    now: datetime,
    parts: Iterable[str] | None = None,
    token: str | None = None,
    client: WebexClient | None = None,
) -> SyncReport:
    """Sync one partner from Webex. Commits per organization; never raises for one
    organization's upstream failure (it is recorded in ``SyncState``), but raises
    ``NotFound``/``BadInput`` for a wrong partner or part and ``NotSetUp`` without a token.

    ``session_factory()`` must give a context manager yielding a ``Session`` (a
    ``sessionmaker``, ``lambda: Session(engine)``, or ``partial(db.session_scope, engine)``).
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
    report = SyncReport(partner_id=partner_id)
    try:
        for part in PARTS:
            if part not in wanted:
                continue
            log.info("sync partner %s: %s", partner_id, part)
            if part == "organizations":
                result = _sync_organizations(session_factory, client, partner_id, now)
            else:
                result = _sync_org_part(session_factory, client, settings, partner_id, part, now)
            report.parts.append(result)
            if part == "organizations" and not result.ok:
                # No listing: the token or the connection is wrong; every other call would fail too.
                log.error("sync partner %s: organizations failed, other parts not run", partner_id)
                break
            log.info("sync partner %s: %s done: %d ok, %d failed, %d resumed past, %d items",
                     partner_id, part, result.succeeded, result.failed, result.skipped, result.items)
    finally:
        if own_client:
            client.close()
    return report


# ---------------------------------------------------------------------------------
# SyncState helpers
# ---------------------------------------------------------------------------------
def _state(session: Session, partner_id: int, part: str, org_id: str = "") -> SyncState:
    row = session.exec(select(SyncState).where(
        SyncState.partner_id == partner_id, SyncState.part == part, SyncState.org_id == org_id
    )).first()
    if row is None:
        row = SyncState(partner_id=partner_id, part=part, org_id=org_id)
        session.add(row)
    return row


def _record_failure(factory: SessionFactory, partner_id: int, part: str, org_id: str,
                    now: datetime, message: str) -> None:
    with factory() as session:
        row = _state(session, partner_id, part, org_id)
        row.last_error_at, row.last_error = now, message[:2000]
        session.commit()


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands instants back naive; they were stored as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


# ---------------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------------
def _sync_organizations(factory: SessionFactory, client: WebexClient, partner_id: int,
                        now: datetime) -> PartResult:
    result = PartResult("organizations")
    try:
        items = client.organizations()
    except PartnerHubError as exc:
        result.failed, result.errors = 1, [str(exc)]
        _record_failure(factory, partner_id, "organizations", "", now, str(exc))
        return result
    try:
        wholesale = client.wholesale_customers()
    except PartnerHubError as exc:  # external ids are a nicety; the customers still sync
        log.warning("organizations: wholesale customers unavailable: %s", exc)
        wholesale = None
    with factory() as session:
        result.items = upsert_organizations(session, partner_id=partner_id, items=items, as_of=now.date())
        _mark_listed(session, partner_id, items, now)
        if wholesale:
            _external_ids(session, partner_id, wholesale)
        row = _state(session, partner_id, "organizations")
        row.last_success_at, row.last_error, row.items = now, None, result.items
        session.commit()
    result.succeeded = 1
    return result


def upsert_organizations(session: Session, *, partner_id: int, items: list[dict], as_of: date) -> int:
    """Create or rename customers from ``/organizations`` items; returns how many were seen.

    The partner's own organization is not a customer. Customers missing from the listing
    are kept: a token that sees fewer organizations must not wipe data."""
    partner = session.get(Partner, partner_id)
    existing = {c.org_id: c for c in session.exec(select(Customer).where(Customer.partner_id == partner_id))}
    seen = 0
    for item in items:
        org_id = item.get("id")
        if not isinstance(org_id, str) or not org_id:
            log.warning("organizations: skipped an item without an id")
            continue
        if org_id == partner.webex_org_id:
            continue
        name = str(item.get("displayName") or org_id)[:300]
        seen += 1
        customer = existing.get(org_id)
        if customer is None:
            customer = Customer(
                partner_id=partner_id, org_id=org_id, name=name, name_key=search_key(name),
                region=partner.default_region or Region.US, managed_by=ManagedBy.EXTERNAL_ADMIN,
                added_on=_date(item.get("created")) or as_of,
            )
            session.add(customer)
            existing[org_id] = customer
        elif customer.name != name:
            customer.name, customer.name_key = name, search_key(name)
    return seen


def _mark_listed(session: Session, partner_id: int, items: list[dict], now: datetime) -> None:
    """One organizations row per listed organization, stamped with this listing's time:
    the other parts walk exactly the organizations of the newest listing."""
    listed = {i["id"] for i in items if isinstance(i.get("id"), str) and i["id"]}
    rows = {r.org_id: r for r in session.exec(select(SyncState).where(
        SyncState.partner_id == partner_id, SyncState.part == "organizations", SyncState.org_id != ""))}
    for org_id in listed:
        row = rows.get(org_id)
        if row is None:
            session.add(SyncState(partner_id=partner_id, part="organizations", org_id=org_id,
                                  last_success_at=now, items=1))
        else:
            row.last_success_at = now


def _external_ids(session: Session, partner_id: int, wholesale: list[dict]) -> None:
    """Wholesale customers carry the provider's own id for them (reports' External ID)."""
    ids = {w["orgId"]: str(w["externalId"])[:200] for w in wholesale
           if isinstance(w.get("orgId"), str) and w.get("externalId")}
    if not ids:
        return
    session.flush()
    for customer in session.exec(select(Customer).where(Customer.partner_id == partner_id,
                                                        Customer.org_id.in_(sorted(ids)))):
        customer.external_id = ids[customer.org_id]


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


# ---------------------------------------------------------------------------------
# Parts that walk the organizations
# ---------------------------------------------------------------------------------
def _sync_org_part(factory: SessionFactory, client: WebexClient, settings: Settings,
                   partner_id: int, part: str, now: datetime) -> PartResult:
    result = PartResult(part)
    fetch, write = _PART_IO[part]
    with factory() as session:
        top = _state(session, partner_id, part)
        pass_start = _resume_point(top, now, settings)
        resuming = pass_start is not None
        if not resuming:
            top.cursor = now.isoformat()
        # Plain (id, org id) pairs: they travel to fetch threads and outlive the session.
        customers = [_Org(c.id, c.org_id) for c in _customers_for(session, partner_id, part)]
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

    in_a_row = 0
    with ThreadPoolExecutor(max_workers=settings.webex_concurrency, thread_name_prefix="webex") as pool:
        window: deque[tuple[_Org, Future]] = deque()
        queue = iter(todo)

        def refill() -> None:
            while len(window) < settings.webex_concurrency * 2:
                customer = next(queue, None)
                if customer is None:
                    return
                window.append((customer, pool.submit(
                    fetch, client, customer, cursors.get(customer.org_id), now, settings)))

        def failed(customer: _Org, exc: PartnerHubError) -> bool:
            """Record one organization's failure; True when the part must stop."""
            nonlocal in_a_row
            result.failed += 1
            result.errors.append(f"{customer.org_id}: {exc}")
            _record_failure(factory, partner_id, part, customer.org_id, now, str(exc))
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
                        row = _state(session, partner_id, part, customer.org_id)
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
                    break
            else:
                in_a_row = 0
                result.succeeded += 1
                result.items += count
            refill()

    with factory() as session:
        top = _state(session, partner_id, part)
        if result.ok:
            top.last_success_at, top.last_error, top.cursor = now, None, None
            top.items = result.items
        else:
            top.last_error_at = now
            top.last_error = (f"{result.failed} organizations failed"
                              f"{' (stopped)' if result.stopped else ''}; first: {result.errors[0]}")[:2000]
        session.commit()
    return result


def _resume_point(top: SyncState, now: datetime, settings: Settings) -> datetime | None:
    """The start of an unfinished pass that is recent enough to resume, else None."""
    if not top.cursor:
        return None
    try:
        started = _utc(datetime.fromisoformat(top.cursor))
    except ValueError:
        return None
    if timedelta(0) <= now - started <= timedelta(hours=settings.webex_sync_resume_hours):
        return started
    return None


def _customers_for(session: Session, partner_id: int, part: str) -> list[Customer]:
    """The customers a part walks: those Webex listed at the last organizations sync (an
    imported customer this token cannot see would only fail), and for numbers and call
    history only those with Webex Calling."""
    q = select(Customer).where(Customer.partner_id == partner_id)
    listed = session.exec(select(SyncState.last_success_at).where(
        SyncState.partner_id == partner_id, SyncState.part == "organizations", SyncState.org_id == "")).first()
    if listed is not None:
        q = q.where(Customer.org_id.in_(select(SyncState.org_id).where(
            SyncState.partner_id == partner_id, SyncState.part == "organizations", SyncState.org_id != "",
            SyncState.last_success_at == listed)))
    if part in ("numbers", "cdr"):
        q = q.where(Customer.id.in_(select(Subscription.customer_id).where(
            Subscription.partner_id == partner_id, Subscription.product == Product.CALLING)))
    return list(session.exec(q.order_by(Customer.org_id)))


# -- licenses ---------------------------------------------------------------------
_PRODUCT_HINTS: tuple[tuple[str, Product], ...] = (
    ("webinar", Product.WEBINARS),
    ("contact center", Product.CONTACT_CENTER),
    ("translation", Product.REAL_TIME_TRANSLATIONS),
    ("calling", Product.CALLING),
    ("call on webex", Product.CALLING),
    ("meeting", Product.MEETINGS),
    ("webex enterprise", Product.MEETINGS),
    ("messaging", Product.MESSAGING),
    ("message", Product.MESSAGING),
)


def snapshot_week(day: date) -> date:
    """The Saturday a sync on ``day`` writes its license snapshot to: the latest Saturday
    on or before it. Readers only see weeks ending by their ``as_of``, so the Sunday
    refresh fills the week that just ended, and syncs later in the week refresh that same
    row with newer counts until the next Saturday passes."""
    return day - timedelta(days=(day.weekday() - 5) % 7)


def product_of_license(name: str) -> Product | None:
    """The product line of a license by its name ("Webex Calling - Professional" -> calling)."""
    text = " ".join(str(name or "").casefold().replace("-", " ").split())
    return next((product for hint, product in _PRODUCT_HINTS if hint in text), None)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _fetch_licenses(client, customer, _cursor, _now, _settings):
    return client.licenses(customer.org_id)


def _write_licenses(session: Session, partner_id: int, customer: Customer, items: list[dict],
                    now: datetime, _settings: Settings) -> tuple[int, None]:
    """Licenses -> one Subscription per (subscription id, product) + the week's snapshot.

    Only licence counts come from Webex; dates, auto-renew and invoices come from the
    subscription import, and are left as they are."""
    as_of = now.date()
    totals: dict[tuple[str, str], list[int]] = {}
    for item in items:
        sub_id, name = item.get("subscriptionId"), item.get("name")
        product = product_of_license(name)
        total, used = _int(item.get("totalUnits")), _int(item.get("consumedUnits"))
        if not isinstance(sub_id, str) or not sub_id or product is None or total is None:
            log.info("licenses %s: skipped %r (subscription %r, product %s, total %r)",
                     customer.org_id, name, sub_id, product, item.get("totalUnits"))
            continue
        acc = totals.setdefault((sub_id, product.value), [0, 0])
        acc[0] += max(total, 0)
        acc[1] += max(used or 0, 0)
    if not totals:
        return 0, None
    existing = {(s.subscription_id, s.product): s for s in session.exec(select(Subscription).where(
        Subscription.partner_id == partner_id,
        Subscription.subscription_id.in_(sorted({k[0] for k in totals}))))}
    week = snapshot_week(as_of)
    for (sub_id, product), (total, used) in totals.items():
        sub = existing.get((sub_id, product))
        if sub is None:
            sub = Subscription(partner_id=partner_id, customer_id=customer.id, subscription_id=sub_id,
                               product=product, total_licenses=total, start_date=as_of)
            session.add(sub)
            session.flush()
        else:
            sub.total_licenses, sub.customer_id = total, customer.id
        snap = session.exec(select(LicenseSnapshot).where(
            LicenseSnapshot.subscription_pk == sub.id, LicenseSnapshot.week_ending == week)).first()
        if snap is None:
            session.add(LicenseSnapshot(partner_id=partner_id, subscription_pk=sub.id, week_ending=week,
                                        total=total, assigned=used))
        else:
            snap.total, snap.assigned = total, used
    return len(totals), None


# -- tags (both ways) ---------------------------------------------------------------
@dataclass
class TagsData:
    client: WebexClient
    webex: list[dict]
    agreed: list[str] | None  # tag keys both sides held after the last sync of this org
    pending: bool = False  # an immediate push failed: partnerhub's set must go to Webex


_TAGS_PENDING = {"pending": True}


def _fetch_tags(client, customer, cursor, _now, _settings) -> TagsData:
    try:
        agreed = json.loads(cursor) if cursor else None
    except ValueError:
        agreed = None
    if agreed == _TAGS_PENDING:
        return TagsData(client, [], None, pending=True)  # pushing; Webex's set is not needed
    return TagsData(client, client.org_tags(customer.org_id), agreed if isinstance(agreed, list) else None)


def mark_tags_pending(*, session: Session, partner_id: int, customer_id: int) -> None:
    """Remember that the customer's tags changed here and Webex has not got them (an
    immediate push failed): the next sync pushes partnerhub's set instead of pulling
    Webex's, even when no agreed set is known yet. The caller commits."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.partner_id != partner_id:
        raise NotFound(N_("There is no customer with id {id}."), id=customer_id)
    _state(session, partner_id, "tags", customer.org_id).cursor = json.dumps(_TAGS_PENDING)


def _local_tags(session: Session, partner_id: int, customer_id: int) -> list[Tag]:
    rows = session.exec(select(Tag).join(CustomerTag, CustomerTag.tag_id == Tag.id).where(
        CustomerTag.partner_id == partner_id, CustomerTag.customer_id == customer_id)).all()
    return sorted(rows, key=lambda t: t.name_key)


def _write_tags(session: Session, partner_id: int, customer: Customer, data: TagsData,
                now: datetime, _settings: Settings) -> tuple[int, str]:
    """Tags both ways. When the customer's tags in partnerhub changed since the last sync
    (a change nobody pushed), partnerhub's set goes to Webex; otherwise the customer's tags
    become exactly Webex's (creating tags as needed). The agreed set is the cursor."""
    local = _local_tags(session, partner_id, customer.id)
    local_keys = [t.name_key for t in local]
    if data.pending or (data.agreed is not None and sorted(data.agreed) != local_keys):
        check_webex_tags([t.name for t in local])
        data.client.assign_org_tags(customer.org_id, [{"name": t.name, "description": t.description or ""}
                                                      for t in local])
        return len(local), json.dumps(local_keys)
    wanted: dict[str, tuple[str, str]] = {}
    for item in data.webex:
        name = " ".join(str(item.get("name") or "").split())[:MAX_TAG_CHARS]
        key = search_key(name)[:MAX_TAG_CHARS]
        if key:
            wanted.setdefault(key, (name, str(item.get("description") or "")[:200]))
    tags = {t.name_key: t for t in session.exec(select(Tag).where(
        Tag.partner_id == partner_id, Tag.name_key.in_(sorted(wanted) or [""])))}
    for key, (name, description) in wanted.items():
        if key not in tags:
            tags[key] = Tag(partner_id=partner_id, name=name, name_key=key, description=description,
                            created_at=now)
            session.add(tags[key])
    session.flush()
    want_ids = {tags[k].id for k in wanted}
    have = {ct.tag_id: ct for ct in session.exec(select(CustomerTag).where(
        CustomerTag.partner_id == partner_id, CustomerTag.customer_id == customer.id))}
    for tag_id, link in have.items():
        if tag_id not in want_ids:
            session.delete(link)
    for tag_id in want_ids - set(have):
        session.add(CustomerTag(customer_id=customer.id, tag_id=tag_id, partner_id=partner_id))
    return len(want_ids), json.dumps(sorted(wanted))


# -- partner admins -----------------------------------------------------------------
@dataclass
class AdminsData:
    items: list[dict]
    pushed: dict[str, bool]  # person id -> assigned (True) / unassigned, sent before listing


def _pending_admins(cursor: str | None) -> dict[str, bool]:
    try:
        data = json.loads(cursor) if cursor else None
    except ValueError:
        return {}
    pending = data.get("pending") if isinstance(data, dict) else None
    if not isinstance(pending, dict):
        return {}
    return {k: v for k, v in pending.items() if isinstance(k, str) and k and isinstance(v, bool)}


def _fetch_admins(client, customer, cursor, _now, _settings) -> AdminsData:
    # Assignments made here whose immediate push failed go first, so the listing that
    # follows (and replaces ours) already holds them.
    pushed = _pending_admins(cursor)
    for person, assign in pushed.items():
        if assign:
            client.assign_partner_admin(customer.org_id, person)
        else:
            client.unassign_partner_admin(customer.org_id, person)
    return AdminsData(client.partner_admins(customer.org_id), pushed)


def remember_admin_change(*, session: Session, partner_id: int, customer_id: int, person_id: str,
                          assign: bool, pending: bool) -> None:
    """Keep (``pending=True``) or drop a partner admin (un)assignment Webex has not got
    yet; the next sync sends what is kept before it reads Webex's list. The caller commits."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.partner_id != partner_id:
        raise NotFound(N_("There is no customer with id {id}."), id=customer_id)
    if not pending and session.exec(select(SyncState.id).where(
            SyncState.partner_id == partner_id, SyncState.part == "admins",
            SyncState.org_id == customer.org_id)).first() is None:
        return  # nothing queued for this organization
    row = _state(session, partner_id, "admins", customer.org_id)
    ops = _pending_admins(row.cursor)
    if pending:
        ops[person_id] = assign
    else:
        ops.pop(person_id, None)
    row.cursor = json.dumps({"pending": ops}) if ops else ""


def _write_admins(session: Session, partner_id: int, customer: Customer, data: AdminsData | list[dict],
                  now: datetime, _settings: Settings) -> tuple[int, str]:
    """The customer's assigned partner admins become exactly Webex's list. Admins new to
    us are created read-only: roles in partnerhub are granted in setup, not by Webex."""
    items, pushed = (data.items, data.pushed) if isinstance(data, AdminsData) else (data, {})
    admins = list(session.exec(select(PartnerAdmin).where(PartnerAdmin.partner_id == partner_id)))
    by_person = {a.webex_person_id: a for a in admins if a.webex_person_id}
    by_email = {a.email.casefold(): a for a in admins}
    wanted: dict[int, str] = {}
    for item in items:
        person = item.get("id")
        emails = [e for e in (item.get("emails") or []) if isinstance(e, str) and "@" in e]
        if not isinstance(person, str) or not person:
            log.info("admins %s: skipped an item without an id", customer.org_id)
            continue
        admin = by_person.get(person) or (by_email.get(emails[0].casefold()) if emails else None)
        if admin is None:
            if not emails:
                log.info("admins %s: skipped admin %s without an email", customer.org_id, person)
                continue
            name = item.get("displayName") or " ".join(
                p for p in (item.get("firstName"), item.get("lastName")) if p) or emails[0]
            admin = PartnerAdmin(partner_id=partner_id, display_name=str(name)[:200], email=emails[0][:320],
                                 webex_person_id=person, role=Role.READ_ONLY, created_at=now)
            session.add(admin)
            session.flush()
            by_person[person] = by_email[admin.email.casefold()] = admin
        elif not admin.webex_person_id:
            admin.webex_person_id = person
        wanted[admin.id] = str(item.get("roleInCustomerOrg") or "id_full_admin")[:40]
    have = {ca.partner_admin_id: ca for ca in session.exec(select(CustomerAdmin).where(
        CustomerAdmin.partner_id == partner_id, CustomerAdmin.customer_id == customer.id))}
    for admin_id, link in have.items():
        if admin_id not in wanted:
            session.delete(link)
        elif link.role_in_customer != wanted[admin_id]:
            link.role_in_customer = wanted[admin_id]
    for admin_id in set(wanted) - set(have):
        session.add(CustomerAdmin(customer_id=customer.id, partner_admin_id=admin_id,
                                  partner_id=partner_id, role_in_customer=wanted[admin_id],
                                  assigned_at=now))
    # Keep only what was queued while this sync ran (a change the listing cannot know).
    row = _state(session, partner_id, "admins", customer.org_id)
    left = {k: v for k, v in _pending_admins(row.cursor).items() if pushed.get(k) != v}
    return len(wanted), json.dumps({"pending": left}) if left else ""


# -- numbers ------------------------------------------------------------------------
_OWNER_TYPES = {
    "PEOPLE": "People", "PLACE": "Workspace", "VIRTUAL_LINE": "Virtual Line",
    "AUTO_ATTENDANT": "Auto Attendant", "CALL_QUEUE": "Call Queue", "HUNT_GROUP": "Hunt Group",
    "GROUP_PAGING": "Paging Group", "VOICEMAIL_GROUP": "Voicemail Group",
    "VOICE_MESSAGING": "Voice Messaging", "BROADWORKS_ANYWHERE": "Single Number Reach",
    "CONTACT_CENTER_LINK": "Contact Center Link", "ROUTE_LIST": "Route List",
}
_NUMBER_TYPES = {"PRIMARY": "Primary", "ALTERNATE": "Secondary"}


def _fetch_numbers(client, customer, _cursor, _now, _settings):
    return client.numbers(customer.org_id)


def _s(value: Any, limit: int) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value).strip()[:limit]


def _write_numbers(session: Session, partner_id: int, customer: Customer, items: list[dict],
                   now: datetime, _settings: Settings) -> tuple[int, None]:
    """The customer's numbers become exactly Webex's list (point-in-time inventory)."""
    rows: dict[str, dict] = {}
    locations: dict[str, str] = {}
    for item in items:
        number, ext = _s(item.get("phoneNumber"), 40), _s(item.get("extension"), 20)
        loc = item.get("location") if isinstance(item.get("location"), dict) else {}
        loc_id = _s(loc.get("id"), 200) or None
        if loc_id:
            locations[loc_id] = _s(loc.get("name"), 300)
        if not number and not ext:
            log.info("numbers %s: skipped an item without number or extension", customer.org_id)
            continue
        key = number or f"{loc_id or ''}/{ext}"
        owner = item.get("owner") if isinstance(item.get("owner"), dict) else {}
        owner_type = _s(owner.get("type"), 40).upper()
        rows[key] = dict(
            location_id=loc_id, phone_number=number, extension=ext,
            active=_s(item.get("state"), 20).upper() != "INACTIVE",
            user_type=_OWNER_TYPES.get(owner_type, owner_type.replace("_", " ").title()) if owner else "",
            number_type=(_NUMBER_TYPES.get(_s(item.get("phoneNumberType"), 20).upper(), "")
                         if number and owner else ""),
            user_id=_s(owner.get("email"), 320) if owner_type == "PEOPLE" else "",
            user_uuid=_s(owner.get("id"), 200),
        )
    _upsert_locations(session, partner_id, customer, locations)
    _replace_customer_rows(session, PhoneNumber, "number_key", partner_id, customer, rows)
    return len(rows), None


def _upsert_locations(session: Session, partner_id: int, customer: Customer, names: dict[str, str]) -> None:
    if not names:
        return
    existing = {loc.location_id: loc for loc in session.exec(select(Location).where(
        Location.partner_id == partner_id, Location.location_id.in_(sorted(names))))}
    for loc_id, name in names.items():
        loc = existing.get(loc_id)
        if loc is None:
            session.add(Location(partner_id=partner_id, customer_id=customer.id, location_id=loc_id,
                                 name=name or loc_id))
        elif name and loc.name != name:
            loc.name = name


# -- devices ------------------------------------------------------------------------
def _fetch_devices(client, customer, _cursor, _now, _settings):
    return client.devices(customer.org_id)


def _write_devices(session: Session, partner_id: int, customer: Customer, items: list[dict],
                   now: datetime, _settings: Settings) -> tuple[int, None]:
    """The customer's devices become exactly Webex's list. The device API carries no
    number: the owner's primary number (from the numbers part) fills it in."""
    numbers = {}
    for n in session.exec(select(PhoneNumber).where(PhoneNumber.partner_id == partner_id,
                                                    PhoneNumber.customer_id == customer.id)):
        if n.user_uuid and (n.user_uuid not in numbers or n.number_type == "Primary"):
            numbers[n.user_uuid] = n
    rows: dict[str, dict] = {}
    for item in items:
        device_id = _s(item.get("id"), 200)
        if not device_id:
            log.info("devices %s: skipped an item without an id", customer.org_id)
            continue
        person = _s(item.get("personId"), 200)
        number = numbers.get(person)
        rows[device_id] = dict(
            location_id=_s(item.get("locationId"), 200) or None,
            product=_s(item.get("product"), 200), mac=_s(item.get("mac"), 32),
            firmware=_s(item.get("software"), 200),
            phone_number=number.phone_number if number else "",
            extension=number.extension if number else "",
            user_id=number.user_id if number else "", user_uuid=person,
        )
    _replace_customer_rows(session, Device, "device_id", partner_id, customer, rows)
    return len(rows), None


def _replace_customer_rows(session: Session, model, key: str, partner_id: int, customer: Customer,
                           rows: dict[str, dict]) -> None:
    """Make the customer's rows of ``model`` exactly ``rows`` (by natural key): delete the
    ones Webex no longer lists, update the others, add the new. A row keyed by a number or
    device that moved from another customer of the partner is moved, not duplicated."""
    key_col = getattr(model, key)
    existing = {getattr(r, key): r for r in session.exec(select(model).where(
        model.partner_id == partner_id,
        (model.customer_id == customer.id) | key_col.in_(sorted(rows) or [""])))}
    for k, row in existing.items():
        if k not in rows and row.customer_id == customer.id:
            session.delete(row)
    for k, values in rows.items():
        row = existing.get(k)
        if row is None:
            session.add(model(partner_id=partner_id, customer_id=customer.id, **{key: k}, **values))
        else:
            row.customer_id = customer.id
            for name, value in values.items():
                setattr(row, name, value)


# -- call history -------------------------------------------------------------------
def org_uuid(org_id: str) -> str:
    """The UUID inside a Webex organization id (base64 of ``ciscospark://us/ORGANIZATION/<uuid>``)."""
    try:
        text = base64.b64decode(org_id + "=" * (-len(org_id) % 4), validate=False).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return org_id
    return text.rsplit("/", 1)[-1] if text.startswith("ciscospark://") else org_id


def _iso_z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.astimezone(timezone.utc).microsecond // 1000:03d}Z"


def cdr_windows(cursor_until: datetime | None, now: datetime, settings: Settings) -> list[tuple[datetime, datetime]]:
    """12-hour windows from the cursor (or the initial backfill) up to 5 minutes ago."""
    end = now - CDR_DELAY
    start = cursor_until or now - timedelta(hours=settings.webex_cdr_initial_hours)
    start = max(start, now - CDR_RETENTION + timedelta(minutes=10))  # the feed keeps 30 days
    windows = []
    while start < end:
        stop = min(start + CDR_WINDOW, end)
        windows.append((start, stop))
        start = stop
    return windows


def _parse_cdr_cursor(cursor: str | None) -> tuple[datetime | None, str | None]:
    if not cursor:
        return None, None
    try:
        data = json.loads(cursor)
        return _utc(datetime.fromisoformat(data["until"])), data.get("host")
    except (ValueError, KeyError, TypeError):
        return None, None


@dataclass
class CdrBatch:
    records: list[Any]
    until: datetime | None
    host: str | None


def _fetch_cdr(client, customer, cursor, now, settings) -> CdrBatch:
    until, host = _parse_cdr_cursor(cursor)
    records: list[Any] = []
    last = until
    for start, end in cdr_windows(until, now, settings):
        got, host = client.cdr_feed(org_id=customer.org_id, start=_iso_z(start), end=_iso_z(end), host=host)
        records.extend(got)
        last = end
    return CdrBatch(records, last, host)


def _write_cdr(session: Session, partner_id: int, customer: Customer, batch: CdrBatch,
               now: datetime, settings: Settings) -> tuple[int, str | None]:
    from partnerhub_core import calling  # the calling ingest; imported late to keep sync light

    legs, skipped = [], 0
    uuid = org_uuid(customer.org_id)
    for record in batch.records:
        if not isinstance(record, dict):
            skipped += 1
            continue
        record = dict(record)
        # The feed names the organization by its UUID; customers are stored by Webex id.
        if record.get("Org UUID") in (None, "", "NA", uuid, customer.org_id):
            record["Org UUID"] = customer.org_id
        try:
            legs.append(calling.parse_cdr_record(record))
        except BadInput:
            skipped += 1
    if skipped:
        log.warning("cdr %s: skipped %d malformed records of %d", customer.org_id, skipped, len(batch.records))
    added = 0
    if legs:
        result = calling.ingest_legs(session=session, partner_id=partner_id, legs=legs, now=now,
                                     settings=settings, source="webex-cdr")
        added = result.added
        if result.skipped_unknown_customer:
            log.warning("cdr %s: %d records of other organizations skipped", customer.org_id,
                        result.skipped_unknown_customer)
    cursor = None
    if batch.until is not None:
        cursor = json.dumps({"until": batch.until.isoformat(), "host": batch.host})
    return added, cursor


_PART_IO = {
    "licenses": (_fetch_licenses, _write_licenses),
    "tags": (_fetch_tags, _write_tags),
    "admins": (_fetch_admins, _write_admins),
    "numbers": (_fetch_numbers, _write_numbers),
    "devices": (_fetch_devices, _write_devices),
    "cdr": (_fetch_cdr, _write_cdr),
}


# ---------------------------------------------------------------------------------
# Pushing changes to Webex
# ---------------------------------------------------------------------------------
def check_webex_tags(names: list[str]) -> None:
    """Webex's limits on one organization's tags: at most 5, each at most 25 characters."""
    if len(names) > MAX_TAGS_PER_ORG:
        raise BadInput(N_("Webex allows at most {max} tags on one customer; this one would have {count}."),
                       max=MAX_TAGS_PER_ORG, count=len(names))
    for name in names:
        if len(name) > MAX_TAG_CHARS:
            raise BadInput(N_("A tag name can have at most {max} characters; \"{name}\" has {count}."),
                           max=MAX_TAG_CHARS, name=name[:40], count=len(name))


def push_customer_tags(*, session: Session, partner_id: int, customer_id: int, settings: Settings,
                       client: WebexClient | None = None, token: str | None = None) -> list[str]:
    """Send the customer's current tags to Webex (``assignTags`` replaces them all).

    Call it after a tag change is committed (or before committing, to refuse the change
    when Webex does). Returns the names sent. Raises ``BadInput`` over Webex's limits and
    ``UpstreamError`` when Webex refuses."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.partner_id != partner_id:
        raise NotFound(N_("There is no customer with id {id}."), id=customer_id)
    tags = _local_tags(session, partner_id, customer_id)
    check_webex_tags([t.name for t in tags])
    payload = [{"name": t.name, "description": t.description or ""} for t in tags]
    own = client is None
    client = client or WebexClient(settings=settings, token=token or credentials.webex_token_for(session, partner_id))
    try:
        client.assign_org_tags(customer.org_id, payload)
    finally:
        if own:
            client.close()
    # Both sides now agree; the next sync pulls instead of pushing again.
    _state(session, partner_id, "tags", customer.org_id).cursor = json.dumps([t.name_key for t in tags])
    return [t.name for t in tags]


def assign_customer_admin(*, session: Session, partner_id: int, customer_id: int, admin_id: int,
                          settings: Settings, assign: bool = True, client: WebexClient | None = None,
                          token: str | None = None) -> None:
    """Assign (or with ``assign=False`` unassign) a partner admin to a customer in Webex.
    The caller updates ``CustomerAdmin`` and audits; this only speaks to Webex."""
    customer = session.get(Customer, customer_id)
    admin = session.get(PartnerAdmin, admin_id)
    if customer is None or customer.partner_id != partner_id:
        raise NotFound(N_("There is no customer with id {id}."), id=customer_id)
    if admin is None or admin.partner_id != partner_id:
        raise NotFound(N_("There is no partner admin with id {id}."), id=admin_id)
    if not admin.webex_person_id:
        raise BadInput(N_("{name} has no Webex person id yet; run a sync first."), name=admin.display_name)
    own = client is None
    client = client or WebexClient(settings=settings, token=token or credentials.webex_token_for(session, partner_id))
    try:
        if assign:
            client.assign_partner_admin(customer.org_id, admin.webex_person_id)
        else:
            client.unassign_partner_admin(customer.org_id, admin.webex_person_id)
    finally:
        if own:
            client.close()


def unassign_customer_admin(**kw) -> None:
    assign_customer_admin(assign=False, **kw)


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
            last_success_at=_utc(top.last_success_at) if top else None,
            last_error_at=_utc(top.last_error_at) if top else None,
            last_error=top.last_error if top else None,
            items=top.items if top else 0,
            organizations_ok=totals.get(part, 0) - failed,
            organizations_failed=failed,
            resuming=bool(top and top.cursor and part != "organizations"),
        ))
    return out
