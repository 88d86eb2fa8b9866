"""Webex Calling ingest: call legs in, daily rollups out (SPEC F16–F19, F23).

Legs arrive in batches (from the CDR feed or the demo). Each new leg is stored once
(unique ``leg_key`` per partner, inserted with ON CONFLICT DO NOTHING … RETURNING) and
only the legs that insert adds to ``CallRollup``; so re-ingesting a batch, or two
overlapping batches, never counts a leg twice, even when two workers race. Raw legs
are pruned after ``Settings.call_leg_retention_days``; legs older than that window are
refused at ingest, because a pruned leg could no longer be recognised as a duplicate.

Bulk feeds (millions of legs a week) go through ``ingest_frame`` instead: the same
counting rules over columns (pandas/numpy), rollups upserted in bulk; ``BulkIngest``
prepares the next batch while the last one is written (bench/RESULTS.md has the rate).
It does not keep raw legs — writing them would cost more than the rest of
the path — so it is idempotent
per batch only (the ``CallIngestBatch`` ledger by batch key): the same batch twice
counts once, but two batches that merely overlap count their common legs twice. Feed it
batches that partition the legs (consecutive time windows of the CDR feed); a source
that may resend overlapping legs uses ``ingest_legs``.

Poor quality (F17): a leg is poor when ANY of its audio or video streams had jitter
above ``poor_jitter_ms``, latency above ``poor_latency_ms`` or packet loss above
``poor_packet_loss_pct`` — each strictly greater; a value exactly at the threshold is
not poor. Legs that reported no media figures are neither poor nor counted in
``legs_with_media``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from partnerhub_core.errors import BadInput
from partnerhub_core.models import (
    CallFeature,
    CallIngestBatch,
    CallLeg,
    CallRollup,
    Customer,
    EndpointType,
    QueueOutcome,
)
from partnerhub_core.settings import Settings
from partnerhub_core.timeutil import week_ending

ORIGINATING = "ORIGINATING"
TERMINATING = "TERMINATING"
_CHUNK = 500  # rows per INSERT statement: well under SQLite's bound-parameter limit
_MEDIA = ("audio_jitter_ms", "audio_latency_ms", "audio_loss_pct",
          "video_jitter_ms", "video_latency_ms", "video_loss_pct")


@dataclass
class LegIn:
    """One call leg as a source hands it over (the CDR's fields, normalised)."""

    org_id: str  # the customer organization ("Org UUID")
    call_id: str
    start_time: datetime
    correlation_id: str = ""
    direction: str = ORIGINATING
    answer_time: datetime | None = None
    release_time: datetime | None = None
    duration_s: int = 0
    answered: bool = False
    call_type: str = ""
    call_outcome: str = ""
    user_uuid: str = ""
    is_user: bool = True
    feature: str | None = None  # CallFeature
    queue_outcome: str | None = None  # QueueOutcome, on the queue-entry leg only
    wait_s: float | None = None
    location_id: str = ""
    location_name: str = ""
    device_mac: str = ""
    model: str = ""
    client_type: str = ""
    endpoint_type: str | None = None  # derived from model/client type when None
    has_video: bool = False
    video_s: int = 0
    audio_jitter_ms: float | None = None
    audio_latency_ms: float | None = None
    audio_loss_pct: float | None = None
    video_jitter_ms: float | None = None
    video_latency_ms: float | None = None
    video_loss_pct: float | None = None

    @property
    def leg_key(self) -> str:
        key = f"{self.correlation_id}|{self.call_id}|{self.direction}"
        return key if len(key) <= 300 else hashlib.sha256(key.encode()).hexdigest()

    @property
    def day(self) -> date:
        return self.start_time.astimezone(timezone.utc).date()


@dataclass
class IngestResult:
    batch_key: str
    received: int = 0
    added: int = 0
    duplicate: int = 0
    skipped_unknown_customer: int = 0
    skipped_too_old: int = 0
    unknown_orgs: set[str] = field(default_factory=set)

    @property
    def skipped(self) -> int:
        return self.skipped_unknown_customer + self.skipped_too_old


# ---------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------
def is_poor_quality(leg: Any, settings: Settings) -> bool:
    """ANY stream's jitter, latency or loss strictly above its threshold."""
    def over(value, limit) -> bool:
        return value is not None and value > limit

    return (
        over(leg.audio_jitter_ms, settings.poor_jitter_ms)
        or over(leg.video_jitter_ms, settings.poor_jitter_ms)
        or over(leg.audio_latency_ms, settings.poor_latency_ms)
        or over(leg.video_latency_ms, settings.poor_latency_ms)
        or over(leg.audio_loss_pct, settings.poor_packet_loss_pct)
        or over(leg.video_loss_pct, settings.poor_packet_loss_pct)
    )


def has_media_stats(leg: Any) -> bool:
    return any(getattr(leg, name) is not None for name in _MEDIA)


# Model name fragments of Cisco room/collaboration devices and of desk phones.
_ROOM_HINTS = ("room", "board", "desk pro", "desk mini", "webex desk", "codec", "navigator")
_PHONE_HINTS = ("cisco 68", "cisco 78", "cisco 88", "cisco 98", "dms cisco", "ip phone",
                "cisco 191", "cisco 192", "mpp", "8845", "8865", "8851", "7841", "6871", "9861")
_APP_CLIENTS = ("wxc_client", "teams_wxc_client", "webex_app", "wxc_app")


def endpoint_type_of(model: str = "", client_type: str = "") -> EndpointType:
    """Desk phone, room device, Webex App or other (third-party) from the CDR's
    "Model" and "Client type"."""
    m = (model or "").casefold()
    c = (client_type or "").casefold()
    if c in _APP_CLIENTS or "webex app" in m:
        return EndpointType.WEBEX_APP
    if "third_party" in c or "third party" in m:
        return EndpointType.OTHER
    if any(h in m for h in _ROOM_HINTS) or c == "wxc_device":
        return EndpointType.ROOM_DEVICE
    if any(h in m for h in _PHONE_HINTS):
        return EndpointType.DESK_PHONE
    return EndpointType.OTHER


_FEATURE_HINTS = (
    ("callqueue", CallFeature.CALL_QUEUE),
    ("huntgroup", CallFeature.HUNT_GROUP),
    ("autoattendant", CallFeature.AUTO_ATTENDANT),
    ("automatedattendant", CallFeature.AUTO_ATTENDANT),
    ("callpark", CallFeature.CALL_PARK),
    ("callpickup", CallFeature.CALL_PICKUP),
    ("pickup", CallFeature.CALL_PICKUP),
    ("voicemail", CallFeature.VOICEMAIL),
)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in ("", "NA"))


