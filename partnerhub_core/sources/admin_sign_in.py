"""The ``sign_in`` part: when a customer's own administrators last signed in to Control Hub,
from the admin audit events of the customer organization (login category).

Webex: ``GET /adminAudit/events?orgId=&from=&to=&eventCategories=LOGINS&max=200`` with
the partner's token (scope ``audit:events_read``; the partner admin is a full admin of the
customer organization). At most one year per request, newest first, ``Link`` paging.
See docs/webex-sources.md.

What is counted: login events whose actor belongs to another organization than the
partner's own (``actorOrgId``): a partner admin opening the customer's Control Hub is the
partner looking, not the customer being active. The first read covers the last year;
later reads start where the previous one ended (the organization's cursor), so a quiet
year stays "no sign-in" and a busy one is not read again.

A customer the part read gets ``sign_in_checked_at``; one it could not read keeps its
previous value (None at first): its sign-in is unknown and ``no_recent_activity`` is not
derived for it (statuses.py)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlmodel import Session

from partnerhub_core.models import Customer, Partner
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.settings import Settings
from partnerhub_core.sources.recorded_walk import recorded_part
from partnerhub_core.sources.sync_common import OrgPart, as_utc, text

log = logging.getLogger(__name__)

NAME = "sign_in"
SCOPES = ("audit:events_read",)
LOOKBACK = timedelta(days=365)  # the API returns at most one year of events per request
PAGE = 200  # the documented maximum of ``max``
LOGINS = "LOGINS"


@dataclass
class SignInData:
    events: list[dict]
    until: datetime  # the end of the window read


def iso_ms(moment: datetime) -> str:
    """``2026-11-25T12:00:00.000Z``, the form of the documented examples."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _since(cursor: str | None, now: datetime) -> datetime:
    floor = now - LOOKBACK
    try:
        until = as_utc(datetime.fromisoformat(json.loads(cursor)["until"])) if cursor else None
    except (ValueError, KeyError, TypeError):
        until = None
    return max(until, floor) if until else floor


def _fetch(client, customer, cursor, now, _settings) -> SignInData:
    params = {"orgId": customer.org_id, "from": iso_ms(_since(cursor, now)), "to": iso_ms(now),
              "eventCategories": LOGINS, "max": PAGE}
    return SignInData(list(client.paginate("adminAudit/events", params)), now)


def _when(value) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return None


def latest_customer_sign_in(events: list[dict], partner_org_id: str | None) -> datetime | None:
    """The newest login of an actor outside the partner's own organization (pure)."""
    latest = None
    for event in events:
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        # The spec's example says "EventCategory.LOGINS"; the filter value is "LOGINS".
        if text(data.get("eventCategory"), 80).rsplit(".", 1)[-1].upper() != LOGINS:
            continue
        if partner_org_id and event.get("actorOrgId") == partner_org_id:
            continue
        when = _when(event.get("created"))
        if when is not None and (latest is None or when > latest):
            latest = when
    return latest


def _write(session: Session, partner_id: int, customer: Customer, data: SignInData,
           now: datetime, _settings: Settings) -> tuple[int, str]:
    partner = session.get(Partner, partner_id)
    latest = latest_customer_sign_in(data.events, partner.webex_org_id if partner else None)
    known = as_utc(customer.last_admin_sign_in)
    if latest is not None and (known is None or latest > known):
        customer.last_admin_sign_in = latest
    customer.sign_in_checked_at = now
    return len(data.events), json.dumps({"until": data.until.isoformat()})


ORG_PART = OrgPart(NAME, _fetch, _write)
PART = recorded_part(ORG_PART, SourceFamily.ADMIN_SIGN_IN, SCOPES)
