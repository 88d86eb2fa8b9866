"""Call-leg ingest at scale: 10 million legs of the last completed week, made in memory as
columns (numpy) and fed to ``calling.BulkIngest`` (``ingest_frame``, two batches in flight) in time-ordered batches of
``CHUNK`` legs (as the CDR feed delivers consecutive windows), each batch committed.
Then the call usage report (F23) over the rollups, and the same aggregation by DuckDB
over the same legs in memory, with the ratio of the two times.

The run leaves the database as it found it: the generator's rollups of that week are
set aside first (so the report holds exactly these legs and can be checked against
DuckDB's totals) and put back at the end, with the batches' ledger rows removed.
"""
from __future__ import annotations

import io
import resource
import time
from datetime import date, datetime

import numpy as np
import pandas as pd

LEGS = 10_000_000
CHUNK = 1_000_000
SEED = 8
ENDPOINTS = [("Cisco 8851", "SIP"), ("Cisco Webex Room Kit", "WXC_DEVICE"), ("", "WXC_CLIENT"),
             ("Polycom VVX", "THIRD_PARTY")]
FEATURES = [None, "call_queue", "hunt_group", "auto_attendant", "call_park", "call_pickup", "voicemail"]
OUTCOMES = ["answered", "abandoned", "timed_out", "overflowed", "transferred"]


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class LegSource:
    """Deterministic legs of one week for the partner's customers, chunk by chunk."""

    def __init__(self, orgs: list[str], locations: list[str], names: list[str], week_start: date,
                 legs: int = LEGS, chunk: int = CHUNK):
        self.orgs = pd.Categorical(orgs)
        self.org_codes = self.orgs.codes.astype(np.int32)
        self.locations, self.names = locations, names
        self.start = np.datetime64(week_start, "s")
        self.legs, self.chunk = legs, chunk
        rng = np.random.default_rng(SEED)
        weights = rng.lognormal(0, 1, len(orgs))  # a few big customers, many small
        self.weights = weights / weights.sum()

    def chunks(self):
        week_s = 7 * 86_400
        for k, first in enumerate(range(0, self.legs, self.chunk)):
            n = min(self.chunk, self.legs - first)
            rng = np.random.default_rng([SEED, k])
            cust = rng.choice(len(self.weights), n, p=self.weights)
            # this chunk's slice of the week, in time order
            lo, hi = week_s * first // self.legs, week_s * (first + n) // self.legs
            offs = np.sort(rng.integers(lo, hi, n))
            ids = np.arange(first, first + n)
            direction = rng.random(n) < 0.55
            feature = rng.choice(len(FEATURES), n, p=[0.8, 0.08, 0.04, 0.03, 0.02, 0.01, 0.02])
            queued = (feature == 1) & ~direction
            outcome = np.where(queued, rng.choice(len(OUTCOMES), n, p=[0.7, 0.12, 0.06, 0.06, 0.06]), -1)
            media = rng.random(n) < 0.7
            video = rng.random(n) < 0.1
            endpoint = rng.choice(len(ENDPOINTS), n, p=[0.5, 0.15, 0.3, 0.05])

            def figure(scale, shape=1.5):
                values = (rng.pareto(shape, n) * scale).astype(np.float32)
                return np.where(media, values, np.nan)

            frame = pd.DataFrame({
                "org_id": pd.Categorical.from_codes(self.org_codes[cust], categories=self.orgs.categories),
                "call_id": pd.Series(ids).astype(str).radd("call-"),
                "correlation_id": pd.Series(ids // 2).astype(str).radd("corr-"),
                "start_time": pd.Series(self.start + offs.astype("timedelta64[s]")).dt.tz_localize("UTC"),
                "direction": pd.Categorical.from_codes(np.where(direction, 0, 1), ["ORIGINATING", "TERMINATING"]),
                "duration_s": rng.integers(0, 900, n).astype(np.int32),
                "is_user": feature == 0,
                "feature": pd.Categorical.from_codes(feature - 1, FEATURES[1:]),
                "queue_outcome": pd.Categorical.from_codes(outcome, OUTCOMES),
                "wait_s": np.where(queued, rng.integers(0, 300, n), np.nan).astype(np.float32),
                "location_id": pd.Categorical.from_codes(cust, self.locations),
                "location_name": pd.Categorical.from_codes(cust, self.names),
                "model": pd.Categorical.from_codes(endpoint, [m for m, _ in ENDPOINTS]),
                "client_type": pd.Categorical.from_codes(endpoint, [c for _, c in ENDPOINTS]),
                "has_video": video,
                "video_s": np.where(video, rng.integers(0, 900, n), 0).astype(np.int32),
                "audio_jitter_ms": figure(15), "audio_latency_ms": figure(60), "audio_loss_pct": figure(0.6),
                "video_jitter_ms": np.where(video, figure(15), np.nan),
                "video_latency_ms": np.where(video, figure(60), np.nan),
                "video_loss_pct": np.where(video, figure(0.6), np.nan),
            })
            yield frame


def _duckdb_usage(legs: list[pd.DataFrame], customers: pd.DataFrame, settings) -> tuple[float, pd.DataFrame]:
    """F23's columns per customer and location, computed by DuckDB from the raw legs."""
    import duckdb

    con = duckdb.connect()
    con.register("customers_df", customers)
    con.execute("CREATE TABLE customers AS SELECT * FROM customers_df")
    first = True
    for frame in legs:  # the legs as DuckDB holds them, endpoint type resolved as we do
        con.register("chunk", frame)
        if first:
            con.execute("CREATE TABLE legs AS SELECT * FROM chunk")
            first = False
        else:
            con.execute("INSERT INTO legs SELECT * FROM chunk")
        con.unregister("chunk")
    j, lat, loss = settings.poor_jitter_ms, settings.poor_latency_ms, settings.poor_packet_loss_pct
    sql = f"""
        SELECT c.name, c.org_id, coalesce(nullif(max(l.location_name), ''), l.location_id) AS location,
          count(*) FILTER (WHERE l.direction = 'ORIGINATING' AND l.is_user) AS calls,
          count(*) AS legs,
          count(*) FILTER (WHERE l.audio_jitter_ms > {j} OR l.video_jitter_ms > {j}
                           OR l.audio_latency_ms > {lat} OR l.video_latency_ms > {lat}
                           OR l.audio_loss_pct > {loss} OR l.video_loss_pct > {loss}) AS poor,
          round(sum(greatest(l.duration_s, 0)) / 60, 2) AS minutes,
          round(sum(greatest(l.video_s, 0)) / 60, 2) AS video_minutes,
          count(*) FILTER (WHERE NOT l.has_video) AS audio_legs,
          count(*) FILTER (WHERE l.has_video) AS video_legs,
          count(*) FILTER (WHERE l.endpoint_type = 'desk_phone') AS desk,
          count(*) FILTER (WHERE l.endpoint_type = 'room_device') AS room,
          count(*) FILTER (WHERE l.endpoint_type = 'other') AS other,
          count(*) FILTER (WHERE l.feature = 'hunt_group') AS hunt,
          count(*) FILTER (WHERE l.feature = 'auto_attendant') AS aa,
          count(*) FILTER (WHERE l.queue_outcome IS NOT NULL) AS q_total,
          count(*) FILTER (WHERE l.queue_outcome = 'timed_out') AS q_timeout,
          count(*) FILTER (WHERE l.queue_outcome = 'overflowed') AS q_overflow,
          count(*) FILTER (WHERE l.queue_outcome = 'transferred') AS q_transfer,
          count(*) FILTER (WHERE l.queue_outcome = 'abandoned') AS q_abandon
        FROM legs l JOIN customers c ON c.org_id = l.org_id
        GROUP BY c.name, c.org_id, l.location_id
        ORDER BY c.name, c.org_id, l.location_id
    """
    con.execute(sql).fetchall()  # warm-up
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        result = con.execute(sql).df()
        runs.append(time.perf_counter() - t)
    con.close()
    return float(np.median(runs)) * 1000, result


def _duck_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """What DuckDB keeps of a chunk: the columns F23 needs, endpoint type already known."""
    endpoint = np.array(["desk_phone", "room_device", "webex_app", "other"])[frame["model"].cat.codes.to_numpy()]
    return pd.DataFrame({
        "org_id": frame["org_id"].astype(str), "location_id": frame["location_id"].astype(str),
        "location_name": frame["location_name"].astype(str), "direction": frame["direction"].astype(str),
        "is_user": frame["is_user"], "duration_s": frame["duration_s"], "video_s": frame["video_s"],
        "has_video": frame["has_video"], "endpoint_type": endpoint,
        "feature": frame["feature"].astype(object), "queue_outcome": frame["queue_outcome"].astype(object),
        **{c: frame[c] for c in ("audio_jitter_ms", "audio_latency_ms", "audio_loss_pct", "video_jitter_ms",
                                 "video_latency_ms", "video_loss_pct")},
    })


def _proc_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) of a local process, None when it is not on this machine."""
    import os

    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _ServerCpu:
    """CPU time of the engine's PostgreSQL backends (a local server only): the machine is
    shared, so the benchmark reports CPU beside wall time, the server's and the client's."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.start: dict[int, float | None] = {}
        if engine.dialect.name != "postgresql":
            return

        @event.listens_for(engine, "connect")
        def _backend(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
            cur.close()
            self.start[pid] = _proc_cpu_s(pid)

    def mark(self) -> None:
        self.start = {pid: _proc_cpu_s(pid) for pid in self.start}

    def since_mark(self) -> float | None:
        used = [(_proc_cpu_s(pid), cpu) for pid, cpu in self.start.items()]
        if not used or any(now is None or then is None for now, then in used):
            return None
        return round(sum(now - then for now, then in used), 2)


def run_ingest(url: str, as_of: date, now: datetime, customers: int, legs: int = LEGS) -> dict:
    from sqlalchemy import delete, select
    from sqlmodel import Session

    from bench.generate import week_rollups
    from bench.one import _settings
    from partnerhub_core import reports
    from partnerhub_core.calling import BulkIngest
    from partnerhub_core.db import make_engine
    from partnerhub_core.models import CallIngestBatch, CallRollup, Customer, Location

    settings = _settings(url)
    engine = make_engine(url)
    server_cpu = _ServerCpu(engine)
    start, end = reports.default_range(as_of)
    with Session(engine) as session:
        cust = session.execute(select(Customer.id, Customer.org_id, Customer.name)
                               .where(Customer.partner_id == 1).order_by(Customer.id)).all()
        loc_of = dict(session.execute(select(Location.customer_id, Location.location_id)).all())
        name_of = dict(session.execute(select(Location.location_id, Location.name)).all())
        # set the generator's rows of that week aside; they are put back at the end
        session.execute(delete(CallRollup).where(CallRollup.partner_id == 1, CallRollup.day >= start,
                                                 CallRollup.day <= end))
        session.execute(delete(CallIngestBatch).where(CallIngestBatch.partner_id == 1,
                                                      CallIngestBatch.source == "bench"))
        session.commit()
    locations = [loc_of.get(cid, "") for cid, _, _ in cust]
    source = LegSource([o for _, o, _ in cust], locations, [name_of.get(loc, "") for loc in locations],
                       start, legs=legs)

    ingest_s = generate_s = client_cpu_s = 0.0
    server_cpu.mark()
    added = 0
    duck_chunks: list[pd.DataFrame] = []
    rss_before = _rss_mb()
    chunks = source.chunks()
    # BulkIngest: batch k+1 is prepared while batch k is written. Nothing of it runs while
    # the next frame is generated (``add`` returns once its frame is prepared), so the
    # two times add up to the wall time.
    bulk = BulkIngest(engine=engine, partner_id=1, now=now, settings=settings, source="bench")
    while True:
        t = time.perf_counter()
        frame = next(chunks, None)
        generate_s += time.perf_counter() - t
        t, cpu = time.perf_counter(), time.process_time()
        results = bulk.add(frame) if frame is not None else bulk.close()
        ingest_s += time.perf_counter() - t
        client_cpu_s += time.process_time() - cpu  # both threads: the one preparing too
        added += sum(r.added for r in results)
        if frame is None:
            break
        del frame
    ingest_rss = _rss_mb()
    ingest_server_cpu_s = server_cpu.since_mark()

    # The call usage report over the rollups (median of 3 after a warm-up).
    sink = io.BytesIO()

    def report():
        sink.seek(0)
        sink.truncate()
        with Session(engine) as session:
            reports.run_report(session=session, partner_id=1, report="call-usage", as_of=as_of, out=sink)

    report()
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        report()
        runs.append(time.perf_counter() - t)
    report_ms = float(np.median(runs)) * 1000
    ours = pd.read_csv(io.BytesIO(sink.getvalue()), encoding="utf-8-sig")

    # DuckDB: the same legs again (same seeds), held in memory by DuckDB.
    for frame in source.chunks():
        duck_chunks.append(_duck_columns(frame))
    customers_df = pd.DataFrame({"org_id": [o for _, o, _ in cust], "name": [n for _, _, n in cust]})
    duck_ms, duck = _duckdb_usage(duck_chunks, customers_df, settings)
    del duck_chunks
    def ours_total(column):  # "—" (unknown: no leg of that kind) counts as none, as DuckDB's count does
        return int(pd.to_numeric(ours[column], errors="coerce").fillna(0).sum())

    same = (len(ours) == len(duck)
            and ours_total("Total Call Legs") == int(duck["legs"].sum()) == added
            and ours_total("Total Calls") == int(duck["calls"].sum())
            and ours_total("Total Poor Quality Call Legs") == int(duck["poor"].sum())
            and ours_total("Call Queue - Total Calls") == int(duck["q_total"].sum()))

    with Session(engine) as session:  # put the database back as the generator left it
        session.execute(delete(CallRollup).where(CallRollup.partner_id == 1, CallRollup.day >= start,
                                                 CallRollup.day <= end))
        session.execute(delete(CallIngestBatch).where(CallIngestBatch.partner_id == 1,
                                                      CallIngestBatch.source == "bench"))
        session.execute(CallRollup.__table__.insert(), week_rollups(customers, week=end))
        session.commit()
    if engine.dialect.name == "postgresql":  # the ~1 M dead row versions too (a run after this
        # one would otherwise work against a table bloated by this one; autovacuum may be off)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM callrollup")
    engine.dispose()
    return {"legs": added, "ingest_s": round(ingest_s, 2), "legs_per_s": round(added / ingest_s),
            "generate_s": round(generate_s, 2), "ingest_client_cpu_s": round(client_cpu_s, 2),
            "ingest_server_cpu_s": ingest_server_cpu_s, "ingest_peak_rss_mb": ingest_rss, "rss_before_ingest_mb": rss_before,
            "report_rows": len(ours), "call_usage_report_ms": round(report_ms, 1),
            "duckdb_ms": round(duck_ms, 1), "report_over_duckdb": round(report_ms / duck_ms, 2),
            "totals_match_duckdb": same}
