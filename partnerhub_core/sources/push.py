"""Changes made in partnerhub, sent to Webex right after they are committed.

The services (``services/tags.py``, ``services/admins.py``) only change our database and
never speak to Webex: a request commits first, then its caller runs these. A push that
fails never undoes the local change: the organization is marked pending in ``SyncState``
(``sync.mark_tags_pending`` / ``sync.remember_admin_change``) and the next sync sends it.
Each failure is logged with Webex's tracking id.

Nothing is pushed when the partner has no Webex token (neither a stored one nor
``PARTNERHUB_WEBEX_TOKEN``): such a partner runs on imported or demo data.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlmodel import Session, select

from partnerhub_core import credentials
from partnerhub_core.errors import PartnerHubError, UpstreamError
from partnerhub_core.i18n import N_
from partnerhub_core.logging import event
from partnerhub_core.models import Customer, CustomerTag, PartnerAdmin
from partnerhub_core.settings import Settings
from partnerhub_core.sources import sync
from partnerhub_core.sources.sync import SessionFactory
from partnerhub_core.sources.webex import WebexClient

log = logging.getLogger(__name__)


@dataclass
class PushResult:
    attempted: bool = False  # False: the partner has no Webex connection, nothing was sent
    pushed: int = 0  # organizations Webex accepted
    failed: list[str] = field(default_factory=list)  # org ids left for the next sync
    errors: list[PartnerHubError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def webex_token(session: Session, partner_id: int, settings: Settings) -> str | None:
    """The token a push would use: the partner's stored one, else the setting, else None."""
    token = credentials.webex_token_for(session, partner_id)
    if token:
        return token
    return settings.webex_token.get_secret_value() if settings.webex_token is not None else None


def quick(settings: Settings) -> Settings:
    """A person waits for the reply and the next sync retries anyway: fewer retries and
    shorter waits than a sync (a Webex outage must not hold a Slack answer for minutes)."""
    return settings.model_copy(update=dict(
        webex_max_retries=min(settings.webex_max_retries, 1),
        webex_timeout_s=min(settings.webex_timeout_s, 10.0),
        webex_max_rate_limit_waits=min(settings.webex_max_rate_limit_waits, 2),
        webex_retry_after_cap_s=min(settings.webex_retry_after_cap_s, 10.0),
    ))


def customers_with_tag(session: Session, *, partner_id: int, tag_id: int) -> list[int]:
    """Every customer carrying the tag, whoever may see them: a rename or delete changes
    them all, so all of them are pushed (read before a delete removes the links)."""
    return sorted(session.exec(select(CustomerTag.customer_id).where(
        CustomerTag.partner_id == partner_id, CustomerTag.tag_id == tag_id)).all())


def _tracking_id(exc: PartnerHubError) -> str | None:
    return getattr(exc, "tracking_id", None) or exc.params.get("tracking_id")


def push_tags(*, session_factory: SessionFactory, partner_id: int, customer_ids: Iterable[int],
              settings: Settings, client: WebexClient | None = None) -> PushResult:
    """Send each customer's whole tag list to Webex (``assignTags``), several at once (the
    client bounds the requests in flight per token). Each customer is written in its own
    transaction: the agreed set on success, the pending mark on failure. Once Webex fails,
    the customers not yet sent are only marked: a rename on hundreds of customers must not
    hold the reply through an outage."""
    ids = sorted(set(customer_ids))
    result = PushResult()
    if not ids:
        return result
    with session_factory() as s:
        token = webex_token(s, partner_id, settings) if client is None else None
    if client is None and token is None:
        return result
    result.attempted = True
    own = client is None
    client = client or WebexClient(settings=quick(settings), token=token)

    webex_down = threading.Event()  # after one upstream failure the rest wait for the sync

    def one(customer_id: int) -> tuple[str, PartnerHubError | None]:
        with session_factory() as s:
            org_id = s.exec(select(Customer.org_id).where(Customer.id == customer_id)).first() or "?"
            try:
                if webex_down.is_set():
                    raise UpstreamError(N_("Not sent: Webex failed for another customer just before."))
                sync.push_customer_tags(session=s, partner_id=partner_id, customer_id=customer_id,
                                        settings=settings, client=client)
            except PartnerHubError as exc:
                if isinstance(exc, UpstreamError):
                    webex_down.set()
                s.rollback()
                sync.mark_tags_pending(session=s, partner_id=partner_id, customer_id=customer_id)
                s.commit()
                return org_id, exc
            s.commit()
            return org_id, None

    try:
        workers = max(1, min(settings.webex_concurrency, len(ids)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webex-push") as pool:
            outcomes = list(pool.map(one, ids))
    finally:
        if own:
            client.close()
    for org_id, exc in outcomes:
        if exc is None:
            result.pushed += 1
            continue
        result.failed.append(org_id)
        result.errors.append(exc)
        event(log, "webex_push_failed", logging.WARNING, partner=partner_id, org=org_id, what="tags",
              tracking_id=_tracking_id(exc), error=str(exc))
    return result


def push_admin(*, session_factory: SessionFactory, partner_id: int, customer_id: int, admin_id: int,
               assign: bool, settings: Settings, client: WebexClient | None = None) -> PushResult:
    """Assign (or unassign) a partner admin to a customer in Webex, after our database
    already says so. A failure is remembered for the next sync."""
    result = PushResult()
    with session_factory() as s:
        token = webex_token(s, partner_id, settings) if client is None else None
        if client is None and token is None:
            return result
        result.attempted = True
        customer = s.get(Customer, customer_id)
        admin = s.get(PartnerAdmin, admin_id)
        org_id = customer.org_id if customer is not None else "?"
        person = admin.webex_person_id if admin is not None else None
        own = client is None
        client = client or WebexClient(settings=quick(settings), token=token)
        try:
            sync.assign_customer_admin(session=s, partner_id=partner_id, customer_id=customer_id,
                                       admin_id=admin_id, settings=settings, assign=assign, client=client)
        except PartnerHubError as exc:
            s.rollback()
            result.failed.append(org_id)
            result.errors.append(exc)
            event(log, "webex_push_failed", logging.WARNING, partner=partner_id, org=org_id,
                  what="assign" if assign else "unassign", admin=admin_id,
                  tracking_id=_tracking_id(exc), error=str(exc))
        else:
            result.pushed = 1
        finally:
            if own:
                client.close()
        if person:  # without a Webex person id there is nothing the sync could send
            sync.remember_admin_change(session=s, partner_id=partner_id, customer_id=customer_id,
                                       person_id=person, assign=assign, pending=not result.ok)
            s.commit()
    return result