def _text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    return "" if _blank(value) else str(value).strip()


def _number(record: Mapping[str, Any], key: str) -> float | None:
    value = record.get(key)
    if _blank(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _instant(record: Mapping[str, Any], key: str) -> datetime | None:
    value = record.get(key)
    if _blank(value):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_cdr_record(record: Mapping[str, Any]) -> LegIn:
    """One item of the CDR feed (space-separated keys; "" and "NA" mean missing).

    Quality figures and the queue outcome are not CDR fields; they are read when a
    source adds them under the keys "Audio jitter", "Audio latency", "Audio packet
    loss", "Video jitter", "Video latency", "Video packet loss", "Video duration",
    "Queue outcome" and "Queue wait"."""
    start = _instant(record, "Start time")
    org = _text(record, "Org UUID")
    call_id = _text(record, "Call ID")
    if start is None or not org or not call_id:
        raise BadInput("A call record needs a start time, an org UUID and a call ID.")
    reasons = " ".join(
        _text(record, k) for k in ("Related reason", "Redirect reason", "Queue Type", "User type")
    ).casefold().replace(" ", "").replace("_", "")
    feature = next((f.value for hint, f in _FEATURE_HINTS if hint in reasons), None)
    outcome = _text(record, "Queue outcome").casefold().replace(" ", "_") or None
    if outcome is not None and outcome not in {o.value for o in QueueOutcome}:
        outcome = None
    video_s = int(_number(record, "Video duration") or 0)
    user_type = _text(record, "User type").casefold().replace(" ", "").replace("_", "")
    answer, release = _instant(record, "Answer time"), _instant(record, "Release time")
    wait = _number(record, "Queue wait")
    if wait is None and outcome is not None:
        # Without the queue's own figure: until an agent answered, else until the caller left.
        end = answer if outcome in (QueueOutcome.ANSWERED, QueueOutcome.TRANSFERRED) and answer else release
        wait = max((end - start).total_seconds(), 0.0) if end else None
    return LegIn(
        org_id=org,
        call_id=call_id,
        correlation_id=_text(record, "Correlation ID"),
        start_time=start,
        answer_time=answer,
        release_time=release,
        duration_s=int(_number(record, "Duration") or 0),
        direction=_text(record, "Direction").upper() or ORIGINATING,
        answered=_text(record, "Answered").casefold() in ("true", "yes", "1"),
        call_type=_text(record, "Call type"),
        call_outcome=_text(record, "Call outcome"),
        user_uuid=_text(record, "User UUID"),
        # People and workspaces place calls; features and trunks only route them.
        is_user=user_type in ("", "user", "place", "workspace", "virtualline"),
        feature=feature,
        queue_outcome=outcome,
        wait_s=wait,
        location_id=_text(record, "Site UUID"),
        location_name=_text(record, "Location"),
        device_mac=_text(record, "Device MAC"),
        model=_text(record, "Model"),
        client_type=_text(record, "Client type"),
        has_video=video_s > 0 or "video" in _text(record, "Call type").casefold(),
        video_s=video_s,
        audio_jitter_ms=_number(record, "Audio jitter"),
        audio_latency_ms=_number(record, "Audio latency"),
        audio_loss_pct=_number(record, "Audio packet loss"),
        video_jitter_ms=_number(record, "Video jitter"),
        video_latency_ms=_number(record, "Video latency"),
        video_loss_pct=_number(record, "Video packet loss"),
    )


# ---------------------------------------------------------------------------------
# Ingest
# ---------------------------------------------------------------------------------
ROLLUP_SUMS = (
    "calls", "legs", "legs_with_media", "poor_legs", "audio_legs", "video_legs",
    "duration_s", "video_s", "hunt_group_calls", "auto_attendant_calls", "call_park_calls",
    "call_pickup_calls", "voicemail_calls", "queue_calls", "queue_answered",
    "queue_abandoned", "queue_timed_out", "queue_overflowed", "queue_transferred",
    "queue_answer_wait_s", "queue_abandon_wait_s",
)
_FEATURE_COLUMN = {
    CallFeature.HUNT_GROUP: "hunt_group_calls",
    CallFeature.AUTO_ATTENDANT: "auto_attendant_calls",
    CallFeature.CALL_PARK: "call_park_calls",
    CallFeature.CALL_PICKUP: "call_pickup_calls",
    CallFeature.VOICEMAIL: "voicemail_calls",
}
_OUTCOME_COLUMN = {
    QueueOutcome.ANSWERED: "queue_answered",
    QueueOutcome.ABANDONED: "queue_abandoned",
    QueueOutcome.TIMED_OUT: "queue_timed_out",
    QueueOutcome.OVERFLOWED: "queue_overflowed",
    QueueOutcome.TRANSFERRED: "queue_transferred",
}


def _insert(session: Session, table):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise BadInput("Unsupported database {dialect}.", dialect=dialect)


def add_to_rollup(counts: dict[str, float], leg: LegIn, *, poor: bool) -> None:
    """What one leg adds to its rollup row (the per-leg counting rules, in one place).

    calls: originating legs placed by a person; legs: every leg; a feature's calls:
    legs that went through it; queue calls: legs that entered a queue (one per queued
    call, carrying its outcome); answer wait: answered + transferred queue calls."""
    counts["legs"] += 1
    if leg.direction == ORIGINATING and leg.is_user:
        counts["calls"] += 1
    if has_media_stats(leg):
        counts["legs_with_media"] += 1
    if poor:
        counts["poor_legs"] += 1
    counts["video_legs" if leg.has_video else "audio_legs"] += 1
    counts["duration_s"] += max(int(leg.duration_s or 0), 0)
    counts["video_s"] += max(int(leg.video_s or 0), 0)
    column = _FEATURE_COLUMN.get(leg.feature) if leg.feature else None
    if column:
        counts[column] += 1
    if leg.queue_outcome:
        counts["queue_calls"] += 1
        counts[_OUTCOME_COLUMN[QueueOutcome(leg.queue_outcome)]] += 1
        wait = float(leg.wait_s or 0.0)
        if leg.queue_outcome in (QueueOutcome.ANSWERED, QueueOutcome.TRANSFERRED):
            counts["queue_answer_wait_s"] += wait
        elif leg.queue_outcome == QueueOutcome.ABANDONED:
            counts["queue_abandon_wait_s"] += wait


def upsert_rollups(session: Session, partner_id: int, rows: list[dict[str, Any]]) -> None:
    """Add ``rows`` (one per customer/day/location/endpoint) to the stored sums."""
    table = CallRollup.__table__
    keys = ["partner_id", "customer_id", "day", "location_id", "endpoint_type"]
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        stmt = _insert(session, table).values(chunk)
        excluded = stmt.excluded
        updates = {name: table.c[name] + excluded[name] for name in ROLLUP_SUMS}
        # Keep a known location name when a later batch lacks one.
        updates["location_name"] = func.coalesce(
            func.nullif(excluded.location_name, ""), table.c.location_name
        )
        session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates))


