"""``LicenseWeekTotal`` kept equal to the sums of ``LicenseSnapshot`` in the writers' own
transaction (issue 19 item 8).

The unfiltered licence trend sums a partner's snapshots of 52 weeks: 31 M rows and ~9 s of
PostgreSQL at 100,000 customers. The weekly totals are read instead (a few hundred rows).
A derived table is only safe when no writer can forget it, so the upkeep is not left to
the writers; it follows every write the way ``dataversion.py`` does:

- every ORM flush that adds, changes or deletes a snapshot marks its (partner, week),
  the old week too when the week changed (``before_flush``);
- a flushed change of a subscription's product or partner, or the delete of a
  subscription or customer, marks the weeks that line's (customer's lines') snapshots
  are in, found when the totals are recomputed;
- every ``Session.execute`` INSERT on ``licensesnapshot`` marks the weeks its rows name
  (the bulk inserts of the demo partner and the factories), and any other DML on the
  snapshots, an UPDATE/DELETE of subscriptions, a DELETE of customers or of a partner
  (the purge) marks all weeks of the partners it names (every partner when it names
  none: correct, only slow);
- before the outermost transaction commits (``before_commit``; a savepoint's commit is
  not the end), the marked weeks are recomputed in two set-based statements: DELETE the
  partner's totals of those weeks, INSERT … SELECT the sums grouped by (week, product).
  A session that rolls back drops its marks with its writes (``after_transaction_end``).
- a reader in a session that marked weeks and has not committed yet (the tests' factories
  flush and read in one transaction) recomputes that partner's marks first (``settle``),
  so it reads its own writes the way the aggregate did.

Two writers of one partner do not recompute over each other: each took the partner's row
lock with its first snapshot write (``dataversion``'s bump), so the second one's recompute
runs after the first committed and, in READ COMMITTED, sees its snapshots and totals.

Not seen, like ``dataversion``: writes through the raw driver connection
(``session.connection().exec_driver_sql``, ``engine.raw_connection()``) and ``text()``
statements. Such a writer calls ``refresh_week_totals`` itself (``bench/generate.py``
after its COPY load). No writer of snapshots in ``partnerhub_core`` does that today: the
sync and the usage source write ORM objects, the demo and the factories ``session.execute``.

``licenseweektotal`` stays a figure table for ``dataversion`` (not in ``NOT_FIGURES``): the
recompute of a normal write runs in a transaction that already bumped the partner for its
snapshot writes (one ``UPDATE partner`` per transaction, so no extra cost), and a refresh
after raw writes (the bench load, ``bench`` backfilling a partner built before this table)
then bumps too, so cached trends computed before the table was right are not served.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from partnerhub_core.dataversion import statement_partners
from partnerhub_core.models.tenancy import Customer, LicenseSnapshot, Partner, Subscription
from partnerhub_core.models.totals import LicenseWeekTotal

_MARKS = "partnerhub_week_totals_marks"  # {partner id: set of weeks, or None for all weeks}
_LINES = "partnerhub_week_totals_lines"  # {partner id: (subscription pks, customer ids)}
ALL = -1  # "every partner": a write's partners could not be told

_LS = LicenseSnapshot.__table__
_SUB = Subscription.__table__
_TOTAL = LicenseWeekTotal.__table__


# ---------------------------------------------------------------------------------
# The recompute
# ---------------------------------------------------------------------------------
def refresh_week_totals(session: Session, partner_id: int | None, weeks: Iterable[date] | None = None) -> None:
    """Recompute the partner's weekly totals (``weeks``: those weeks only; None: all of
    them; ``partner_id`` None: every partner) from its snapshots, in the session's
    transaction. Set-based: one DELETE and one INSERT … SELECT, whatever the row count."""
    week_list = None if weeks is None else sorted(set(weeks))
    if week_list == []:
        return
    delete = sa.delete(_TOTAL)
    agg = (
        sa.select(_LS.c.partner_id, _LS.c.week_ending, _SUB.c.product, sa.func.sum(_LS.c.total),
                  sa.func.sum(_LS.c.assigned), sa.func.sum(_LS.c.used_7d), sa.func.count(_LS.c.used_7d),
                  sa.func.count())
        .select_from(_LS.join(_SUB, _SUB.c.id == _LS.c.subscription_pk))
        # A line counts for its own partner only, as in the trend's aggregate.
        .where(_SUB.c.partner_id == _LS.c.partner_id)
        .group_by(_LS.c.partner_id, _LS.c.week_ending, _SUB.c.product)
    )
    if partner_id is not None:
        delete = delete.where(_TOTAL.c.partner_id == partner_id)
        agg = agg.where(_LS.c.partner_id == partner_id, _SUB.c.partner_id == partner_id)
    if week_list is not None:
        delete = delete.where(_TOTAL.c.week_ending.in_(week_list))
        agg = agg.where(_LS.c.week_ending.in_(week_list))
    # session.execute: the session's transaction, and dataversion sees the write (see above).
    session.execute(delete)
    session.execute(sa.insert(_TOTAL).from_select(
        ["partner_id", "week_ending", "product", "total", "assigned", "used_7d", "used_known", "lines"], agg))


def settle(session: Session, partner_id: int | None = None) -> None:
    """Recompute what this session marked (only ``partner_id``'s marks when given), so that
    the totals equal its snapshots as this transaction sees them."""
    marks: dict = session.info.get(_MARKS) or {}
    lines: dict = session.info.get(_LINES) or {}
    if not marks and not lines:
        return
    if partner_id is not None and ALL not in marks and ALL not in lines:
        if partner_id not in marks and partner_id not in lines:
            return
        todo = [partner_id]
    else:
        todo = sorted(set(marks) | set(lines))
    if ALL in todo:
        # Every partner, every week: one pass over everything, and nothing else is left.
        session.info.pop(_MARKS, None)
        session.info.pop(_LINES, None)
        refresh_week_totals(session, None)
        return
    for pid in todo:
        weeks = marks.pop(pid, set())
        pks, cids = lines.pop(pid, (set(), set()))
        if weeks is not None and (pks or cids):
            weeks = weeks | _weeks_of_lines(session, pid, pks, cids)
        refresh_week_totals(session, pid, weeks)


def _weeks_of_lines(session: Session, partner_id: int, pks: set[int], cids: set[int]) -> set[date]:
    """The weeks the snapshots of these lines (or of these customers' lines) are in. Read
    after the flush: a changed line's snapshots are still there (a deleted snapshot marked
    its own week when it went)."""
    cond = []
    if pks:
        cond.append(_LS.c.subscription_pk.in_(sorted(pks)))
    if cids:
        cond.append(_LS.c.subscription_pk.in_(
            sa.select(_SUB.c.id).where(_SUB.c.partner_id == partner_id, _SUB.c.customer_id.in_(sorted(cids)))))
    stmt = sa.select(_LS.c.week_ending).where(_LS.c.partner_id == partner_id, sa.or_(*cond)).distinct()
    return set(session.connection().execute(stmt).scalars())


# ---------------------------------------------------------------------------------
# Marking
# ---------------------------------------------------------------------------------
def mark(session: Session, partner_id: int | None, weeks: Iterable[date] | None = None) -> None:
    """Mark weeks of a partner (``weeks`` None: all of them; ``partner_id`` None: every
    partner) for the recompute before this session's transaction commits."""
    marks = session.info.setdefault(_MARKS, {})
    pid = ALL if partner_id is None else int(partner_id)
    if weeks is None:
        marks[pid] = None
    elif marks.get(pid, set()) is not None:
        marks.setdefault(pid, set()).update(weeks)


def _mark_line(session: Session, partner_id: int | None, pk: int | None = None, customer: int | None = None) -> None:
    if partner_id is None:
        mark(session, None)
        return
    pks, cids = session.info.setdefault(_LINES, {}).setdefault(int(partner_id), (set(), set()))
    if pk is not None:
        pks.add(int(pk))
    if customer is not None:
        cids.add(int(customer))


def _old_and_new(obj, name: str) -> tuple[list, bool]:
    """The attribute's values before and after this flush; False when the old one is unknown
    (changed without ever being loaded)."""
    state = sa.inspect(obj)
    values = [getattr(obj, name)]
    if not state.persistent:  # a new row: its history is its first value, no old one
        return values, True
    hist = state.attrs[name].history
    if hist.has_changes():
        if not hist.deleted:
            return values, False
        values += list(hist.deleted)
    return values, True


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush_context, _instances) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, LicenseSnapshot):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            partners, p_known = _old_and_new(obj, "partner_id")
            weeks, w_known = _old_and_new(obj, "week_ending")
            for pid in partners:
                mark(session, pid, [w for w in weeks if w is not None] if w_known and p_known else None)
        elif isinstance(obj, Subscription) and obj.id is not None:
            if obj in session.dirty and not _changed(obj, ("product", "partner_id")):
                continue
            partners, known = _old_and_new(obj, "partner_id")
            for pid in partners:
                if known:
                    _mark_line(session, pid, pk=obj.id)
                else:
                    mark(session, pid)
        elif isinstance(obj, Customer) and obj in session.deleted:
            _mark_line(session, obj.partner_id, customer=obj.id)
        elif isinstance(obj, Partner) and obj in session.deleted:
            mark(session, obj.id)


