"""Subscription import: the part of Partner Hub's subscription data the public API lacks
(renewal/end date, auto-renew, status, invoice, order history), from a CSV export.

The layout (header row, columns, values) is in ``subscription_rows.py`` and, for people,
in ``docs/IMPORT.md`` with an example file.

Every row is checked; when any is wrong nothing is imported and the error lists each
bad row by its line number in the file. Rows stream through in chunks, so a 100,000-row
file needs no more memory than a chunk. Rows upsert by (partner, subscription id,
product); the import is one audit event. Never commits: the caller owns the transaction.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from partnerhub_core import audit, auth
from partnerhub_core.auth import Actor, Permission
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import (
    Customer,
    OrderLine,
    Partner,
    Region,
    Subscription,
    SyncState,
    search_key,
)
from partnerhub_core.sources.subscription_rows import COLUMNS, Row, parse_row, records, subscription_values

log = logging.getLogger(__name__)

CHUNK = 1000  # rows per statement: within SQLite's bound-parameter limit
MAX_REPORTED = 50  # bad rows listed in the error; the count says how many in all


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportRejected(BadInput):
    """The file had bad rows; nothing was imported. ``errors`` lists every one."""

    def __init__(self, errors: list[RowError], rows: int, file_name: str):
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:MAX_REPORTED])
        more = len(errors) - MAX_REPORTED
        if more > 0:
            shown += f"\n… and {more} more"
        super().__init__(
            N_("{bad} of {rows} rows of {file} are wrong, so nothing was imported:\n{details}"),
            bad=len({e.line for e in errors}), rows=rows, file=file_name or "the file", details=shown,
        )


@dataclass
class ImportResult:
    rows: int = 0
    subscriptions_created: int = 0
    subscriptions_updated: int = 0
    customers_created: int = 0
    order_lines_added: int = 0
    ignored_columns: list[str] = field(default_factory=list)


def _repeats(row: Row, seen: dict[tuple[str, str], Row], orders: set[tuple[str, str, str]],
             names: dict[str, Row]) -> list[str]:
    """What a row contradicts in the rows before it: another name for the same org id, or
    the same subscription again (allowed only to add another order line, every other fact
    the same). Records the row when it is fine."""
    problems = []
    first = names.get(row.org_id)
    if row.customer_name and first is not None and first.customer_name != row.customer_name:
        problems.append(f"customer {row.org_id} is named \"{row.customer_name[:60]}\" here and "
                        f"\"{first.customer_name[:60]}\" on line {first.line}: one organization has one name")
    earlier = seen.get(row.key)
    if earlier is not None:
        again = row.order_ref and (*row.key, row.order_ref) not in orders
        if not again or earlier.subscription_facts() != row.subscription_facts():
            problems.append(f"subscription {row.subscription_id} ({row.product}) is already on line {earlier.line}")
    if problems:
        return problems
    if row.customer_name and first is None:
        names[row.org_id] = row
    seen.setdefault(row.key, row)
    if row.order_ref:
        orders.add((*row.key, row.order_ref))
    return []


# ---------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------
def _insert_many(session: Session, table, columns: tuple[str, ...], rows: list[tuple],
                 conflict: tuple[str, ...], update: tuple[str, ...] = (),
                 returning: tuple[str, ...] = ()) -> list[tuple]:
    """INSERT … ON CONFLICT of a whole chunk in one statement and one round trip.

    PostgreSQL gets one array per column (``SELECT * FROM unnest(…)``), SQLite a
    multi-row VALUES. Row-by-row statements made a 100,000-row import take minutes, and
    so did psycopg parsing a VALUES list with 13,000 placeholders. Rows must not repeat
    a conflict key. Returns the ``returning`` columns of the rows written."""
    if not rows:
        return []
    conn = session.connection()
    dialect = conn.dialect
    q = dialect.identifier_preparer.quote
    target = f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in columns)}) "
    tail = f" ON CONFLICT ({', '.join(q(c) for c in conflict)}) "
    tail += ("DO UPDATE SET " + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in update)) if update else "DO NOTHING"
    if returning:
        tail += " RETURNING " + ", ".join(q(c) for c in returning)
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{table.c[c].type.compile(dialect=dialect)}[]" for c in columns)
        params = tuple(list(col) for col in zip(*rows))
        result = conn.exec_driver_sql(f"{target}SELECT * FROM unnest({arrays}){tail}", params)
        return [tuple(r) for r in result] if returning else []
    one = "(" + ", ".join(["?"] * len(columns)) + ")"
    params = tuple(_sqlite_value(v) for row in rows for v in row)
    result = conn.exec_driver_sql(f"{target}VALUES {', '.join([one] * len(rows))}{tail}", params)
    return [tuple(r) for r in result] if returning else []


def _sqlite_value(value: Any) -> Any:
    # The text forms SQLAlchemy's SQLite types store, so that the ORM reads them back.
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write_chunk(session: Session, partner_id: int, rows: list[Row], customers: dict[str, list],
                 result: ImportResult, now: datetime, default_region: str, synced: set[str]) -> None:
    """Write one chunk. ``customers`` maps org id -> [id, name, region, external id] of the
    partner's customers and is kept current; ``synced`` holds the org ids a Webex sync
    listed, whose names come from Webex only."""
    as_of = now.date()
    ctable = Customer.__table__
    # Customers: create the new ones, then rename / re-region the known ones that changed.
    new = {}
    for row in rows:
        if row.org_id not in customers and row.org_id not in new:
            new[row.org_id] = row
    if new:
        created = _insert_many(
            session, ctable,
            ("partner_id", "org_id", "name", "name_key", "region", "region_assumed", "external_id", "managed_by",
             "added_on", "created_at"),
            [(partner_id, org, r.customer_name, search_key(r.customer_name), str(r.region or default_region),
              not r.region, r.external_id, None, r.start, now) for org, r in new.items()],
            conflict=("partner_id", "org_id"), returning=("id", "org_id", "name", "region", "external_id"))
        for cid, org, name, region, ext in created:
            customers[org] = [cid, name, region, ext]
        result.customers_created += len(created)
        raced = [org for org in new if org not in customers]  # created meanwhile by someone else
        if raced:
            for cid, org, name, region, ext in session.execute(
                    select(ctable.c.id, ctable.c.org_id, ctable.c.name, ctable.c.region, ctable.c.external_id)
                    .where(ctable.c.partner_id == partner_id, ctable.c.org_id.in_(raced))):
                customers[org] = [cid, name, region, ext]
    changed: dict[int, dict[str, Any]] = {}
    for row in rows:
        known = customers[row.org_id]
        # A name typed in a file names a customer until Webex does; after that the next
        # sync would rename it back, so the file's name is not used at all.
        name = row.customer_name if row.customer_name and row.org_id not in synced else known[1]
        region = row.region or known[2]
        ext = row.external_id or known[3]
        if [name, region, ext] != known[1:]:
            known[1:] = [name, region, ext]
            changed[known[0]] = dict(cid=known[0], name=name, name_key=search_key(name), region=region,
                                     external_id=ext)
    if changed:
        session.execute(ctable.update().where(ctable.c.id == bindparam("cid")).values(
            name=bindparam("name"), name_key=bindparam("name_key"), region=bindparam("region"),
            external_id=bindparam("external_id")), list(changed.values()))
    # A region typed in the file names the customer's region: it is no longer assumed.
    named = sorted({customers[r.org_id][0] for r in rows if r.region})
    if named:
        session.execute(ctable.update().where(ctable.c.id.in_(named), ctable.c.region_assumed.is_(True))
                        .values(region_assumed=False))

    # Subscriptions: upsert on (partner, subscription id, product); a subscription repeated
    # for another order line is written once per statement.
    table = Subscription.__table__
    once = list({r.key: r for r in reversed(rows)}.values())
    values = [subscription_values(partner_id, customers[r.org_id][0], r, as_of) for r in once]
    columns = tuple(values[0])
    key = ("partner_id", "subscription_id", "product")
    existing = _existing_keys(session, partner_id, [r.key for r in once])
    # A subscription written by an earlier chunk of this file is in ``existing`` by now.
    result.subscriptions_created += sum(1 for r in once if r.key not in existing)
    written = _insert_many(session, table, columns, [tuple(v.values()) for v in values], conflict=key,
                           update=tuple(c for c in columns if c not in key),
                           returning=("id", "subscription_id", "product"))

    # Order history: one line per (subscription, order ref), added once.
    with_orders = [r for r in rows if r.order_ref]
    if with_orders:
        pks = {(s, p): pk for pk, s, p in written}
        have = set(session.execute(select(OrderLine.subscription_pk, OrderLine.order_ref).where(
            OrderLine.partner_id == partner_id, OrderLine.subscription_pk.in_(list(pks.values())))).all())
        lines = []
        for r in with_orders:
            pk = pks[(r.subscription_id, r.product)]
            if (pk, r.order_ref) not in have:
                have.add((pk, r.order_ref))
                lines.append(dict(partner_id=partner_id, subscription_pk=pk, ordered_on=r.order_date,
                                  order_ref=r.order_ref, description=f"{r.product} × {r.order_quantity or r.licenses}",
                                  quantity=r.order_quantity or r.licenses))
        if lines:
            session.execute(OrderLine.__table__.insert(), lines)
            result.order_lines_added += len(lines)


def _existing_keys(session: Session, partner_id: int, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (subscription id, product) of a chunk the partner already has. Exact because
    imports of one partner run one at a time (``_one_import_at_a_time``)."""
    t = Subscription.__table__
    ids = sorted({k[0] for k in keys})
    found = session.execute(select(t.c.subscription_id, t.c.product).where(
        t.c.partner_id == partner_id, t.c.subscription_id.in_(ids))).all()
    return {(s, p) for s, p in found} & set(keys)