def ingest_legs(
    *,
    session: Session,
    partner_id: int,
    legs: Iterable[LegIn],
    now: datetime,
    settings: Settings,
    source: str = "",
) -> IngestResult:
    """Store the batch's new legs and add them to the daily rollups. Never commits."""
    batch: dict[str, LegIn] = {}
    received = 0
    for leg in legs:
        received += 1
        batch.setdefault(leg.leg_key, leg)  # a leg repeated inside the batch counts once
    batch_key = hashlib.sha256("\n".join(sorted(batch)).encode()).hexdigest()
    result = IngestResult(batch_key=batch_key, received=received)
    result.duplicate = received - len(batch)

    orgs = sorted({leg.org_id for leg in batch.values()})
    customer_of: dict[str, int] = {}
    for start in range(0, len(orgs), _CHUNK):
        for cid, org in session.execute(
            select(Customer.id, Customer.org_id).where(
                Customer.partner_id == partner_id, Customer.org_id.in_(orgs[start:start + _CHUNK])
            )
        ):
            customer_of[org] = cid
    oldest = now.astimezone(timezone.utc).date() - timedelta(days=settings.call_leg_retention_days)

    rows: list[dict[str, Any]] = []
    for key, leg in batch.items():
        if leg.org_id not in customer_of:
            result.skipped_unknown_customer += 1
            result.unknown_orgs.add(leg.org_id)
            continue
        if leg.day < oldest:
            result.skipped_too_old += 1
            continue
        rows.append(_leg_row(partner_id, customer_of[leg.org_id], leg, settings))

    inserted: set[str] = set()
    table = CallLeg.__table__
    # One statement compiled once and run "executemany" (SQLAlchemy batches it into
    # multi-row INSERTs with RETURNING): a fresh multi-VALUES statement per chunk cost
    # most of the time in compiling it.
    stmt = (
        _insert(session, table)
        .on_conflict_do_nothing(index_elements=["partner_id", "leg_key"])
        .returning(table.c.leg_key)
    )
    for start in range(0, len(rows), _CHUNK):
        inserted.update(session.execute(stmt, rows[start:start + _CHUNK]).scalars())
    result.added = len(inserted)
    result.duplicate += len(rows) - len(inserted)

    sums: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        if row["leg_key"] not in inserted:
            continue
        leg = batch[row["leg_key"]]
        group = (row["customer_id"], row["day"], row["location_id"], row["endpoint_type"])
        target = sums.get(group)
        if target is None:
            target = sums[group] = {
                "partner_id": partner_id, "customer_id": row["customer_id"], "day": row["day"],
                "week_ending": week_ending(row["day"]), "location_id": row["location_id"],
                "location_name": row["location_name"], "endpoint_type": row["endpoint_type"],
                **{name: 0 for name in ROLLUP_SUMS},
            }
        elif row["location_name"]:
            target["location_name"] = row["location_name"]
        add_to_rollup(target, leg, poor=row["poor_quality"])
    upsert_rollups(session, partner_id, list(sums.values()))

    ledger = (
        _insert(session, CallIngestBatch.__table__)
        .values(
            partner_id=partner_id, batch_key=batch_key, source=source[:60], received_at=now,
            legs_received=received, legs_added=result.added, legs_duplicate=result.duplicate,
            legs_skipped=result.skipped,
        )
        .on_conflict_do_nothing(index_elements=["partner_id", "batch_key"])
    )
    session.execute(ledger)
    return result


