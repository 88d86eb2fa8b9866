"""The ``cdr`` part: detailed call history into the calling rollups.

Each organization keeps its own cursor: the end of the last 12-hour window ingested and
the regional host learnt from a 451. Records appear 5 minutes after a call ends and the
feed keeps 30 days.

Webex: ``GET /cdr_feed`` (analytics host). See docs/webex-sources.md.

Provenance: the walk records the ``CALL_HISTORY`` family (usage, features, queues). Media
quality (``CALL_QUALITY``) is not in the feed, and Webex's documented quality source,
``GET /v1/analytics/callQualityStats``, takes no organization: it describes the token's
own organization only (and needs Pro Pack), so a partner's token cannot read a
customer's. Each run records that as the family's failure: quality figures stay unknown
("—"), never 0."""
from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlmodel import Session

from partnerhub_core import provenance
from partnerhub_core.errors import BadInput
from partnerhub_core.models import Customer
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.settings import Settings
from partnerhub_core.sources.recorded_walk import walk_and_record
from partnerhub_core.sources.sync_common import OrgPart, PartnerPart, PartResult, SyncContext, as_utc

log = logging.getLogger(__name__)

CDR_WINDOW = timedelta(hours=12)
CDR_DELAY = timedelta(minutes=5)  # records appear 5 minutes after a call ends
CDR_RETENTION = timedelta(days=30)


def org_uuid(org_id: str) -> str:
    """The UUID inside a Webex organization id (base64 of ``ciscospark://us/ORGANIZATION/<uuid>``)."""
    try:
        text = base64.b64decode(org_id + "=" * (-len(org_id) % 4), validate=False).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return org_id
    return text.rsplit("/", 1)[-1] if text.startswith("ciscospark://") else org_id


def _iso_z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.astimezone(timezone.utc).microsecond // 1000:03d}Z"


def cdr_windows(cursor_until: datetime | None, now: datetime, settings: Settings) -> list[tuple[datetime, datetime]]:
    """12-hour windows from the cursor (or the initial backfill) up to 5 minutes ago."""
    end = now - CDR_DELAY
    start = cursor_until or now - timedelta(hours=settings.webex_cdr_initial_hours)
    start = max(start, now - CDR_RETENTION + timedelta(minutes=10))  # the feed keeps 30 days
    windows = []
    while start < end:
        stop = min(start + CDR_WINDOW, end)
        windows.append((start, stop))
        start = stop
    return windows


def _parse_cdr_cursor(cursor: str | None) -> tuple[datetime | None, str | None]:
    if not cursor:
        return None, None
    try:
        data = json.loads(cursor)
        return as_utc(datetime.fromisoformat(data["until"])), data.get("host")
    except (ValueError, KeyError, TypeError):
        return None, None


@dataclass
class CdrBatch:
    records: list[Any]
    until: datetime | None
    host: str | None


def _fetch_cdr(client, customer, cursor, now, settings) -> CdrBatch:
    until, host = _parse_cdr_cursor(cursor)
    records: list[Any] = []
    last = until
    for start, end in cdr_windows(until, now, settings):
        got, host = client.cdr_feed(org_id=customer.org_id, start=_iso_z(start), end=_iso_z(end), host=host)
        records.extend(got)
        last = end
    return CdrBatch(records, last, host)


def _write_cdr(session: Session, partner_id: int, customer: Customer, batch: CdrBatch,
               now: datetime, settings: Settings) -> tuple[int, str | None]:
    from partnerhub_core import calling  # the calling ingest; imported late to keep sync light

    legs, skipped = [], 0
    uuid = org_uuid(customer.org_id)
    for record in batch.records:
        if not isinstance(record, dict):
            skipped += 1
            continue
        record = dict(record)
        # The feed names the organization by its UUID; customers are stored by Webex id.
        if record.get("Org UUID") in (None, "", "NA", uuid, customer.org_id):
            record["Org UUID"] = customer.org_id
        try:
            legs.append(calling.parse_cdr_record(record))
        except BadInput:
            skipped += 1
    if skipped:
        log.warning("cdr %s: skipped %d malformed records of %d", customer.org_id, skipped, len(batch.records))
    added = 0
    if legs:
        result = calling.ingest_legs(session=session, partner_id=partner_id, legs=legs, now=now,
                                     settings=settings, source="webex-cdr")
        added = result.added
        if result.skipped_unknown_customer:
            log.warning("cdr %s: %d records of other organizations skipped", customer.org_id,
                        result.skipped_unknown_customer)
    cursor = None
    if batch.until is not None:
        cursor = json.dumps({"until": batch.until.isoformat(), "host": batch.host})
    return added, cursor


SCOPES = ("spark-admin:calling_cdr_read",)
QUALITY_UNREADABLE = ("Webex's call quality statistics (analytics/callQualityStats) cover only the token's own "
                      "organization and need Pro Pack: no customer's media quality can be read")
ORG_PART = OrgPart("cdr", _fetch_cdr, _write_cdr, calling_only=True)


def _run(ctx: SyncContext) -> PartResult:
    result = walk_and_record(ctx, ORG_PART, SourceFamily.CALL_HISTORY, SCOPES)
    with ctx.factory() as session:
        provenance.record_failure(session, partner_id=ctx.partner_id, family=SourceFamily.CALL_QUALITY,
                                  now=ctx.now, error=QUALITY_UNREADABLE)
        session.commit()
    return result


PART = PartnerPart("cdr", _run, walks=True)
