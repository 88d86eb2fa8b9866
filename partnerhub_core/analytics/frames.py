"""Reading a Core select into a DataFrame column-wise, in chunks (``_frame``): what every
analytics loader in ``common`` (and the calling and alert loaders) builds its frames with."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session

from partnerhub_core.lazy import lazy_module

pd = lazy_module("pandas")  # imported on first use, like common's


def _frame(session: Session, stmt, columns: list[str], dates: Iterable[str] = (),
           instants: Iterable[str] = (), *, stream: bool = False, packed: bool = False) -> pd.DataFrame:
    """Run a Core select on the session's connection and build the frame column by column.

    The driver's plain tuples are read straight from the DBAPI cursor: SQLAlchemy's ``Row``
    objects cost more than the query itself at 100k rows. The few columns whose type
    converts values (booleans on SQLite) get SQLAlchemy's own result processor, so every
    value is what ``Row`` would have held and the frame's dtypes are unchanged.

    ``dates`` / ``instants`` name columns selected with ``_raw`` (no per-value conversion
    by SQLAlchemy: SQLite returns ISO text, PostgreSQL date objects) that are turned into
    datetime64 here in one vectorized step (instants in UTC, without time zone).

    ``stream``: a plain read of many rows (a partner's customers, lines, snapshots). On
    PostgreSQL it goes through a server-side cursor, so the driver holds one chunk, not the
    whole result. Not for aggregates: PostgreSQL plans a cursor for its first rows and
    without parallel workers (the licence trend took minutes instead of seconds).

    ``packed``: on PostgreSQL, the rows come as one array per column (``_packed``), not as
    a tuple per row: a partner's snapshots and lines are read in a fifth of the time.
    """
    conn = session.connection()
    df = _packed(conn, stmt, columns) if packed else None
    if df is not None:
        return _with_datetimes(df, dates, instants)
    options = {"stream_results": True, "max_row_buffer": FETCH_ROWS} if stream else {}
    result = conn.execute(stmt, execution_options=options)
    processors = _processors(stmt, conn.dialect, result.cursor.description)
    parts = []
    try:
        # In chunks: a whole result's tuples at once held hundreds of MB at 100,000 customers
        # (and the process keeps what it once held); a chunk's are freed once it is a frame.
        # The result's own raw fetch: it hands out the row a server-side cursor's result
        # read ahead, and the driver's tuples as they are (no Row objects); once the rows
        # are exhausted the result swaps in a strategy that returns none.
        while rows := result.cursor_strategy.fetchmany(result, result.cursor, FETCH_ROWS):
            # pandas' record constructor transposes in C (3x faster than zip(*rows) into lists).
            part = pd.DataFrame.from_records(rows, columns=columns)
            for i, (name, proc) in enumerate(zip(columns, processors)):
                if proc is not None:  # from the raw values: the record constructor made 0/1/None numbers
                    part[name] = [proc(r[i]) for r in rows]
            parts.append(part)
    finally:
        result.close()
    if not parts:
        df = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    elif len(parts) == 1:
        df = parts[0]
    else:
        df = _concat_parts(parts, columns, processors)
    return _with_datetimes(df, dates, instants)


def _with_datetimes(df: pd.DataFrame, dates: Iterable[str], instants: Iterable[str]) -> pd.DataFrame:
    for col in dates:
        df[col] = _to_datetime(df[col]) if len(df) else pd.Series(dtype="datetime64[ns]")
    for col in instants:
        df[col] = (_to_datetime(df[col], utc=True).dt.tz_localize(None)
                   if len(df) else pd.Series(dtype="datetime64[ns]"))
    return df


FETCH_ROWS = 50_000
FEW_IDS = 500  # id allow-lists up to this size go into the SQL (well under bind-parameter limits)


def _concat_parts(parts: list[pd.DataFrame], columns: list[str], processors: list) -> pd.DataFrame:
    """The chunks as one frame with the dtypes one frame of every row would have had: where
    the chunks' dtypes differ (a chunk of ints without a None beside one with), the column
    is inferred again from all its values, as ``_frame`` infers it."""
    df = pd.concat(parts, ignore_index=True)
    for name, proc in zip(columns, processors):
        if len({str(part[name].dtype) for part in parts}) == 1:
            continue
        values = [v for part in parts for v in part[name].to_numpy(dtype=object).tolist()]
        if proc is not None:  # a column made from a list of processed values
            df[name] = values
        else:  # the record constructor's inference, over every value
            df[name] = pd.DataFrame.from_records([(v,) for v in _unconverted(values)], columns=[name])[name]
    return df


def _unconverted(values: list) -> list:
    """A chunk's NaN stood for a None the record constructor got (ints with a NULL made
    float64): back to None, so the inference over every value sees what it would have."""
    return [None if isinstance(v, float) and v != v else v for v in values]


def _packed(conn, stmt, columns: list[str]) -> pd.DataFrame | None:
    """The rows of ``stmt`` read on PostgreSQL as one ``array_agg`` per column (psycopg parses
    a whole array in C, no tuple per row), each column then inferred by pandas' own record
    constructor's step (``convert_object_array``), so the frame is the one ``_frame``
    builds from tuples. The aggregates of one select take the same rows in the same order.

    None (read the rows instead) elsewhere, or when a column's type converts its values."""
    if conn.dialect.name != "postgresql" or any(
            _processor(col, conn.dialect, None) is not None for col in stmt.selected_columns):
        return None
    try:  # the record constructor's own step (pandas 2.2 to 3.x); without it, read the rows
        from pandas.core.internals.construction import convert_object_array
    except ImportError:  # pragma: no cover
        return None
    import numpy as np

    sub = stmt.subquery()
    result = conn.execute(sa.select(*[sa.func.array_agg(col) for col in sub.c]))
    try:  # the driver's lists as they are: SQLAlchemy's array processing is not needed
        arrays = list(result.cursor_strategy.fetchone(result, result.cursor))
        types = [d[1] for d in result.cursor.description]
    finally:
        result.close()
    if arrays[0] is None:  # no row: array_agg gives NULL
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    data = {}
    for i, name in enumerate(columns):
        values, arrays[i] = arrays[i], None  # the driver's values go as soon as the column is built
        if types[i] in _INT_ARRAYS and any(v is not None for v in values):
            # What the constructor infers from whole numbers, without its per-value pass:
            # int64, or float64 with NaN where a NULL was.
            data[name] = np.array(values, dtype=np.int64 if None not in values else np.float64)
            continue
        column = np.empty(len(values), dtype=object)
        column[:] = _shared(values)
        data[name] = convert_object_array([column], dtype=None)[0]
    return pd.DataFrame(data, copy=False)


