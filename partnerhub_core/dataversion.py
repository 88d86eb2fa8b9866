"""The data version of a partner: a number that changes, in the same transaction, with every
write that can change a figure of that partner.

Analytics results are cached under it (``analytics/cache.py``): a process that reads the
version at the start of a call and finds it unchanged may answer from memory; after a
commit anywhere (web, answer process, worker, CLI) every process reads the new version and
computes again. So the rule is the one below, and it is enforced centrally rather than by
each writer remembering it:

- every ORM flush that adds, changes or deletes a row of a figure table bumps the partners
  of those rows (``before_flush``);
- every ``Session.execute`` of an INSERT/UPDATE/DELETE on a figure table bumps the partners
  named by its ``partner_id`` values (or, for ``partner`` itself, its ``id``); a statement
  that names none (an UPDATE by row id) counts for the partners this transaction already
  bumped, and when there are none every partner is bumped (correct, only wasteful);
- a figure table is any table with a ``partner_id`` column (and ``partner`` / ``workspace``)
  except ``NOT_FIGURES``: operational rows (audit, jobs, deliveries, schedules, sync
  progress, tokens) that no figure is computed from. A new table therefore counts until
  someone says otherwise.

Writes through ``session.connection()`` (raw driver SQL) are not seen: code that writes
figures that way calls ``bump(session, partner_id)`` itself, or does so in a transaction
that also writes through the session (the call ingest claims its ledger row first, the
import locks the partner row first).

A bump sets a fresh random 62-bit number rather than adding one: a database that is reset,
restored or recreated (tests, ``partnerhub demo``) then never brings back a number some
process still holds cached answers under. Two numbers colliding is a 2**-62 chance.

A partner is bumped once per transaction (one ``UPDATE partner``, which also serialises
writers of one partner in PostgreSQL). A session that wrote bumps and may read its own
uncommitted rows, so it never reads from or fills the cache (``wrote``).
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

NOT_FIGURES = frozenset({
    "auditevent", "jobrun", "delivery", "alertstate", "digestsnapshot", "schedule", "syncstate",
    "workerheartbeat", "ratelimitcounter", "slackinstallation", "slackoauthstate", "webexcredential",
    "reporttemplate", "analyticscache", "channelscope",
})

_PARTNER = sa.table("partner", sa.column("id", sa.Integer), sa.column("data_version", sa.BigInteger))
_BUMPED = "partnerhub_dataversion_bumped"  # partners bumped in the current transaction
_WROTE = "partnerhub_dataversion_wrote"  # this session wrote figures in its open transaction
_PARTNER_PARAM = re.compile(r"^partner_id(_\w+)?$")
_ID_PARAM = re.compile(r"^id(_\w+)?$")
ALL = -1  # "every partner": the partners of a write could not be told


def is_figure_table(name: str, columns: Iterable[str]) -> bool:
    if name in NOT_FIGURES:
        return False
    return name in ("partner", "workspace") or "partner_id" in columns


def current(session: Session, partner_id: int) -> int:
    """The partner's data version as the database has it now (0 for an unknown partner).
    A query, never the ORM's copy: another process may have changed it."""
    value = session.execute(sa.select(_PARTNER.c.data_version).where(_PARTNER.c.id == partner_id)).scalar()
    return int(value or 0)


def wrote(session: Session) -> bool:
    """True when this session changed figures in its open transaction (or has unflushed
    changes to them): its reads may include rows nobody else can see yet."""
    return bool(session.info.get(_WROTE)) or any(_figure_row(o) for o in (*session.new, *session.dirty,
                                                                             *session.deleted))


def bump(session: Session, partner_id: int | None) -> None:
    """Bump ``partner_id`` (``ALL``/None: every partner) in the session's transaction, once."""
    partner_id = ALL if partner_id is None else int(partner_id)
    session.info[_WROTE] = True
    done = session.info.setdefault(_BUMPED, set())
    if partner_id in done or ALL in done:
        return
    done.add(partner_id)
    stmt = sa.update(_PARTNER).values(data_version=new_version())
    if partner_id != ALL:
        stmt = stmt.where(_PARTNER.c.id == partner_id)
    # The connection, not session.execute: this must not go through do_orm_execute again.
    session.connection().execute(stmt)


def new_version() -> int:
    return secrets.randbits(62)


def _figure_row(obj) -> bool:
    table = getattr(type(obj), "__table__", None)
    return table is not None and is_figure_table(table.name, table.c.keys())


def _partner_of(obj) -> int | None:
    table = type(obj).__table__
    value = getattr(obj, "id" if table.name == "partner" else "partner_id", None)
    return None if value is None else int(value)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush_context, _instances) -> None:
    partners: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not _figure_row(obj):
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        pid = _partner_of(obj)
        if pid is None and type(obj).__table__.name == "partner":
            obj.data_version = new_version()  # a new partner (no id yet): its first version
            continue
        partners.add(ALL if pid is None else pid)
    for pid in sorted(partners):
        bump(session, pid)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None or not is_figure_table(table.name, table.c.keys()):
        return
    # Every query is scoped to one partner, so a statement naming none (an UPDATE by row id)
    # belongs to the partner this transaction already writes; failing that, to everyone.
    found = statement_partners(state, table.name) or set(state.session.info.get(_BUMPED, ())) or {ALL}
    for pid in sorted(found):
        bump(state.session, pid)


def statement_partners(state, table_name: str) -> set[int]:
    """The partner ids a DML statement names (its values, WHERE binds, executemany rows);
    for ``partner`` itself, its ``id`` s. Also what ``snapshot_totals`` marks by."""
    pattern = _ID_PARAM if table_name == "partner" else _PARTNER_PARAM
    found: set[int] = set()

    def take(params) -> None:
        for key, value in (params or {}).items():
            if not pattern.match(str(key)) or value is None:
                continue
            for item in value if isinstance(value, (list, tuple, set, frozenset)) else (value,):
                if isinstance(item, int):
                    found.add(item)

    parameters = state.parameters
    for params in parameters if isinstance(parameters, list) else [parameters]:
        take(params)
    if found:
        # The rows name their partners (bulk inserts of the ingest and the imports): no
        # need to compile the statement, which costs more than the write on that path.
        return found
    try:
        take(state.statement.compile().params)
    except sa.exc.SQLAlchemyError:
        return set()
    return found


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    # A savepoint's end may have undone its bump: the next write bumps again (harmless).
    session.info.pop(_BUMPED, None)
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