def _changed(obj, names: tuple[str, ...]) -> bool:
    attrs = sa.inspect(obj).attrs
    return any(attrs[n].history.has_changes() for n in names)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name == "licensesnapshot":
        weeks = _inserted_weeks(state) if state.is_insert else None
        for pid in _partners(state, name):
            mark(state.session, pid, weeks)
    elif (name == "subscription" and not state.is_insert) or (name == "customer" and state.is_delete):
        # An UPDATE may change which product a line is; a DELETE removes lines (or the
        # customers they belong to). A new line has no snapshots: INSERT is left alone.
        if name == "subscription" and state.is_update and not _sets_any(state, ("product", "partner_id")):
            return
        for pid in _partners(state, name):
            mark(state.session, pid)
    elif name == "partner" and state.is_delete:
        for pid in _partners(state, name):
            mark(state.session, pid)


def _rows(state) -> list[dict]:
    params = state.parameters
    return [p or {} for p in (params if isinstance(params, list) else [params])]


def _partners(state, table_name: str) -> list[int | None]:
    """The partner ids the statement names, as ``dataversion`` reads them; [None] for none."""
    return sorted(statement_partners(state, table_name)) or [None]


def _inserted_weeks(state) -> set[date] | None:
    """The weeks of an INSERT's rows when every row names its week; None (all weeks) else."""
    rows = _rows(state)
    if rows == [{}]:  # values on the statement itself (or INSERT … SELECT)
        try:
            rows = [state.statement.compile().params]
        except sa.exc.SQLAlchemyError:
            return None
    weeks = set()
    for row in rows:
        week = row.get("week_ending")
        if not isinstance(week, date):
            return None
        weeks.add(week)
    return weeks


def _sets_any(state, names: tuple[str, ...]) -> bool:
    """Whether an UPDATE may set one of the columns (True when it cannot be told)."""
    values = getattr(state.statement, "_values", None)
    keys = {getattr(k, "key", k) for k in values} if values else set()
    for row in _rows(state):
        keys |= set(row)
    if not keys:
        return True
    return any(str(k) in names for k in keys)


# ---------------------------------------------------------------------------------
# Transaction boundaries
# ---------------------------------------------------------------------------------
@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # Fired for a savepoint's commit too: only the outermost commit settles, once.
    if session.in_nested_transaction():
        return
    if not (session.info.get(_MARKS) or session.info.get(_LINES) or session.new or session.dirty
            or session.deleted):
        return
    # The commit flushes after this event: flush first so this flush's writes are marked.
    session.flush()
    settle(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    # The outermost transaction ended (committed, so settled; or rolled back, so its writes
    # are gone): its marks go with it. A rolled-back savepoint keeps the marks it made, so
    # those weeks are recomputed needlessly but correctly.
    if transaction.parent is None:
        session.info.pop(_MARKS, None)
        session.info.pop(_LINES, None)
