"""PostgreSQL's write of the bulk path: binary COPY straight into ``callrollup`` for the
days that have no rollup row of the partner yet, a staging table and one upsert for the
rest.

Why two ways: the upsert (``INSERT … SELECT … ON CONFLICT DO UPDATE``) costs per row a
write to the staging table, its scan, the conflict pre-check and a speculative insert.
Rows of a day nothing has written yet cannot conflict, so they go into the table as one
COPY (batched heap inserts, no staging): with time-ordered batches that is about half
of the rows (each batch starts a day the previous one did not reach). Whether a day is
new is read per day (one index probe each) after the ledger claim. Two ingests of one
partner do not interleave here: the ledger claim bumps the partner's data version
(``dataversion.py``), whose row lock makes the second wait for the first's commit, and
its checks then see the first's rows. Should a row of a "new" day appear all the same (a
writer that does not take that lock), the COPY fails on the unique key and its rows take
the upsert instead, inside a savepoint: the result is the same as if all had upserted.
"""
from __future__ import annotations

from itertools import chain

from partnerhub_core.calling.rollups import conflict_clause

_TEXTS = ("location_id", "location_name", "endpoint_type")
_STAGE = "call_rollup_stage"
_PG_EPOCH = 10_957  # days from 1970-01-01 to 2000-01-01, where PostgreSQL's dates count from
_INT4_MAX = 2**31 - 1
_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, no header extension


def copy_order(names: list[str]) -> list[str]:
    """The columns in the COPY stream's order: fixed-width first, the three texts last."""
    return [n for n in names if n not in _TEXTS] + [n for n in _TEXTS if n in names]


def binary_copy(columns: dict, names: list[str], encoding: str) -> bytes:
    """The rows as one binary COPY stream, built from numpy arrays (no Python per value).

    Binary COPY because it needs no escaping and no number formatting; the columns
    match ``callrollup``'s types exactly (int4, float8, date, varchar), so the stream goes
    into the table itself or a staging table made from it. The fixed-width columns are
    one structured array; each text column adds its values' length-prefixed bytes, made
    once per distinct value and joined per row. A sum too large for int4 is sent as int8
    so PostgreSQL refuses the batch (a DataError) instead of the value wrapping around."""
    import numpy as np
    import pandas as pd

    names = copy_order(names)
    fixed = [n for n in names if n not in _TEXTS]
    count = len(columns["day"])
    fields = [("n", ">i2")]
    kinds = {}
    for n in fixed:
        values = columns[n]
        if values.dtype.kind == "f":
            kinds[n] = ">f8"
        elif values.dtype.kind == "M" or not len(values) or int(values.max()) <= _INT4_MAX:
            kinds[n] = ">i4"
        else:
            kinds[n] = ">i8"
        fields += [(f"l_{n}", ">i4"), (f"v_{n}", kinds[n])]
    rows = np.empty(count, dtype=fields)
    rows["n"] = len(names)
    for n in fixed:
        rows[f"l_{n}"] = np.dtype(kinds[n]).itemsize
        values = columns[n]
        rows[f"v_{n}"] = values.astype(np.int64) - _PG_EPOCH if values.dtype.kind == "M" else values
    pieces = [rows.view(f"V{rows.dtype.itemsize}").tolist()]  # void, not bytes: keeps trailing zeros
    del rows
    for n in names[len(fixed):]:
        codes, uniques = pd.factorize(columns[n])
        encoded = [str(u).encode(encoding) for u in uniques]
        blobs = np.array([len(b).to_bytes(4, "big") + b for b in encoded] + [b"\xff\xff\xff\xff"], dtype=object)  # -1: NULL
        pieces.append(blobs[codes].tolist())
    return b"".join(chain((_HEADER,), chain.from_iterable(zip(*pieces)), (b"\xff\xff",)))


def pg_copy_upsert(connection, table: str, columns: dict) -> None:
    """Add the rows (one partner's, sorted by customer and day) to ``table``."""
    import numpy as np
    from psycopg import errors

    names = copy_order(list(columns))
    cursor = connection.connection.driver_connection.cursor()
    encoding = cursor.connection.info.encoding
    day = columns["day"]
    days = np.unique(day)
    present = np.array(_present_days(cursor, table, int(columns["partner_id"][0]), [d.item() for d in days]),
                       dtype="datetime64[D]")
    fresh = ~np.isin(day, present)
    if fresh.any():
        part = columns if fresh.all() else {n: a[fresh] for n, a in columns.items()}
        stream = binary_copy(part, names, encoding)
        cursor.execute("SAVEPOINT call_rollup_fresh")
        try:
            with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(stream)
        except (errors.UniqueViolation, errors.DeadlockDetected):
            # Another ingest wrote one of these days since we looked: add to its rows.
            cursor.execute("ROLLBACK TO SAVEPOINT call_rollup_fresh")
            fresh[:] = False
        cursor.execute("RELEASE SAVEPOINT call_rollup_fresh")
        del stream
    if not fresh.all():
        part = columns if not fresh.any() else {n: a[~fresh] for n, a in columns.items()}
        _staged_upsert(cursor, table, names, binary_copy(part, names, encoding))
    cursor.close()


def _present_days(cursor, table: str, partner_id: int, days: list) -> list:
    """Which of ``days`` already have a rollup row of the partner (an index probe each)."""
    cursor.execute(f"SELECT d FROM unnest(%s::date[]) d WHERE EXISTS "
                   f"(SELECT 1 FROM {table} r WHERE r.partner_id = %s AND r.day = d)", (days, partner_id))
    return [row[0] for row in cursor.fetchall()]


def _staged_upsert(cursor, table: str, names: list[str], stream: bytes) -> None:
    """COPY into a TEMP table of ``table``'s own column types (dropped with the
    transaction), then one INSERT … SELECT … ON CONFLICT."""
    columns = ", ".join(names)
    # One round trip for the set-up. The rows come sorted by customer and day
    # (``_bulk_rollups``); the ORDER BY keeps that order through the scan, in memory (at the
    # default 4 MB work_mem ~100,000 rows spilled to disk).
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_STAGE}; "
                   f"CREATE TEMP TABLE {_STAGE} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA; "
                   "SET LOCAL work_mem = '64MB'")
    with cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(stream)
    cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {_STAGE} "
                   f"ORDER BY customer_id, day {conflict_clause(table, 'excluded')}; DROP TABLE {_STAGE}")
