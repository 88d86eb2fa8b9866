"""The bulk path's aggregation: kept legs (columns) to rollup rows, and their upsert."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from partnerhub_core.calling.legs import _MEDIA, ORIGINATING, endpoint_type_of
from partnerhub_core.calling.pg_copy import pg_copy_upsert
from partnerhub_core.calling.rollups import _FEATURE_COLUMN, _OUTCOME_COLUMN, ROLLUP_SUMS, conflict_clause
from partnerhub_core.errors import BadInput
from partnerhub_core.models import CallRollup, QueueOutcome
from partnerhub_core.timeutil import week_ending

_EPOCH = date(1970, 1, 1)


def _hash_column(series):
    """64-bit hashes of a column's values as text (null as "")."""
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        cats = np.append(series.cat.categories.astype(str).to_numpy(dtype=object), "")
        return pd.util.hash_array(cats, categorize=False)[np.where(codes < 0, len(cats) - 1, codes)]
    values = series.to_numpy(dtype=object)
    nulls = series.isna().to_numpy()
    if nulls.any():
        values = values.copy()
        values[nulls] = ""
    return pd.util.hash_array(values, categorize=False)


def _factor(series):
    """(codes, uniques) of a text column, null and "" sharing one code; categoricals by
    their codes, so a large batch is never turned into Python strings."""
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        uniques = series.cat.categories.astype(str).to_numpy(dtype=object).tolist()
    else:
        codes, found = pd.factorize(series.to_numpy(dtype=object))
        uniques = ["" if v is None else str(v) for v in found]
    uniques.append("")
    canon, names = pd.factorize(np.array(uniques, dtype=object))
    codes = canon[np.where(codes < 0, len(uniques) - 1, codes)]
    return codes, [str(n) for n in names]


def _is_one_of(codes, uniques, wanted):
    """Which rows' value (``codes`` into ``uniques``) is one of ``wanted``: a lookup table
    indexed by the codes (np.isin sorted the million codes again for every question)."""
    import numpy as np

    return np.fromiter((u in wanted for u in uniques), dtype=bool, count=len(uniques))[codes]