def _leg_row(partner_id: int, customer_id: int, leg: LegIn, settings: Settings) -> dict[str, Any]:
    endpoint = leg.endpoint_type or endpoint_type_of(leg.model, leg.client_type)
    return {
        "partner_id": partner_id,
        "customer_id": customer_id,
        "leg_key": leg.leg_key,
        "call_id": leg.call_id[:200],
        "correlation_id": leg.correlation_id[:200],
        "day": leg.day,
        "start_time": leg.start_time,
        "answer_time": leg.answer_time,
        "release_time": leg.release_time,
        "duration_s": int(leg.duration_s or 0),
        "direction": leg.direction,
        "answered": leg.answered,
        "call_type": leg.call_type[:40],
        "call_outcome": leg.call_outcome[:40],
        "user_uuid": leg.user_uuid[:200],
        "is_user": leg.is_user,
        "feature": leg.feature,
        "queue_outcome": leg.queue_outcome,
        "wait_s": leg.wait_s,
        "location_id": leg.location_id[:200],
        "location_name": leg.location_name[:300],
        "device_mac": leg.device_mac[:32],
        "model": leg.model[:200],
        "client_type": leg.client_type[:60],
        "endpoint_type": str(endpoint),
        "has_video": leg.has_video,
        "video_s": int(leg.video_s or 0),
        **{name: getattr(leg, name) for name in _MEDIA},
        "poor_quality": is_poor_quality(leg, settings),
    }


