"""Delete everything of one partner, in every table (``partnerhub purge --partner ID``).

Which rows belong to the partner is found from the table definitions, so a table added
later is covered without touching this module when it has any of these shapes:

- a ``partner_id`` column (every table holding customer data has one, DESIGN.md);
- a foreign key to a row that belongs to the partner (a customer, a subscription, a
  schedule …), followed transitively;
- a ``team_id`` column: rows of that partner's Slack workspaces (installations,
  rate-limit counters);
- the ``partner`` row itself.

Rows are deleted children first (foreign-key order). The caller commits; a failure
rolls back everything.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlmodel import Session, select

from partnerhub_core.errors import NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.logging import event
from partnerhub_core.models import Partner, Workspace
from partnerhub_core.secrets import all_metadata

log = logging.getLogger("partnerhub.purge")


def _plan(session: Session, partner_id: int) -> list[tuple[sa.Table, sa.ColumnElement]]:
    """(table, condition) for every table holding rows of the partner, children first."""
    if session.get(Partner, partner_id) is None:
        raise NotFound(N_("There is no partner with id {partner_id}."), partner_id=partner_id)
    team_ids = list(session.exec(select(Workspace.team_id).where(Workspace.partner_id == partner_id)).all())
    existing = set(sa.inspect(session.connection()).get_table_names())
    tables = [t for md in all_metadata() for t in md.tables.values() if t.name in existing]
    partner_table = Partner.__table__

    conditions: dict[str, sa.ColumnElement | None] = {}
    visiting: set[str] = set()

    def condition(table: sa.Table) -> sa.ColumnElement | None:
        if table.name in conditions:
            return conditions[table.name]
        if table.name in visiting:  # a cycle of foreign keys: its other edges decide
            return None
        visiting.add(table.name)
        if table is partner_table:
            result: sa.ColumnElement | None = table.c.id == partner_id
        else:
            parts: list[sa.ColumnElement] = []
            if "partner_id" in table.c:
                parts.append(table.c.partner_id == partner_id)
            for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
                target = fk.column.table
                if target is table or target.name not in existing:
                    continue
                if target is partner_table and fk.parent.name == "partner_id":
                    continue  # already covered
                parent = condition(target)
                if parent is not None:
                    parts.append(fk.parent.in_(sa.select(fk.column).where(parent)))
            if "team_id" in table.c and "partner_id" not in table.c and team_ids:
                parts.append(table.c.team_id.in_(team_ids))
            result = sa.or_(*parts) if parts else None
        visiting.discard(table.name)
        conditions[table.name] = result
        return result

    ordered = sa.schema.sort_tables(tables)
    plan = []
    for table in reversed(ordered):  # children before the rows they point to
        cond = condition(table)
        if cond is not None:
            plan.append((table, cond))
    return plan


def count_partner_rows(session: Session, partner_id: int) -> dict[str, int]:
    """What ``purge_partner`` would remove: {table: rows}, tables with rows only."""
    out = {}
    for table, cond in _plan(session, partner_id):
        n = session.execute(sa.select(sa.func.count()).select_from(table).where(cond)).scalar_one()
        if n:
            out[table.name] = int(n)
    return out


def purge_partner(session: Session, partner_id: int) -> dict[str, int]:
    """Delete every row of the partner. Returns {table: rows removed} (tables with rows
    only). Raises ``NotFound`` for an unknown partner. The caller commits."""
    removed: dict[str, int] = {}
    for table, cond in _plan(session, partner_id):
        result = session.execute(sa.delete(table).where(cond))
        if result.rowcount:
            removed[table.name] = int(result.rowcount)
    session.expire_all()
    event(log, "partner_purged", level=logging.WARNING, partner=partner_id, rows=sum(removed.values()),
          tables=len(removed))
    return removed