def _bulk_rollups(partner_id, frame, rows, customer, day, col, settings) -> dict:
    """Aggregate the kept legs (positions ``rows`` of ``frame``) to the rollup grain: the
    rows as columns (numpy arrays; days as datetime64[D], text as object arrays)."""
    import numpy as np
    import pandas as pd

    every = len(rows) == len(frame)  # nothing skipped: no need to copy every column

    def pick(name):
        return col(name) if every else col(name).iloc[rows]

    def factor(name):
        return _factor(pick(name))

    def equals(name, *wanted):  # the column's value is one of ``wanted``
        return _is_one_of(*factor(name), wanted)

    def flag(name, default):
        series = pick(name)
        if series.dtype == bool:
            return series.to_numpy()
        return series.astype(object).where(series.notna(), default).astype(bool).to_numpy()

    def number(name):
        series = pick(name)
        if not pd.api.types.is_numeric_dtype(series.dtype):
            series = pd.to_numeric(series, errors="coerce")
        return series.to_numpy(dtype=np.float64, na_value=np.nan)

    # Endpoint type: given, else derived once per distinct (model, client type).
    end_codes, end_uniq = factor("endpoint_type")
    missing = pick("endpoint_type").isna().to_numpy()
    if missing.any():
        m_codes, models = factor("model")
        c_codes, clients = factor("client_type")
        pair = m_codes[missing].astype(np.int64) * len(clients) + c_codes[missing]
        pair_codes, pairs = pd.factorize(pair)
        derived = [str(endpoint_type_of(models[p // len(clients)], clients[p % len(clients)])) for p in pairs]
        end_codes = end_codes.copy()
        end_codes[missing] = len(end_uniq) + pair_codes
        canon, names = pd.factorize(np.array(end_uniq + derived, dtype=object))
        end_codes, end_uniq = canon[end_codes], [str(n) for n in names]
    loc_codes, loc_uniq = factor("location_id")
    cust_codes, _ = pd.factorize(customer)
    day_codes = day - day.min()
    n_days = int(day_codes.max()) + 1
    group = ((cust_codes.astype(np.int64) * n_days + day_codes) * len(loc_uniq) + loc_codes) \
        * len(end_uniq) + end_codes
    codes, groups = pd.factorize(group)
    ng = len(groups)

    def total(weights=None):
        if weights is not None and weights.dtype == bool:  # a count: only the hits' groups
            return np.bincount(codes[weights], minlength=ng)
        return np.bincount(codes, weights=weights, minlength=ng)

    is_user = flag("is_user", True)
    media = {name: number(name) for name in _MEDIA}
    with_media = np.zeros(len(rows), dtype=bool)
    for arr in media.values():
        with_media |= ~np.isnan(arr)
    poor = (
        (media["audio_jitter_ms"] > settings.poor_jitter_ms)
        | (media["video_jitter_ms"] > settings.poor_jitter_ms)
        | (media["audio_latency_ms"] > settings.poor_latency_ms)
        | (media["video_latency_ms"] > settings.poor_latency_ms)
        | (media["audio_loss_pct"] > settings.poor_packet_loss_pct)
        | (media["video_loss_pct"] > settings.poor_packet_loss_pct)
    )
    del media
    has_video = flag("has_video", False)

    def seconds(name):  # max(int(x or 0), 0): int() truncates toward zero
        return np.clip(np.trunc(np.nan_to_num(number(name), nan=0.0)), 0, None)

    sums: dict[str, np.ndarray] = {
        "legs": total(),
        "calls": total(equals("direction", ORIGINATING) & is_user),
        "legs_with_media": total(with_media),
        "poor_legs": total(poor),
        "video_legs": total(has_video),
        "audio_legs": total(~has_video),
        "duration_s": total(seconds("duration_s")),
        "video_s": total(seconds("video_s")),
    }
    f_codes, f_uniq = factor("feature")
    for feat, column in _FEATURE_COLUMN.items():
        sums[column] = total(_is_one_of(f_codes, f_uniq, (feat.value,)))
    o_codes, o_uniq = factor("queue_outcome")
    bad = set(o_uniq) - {o.value for o in QueueOutcome} - {""}
    if bad:
        raise BadInput("Unknown queue outcome {value}.", value=sorted(bad)[0])

    def outcome_is(*wanted):
        return _is_one_of(o_codes, o_uniq, wanted)

    sums["queue_calls"] = total(~outcome_is(""))
    for out, column in _OUTCOME_COLUMN.items():
        sums[column] = total(outcome_is(out.value))
    wait = np.nan_to_num(number("wait_s"), nan=0.0)
    answered = outcome_is(QueueOutcome.ANSWERED.value, QueueOutcome.TRANSFERRED.value)
    sums["queue_answer_wait_s"] = total(np.where(answered, wait, 0.0))
    sums["queue_abandon_wait_s"] = total(np.where(outcome_is(QueueOutcome.ABANDONED.value), wait, 0.0))

    # The group's location name: its last non-empty one in batch order, as ingest_legs keeps.
    n_codes, n_uniq = factor("location_name")
    # PostgreSQL text cannot hold NUL: refused on both databases, so both keep the same rows.
    for field, values in (("location_id", loc_uniq), ("location_name", n_uniq), ("endpoint_type", end_uniq)):
        if any("\x00" in v for v in values):
            raise BadInput("The {field} contains characters that are not allowed.", field=field)
    named = np.flatnonzero(n_codes != n_uniq.index(""))
    last_named = pd.Series(named).groupby(codes[named]).max()
    location_name = np.full(ng, "", dtype=object)
    location_name[last_named.index.to_numpy()] = np.array([v[:300] for v in n_uniq], dtype=object)[
        n_codes[last_named.to_numpy()]]

    # Any leg of a group gives the group's key columns (they are what makes the group).
    rep = np.empty(ng, dtype=np.int64)
    rep[codes] = np.arange(len(codes))
    # Rows by customer, then day: the upsert walks the unique index (partner, day,
    # customer …) in order within each day, and on PostgreSQL a heap page holds a
    # customer's days side by side, so the next batch, adding to the last day only, finds
    # room on the page to update in place (HOT: two thirds of the updates, against under
    # half with the rows sorted by day first).
    order = np.lexsort((end_codes[rep], loc_codes[rep], day[rep], customer[rep]))
    rep, location_name = rep[order], location_name[order]
    sums = {name: arr[order] for name, arr in sums.items()}
    # Days as numpy dates, each distinct day's week worked out once.
    g_day = day[rep]
    days, day_inv = np.unique(g_day, return_inverse=True)
    weeks = np.array([week_ending(_EPOCH + timedelta(days=int(d))) for d in days], dtype="datetime64[D]")
    loc_names = np.array([v[:200] for v in loc_uniq], dtype=object)  # per distinct value, not per row
    end_names = np.array(end_uniq, dtype=object)
    out = {
        "partner_id": np.full(ng, partner_id, dtype=np.int64),
        "customer_id": customer[rep].astype(np.int64),
        "day": g_day.astype("datetime64[D]"),
        "week_ending": weeks[day_inv],
        "location_id": loc_names[loc_codes[rep]],
        "location_name": location_name,
        "endpoint_type": end_names[end_codes[rep]],
    }
    for name in ROLLUP_SUMS:
        arr = sums[name]
        out[name] = arr.astype(np.float64) if name.endswith("_wait_s") else arr.astype(np.int64)
    return out


def _bulk_upsert_rollups(session: Session, columns: dict, count: int) -> None:
    """Add aggregated rows to ``CallRollup`` in bulk: SQLite ``executemany`` of one
    upsert; PostgreSQL binary COPY (``pg_copy.py``)."""
    table = CallRollup.__table__.name
    names = list(columns)
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        import numpy as np

        # In the unique index's order (partner, day, customer …): SQLite walks it in order.
        order = np.lexsort((columns["customer_id"], columns["day"]))  # stable: keeps the rest
        sql = (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
               f"{conflict_clause(table, 'excluded')}")
        connection.exec_driver_sql(sql, list(zip(*(_as_list(columns[n][order]) for n in names))))
        return
    if dialect != "postgresql":
        raise BadInput("Unsupported database {dialect}.", dialect=dialect)
    pg_copy_upsert(connection, table, columns)


def _as_list(values) -> list:
    """A column as the Python values SQLite binds: days as ISO text."""
    import numpy as np

    if values.dtype.kind == "M":
        return np.datetime_as_string(values, unit="D").tolist()
    return values.tolist()