def prune_legs(*, session: Session, partner_id: int, now: datetime, settings: Settings) -> int:
    """Delete raw legs older than the retention window; rollups stay. Returns the count."""
    oldest = now.astimezone(timezone.utc).date() - timedelta(days=settings.call_leg_retention_days)
    result = session.execute(
        delete(CallLeg).where(CallLeg.partner_id == partner_id, CallLeg.day < oldest)
    )
    return result.rowcount or 0


# ---------------------------------------------------------------------------------
# Columnar bulk ingest
# ---------------------------------------------------------------------------------
FRAME_DEFAULTS: dict[str, Any] = {
    "correlation_id": "", "direction": ORIGINATING, "duration_s": 0, "is_user": True,
    "feature": None, "queue_outcome": None, "wait_s": None, "location_id": "",
    "location_name": "", "model": "", "client_type": "", "endpoint_type": None,
    "has_video": False, "video_s": 0, **{name: None for name in _MEDIA},
}
_ROLLUP_KEYS = ("partner_id", "customer_id", "day", "location_id", "endpoint_type")


def legs_frame(legs: Iterable[LegIn]):
    """The columns ``ingest_frame`` reads, from ``LegIn`` objects (tests, small sources)."""
    import pandas as pd

    columns = ["org_id", "call_id", "start_time", *FRAME_DEFAULTS]
    return pd.DataFrame([{name: getattr(leg, name) for name in columns} for leg in legs], columns=columns)


def ingest_frame(
    *,
    session: Session,
    partner_id: int,
    frame,
    now: datetime,
    settings: Settings,
    source: str = "",
) -> IngestResult:
    """Add one batch of call legs, given as columns, to the daily rollups. Never commits.

    ``frame`` (pandas.DataFrame) has one row per leg and the ``LegIn`` field names as
    columns: ``org_id``, ``call_id``, ``start_time`` (tz-aware, or naive UTC) are required;
    any other column may be absent (``FRAME_DEFAULTS``) and null means missing (media
    figures: NaN is "not reported"). Text columns may be categorical.

    Counting is exactly ``add_to_rollup`` / ``is_poor_quality`` / ``has_media_stats``,
    vectorized. Unlike ``ingest_legs`` this path does NOT store raw legs: writing 10
    million ``CallLeg`` rows a week would cost far more than the whole bulk path, so
    idempotency is per batch — the batch key (sha256 of the sorted 64-bit hashes of
    the legs' correlation id | call id | direction) goes into the ``CallIngestBatch``
    ledger first, and a batch already there adds nothing (two workers racing on the same
    batch: the second waits on the ledger's unique key, then finds it). A leg repeated
    inside a batch counts once (legs are told apart by 64-bit hashes of their keys: two
    different legs of a million-leg batch share one with odds of about 3 in 100 million).
    Batches that only OVERLAP (some legs in common) are not
    recognised: feed this path with batches that partition the legs (e.g. the CDR feed's
    consecutive time windows); a source that may resend overlapping legs uses
    ``ingest_legs``. Unknown organizations and legs older than the retention window are
    skipped, as in ``ingest_legs``.
    """
    return store_prepared(session=session, prepared=prepare_frame(session=session, partner_id=partner_id,
                                                                  frame=frame, now=now, settings=settings),
                          now=now, source=source)


