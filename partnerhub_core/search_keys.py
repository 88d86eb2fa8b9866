"""Rewrite stored name keys after ``models.search_key`` changed.

Names are matched through a key stored beside them (``Customer.name_key``,
``Tag.name_key``, ``ReportTemplate.name_key``) so that a lookup is one indexed
comparison. When ``search_key`` learns to fold more letters (Ł -> l), a row saved
earlier keeps its old key ("łodz bank"), and a query folded the new way ("lodz bank")
would miss it; folding the query the old way as well cannot help, since the old key
kept the letter the person did not type. So the stored keys are brought up to date
once, by ``partnerhub db upgrade`` (after the schema migration), and every row is
found again. It is idempotent: a second run changes nothing.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from partnerhub_core.models import Customer, ReportTemplate, Tag, search_key

# The columns' widths: a folded key can be longer than its name (æ -> ae).
WIDTHS = {Customer: 300, Tag: 25, ReportTemplate: 80}


def _rewrite(conn, model, unique: bool) -> int:
    rows = conn.execute(select(model.id, model.partner_id, model.name, model.name_key).order_by(model.id)).all()
    taken = {(r.partner_id, r.name_key) for r in rows}
    changed = 0
    for r in rows:
        key = search_key(r.name)[:WIDTHS[model]]
        if key == r.name_key:
            continue
        # Two tags that only the new folding makes equal ("Łx" and "Lx") cannot share a
        # key under the unique constraint: the one whose new key is already taken keeps
        # its old key (still found by its exact spelling) rather than failing the upgrade.
        if unique and (r.partner_id, key) in taken:
            continue
        conn.execute(update(model).where(model.id == r.id).values(name_key=key))
        taken.discard((r.partner_id, r.name_key))
        taken.add((r.partner_id, key))
        changed += 1
    return changed


def refresh(engine: Engine) -> int:
    """Recompute every stored name key that differs from ``search_key(name)``; returns
    how many rows changed."""
    with engine.begin() as conn:
        return (_rewrite(conn, Customer, False) + _rewrite(conn, Tag, True)
                + _rewrite(conn, ReportTemplate, True))
