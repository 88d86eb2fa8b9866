"""The ``tags`` part (both ways) and the immediate push of one customer's tags.

When the customer's tags in partnerhub changed since the last sync (a change nobody
pushed), partnerhub's set goes to Webex; otherwise Webex's set is pulled. The set both
sides agreed on is the organization's cursor; a failed immediate push marks it pending.

Webex: ``GET /partner/tags?orgId=``, ``POST /partner/tags/organizations/{orgId}/assignTags``.
See docs/webex-sources.md."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core import credentials
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import Customer, CustomerTag, Tag, search_key
from partnerhub_core.settings import Settings
from partnerhub_core.sources.sync_common import OrgPart, state_row
from partnerhub_core.sources.webex import WebexClient

MAX_TAGS_PER_ORG = 5
MAX_TAG_CHARS = 25


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
    state_row(session, partner_id, "tags", customer.org_id).cursor = json.dumps(_TAGS_PENDING)


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


# -- pushing one customer's tags ---------------------------------------------------
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
    state_row(session, partner_id, "tags", customer.org_id).cursor = json.dumps([t.name_key for t in tags])
    return [t.name for t in tags]


PART = OrgPart("tags", _fetch_tags, _write_tags)
