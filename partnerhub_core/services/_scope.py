"""What every service shares: finding a row of the actor's partner that the actor may see.

A customer outside the actor's scope (another partner's, or not assigned to a plain
admin) is reported exactly like a missing one, so a service never confirms that it exists.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable

from sqlmodel import Session, select

from partnerhub_core import auth
from partnerhub_core.auth import Actor
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import Customer

# Longest free text a service accepts in a name field before it even looks it up.
MAX_NAME_CHARS = 200


def visible_customer(session: Session, actor: Actor, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.partner_id != actor.partner_id:
        raise NotFound(N_("That customer is not there any more (or not yours to see)."))
    visible = auth.visible_customer_ids(session, actor)
    if visible is not None and customer.id not in visible:
        raise NotFound(N_("That customer is not there any more (or not yours to see)."))
    return customer


def visible_customers(session: Session, actor: Actor, ids: Iterable[int]) -> list[Customer]:
    ids = list(ids)
    if not ids:
        return []
    rows = session.exec(
        select(Customer).where(Customer.partner_id == actor.partner_id, Customer.id.in_(ids))
    ).all()
    visible = auth.visible_customer_ids(session, actor)
    return [c for c in rows if visible is None or c.id in visible]


def clean_text(value: str | None, *, field: str, max_chars: int, required: bool = True) -> str:
    """Trim, collapse inner whitespace, refuse control characters and over-long text."""
    text = " ".join((value or "").split())
    if required and not text:
        raise BadInput(N_("The {field} cannot be empty."), field=field)
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch in "\u200b\u200e\u200f\u202e\ufeff" for ch in text):
        raise BadInput(N_("The {field} contains characters that are not allowed."), field=field)
    if len(text) > max_chars:
        raise BadInput(
            N_("The {field} can have at most {max} characters ({count} given)."),
            field=field, max=max_chars, count=len(text),
        )
    return text


def suggestions(query: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Close matches for "did you mean"; prefix and substring hits first."""
    q = query.casefold()
    names = list(dict.fromkeys(candidates))
    hits = [n for n in names if q and q in n.casefold()]
    close = difflib.get_close_matches(query, names, n=limit, cutoff=0.6)
    folded = {n.casefold(): n for n in names}
    close += [folded[m] for m in difflib.get_close_matches(q, list(folded), n=limit, cutoff=0.6)]
    return list(dict.fromkeys(hits + close))[:limit]
