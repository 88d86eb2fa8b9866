"""A year of Webex Calling data for the demo partner's calling customers.

Written straight into ``CallRollup`` with bulk inserts (one row per customer, location,
endpoint type and week, dated the week's Wednesday), so the demo stays quick; the raw
leg path (``calling.ingest_legs``) is exercised by its own tests. Deterministic for a
seed. What it contains, so the demo shows every view:

- calls follow each customer's calling licenses, with a gentle seasonal wave; a few
  customers' usage falls over the last weeks (F16);
- poor-quality legs are rarer on desk phones than on third-party devices (F17);
- about half of the customers have call queues, hunt groups and auto attendants (F18);
- one customer with queues (the largest) has its abandoned calls spike in the last
  completed week, about six times its usual rate (F19, the digest's spike alert).
"""
from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session

from partnerhub_core.calling import ROLLUP_SUMS
from partnerhub_core.models import CallRollup, Customer, EndpointType, Location, Subscription
from partnerhub_core.provenance import SourceFamily, record_refresh
from partnerhub_core.timeutil import last_completed_week_ending

WEEKS = 52
_CHUNK = 2000

# endpoint -> (share of calls, share of legs with media figures that are poor, video share)
ENDPOINTS = {
    EndpointType.DESK_PHONE: (0.55, 0.012, 0.0),
    EndpointType.WEBEX_APP: (0.30, 0.025, 0.15),
    EndpointType.ROOM_DEVICE: (0.10, 0.018, 0.85),
    EndpointType.OTHER: (0.05, 0.07, 0.0),
}


def load_demo_calling(session: Session, *, partner_id: int, as_of: date, seed: int) -> dict:
    """Write the demo partner's calling rollups. Flushes, never commits. Returns counts
    and the spike customer's id (``{"rows": n, "customers": n, "spike_customer_id": id}``)."""
    rng = random.Random(f"partnerhub-demo-calling:{seed}")
    session.flush()
    last_week = last_completed_week_ending(as_of)
    first_week = last_week - timedelta(weeks=WEEKS - 1)
    session.execute(sa.delete(CallRollup).where(CallRollup.partner_id == partner_id))

    spans: dict[int, list] = {}
    for cid, total, start, end in session.execute(
        sa.select(Subscription.customer_id, Subscription.total_licenses, Subscription.start_date,
                  Subscription.end_date)
        .where(Subscription.partner_id == partner_id, Subscription.product == "calling")
        .order_by(Subscription.customer_id, Subscription.id)
    ):
        span = spans.setdefault(cid, [0, start, end])
        span[0] += total or 0
        span[1] = min(span[1], start)
        span[2] = None if span[2] is None or end is None else max(span[2], end)
    if not spans:
        return {"rows": 0, "customers": 0, "spike_customer_id": None}

    locations: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for cid, loc_id, name in session.execute(
        sa.select(Location.customer_id, Location.location_id, Location.name)
        .where(Location.partner_id == partner_id).order_by(Location.id)
    ):
        locations[cid].append((loc_id, name))
    names = dict(session.execute(sa.select(Customer.id, Customer.name).where(Customer.partner_id == partner_id)).all())

    customer_ids = sorted(spans)
    profile = {}
    for cid in customer_ids:
        profile[cid] = {
            "queues": rng.random() < 0.5,
            "third_party": rng.random() < 0.4,
            "rooms": rng.random() < 0.6,
            "falling": rng.random() < 0.12,
            "calls_per_user": rng.uniform(12, 30),
            "abandon": rng.uniform(0.04, 0.07),
        }
    with_queues = [cid for cid in customer_ids if profile[cid]["queues"]]
    if not with_queues:  # a tiny demo still shows the queue views
        profile[customer_ids[0]]["queues"] = True
        with_queues = [customer_ids[0]]
    spike = max(with_queues, key=lambda c: (spans[c][0], names.get(c, "")))

    rows: list[dict] = []
    for cid in customer_ids:
        licenses, start, end = spans[cid]
        p = profile[cid]
        users = max(3, int(licenses * 0.8))
        locs = locations.get(cid) or [(f"demo-loc-{cid}", names.get(cid, "") + " HQ")]
        weights = [1.0 / (k + 1) for k in range(len(locs))]
        weight_sum = sum(weights)
        for w in range(WEEKS):
            week = first_week + timedelta(weeks=w)
            sunday = week - timedelta(days=6)
            if week < start or (end is not None and sunday > end):
                continue
            season = 1 + 0.12 * math.sin(2 * math.pi * w / 52)
            fall = 1.0
            if p["falling"] and w >= WEEKS - 6:
                fall = 1 - 0.12 * (w - (WEEKS - 7))  # loses about 12% a week at the end
            calls = users * p["calls_per_user"] * season * fall * rng.uniform(0.9, 1.1)
            for k, (loc_id, loc_name) in enumerate(locs):
                loc_calls = calls * weights[k] / weight_sum
                first_row = True
                for endpoint, (share, poor_rate, video_share) in ENDPOINTS.items():
                    if endpoint == EndpointType.OTHER and not p["third_party"]:
                        continue
                    if endpoint == EndpointType.ROOM_DEVICE and not p["rooms"]:
                        continue
                    n_calls = int(round(loc_calls * share))
                    if n_calls <= 0:
                        continue
                    row = _row(rng, partner_id, cid, week, loc_id, loc_name, endpoint, n_calls, poor_rate,
                               video_share)
                    if first_row and endpoint == EndpointType.DESK_PHONE:
                        _features(rng, row, loc_calls, p, spiking=(cid == spike and week == last_week))
                    first_row = False
                    rows.append(row)

    table = CallRollup.__table__
    conn = session.connection()
    for i in range(0, len(rows), _CHUNK):
        conn.execute(sa.insert(table), rows[i:i + _CHUNK])
    session.flush()
    read_at = datetime.combine(as_of, time(6), tzinfo=timezone.utc)
    for family in (SourceFamily.CALL_HISTORY, SourceFamily.CALL_QUALITY):
        record_refresh(session, partner_id=partner_id, family=family, now=read_at, rows=len(rows),
                       covered=len(customer_ids), total=len(customer_ids))
    return {"rows": len(rows), "customers": len(customer_ids), "spike_customer_id": spike}


