"""`purge_partner` removes every row of one partner in every table and nothing else.

The data is generated from the table definitions themselves (one row per table per
partner, foreign keys pointing inside the same partner), so a table added later is
exercised without editing this test, unless it holds no partner data at all: then it
must be named in GLOBAL_TABLES, a conscious decision.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from partnerhub_core import purge
from partnerhub_core.errors import NotFound
from partnerhub_core.models import Partner

# Tables that belong to no partner: operational state shared by the whole installation.
GLOBAL_TABLES = {"slackoauthstate", "workerheartbeat"}

_counter = itertools.count(1)


def _value(col: sa.Column, partner_id: int, team: str):
    if col.name == "partner_id":
        return partner_id
    if col.name == "team_id":
        return team
    n = next(_counter)
    try:
        py = col.type.python_type
    except NotImplementedError:
        py = str
    if py is bool:
        return False
    if py is int:
        return 1000 + n
    if py is float:
        return 1.5
    if py is datetime:
        return datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
    if py is date:
        return date(2026, 11, 1)
    if py is bytes:
        return b"v"
    if py in (dict, list):
        return {} if py is dict else []
    length = getattr(col.type, "length", None) or 40
    return f"v{n}"[:length]


def _fill(session: Session, partner_id: int, team: str) -> dict[str, int]:
    """One row in every table for this partner; returns {table: rows added}."""
    added: dict[str, int] = {}
    ids: dict[str, object] = {}  # table -> primary key of this partner's row
    for table in SQLModel.metadata.sorted_tables:
        if table.name == "partner":
            session.execute(table.insert().values(id=partner_id, name=f"Partner {partner_id}",
                                                  created_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
            ids["partner"] = partner_id
            continue
        if table.name in GLOBAL_TABLES and partner_id != 1:
            continue
        row = {}
        for col in table.columns:
            fks = list(col.foreign_keys)
            if fks:
                target = fks[0].column.table.name
                row[col.name] = ids.get(target)
            elif col.primary_key and col.autoincrement in (True, "auto") and isinstance(col.type, sa.Integer) \
                    and len(table.primary_key.columns) == 1:
                continue
            else:
                row[col.name] = _value(col, partner_id, team)
        result = session.execute(table.insert().values(**row))
        pk = result.inserted_primary_key
        ids[table.name] = pk[0] if pk and len(pk) == 1 else None
        added[table.name] = 1
    session.flush()
    return added


def _snapshot(session: Session) -> dict[str, set]:
    return {
        t.name: {tuple(r) for r in session.execute(sa.select(t)).all()}
        for t in SQLModel.metadata.sorted_tables
    }


def test_purge_removes_every_row_of_the_partner_and_keeps_the_others(session):
    _fill(session, 1, "T0NE")  # partner 1 also owns the global rows' creation
    _fill(session, 2, "T2WO")
    # Committed first: the commit recomputes the derived licenseweektotal rows of the
    # snapshots just added (snapshot_totals.py), which the purge of partner 3 must keep.
    session.commit()
    others = _snapshot(session)
    added = _fill(session, 3, "T3HREE")

    removed = purge.purge_partner(session, 3)
    session.commit()

    expected = {name: 1 for name in added} | {"partner": 1}
    assert removed == expected
    assert set(removed) == {t.name for t in SQLModel.metadata.sorted_tables} - GLOBAL_TABLES
    assert _snapshot(session) == others


def test_count_matches_what_purge_removes(session):
    _fill(session, 1, "T0NE")
    _fill(session, 2, "T2WO")
    preview = purge.count_partner_rows(session, 2)
    assert preview["customer"] == 1 and preview["partner"] == 1
    assert purge.purge_partner(session, 2) == preview


def test_unknown_partner_is_not_found(session):
    session.add(Partner(id=1, name="Only"))
    session.flush()
    with pytest.raises(NotFound) as err:
        purge.purge_partner(session, 99)
    assert err.value.render() == "There is no partner with id 99."
