"""Subscription import: the part of Partner Hub's subscription data the public API lacks
(renewal/end date, auto-renew, status, invoice, order history), from a CSV export.

Layout (header row required; column names are case-insensitive, spaces and hyphens count
as underscores, order is free, unknown columns are ignored; comma or semicolon separated;
UTF-8 with or without BOM):

| column | required | value |
|---|---|---|
| customer_org_id | yes | the customer's Webex organization id |
| customer_name | for a new customer | the customer's name |
| subscription_id | yes | Webex subscription id (or trial id) |
| product | yes | meetings, calling, messaging, webinars, contact_center, real_time_translations |
| licenses | yes | whole number ≥ 0 |
| start_date | yes | YYYY-MM-DD |
| end_date | no | YYYY-MM-DD, not before start_date (renewal date; end of a trial) |
| auto_renew | no | yes/no, true/false, 1/0 (default no) |
| status | yes | active, trial, pending, suspended, cancelled |
| invoice | no | invoice reference |
| region | no | US, CA, EU, UAE (the customer's data region; default: the partner's) |
| external_id | no | wholesale external id of the customer |
| order_ref, order_date, order_quantity | no | one order-history line (order_ref needs order_date) |

Every row is checked; when any is wrong nothing is imported and the error lists each
bad row by its line number in the file. Rows stream through in chunks, so a 100,000-row
file needs no more memory than a chunk. Rows upsert by (partner, subscription id,
product); the import is one audit event. Never commits: the caller owns the transaction.
"""
from __future__ import annotations

import codecs
import csv
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from partnerhub_core import audit, auth
from partnerhub_core.auth import Actor, Permission
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import (
    Customer,
    ManagedBy,
    OrderLine,
    Partner,
    PaymentState,
    Product,
    ProvisioningState,
    Region,
    Subscription,
    search_key,
)

log = logging.getLogger(__name__)

COLUMNS = ("customer_org_id", "customer_name", "subscription_id", "product", "licenses", "start_date",
           "end_date", "auto_renew", "status", "invoice", "region", "external_id",
           "order_ref", "order_date", "order_quantity")
REQUIRED = ("customer_org_id", "subscription_id", "product", "licenses", "start_date", "status")
STATUSES = ("active", "trial", "pending", "suspended", "cancelled")
CHUNK = 1000  # rows per statement: within SQLite's bound-parameter limit
MAX_REPORTED = 50  # bad rows listed in the error; the count says how many in all

_PRODUCT_WORDS = {
    **{p.value: p for p in Product},
    "meeting": Product.MEETINGS, "webex meetings": Product.MEETINGS,
    "webex calling": Product.CALLING, "webex messaging": Product.MESSAGING,
    "webinar": Product.WEBINARS, "webex webinars": Product.WEBINARS,
    "contact center": Product.CONTACT_CENTER, "webex contact center": Product.CONTACT_CENTER,
    "real time translations": Product.REAL_TIME_TRANSLATIONS,
    "real-time translations": Product.REAL_TIME_TRANSLATIONS,
}
_YES = {"yes", "y", "true", "1", "sim", "si", "sí"}
_NO = {"no", "n", "false", "0", "não", "nao", ""}


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


@dataclass
class _Row:
    line: int
    org_id: str
    customer_name: str
    subscription_id: str
    product: str
    licenses: int
    start: date
    end: date | None
    auto_renew: bool
    status: str
    invoice: str | None
    region: str | None
    external_id: str | None
    order_ref: str | None
    order_date: date | None
    order_quantity: int


# ---------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------
def _norm_header(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _text_lines(raw: IO[bytes], file_name: str) -> Iterator[str]:
    """The file's lines as text, decoded one by one so that a Latin-1 (or other non-UTF-8)
    byte is reported on its own line. A UTF-8 BOM at the start is dropped."""
    for number, line in enumerate(raw, start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8):]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(N_("{file} is not UTF-8 text: line {line} holds bytes of another encoding "
                              "(Latin-1?). Save it as \"CSV UTF-8\" and import it again."),
                           file=file_name, line=number) from None