@dataclass
class PreparedBatch:
    """One batch of legs aggregated to rollup rows, not stored yet (``prepare_frame``)."""

    partner_id: int
    result: IngestResult  # what storing it adds, unless the batch was ingested before
    columns: dict[str, list] = field(default_factory=dict)  # rollup rows as columns

    @property
    def rows(self) -> int:
        return len(self.columns.get("day", ()))


def prepare_frame(*, session: Session, partner_id: int, frame, now: datetime, settings: Settings) -> PreparedBatch:
    """``ingest_frame`` up to the writing: the batch key, what is skipped and why, and the
    rollup rows. Only reads (the partner's customers), so a ``BulkIngest`` runs it for
    the next batch, on its own connection, while the last one is written."""
    import numpy as np
    import pandas as pd

    for name in ("org_id", "call_id", "start_time"):
        if name not in frame.columns:
            raise BadInput("Call legs need the column {column}.", column=name)
    n_in = len(frame)

    def col(name):
        if name in frame.columns:
            return frame[name]
        return pd.Series([FRAME_DEFAULTS[name]] * n_in, index=frame.index, dtype=object)

    # Within-batch duplicates (the same leg key twice) count once: keep the first, as
    # ingest_legs does.
    hashes = _hash_column(col("correlation_id"))
    hashes ^= _hash_column(frame["call_id"]) * np.uint64(0x9E3779B97F4A7C15)
    hashes ^= _hash_column(col("direction")) * np.uint64(0xC2B2AE3D27D4EB4F)
    first = ~pd.Series(hashes).duplicated().to_numpy()
    unique_hashes = np.sort(hashes[first])
    batch_key = hashlib.sha256(b"frame\n" + unique_hashes.tobytes()).hexdigest()
    result = IngestResult(batch_key=batch_key, received=n_in, duplicate=n_in - len(unique_hashes))
    prepared = PreparedBatch(partner_id=partner_id, result=result)
    rows = np.flatnonzero(first)
    del hashes, unique_hashes

    # Customers by organization (one query for the whole partner when the batch is big);
    # a categorical column is read by its codes, never as a million Python strings.
    org_codes, org_list = _factor(frame["org_id"].iloc[rows])
    customer_of: dict[str, int] = {}
    query = select(Customer.id, Customer.org_id).where(Customer.partner_id == partner_id)
    if len(org_list) > 2000:
        customer_of = {org: cid for cid, org in session.execute(query)}
    else:
        for start in range(0, len(org_list), _CHUNK):
            chunk = org_list[start:start + _CHUNK]
            customer_of.update({org: cid for cid, org in session.execute(query.where(Customer.org_id.in_(chunk)))})
    cust_by_code = np.array([customer_of.get(o, -1) if o else -1 for o in org_list], dtype=np.int64)
    customer = cust_by_code[org_codes]  # a null org has the code of "": unknown
    known = customer >= 0
    result.skipped_unknown_customer = int((~known).sum())
    result.unknown_orgs = {org_list[c] for c in np.unique(org_codes[~known]) if org_list[c]}

    start_time = pd.to_datetime(frame["start_time"].iloc[rows], utc=True)
    if start_time.isna().any():
        raise BadInput("A call record needs a start time, an org UUID and a call ID.")
    day = start_time.dt.tz_localize(None).to_numpy().astype("datetime64[D]").astype(np.int64)
    oldest = now.astimezone(timezone.utc).date() - timedelta(days=settings.call_leg_retention_days)
    recent = day >= (oldest - date(1970, 1, 1)).days
    result.skipped_too_old = int((known & ~recent).sum())
    keep = known & recent
    rows, customer, day = rows[keep], customer[keep], day[keep]
    result.added = len(rows)
    if len(rows):
        prepared.columns = _bulk_rollups(partner_id, frame, rows, customer, day, col, settings)
    return prepared


