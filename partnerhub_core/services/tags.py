"""Custom tags on customers (SPEC F3).

Everyone may look at tags; only full admins and partner admins create, rename, delete,
assign or remove them (``Permission.EDIT_TAGS``). Webex's own limits apply so that tags
round-trip to Partner Hub: at most 5 tags on one customer organization and at most 25
characters per tag name. Names are unique per partner regardless of case and accents
(``Tag.name_key``). Every change is audited; nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from partnerhub_core import audit, auth
from partnerhub_core.auth import Actor, Permission
from partnerhub_core.errors import BadInput, Conflict, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import Customer, CustomerTag, Tag, search_key
from partnerhub_core.services._scope import (
    MAX_NAME_CHARS,
    clean_text,
    suggestions,
    visible_customer,
)

MAX_TAG_CHARS = 25  # Webex: "each at most 25 characters"
MAX_TAGS_PER_CUSTOMER = 5  # Webex: "at most 5 tags" per organization
MAX_DESCRIPTION_CHARS = 200


@dataclass(frozen=True)
class TagInfo:
    id: int
    name: str
    description: str
    customers: int  # customers carrying it that the actor can see


def _tag_name(name: str | None) -> tuple[str, str]:
    """(display name, name key) of a tag name typed by a person, or BadInput."""
    text = clean_text(name, field=N_("tag name"), max_chars=MAX_NAME_CHARS)
    if len(text) > MAX_TAG_CHARS:
        raise BadInput(
            N_("A tag name can have at most {max} characters; “{name}” has {count}."),
            max=MAX_TAG_CHARS, name=text[:40], count=len(text),
        )
    # Webex filters organizations by a comma-separated tag list, so a comma cannot be
    # part of a name.
    if "," in text:
        raise BadInput(N_("A tag name cannot contain a comma."))
    key = search_key(text)
    if not key or len(key) > MAX_TAG_CHARS:
        raise BadInput(N_("“{name}” cannot be used as a tag name."), name=text)
    return text, key


def get_tag(*, session: Session, partner_id: int, name: str) -> Tag:
    """The partner's tag called ``name`` (any case or accents), or NotFound with suggestions."""
    text = " ".join((name or "").split())[:MAX_NAME_CHARS]
    tag = session.exec(
        select(Tag).where(Tag.partner_id == partner_id, Tag.name_key == search_key(text))
    ).first()
    if tag is None:
        names = session.exec(select(Tag.name).where(Tag.partner_id == partner_id)).all()
        raise NotFound(N_("There is no tag named “{name}”."), suggestions=suggestions(text, names), name=text)
    return tag


def list_tags(*, session: Session, actor: Actor) -> list[TagInfo]:
    """Every tag of the partner, by name, with how many (visible) customers carry it."""
    auth.require(actor, Permission.VIEW)
    tags = session.exec(select(Tag).where(Tag.partner_id == actor.partner_id)).all()
    counts_q = select(CustomerTag.tag_id, func.count()).where(CustomerTag.partner_id == actor.partner_id)
    visible = auth.visible_customer_ids(session, actor)
    if visible is not None:
        counts_q = counts_q.where(CustomerTag.customer_id.in_(visible or [-1]))
    counts = dict(session.exec(counts_q.group_by(CustomerTag.tag_id)).all())
    infos = [TagInfo(t.id, t.name, t.description, counts.get(t.id, 0)) for t in tags]
    return sorted(infos, key=lambda i: search_key(i.name))


def tags_of_customer(*, session: Session, partner_id: int, customer_id: int) -> list[Tag]:
    rows = session.exec(
        select(Tag)
        .join(CustomerTag, CustomerTag.tag_id == Tag.id)
        .where(CustomerTag.partner_id == partner_id, CustomerTag.customer_id == customer_id)
    ).all()
    return sorted(rows, key=lambda t: t.name_key)


def customers_with_tag(*, session: Session, actor: Actor, tag: str) -> tuple[Tag, list[Customer]]:
    """The tag and the customers carrying it that the actor can see, by name."""
    auth.require(actor, Permission.VIEW)
    found = get_tag(session=session, partner_id=actor.partner_id, name=tag)
    q = (
        select(Customer)
        .join(CustomerTag, CustomerTag.customer_id == Customer.id)
        .where(CustomerTag.partner_id == actor.partner_id, CustomerTag.tag_id == found.id)
    )
    visible = auth.visible_customer_ids(session, actor)
    if visible is not None:
        q = q.where(Customer.id.in_(visible or [-1]))
    customers = sorted(session.exec(q).all(), key=lambda c: (c.name_key, c.id))
    return found, customers