def _records(raw: IO[bytes], file_name: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """(normalised header, iterator of (line number, row dict)). Raises BadInput for a file
    that is not UTF-8 or has no header."""
    text = _text_lines(raw, file_name)
    first = next(text, "")
    if not first.strip():
        raise BadInput(N_("{file} is empty: the first line must name the columns."), file=file_name or "The file")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [_norm_header(h) for h in next(csv.reader([first], delimiter=delimiter))]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BadInput(N_("{file} lacks the column(s) {missing}. Expected columns: {expected}."),
                       file=file_name or "The file", missing=", ".join(missing), expected=", ".join(COLUMNS))
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise BadInput(N_("{file} names the column(s) {columns} twice."), file=file_name or "The file",
                       columns=", ".join(dupes))

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(text, delimiter=delimiter)
        line = 1  # the header
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise BadInput(N_("{file}, line {line}: the CSV cannot be read ({error})."),
                               file=file_name or "The file", line=line + reader.line_num, error=str(exc)) from None
            start = line + 1
            line = 1 + reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines (Excel leaves some at the end)
            if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                yield start, {"__extra__": "x"}
                continue
            yield start, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}

    return header, rows()


def _date(value: str, column: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{column} \"{value[:40]}\" is not a date (YYYY-MM-DD)")
        return None


def _parse_row(line: int, rec: dict[str, str], known_orgs: set[str]) -> tuple[_Row | None, list[str]]:
    if "__extra__" in rec:
        return None, ["more values than columns (a comma inside a value needs quotes)"]
    errors: list[str] = []
    for column in REQUIRED:
        if not rec.get(column):
            errors.append(f"{column} is empty")
    org = rec.get("customer_org_id", "")
    name = rec.get("customer_name", "")
    if org and org not in known_orgs and not name:
        errors.append("customer_name is needed for a customer partnerhub does not know yet")
    if len(org) > 200 or len(rec.get("subscription_id", "")) > 200 or len(name) > 300:
        errors.append("a value is too long (ids: 200 characters, names: 300)")
    product = None
    if rec.get("product"):
        product = _PRODUCT_WORDS.get(" ".join(rec["product"].lower().replace("_", " ").split())) or \
            _PRODUCT_WORDS.get(rec["product"].lower())
        if product is None:
            errors.append(f"product \"{rec['product'][:40]}\" is not one of {', '.join(p.value for p in Product)}")
    licenses = 0
    if rec.get("licenses"):
        if rec["licenses"].isdigit():
            licenses = int(rec["licenses"])
        else:
            errors.append(f"licenses \"{rec['licenses'][:20]}\" is not a whole number ≥ 0")
    start = _date(rec.get("start_date", ""), "start_date", errors)
    end = _date(rec.get("end_date", ""), "end_date", errors)
    if start and end and end < start:
        errors.append("end_date is before start_date")
    renew_text = rec.get("auto_renew", "").lower()
    if renew_text not in _YES | _NO:
        errors.append(f"auto_renew \"{rec.get('auto_renew', '')[:20]}\" is not yes or no")
    status = rec.get("status", "").lower()
    if status and status not in STATUSES:
        errors.append(f"status \"{rec['status'][:20]}\" is not one of {', '.join(STATUSES)}")
    region = rec.get("region", "").upper() or None
    if region and region not in {r.value for r in Region}:
        errors.append(f"region \"{rec['region'][:20]}\" is not one of {', '.join(r.value for r in Region)}")
    order_ref = rec.get("order_ref") or None
    order_date = _date(rec.get("order_date", ""), "order_date", errors)
    quantity = 0
    if rec.get("order_quantity"):
        if rec["order_quantity"].isdigit():
            quantity = int(rec["order_quantity"])
        else:
            errors.append(f"order_quantity \"{rec['order_quantity'][:20]}\" is not a whole number ≥ 0")
    if order_ref and order_date is None and not rec.get("order_date"):
        errors.append("order_ref needs an order_date")
    if errors:
        return None, errors
    return _Row(
        line=line, org_id=org, customer_name=name[:300], subscription_id=rec["subscription_id"],
        product=product.value, licenses=licenses, start=start, end=end, auto_renew=renew_text in _YES,
        status=status, invoice=(rec.get("invoice") or None), region=region,
        external_id=rec.get("external_id") or None, order_ref=order_ref and order_ref[:100],
        order_date=order_date, order_quantity=quantity,
    ), []


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