def store_prepared(*, session: Session, prepared: PreparedBatch, now: datetime, source: str = "") -> IngestResult:
    """Write a prepared batch: claim its key in the ledger (a batch already there adds
    nothing), add its rows to the rollups, record the counts. Never commits."""
    result = prepared.result
    ledger_table = CallIngestBatch.__table__
    claimed = session.execute(
        _insert(session, ledger_table)
        .values(partner_id=prepared.partner_id, batch_key=result.batch_key, source=source[:60], received_at=now,
                legs_received=result.received)
        .on_conflict_do_nothing(index_elements=["partner_id", "batch_key"])
        .returning(ledger_table.c.id)
    ).scalar()
    if claimed is None:  # this very batch was ingested before
        return IngestResult(batch_key=result.batch_key, received=result.received, duplicate=result.received)
    if prepared.rows:
        _bulk_upsert_rollups(session, prepared.columns, prepared.rows)
    session.execute(
        ledger_table.update()
        .where(ledger_table.c.id == claimed)
        .values(legs_added=result.added, legs_duplicate=result.duplicate, legs_skipped=result.skipped)
    )
    return result


class BulkIngest:
    """Batches in, each in its own transaction, two at a time: while batch k is written
    (SQLite and PostgreSQL work outside the GIL), batch k+1 is prepared in a worker
    thread on a connection of its own. ``add`` returns when the frame it was given is
    prepared and the batch before it is committed, so nothing runs between calls; a
    failed batch is rolled back and raised, the ones before it stay committed.

        with BulkIngest(engine=engine, partner_id=1, now=now, settings=settings) as bulk:
            for frame in frames:
                results.extend(bulk.add(frame))
        results.extend(bulk.results_at_close)
    """

    def __init__(self, *, engine, partner_id: int, now: datetime, settings: Settings, source: str = ""):
        from concurrent.futures import ThreadPoolExecutor

        self.engine, self.partner_id, self.now, self.settings, self.source = engine, partner_id, now, settings, source
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="partnerhub-ingest")
        self._ready: PreparedBatch | None = None
        self.results_at_close: list[IngestResult] = []

    def _prepare(self, frame) -> PreparedBatch:
        with Session(self.engine) as session:
            return prepare_frame(session=session, partner_id=self.partner_id, frame=frame, now=self.now,
                                 settings=self.settings)

    def _store_ready(self) -> list[IngestResult]:
        """Write and commit the prepared batch, if any: its result."""
        if self._ready is None:
            return []
        ready, self._ready = self._ready, None
        with Session(self.engine) as session:
            result = store_prepared(session=session, prepared=ready, now=self.now, source=self.source)
            session.commit()
        return [result]

    def add(self, frame) -> list[IngestResult]:
        """Prepare ``frame`` while the previous batch is written; the written batch's result."""
        pending = self._pool.submit(self._prepare, frame)
        try:
            return self._store_ready()
        finally:
            self._ready = pending.result()  # raises what preparing raised

    def close(self) -> list[IngestResult]:
        """Write the last prepared batch; the results not returned by ``add`` yet."""
        try:
            self.results_at_close.extend(self._store_ready())
        finally:
            self._pool.shutdown(wait=True)
        return self.results_at_close

    def __enter__(self) -> "BulkIngest":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:  # a failed batch: what is prepared and not written is dropped
            self._ready = None
            self._pool.shutdown(wait=True)


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
        uniques = [str(c) for c in series.cat.categories]
    else:
        codes, found = pd.factorize(series.to_numpy(dtype=object))
        uniques = ["" if v is None else str(v) for v in found]
    uniques.append("")
    canon, names = pd.factorize(np.array(uniques, dtype=object))
    codes = canon[np.where(codes < 0, len(uniques) - 1, codes)]
    return codes, [str(n) for n in names]