def _row(rng, partner_id, cid, week, loc_id, loc_name, endpoint, calls, poor_rate, video_share) -> dict:
    legs = int(round(calls * rng.uniform(1.6, 2.0)))
    with_media = int(round(legs * 0.92))
    video_legs = int(round(legs * video_share))
    duration = int(legs * rng.uniform(150, 260))
    row = {name: 0 for name in ROLLUP_SUMS}
    row.update(
        partner_id=partner_id, customer_id=cid, day=week - timedelta(days=3), week_ending=week,
        location_id=loc_id, location_name=loc_name, endpoint_type=str(endpoint),
        calls=calls, legs=legs, legs_with_media=with_media,
        poor_legs=min(with_media, int(round(with_media * poor_rate * rng.uniform(0.6, 1.4)))),
        audio_legs=legs - video_legs, video_legs=video_legs, duration_s=duration,
        video_s=int(duration * video_share),
    )
    return row


def _features(rng, row: dict, loc_calls: float, p: dict, *, spiking: bool) -> None:
    """Advanced features and queue outcomes, on the location's desk-phone row."""
    row["auto_attendant_calls"] = int(round(loc_calls * rng.uniform(0.06, 0.1)))
    row["voicemail_calls"] = int(round(loc_calls * rng.uniform(0.02, 0.04)))
    row["call_pickup_calls"] = int(round(loc_calls * rng.uniform(0.0, 0.02)))
    if not p["queues"]:
        return
    row["hunt_group_calls"] = int(round(loc_calls * rng.uniform(0.03, 0.06)))
    row["call_park_calls"] = int(round(loc_calls * rng.uniform(0.0, 0.01)))
    # Small customers get few queue calls (below the spike alert's minimum); the spike
    # customer is the largest, so its queues carry well over that minimum.
    queue = max(3, int(round(loc_calls * rng.uniform(0.12, 0.18))))
    abandon_rate = 0.34 if spiking else p["abandon"] * rng.uniform(0.85, 1.15)

    def share(rate: float) -> int:
        return int(round(queue * rate * rng.uniform(0.7, 1.3)))

    abandoned = int(round(queue * abandon_rate))
    timed_out, overflowed, transferred = share(0.03), share(0.02), share(0.04)
    answered = max(0, queue - abandoned - timed_out - overflowed - transferred)
    row.update(
        queue_calls=queue, queue_answered=answered, queue_abandoned=abandoned, queue_timed_out=timed_out,
        queue_overflowed=overflowed, queue_transferred=transferred,
        queue_answer_wait_s=round((answered + transferred) * rng.uniform(18, 35) * (1.8 if spiking else 1), 1),
        queue_abandon_wait_s=round(abandoned * rng.uniform(35, 60), 1),
    )