def _shared(values: list) -> list:
    """A text column of few distinct values (a product, a state, a region) with one string
    object per value instead of one per row: the driver makes a new string for every row,
    ~55 bytes each, so 300,000 lines' state columns held ~50 MB of copies. Only ``str``
    values are shared (equal strings are the same text; ``1 == True == 1.0`` are not);
    a column of mostly distinct values (names, ids) is left as it is."""
    sample = [v for v in values[:1000] if type(v) is str]
    if len(values) < 1000 or not sample or len(set(sample)) > 100:
        return values
    memo: dict = {}
    return [memo.setdefault(v, v) if type(v) is str else v for v in values]


_INT_ARRAYS = {1005, 1007, 1016}  # PostgreSQL's type ids of int2[], int4[] and int8[]


def _processor(col, dialect, type_code):
    return col.type.dialect_impl(dialect).result_processor(dialect, type_code)


def _processors(stmt, dialect, description) -> list:
    """Per selected column, SQLAlchemy's result processor for this dialect and the driver's
    type code of the column (None: the value is used as is), as ``Row`` would apply it."""
    out = []
    for col, desc in zip(stmt.selected_columns, description):
        out.append(col.type.dialect_impl(dialect).result_processor(dialect, desc[1]))
    return out


def _to_datetime(values: pd.Series, utc: bool = False) -> pd.Series:
    """ISO text (SQLite) or date/datetime objects (PostgreSQL) to datetime64: the ISO 8601
    parser when every text value is ISO (what SQLAlchemy stores), else value by value."""
    try:
        return pd.to_datetime(values, errors="raise", utc=utc, format="ISO8601")
    except (ValueError, TypeError):
        return pd.to_datetime(values, errors="coerce", utc=utc, format="mixed")


def _raw(column):
    """Select a date/datetime column without SQLAlchemy's per-row conversion (see ``_frame``)."""
    return sa.type_coerce(column, sa.String).label(column.key)
