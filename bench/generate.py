"""A large partner for the benchmarks: 20,000 customers, 60,000 subscriptions, 104 weeks of
license history, 200,000 devices and 200,000 numbers (call legs are made by the ingest
benchmark itself, in memory).

Rows go in through the raw driver in bulk (sqlite3 ``executemany``; psycopg ``COPY``) —
the ORM would spend minutes on millions of snapshot rows. Deterministic (numpy seed).
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import numpy as np
from sqlmodel import SQLModel

from partnerhub_core.db import make_engine
from partnerhub_core.models import search_key
from partnerhub_core.timeutil import last_completed_week_ending

REGIONS = ["US", "CA", "EU", "UAE"]
PRODUCTS = ["meetings", "calling", "messaging"]
CITIES = ["São Paulo", "Bogotá", "Zürich", "Montréal", "Dubai", "Austin", "Lisboa", "Medellín",
          "Curitiba", "Toronto", "Madrid", "Abu Dhabi", "Denver", "Porto", "Córdoba", "Lyon"]
# The tables the generator fills, in load order (a built partner is reused while their
# schema and this file are unchanged: bench/__main__.py's stamp).
GENERATED = ["partner", "workspace", "partneradmin", "customer", "subscription", "licensesnapshot", "tag",
             "customertag", "location", "device", "phonenumber", "callrollup"]
KINDS = ["Logística", "Clínica", "Advogados", "Consulting", "Retail", "Bank", "Escola", "Hotel",
         "Labs", "Foods", "Energia", "Transportes", "Media", "Seguros", "Tech", "Partners"]


def build_large_partner(url: str, *, customers: int = 20_000, weeks: int = 104, as_of: date,
                        devices: int = 200_000, numbers: int = 200_000, seed: int = 42,
                        log=print) -> int:
    """Create every table (dropping old ones) and fill them. Returns the partner id."""
    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    now = datetime.combine(as_of, datetime.min.time(), tzinfo=timezone.utc)
    pid = 1
    t0 = time.perf_counter()
    rows: dict[str, tuple[list[str], list[tuple]]] = {}

    rows["partner"] = (["id", "name", "webex_org_id", "default_language", "default_region", "created_at"],
                       [(pid, "Large Distributor", "org-large", "en", None, now)])
    rows["workspace"] = (["id", "partner_id", "team_id", "enterprise_id", "default_language", "default_region",
                          "linked_at", "linked_by"], [(1, pid, "TBENCH", "", "en", None, now, "UBENCH")])
    admin_rows = []
    roles = ["full_admin", "admin", "sales_admin", "read_only"]
    for i in range(40):
        admin_rows.append((i + 1, pid, f"Admin {i}", f"admin{i}@large.example", None, f"UB{i:05d}",
                           roles[i % 4], i % 4 == 0, None, now))
    rows["partneradmin"] = (["id", "partner_id", "display_name", "email", "webex_person_id", "slack_user_id",
                             "role", "all_customers", "language", "created_at"], admin_rows)

    # Customers
    region = rng.choice(4, customers, p=[0.55, 0.1, 0.25, 0.1])
    added = rng.integers(0, 1500, customers)
    signin = rng.integers(0, 120, customers)
    cust = []
    for i in range(customers):
        name = f"{KINDS[i % 16]} {CITIES[(i // 16) % 16]} {i}"
        cust.append((i + 1, pid, f"org-{i:06d}", name, search_key(name), REGIONS[region[i]],
                     f"ext-{i}" if i % 7 == 0 else None, "partner_org" if i % 11 == 0 else "external_admin",
                     now - timedelta(days=int(signin[i])), as_of - timedelta(days=int(added[i])), now))
    rows["customer"] = (["id", "partner_id", "org_id", "name", "name_key", "region", "external_id", "managed_by",
                         "last_admin_sign_in", "added_on", "created_at"], cust)

    # Subscriptions: three per customer on average (meetings, calling, messaging)
    subs = []
    sub_total = []
    sid = 0
    for i in range(customers):
        for product in PRODUCTS:
            sid += 1
            trial = (i + len(product)) % 13 == 0
            start = as_of - timedelta(days=int(added[i]))
            end = as_of + timedelta(days=int(rng.integers(-30, 400)))
            total = int(rng.integers(5, 500))
            sub_total.append(total)
            subs.append((sid, pid, i + 1, f"Sub{i:06d}{product[:2].upper()}", trial, product, total, start, end,
                         (i % 3) != 0, "pending_setup" if i % 97 == 0 else "provisioned",
                         "unpaid" if i % 89 == 0 else "paid", f"INV-{i:06d}", None))
    rows["subscription"] = (["id", "partner_id", "customer_id", "subscription_id", "is_trial", "product",
                             "total_licenses", "start_date", "end_date", "auto_renew", "provisioning_state",
                             "payment_state", "invoice_ref", "cancelled_on"], subs)

    # Weekly snapshots: weeks x subscriptions
    last_week = last_completed_week_ending(as_of)
    totals = np.array(sub_total)
    assign_ratio = np.clip(rng.normal(0.75, 0.25, len(subs)), 0.02, 1.3)
    n_subs = len(subs)

    def snapshots():
        # Streamed week by week: 6 million tuples held at once would cost gigabytes.
        for w in range(weeks):
            week = last_week - timedelta(days=7 * (weeks - 1 - w))
            growth = 0.6 + 0.4 * (w + 1) / weeks
            assigned = np.maximum(0, (totals * assign_ratio * growth).astype(int)).tolist()
            used7 = [int(a * 0.7) for a in assigned]
            used90 = [int(a * 0.85) for a in assigned]
            base = w * n_subs
            tot = totals.tolist()
            yield from zip(range(base + 1, base + n_subs + 1), [pid] * n_subs, range(1, n_subs + 1),
                           [week] * n_subs, tot, assigned, used7, used90)

    rows["licensesnapshot"] = (["id", "partner_id", "subscription_pk", "week_ending", "total", "assigned",
                                "used_7d", "used_90d"], snapshots())

    # Tags
    tags = [(i + 1, pid, f"tag-{i}", f"tag-{i}", "", now) for i in range(50)]
    rows["tag"] = (["id", "partner_id", "name", "name_key", "description", "created_at"], tags)
    rows["customertag"] = (["customer_id", "tag_id", "partner_id"],
                           [(i + 1, (i % 50) + 1, pid) for i in range(0, customers, 2)])

    # Locations, devices, numbers
    locs = [(i + 1, pid, i + 1, f"loc-{i:06d}", f"HQ {i}", "US", f"{i} Main St") for i in range(customers)]
    rows["location"] = (["id", "partner_id", "customer_id", "location_id", "name", "country", "address"], locs)
    dev = []
    for k in range(devices):
        c = k % customers
        dev.append((k + 1, pid, c + 1, f"dev-{k:07d}", f"loc-{c:06d}", "Cisco 8851",
                    f"{k:012X}", "sip88xx.14-2-1", f"+1555{k:07d}", f"{1000 + k % 9000}",
                    f"user{k}@c{c}.example", f"uuid-{k}"))
    rows["device"] = (["id", "partner_id", "customer_id", "device_id", "location_id", "product", "mac", "firmware",
                       "phone_number", "extension", "user_id", "user_uuid"], dev)
    num = []
    for k in range(numbers):
        c = k % customers
        num.append((k + 1, pid, c + 1, f"+1666{k:07d}", f"loc-{c:06d}", f"+1666{k:07d}", f"{2000 + k % 7000}",
                    "Cisco PSTN", k % 10 != 0, "People" if k % 5 else "Auto Attendant",
                    "Primary" if k % 5 else "", f"user{k}@c{c}.example", f"uuid-n{k}"))
    rows["phonenumber"] = (["id", "partner_id", "customer_id", "number_key", "location_id", "phone_number",
                            "extension", "pstn_connection", "active", "user_type", "number_type", "user_id",
                            "user_uuid"], num)
    # Calling rollups: nine weeks of one weekly row per customer (a day in each week), with
    # queues, so the spike alert has a baseline; every 400th customer spikes last week.
    from partnerhub_core.models import CallRollup

    roll_cols = [c.name for c in CallRollup.__table__.columns]

    def rollups():
        rid = 0
        for w in range(9):
            for row in week_rollups(customers, week=last_week - timedelta(days=7 * (8 - w)), last=w == 8,
                                    pid=pid):
                rid += 1
                row["id"] = rid
                yield tuple(row[c] for c in roll_cols)

    rows["callrollup"] = (roll_cols, rollups())
    log(f"generated rows in {time.perf_counter() - t0:.1f}s; loading")

    order = GENERATED
    for table in order:
        rows[table] = _with_defaults(table, *rows[table])
    t1 = time.perf_counter()
    if url.startswith("sqlite"):
        _load_sqlite(engine, order, rows)
    else:
        _load_postgres(engine, order, rows)
    log(f"loaded in {time.perf_counter() - t1:.1f}s")
    engine.dispose()
    return pid


def _with_defaults(table: str, cols: list[str], data):
    """Add the model's scalar default for every NOT NULL column the generator does not name,
    so a new column with a default does not break the build (raw inserts skip the ORM)."""
    extra, values = [], []
    for col in SQLModel.metadata.tables[table].columns:
        if col.name in cols or col.nullable or col.primary_key:
            continue
        default = col.default.arg if col.default is not None and col.default.is_scalar else None
        if default is None:
            continue
        extra.append(col.name)
        values.append(default)
    if not extra:
        return cols, data
    tail = tuple(values)
    return cols + extra, (tuple(r) + tail for r in data)


def _load_sqlite(engine, order, rows):
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        for table in order:
            cols, data = rows[table]
            sql = f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
            for chunk in _chunks(data, 50_000):
                if any(isinstance(v, datetime) for v in chunk[0]):
                    chunk = [tuple(_sqlite_value(v) for v in r) for r in chunk]
                cur.executemany(sql, chunk)
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sqlite_value(v):
    # Match what SQLAlchemy stores for these types on SQLite.
    if isinstance(v, datetime):
        return v.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return v


def _load_postgres(engine, order, rows):
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for table in order:
            cols, data = rows[table]
            with cur.copy(f'COPY "{table}" ({", ".join(cols)}) FROM STDIN') as copy:
                for r in data:
                    copy.write_row(r)
        for table in order:
            if "id" in rows[table][0]:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def week_rollups(customers: int, *, week: date, last: bool = True, pid: int = 1) -> list[dict]:
    """The generator's calling rollups of one week (ending ``week``): one row per customer;
    ``last`` makes every 400th customer's queue spike."""
    from partnerhub_core.models import CallRollup

    base = {c.name: 0 for c in CallRollup.__table__.columns if c.name != "id"}
    day = week - timedelta(days=2)
    out = []
    for i in range(customers):
        queue = 40 + (i % 60)
        spike = last and i % 400 == 0
        out.append(dict(base, partner_id=pid, customer_id=i + 1, day=day, week_ending=week,
                        location_id=f"loc-{i:06d}", location_name=f"HQ {i}", endpoint_type="desk_phone",
                        calls=200 + i % 300, legs=380 + i % 500, legs_with_media=300, poor_legs=i % 9,
                        audio_legs=350, video_legs=30, duration_s=60_000, video_s=5_000,
                        queue_calls=queue, queue_answered=queue - 6 - (25 if spike else 0),
                        queue_abandoned=4 + (25 if spike else 0), queue_timed_out=1, queue_overflowed=1,
                        queue_answer_wait_s=queue * 20, queue_abandon_wait_s=4 * 45))
    return out


if __name__ == "__main__":  # pragma: no cover
    import sys

    build_large_partner(sys.argv[1], as_of=date(2026, 11, 25),
                        customers=int(sys.argv[2]) if len(sys.argv) > 2 else 20_000)