def create_tag(*, session: Session, actor: Actor, name: str, description: str = "", now: datetime) -> Tag:
    auth.require(actor, Permission.EDIT_TAGS)
    text, key = _tag_name(name)
    desc = clean_text(description, field=N_("description"), max_chars=MAX_DESCRIPTION_CHARS, required=False)
    _refuse_duplicate(session, actor.partner_id, key)
    tag = Tag(partner_id=actor.partner_id, name=text, name_key=key, description=desc, created_at=now)
    session.add(tag)
    session.flush()
    audit.record(
        session, actor=actor, action="tag.create", target_type="tag", target_id=tag.id,
        before=None, after={"name": text, "description": desc}, at=now,
    )
    return tag


def rename_tag(
    *, session: Session, actor: Actor, name: str, new_name: str, description: str | None = None, now: datetime
) -> Tag:
    """Rename a tag (and optionally change its description); customers keep it."""
    auth.require(actor, Permission.EDIT_TAGS)
    tag = get_tag(session=session, partner_id=actor.partner_id, name=name)
    text, key = _tag_name(new_name)
    if key != tag.name_key:
        _refuse_duplicate(session, actor.partner_id, key)
    before = {"name": tag.name, "description": tag.description}
    tag.name, tag.name_key = text, key
    if description is not None:
        tag.description = clean_text(
            description, field=N_("description"), max_chars=MAX_DESCRIPTION_CHARS, required=False
        )
    session.add(tag)
    session.flush()
    audit.record(
        session, actor=actor, action="tag.rename", target_type="tag", target_id=tag.id,
        before=before, after={"name": tag.name, "description": tag.description}, at=now,
    )
    return tag


def delete_tag(*, session: Session, actor: Actor, name: str, now: datetime) -> int:
    """Delete a tag and take it off every customer; returns how many customers had it."""
    auth.require(actor, Permission.EDIT_TAGS)
    tag = get_tag(session=session, partner_id=actor.partner_id, name=name)
    links = session.exec(
        select(CustomerTag).where(CustomerTag.partner_id == actor.partner_id, CustomerTag.tag_id == tag.id)
    ).all()
    org_ids = sorted(
        session.exec(select(Customer.org_id).where(Customer.id.in_([l.customer_id for l in links] or [-1]))).all()
    )
    before = {"name": tag.name, "description": tag.description, "customers": org_ids}
    tag_id = tag.id
    for link in links:
        session.delete(link)
    session.flush()
    session.delete(tag)
    session.flush()
    audit.record(
        session, actor=actor, action="tag.delete", target_type="tag", target_id=tag_id,
        before=before, after=None, at=now,
    )
    return len(links)


def add_tag(*, session: Session, actor: Actor, customer_id: int, tag: str, now: datetime) -> Tag:
    """Put an existing tag on a customer the actor can see."""
    auth.require(actor, Permission.EDIT_TAGS)
    customer = visible_customer(session, actor, customer_id)
    found = get_tag(session=session, partner_id=actor.partner_id, name=tag)
    current = tags_of_customer(session=session, partner_id=actor.partner_id, customer_id=customer.id)
    if any(t.id == found.id for t in current):
        raise Conflict(N_("{customer} already has the tag “{tag}”."), customer=customer.name, tag=found.name)
    if len(current) >= MAX_TAGS_PER_CUSTOMER:
        raise BadInput(
            N_("{customer} already has {max} tags, the most Webex allows. Remove one first: {tags}."),
            customer=customer.name, max=MAX_TAGS_PER_CUSTOMER, tags=", ".join(t.name for t in current),
        )
    session.add(CustomerTag(customer_id=customer.id, tag_id=found.id, partner_id=actor.partner_id))
    session.flush()
    names = [t.name for t in current]
    audit.record(
        session, actor=actor, action="tag.add", target_type="customer", target_id=customer.id,
        before={"tags": names}, after={"tags": sorted(names + [found.name], key=search_key)}, at=now,
    )
    return found


def remove_tag(*, session: Session, actor: Actor, customer_id: int, tag: str, now: datetime) -> Tag:
    auth.require(actor, Permission.EDIT_TAGS)
    customer = visible_customer(session, actor, customer_id)
    found = get_tag(session=session, partner_id=actor.partner_id, name=tag)
    link = session.get(CustomerTag, (customer.id, found.id))
    if link is None or link.partner_id != actor.partner_id:
        raise NotFound(N_("{customer} does not have the tag “{tag}”."), customer=customer.name, tag=found.name)
    names = [t.name for t in tags_of_customer(session=session, partner_id=actor.partner_id, customer_id=customer.id)]
    session.delete(link)
    session.flush()
    audit.record(
        session, actor=actor, action="tag.remove", target_type="customer", target_id=customer.id,
        before={"tags": names}, after={"tags": [n for n in names if n != found.name]}, at=now,
    )
    return found


def _refuse_duplicate(session: Session, partner_id: int, key: str) -> None:
    existing = session.exec(select(Tag).where(Tag.partner_id == partner_id, Tag.name_key == key)).first()
    if existing is not None:
        raise Conflict(N_("A tag named “{name}” already exists."), name=existing.name)
