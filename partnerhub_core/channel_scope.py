"""Channel scope (issue 17, item 10): a channel bound to a region and/or a tag answers the
commands typed in it about those customers only.

- Binding is a full admin's act (``Permission.SETUP``): ``bind_channel`` / ``unbind_channel``,
  each audited (``channel_scope.bind`` / ``channel_scope.unbind``, before and after), never
  commit. DMs are never bound (the bot layer refuses them); an unbound channel is unscoped.
- ``scope_of(session, partner_id=, workspace_id=, channel_id=)`` reads the binding;
  ``customer_ids(session, partner_id=, scope=)`` are the customers inside it. The bot puts
  them on the ``Actor`` (``Actor.within``), and ``auth.visible_customer_ids`` intersects every
  read with them, so no answer built from the visible customers can reach outside the scope.
- A region asked for explicitly must be the scope's (``outside``): another region is a
  clear error, never an empty or wider answer. Another tag narrows further (customers with
  both tags), which the intersection above already gives.
- The tag is kept by name, as a schedule keeps it: once renamed or deleted it matches no
  customer, so the channel shows nothing rather than everything.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core import audit
from partnerhub_core.auth import Actor, Permission, require
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.i18n import words as typed
from partnerhub_core.models import ChannelScope, Customer, CustomerTag, Region, Tag
from partnerhub_core.search_keys import search_key
from partnerhub_core.services.tags import get_tag

OFF_WORDS = frozenset({"off", "none", "clear", "remove"})
REGIONS = tuple(r.value for r in Region)


@dataclass(frozen=True)
class Scope:
    region: str | None = None
    tag: str | None = None

    def to_dict(self) -> dict:
        return {"region": self.region, "tag": self.tag}


def parse_region(value: str) -> str:
    region = typed.canonical("region", value or "")  # "Europa", "União Europeia" too (i18n.words)
    if region not in REGIONS:
        raise BadInput(N_("Unknown region {value}: use one of {allowed}."), value=value, allowed=", ".join(REGIONS))
    return region


def parse_scope(words: list[str]) -> Scope:
    """``["region:EU", "tag:At risk"]`` (``--region EU`` too) -> Scope; at least one of them."""
    region = tag = None
    words = list(words)
    i = 0
    while i < len(words):
        word = words[i]
        low = word.casefold()
        if low in ("--region", "--tag") and i + 1 < len(words):
            word, low = f"{low[2:]}:{words[i + 1]}", f"{low[2:]}:{words[i + 1]}".casefold()
            i += 1
        elif low.startswith(("--region=", "--tag=")):
            word, low = word[2:].replace("=", ":", 1), low[2:].replace("=", ":", 1)
        key, colon, value = word.partition(":")
        key = typed.canonical("filter_key", key) if colon else None  # "região:", "etiqueta:" too
        if key == "region":
            region = parse_region(value)
        elif key == "tag" and value.strip():
            tag = " ".join(value.split())
        else:
            raise BadInput(N_("I did not understand “{word}”: use region:US|CA|EU|UAE and/or tag:NAME."),
                           word=word[:40])
        i += 1
    if region is None and tag is None:
        raise BadInput(N_("Say which customers this channel is for: region:US|CA|EU|UAE and/or tag:NAME."))
    return Scope(region=region, tag=tag)


def _row(session: Session, *, workspace_id: int, channel_id: str) -> ChannelScope | None:
    return session.exec(
        select(ChannelScope).where(ChannelScope.workspace_id == workspace_id, ChannelScope.channel_id == channel_id)
    ).first()


def scope_of(session: Session, *, partner_id: int, workspace_id: int, channel_id: str | None) -> Scope | None:
    """The scope a channel is bound to, or None (unbound, or no channel)."""
    if not channel_id:
        return None
    row = _row(session, workspace_id=workspace_id, channel_id=channel_id)
    if row is None or row.partner_id != partner_id:
        return None
    return Scope(region=row.region, tag=row.tag)


def customer_ids(session: Session, *, partner_id: int, scope: Scope) -> frozenset[int]:
    """The partner's customers inside the scope (a tag that no longer exists: none)."""
    query = select(Customer.id).where(Customer.partner_id == partner_id)
    if scope.region:
        query = query.where(Customer.region == scope.region)
    if scope.tag:
        query = query.where(Customer.id.in_(
            select(CustomerTag.customer_id).join(Tag, Tag.id == CustomerTag.tag_id)
            .where(CustomerTag.partner_id == partner_id, Tag.partner_id == partner_id,
                   Tag.name_key == search_key(scope.tag))
        ))
    return frozenset(session.exec(query).all())


def outside(scope: Scope | None, region: str | None) -> str | None:
    """The region asked for when it lies outside the scope's region (the caller refuses the
    command, naming both), else None: an unknown code is left to the command's own check."""
    if scope is None or scope.region is None or not region:
        return None
    asked = typed.canonical("region", region) or region.strip().upper()
    return asked if asked in REGIONS and asked != scope.region else None


def bind_channel(*, session: Session, actor: Actor, workspace_id: int, channel_id: str, scope: Scope,
                 now: datetime) -> Scope:
    """Bind (or re-bind) a channel; the tag must exist (NotFound with suggestions)."""
    require(actor, Permission.SETUP)
    if scope.region is None and scope.tag is None:
        raise BadInput(N_("Say which customers this channel is for: region:US|CA|EU|UAE and/or tag:NAME."))
    if scope.region is not None:
        parse_region(scope.region)
    if scope.tag is not None:
        scope = Scope(region=scope.region, tag=get_tag(session=session, partner_id=actor.partner_id,
                                                       name=scope.tag).name)
    row = _row(session, workspace_id=workspace_id, channel_id=channel_id)
    before = None
    if row is None:
        row = ChannelScope(partner_id=actor.partner_id, workspace_id=workspace_id, channel_id=channel_id)
    else:
        if row.partner_id != actor.partner_id:  # a workspace re-linked to another partner
            row.partner_id = actor.partner_id
        before = Scope(region=row.region, tag=row.tag).to_dict()
    row.region, row.tag = scope.region, scope.tag
    row.bound_by, row.bound_at = actor.label, now
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="channel_scope.bind", target_type="channel", target_id=channel_id,
                 before=before, after=scope.to_dict(), at=now)
    return scope


def unbind_channel(*, session: Session, actor: Actor, workspace_id: int, channel_id: str,
                   now: datetime) -> Scope | None:
    """Remove a channel's scope; the scope it had, or None when it had none (nothing audited)."""
    require(actor, Permission.SETUP)
    row = _row(session, workspace_id=workspace_id, channel_id=channel_id)
    if row is None or row.partner_id != actor.partner_id:
        return None
    old = Scope(region=row.region, tag=row.tag)
    session.delete(row)
    session.flush()
    audit.record(session, actor=actor, action="channel_scope.unbind", target_type="channel", target_id=channel_id,
                 before=old.to_dict(), after=None, at=now)
    return old