def _bulk_rollups(partner_id, frame, rows, customer, day, col, settings) -> dict[str, list]:
    """Aggregate the kept legs (positions ``rows`` of ``frame``) to the rollup grain: the
    rows as columns."""
    import numpy as np
    import pandas as pd

    every = len(rows) == len(frame)  # nothing skipped: no need to copy every column

    def pick(name):
        return col(name) if every else col(name).iloc[rows]

    def factor(name):
        return _factor(pick(name))

    def equals(name, *wanted):  # the column's value is one of ``wanted``
        codes, uniques = factor(name)
        hits = [i for i, u in enumerate(uniques) if u in wanted]
        return np.isin(codes, hits) if hits else np.zeros(len(codes), dtype=bool)

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
        hits = [i for i, u in enumerate(f_uniq) if u == feat.value]
        sums[column] = total(np.isin(f_codes, hits))
    o_codes, o_uniq = factor("queue_outcome")
    bad = set(o_uniq) - {o.value for o in QueueOutcome} - {""}
    if bad:
        raise BadInput("Unknown queue outcome {value}.", value=sorted(bad)[0])

    def outcome_is(*wanted):
        return np.isin(o_codes, [i for i, u in enumerate(o_uniq) if u in wanted])

    sums["queue_calls"] = total(~outcome_is(""))
    for out, column in _OUTCOME_COLUMN.items():
        sums[column] = total(outcome_is(out.value))
    wait = np.nan_to_num(number("wait_s"), nan=0.0)
    answered = outcome_is(QueueOutcome.ANSWERED.value, QueueOutcome.TRANSFERRED.value)
    sums["queue_answer_wait_s"] = total(np.where(answered, wait, 0.0))
    sums["queue_abandon_wait_s"] = total(np.where(outcome_is(QueueOutcome.ABANDONED.value), wait, 0.0))

    # The group's location name: its last non-empty one in batch order, as ingest_legs keeps.
    n_codes, n_uniq = factor("location_name")
    named = np.flatnonzero(n_codes != n_uniq.index(""))
    last_named = pd.Series(named).groupby(codes[named]).max()
    location_name = np.full(ng, "", dtype=object)
    location_name[last_named.index.to_numpy()] = np.array(n_uniq, dtype=object)[n_codes[last_named.to_numpy()]]

    # Any leg of a group gives the group's key columns (they are what makes the group).
    rep = np.empty(ng, dtype=np.int64)
    rep[codes] = np.arange(len(codes))
    # Rows in the unique key's order: the upsert then walks the index instead of jumping
    # around it (half the time on SQLite).
    order = np.lexsort((end_codes[rep], loc_codes[rep], day[rep], customer[rep]))
    rep, location_name = rep[order], location_name[order]
    sums = {name: arr[order] for name, arr in sums.items()}
    # Days as ISO text (what both databases take), each distinct day's week worked out once.
    g_days = np.datetime_as_string(day[rep].astype("datetime64[D]")).tolist()
    week_of = {d: week_ending(date.fromisoformat(d)).isoformat() for d in set(g_days)}
    loc_names = np.array(loc_uniq, dtype=object)
    end_names = np.array(end_uniq, dtype=object)
    out = {
        "partner_id": [partner_id] * ng,
        "customer_id": customer[rep].tolist(),
        "day": g_days,
        "week_ending": [week_of[d] for d in g_days],
        "location_id": [v[:200] for v in loc_names[loc_codes[rep]]],
        "location_name": [v[:300] for v in location_name],
        "endpoint_type": end_names[end_codes[rep]].tolist(),
    }
    for name in ROLLUP_SUMS:
        arr = sums[name]
        out[name] = arr.tolist() if name.endswith("_wait_s") else arr.astype(np.int64).tolist()
    return out


def _bulk_upsert_rollups(session: Session, columns: dict[str, list], count: int) -> None:
    """Add aggregated rows to ``CallRollup`` in bulk: SQLite ``executemany`` of one
    upsert; PostgreSQL one upsert from ``unnest`` of column arrays."""
    table = CallRollup.__table__.name
    names = list(columns)
    sums_set = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in ROLLUP_SUMS)
    conflict = (
        f"ON CONFLICT ({', '.join(_ROLLUP_KEYS)}) DO UPDATE SET {sums_set}, "
        f"location_name = coalesce(nullif(excluded.location_name, ''), {table}.location_name)"
    )
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        sql = (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
               f"{conflict}")
        connection.exec_driver_sql(sql, list(zip(*(columns[n] for n in names))))
        return
    if dialect != "postgresql":
        raise BadInput("Unsupported database {dialect}.", dialect=dialect)
    types = {"day": "date", "week_ending": "date", "location_id": "text", "location_name": "text",
             "endpoint_type": "text", "queue_answer_wait_s": "float8", "queue_abandon_wait_s": "float8"}
    arrays = ", ".join(f"%({n})s::{types.get(n, 'int8')}[]" for n in names)
    sql = (f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM unnest({arrays}) {conflict}")
    step = 200_000  # bounds the size of one statement's parameters
    for start in range(0, count, step):
        # Each column as one array literal, parsed by the server: adapting Python lists
        # element by element cost more than the upsert itself.
        connection.exec_driver_sql(sql, {n: _pg_array(columns[n][start:start + step], n in types and
                                                      types[n] == "text") for n in names})


def _pg_array(values: list, quoted: bool) -> str:
    if quoted:
        return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
                              for v in values) + "}"
    return "{" + ",".join(map(str, values)) + "}"