def _one_import_at_a_time(session: Session, partner_id: int) -> None:
    """Take the partner's row lock until the caller's transaction ends, before reading
    anything: a second import of the same partner waits here, then sees the first one's
    rows, so both cannot count the same 3,000 subscriptions as new. (PostgreSQL: the row
    lock; SQLite: this write takes the database's write lock, held to the commit.)"""
    p = Partner.__table__
    session.execute(update(p).where(p.c.id == partner_id).values(id=p.c.id))


def _synced_orgs(session: Session, partner_id: int) -> set[str]:
    """Org ids a Webex organizations sync has listed (one ``SyncState`` row each)."""
    return set(session.execute(select(SyncState.org_id).where(
        SyncState.partner_id == partner_id, SyncState.part == "organizations", SyncState.org_id != "")).scalars())


def import_subscriptions(
    *,
    session: Session,
    actor: Actor,
    source: str | Path | IO[bytes],
    now: datetime,
    file_name: str | None = None,
) -> ImportResult:
    """Import a subscription CSV (a path or a binary file object) for the actor's partner.

    Raises ``ImportRejected`` (a ``BadInput``) listing every bad row by line number, and
    ``BadInput`` for a file that is not UTF-8, empty or lacks required columns. Nothing
    is written unless every row is good — rows are written in chunks as they stream in
    and the caller's transaction is rolled back on any error. Never commits."""
    auth.require(actor, Permission.IMPORT_DATA)
    if isinstance(source, (str, Path)):
        file_name = file_name or Path(source).name
        with open(source, "rb") as raw:
            return import_subscriptions(session=session, actor=actor, source=raw, now=now, file_name=file_name)
    file_name = file_name or "the file"
    partner_id = actor.partner_id
    header, rows = records(source, file_name)
    _one_import_at_a_time(session, partner_id)
    result = ImportResult(ignored_columns=[h for h in header if h not in COLUMNS])
    synced = _synced_orgs(session, partner_id)
    customers = {org: [cid, name, region, ext] for cid, org, name, region, ext in session.execute(
        select(Customer.id, Customer.org_id, Customer.name, Customer.region, Customer.external_id)
        .where(Customer.partner_id == partner_id))}
    known = set(customers)
    partner = session.get(Partner, partner_id)
    # A new customer without a region column lands in the partner's default region.
    default_region = partner.default_region if partner and partner.default_region else Region.US
    seen: dict[tuple[str, str], Row] = {}
    orders: set[tuple[str, str, str]] = set()
    names: dict[str, Row] = {}  # org id -> the first row that names it
    errors: list[RowError] = []
    chunk: list[Row] = []
    for line, rec in rows:
        result.rows += 1
        row, problems = parse_row(line, rec, known)
        if row is not None:
            problems = _repeats(row, seen, orders, names)
            if problems:
                row = None
            else:
                known.add(row.org_id)
        errors.extend(RowError(line, p) for p in problems)
        if errors:
            chunk.clear()  # the import is lost anyway: just keep checking the rest
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK:
            _write_chunk(session, partner_id, chunk, customers, result, now, default_region, synced)
            chunk = []
    if errors:
        raise ImportRejected(errors, result.rows, file_name)
    if result.rows == 0:
        raise BadInput(N_("{file} has a header but no rows."), file=file_name)
    if chunk:
        _write_chunk(session, partner_id, chunk, customers, result, now, default_region, synced)
    result.subscriptions_updated = len(seen) - result.subscriptions_created
    audit.record(session, actor=actor, action="subscriptions.import", target_type="file",
                 target_id=file_name[:200], after={
                     "rows": result.rows, "subscriptions_created": result.subscriptions_created,
                     "subscriptions_updated": result.subscriptions_updated,
                     "customers_created": result.customers_created,
                     "order_lines_added": result.order_lines_added}, at=now)
    log.info("subscription import for partner %s: %d rows, %d new, %d updated, %d new customers",
             partner_id, result.rows, result.subscriptions_created, result.subscriptions_updated,
             result.customers_created)
    return result