def _subscription_values(partner_id: int, customer_id: int, row: _Row, as_of: date) -> dict[str, Any]:
    return dict(
        partner_id=partner_id, customer_id=customer_id, subscription_id=row.subscription_id,
        product=row.product, total_licenses=row.licenses, start_date=row.start, end_date=row.end,
        auto_renew=row.auto_renew, is_trial=row.status == "trial",
        provisioning_state=ProvisioningState.PENDING_SETUP if row.status == "pending" else ProvisioningState.PROVISIONED,
        payment_state=PaymentState.UNPAID if row.status == "suspended" else PaymentState.PAID,
        invoice_ref=row.invoice and row.invoice[:100],
        cancelled_on=(row.end or as_of) if row.status == "cancelled" else None,
    )


def _write_chunk(session: Session, partner_id: int, rows: list[_Row], customers: dict[str, list],
                 result: ImportResult, now: datetime, default_region: str) -> None:
    """Write one chunk. ``customers`` maps org id -> [id, name, region, external id] of the
    partner's customers and is kept current."""
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
            ("partner_id", "org_id", "name", "name_key", "region", "external_id", "managed_by", "added_on",
             "created_at"),
            [(partner_id, org, r.customer_name, search_key(r.customer_name), str(r.region or default_region),
              r.external_id, str(ManagedBy.EXTERNAL_ADMIN), r.start, now) for org, r in new.items()],
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
        name = row.customer_name or known[1]
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

    # Subscriptions: upsert on (partner, subscription id, product).
    table = Subscription.__table__
    values = [_subscription_values(partner_id, customers[r.org_id][0], r, as_of) for r in rows]
    columns = tuple(values[0])
    key = ("partner_id", "subscription_id", "product")
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


def _subscription_count(session: Session, partner_id: int) -> int:
    return session.execute(select(func.count()).select_from(Subscription.__table__).where(
        Subscription.__table__.c.partner_id == partner_id)).scalar_one()


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
    header, records = _records(source, file_name)
    result = ImportResult(ignored_columns=[h for h in header if h not in COLUMNS])
    customers = {org: [cid, name, region, ext] for cid, org, name, region, ext in session.execute(
        select(Customer.id, Customer.org_id, Customer.name, Customer.region, Customer.external_id)
        .where(Customer.partner_id == partner_id))}
    known = set(customers)
    partner = session.get(Partner, partner_id)
    # A new customer without a region column lands in the partner's default region.
    default_region = partner.default_region if partner and partner.default_region else Region.US
    before = _subscription_count(session, partner_id)
    seen: dict[tuple[str, str], int] = {}
    errors: list[RowError] = []
    chunk: list[_Row] = []
    for line, rec in records:
        result.rows += 1
        row, problems = _parse_row(line, rec, known)
        if row is not None:
            key = (row.subscription_id, row.product)
            if key in seen:
                problems = [f"subscription {row.subscription_id} ({row.product}) is already on line {seen[key]}"]
                row = None
            else:
                seen[key] = line
                known.add(row.org_id)
        errors.extend(RowError(line, p) for p in problems)
        if errors:
            chunk.clear()  # the import is lost anyway: just keep checking the rest
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK:
            _write_chunk(session, partner_id, chunk, customers, result, now, default_region)
            chunk = []
    if errors:
        raise ImportRejected(errors, result.rows, file_name)
    if result.rows == 0:
        raise BadInput(N_("{file} has a header but no rows."), file=file_name)
    if chunk:
        _write_chunk(session, partner_id, chunk, customers, result, now, default_region)
    # Rows never repeat a subscription, so what the count grew by is what was new.
    result.subscriptions_created = _subscription_count(session, partner_id) - before
    result.subscriptions_updated = result.rows - result.subscriptions_created
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

