"""The ``license_usage`` part: licences used in the last 7 days and 3 months, and the
subscription details the report carries, from a Partner Hub licence report (Partner
Reports API, ``partner_reports.py``).

One report per region the partner's customers live in, for the week ending yesterday.
Each region's report id is kept in ``SyncState`` (part ``license_usage``, org id
``region:<R>``) the moment Webex gives it, so a sync killed while Webex makes the report
polls the same report next time instead of ordering another. An ingested report is
written to the ingest ledger (``CallIngestBatch``, source ``webex-partner-report``, key
from the report id) and never read twice.

What the figures mean (docs/webex-sources.md):
- Used counts are written to this week's ``LicenseSnapshot`` of the subscription line
  (subscription id + product), summed over the report's licence rows of that line; a
  row without a readable number leaves the line's usage unknown (None), never 0.
- A report row without a subscription id is an org-level count: it goes to the
  customer's only subscription of that product, and is dropped when there are several
  (we cannot split it honestly).
- When no column of the report names a usage figure, usage stays unknown and the
  licence-usage source is recorded as failed with the headers it had.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from partnerhub_core import provenance
from partnerhub_core.errors import PartnerHubError
from partnerhub_core.models import CallIngestBatch, Customer, LicenseSnapshot, Partner, Subscription
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.sources import partner_reports as pr
from partnerhub_core.sources.call_history import org_uuid
from partnerhub_core.sources.licenses import product_of_license, snapshot_week
from partnerhub_core.sources.sync_common import (
    PartnerPart,
    PartResult,
    SyncContext,
    not_connected_note,
    state_row,
    to_int,
)
from partnerhub_core.sources.webex import WebexHTTPError

log = logging.getLogger(__name__)

PART_NAME = "license_usage"
LEDGER_SOURCE = "webex-partner-report"
WINDOW_DAYS = 7

# Header names (normalised by partner_reports.header_key) -> our field. The first of each
# list is the name Partner Hub's screens use; the others are spellings seen in exports.
COLUMNS: dict[str, tuple[str, ...]] = {
    "org": ("customer org id", "customer organization id", "org id", "organization id", "customer org uuid"),
    "subscription": ("subscription id", "subscription"),
    "license": ("license name", "license", "license type", "offer name", "product"),
    "total": ("total licenses", "licenses purchased", "purchased licenses", "quantity"),
    "assigned": ("assigned licenses", "licenses assigned", "assigned"),
    "used_7d": ("used in the last 7 days", "used in last 7 days", "licenses used last 7 days",
                "used last 7 days", "active users last 7 days"),
    "used_90d": ("used in the last 3 months", "used in last 3 months", "used in the last 90 days",
                 "used in last 90 days", "licenses used last 3 months", "used last 3 months"),
    "end_date": ("end date", "subscription end date", "renewal date", "expiration date"),
    "auto_renew": ("auto renew", "auto renewal", "autorenew"),
}
_TRUE, _FALSE = {"yes", "true", "y", "1", "on"}, {"no", "false", "n", "0", "off"}


class ReportProblem(Exception):
    """A report that cannot be read as a licence report (no template, no usage column)."""


def usage_template(templates: list[pr.Template]) -> pr.Template | None:
    """The licence report among Webex's templates: its title names licences (or
    subscriptions) and usage; the lowest id wins when several do."""
    def score(t: pr.Template) -> int:
        title = t.title.casefold()
        return (("licen" in title) * 2 + ("subscription" in title)) * ("usage" in title or "used" in title
                                                                         or "licen" in title)
    found = sorted((t for t in templates if score(t)), key=lambda t: (-score(t), t.id))
    return found[0] if found else None


def columns_of(rows: list[dict[str, str]]) -> dict[str, str]:
    """Our field -> the report's header key, for the headers this report has."""
    have = set(rows[0]) if rows else set()
    return {f: next(k for k in keys if k in have) for f, keys in COLUMNS.items() if any(k in have for k in keys)}


@dataclass
class _Line:
    used_7d: int | None = 0
    used_90d: int | None = 0
    total: int | None = 0
    assigned: int | None = 0
    end_date: date | None = None
    auto_renew: bool | None = None
    rows: int = 0
    _unknown: set = field(default_factory=set)

    def add(self, name: str, value: int | None) -> None:
        if value is None or name in self._unknown:
            self._unknown.add(name)
            setattr(self, name, None)
        else:
            setattr(self, name, getattr(self, name) + value)


def _bool(value: str) -> bool | None:
    v = value.strip().casefold()
    return True if v in _TRUE else False if v in _FALSE else None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()[:10]) if value.strip() else None
    except ValueError:
        return None


def apply_report(session: Session, *, partner_id: int, rows: list[dict[str, str]], as_of: date) -> tuple[int, int]:
    """Write one report's rows; returns (lines written, rows not matched to a subscription)."""
    cols = columns_of(rows)
    customers = list(session.exec(select(Customer).where(Customer.partner_id == partner_id)))
    by_org = {c.org_id: c for c in customers} | {org_uuid(c.org_id): c for c in customers}
    subs = list(session.exec(select(Subscription).where(Subscription.partner_id == partner_id)))
    by_key = {(s.subscription_id, s.product): s for s in subs}
    by_sub: dict[str, list[Subscription]] = {}
    by_customer: dict[int, list[Subscription]] = {}
    for s in subs:
        by_sub.setdefault(s.subscription_id, []).append(s)
        by_customer.setdefault(s.customer_id, []).append(s)
    lines: dict[int, _Line] = {}
    unmatched = 0
    for row in rows:
        customer = by_org.get(row.get(cols.get("org", ""), ""))
        product = product_of_license(row.get(cols["license"], "")) if "license" in cols else None
        sub_id = row.get(cols["subscription"], "") if "subscription" in cols else ""
        if sub_id:
            candidates = [by_key[(sub_id, product.value)]] if product and (sub_id, product.value) in by_key \
                else (by_sub.get(sub_id, []) if product is None else [])
        elif customer is not None:  # an org-level row: only an unambiguous line takes it
            candidates = [s for s in by_customer.get(customer.id, []) if product is None or s.product == product]
        else:
            candidates = []
        if len(candidates) != 1 or (customer is not None and candidates[0].customer_id != customer.id):
            unmatched += 1
            continue
        line = lines.setdefault(candidates[0].id, _Line())
        line.rows += 1
        for name in ("used_7d", "used_90d", "total", "assigned"):
            line.add(name, to_int(row.get(cols[name], "")) if name in cols else None)
        if "end_date" in cols:
            line.end_date = _date(row.get(cols["end_date"], "")) or line.end_date
        if "auto_renew" in cols:
            flag = _bool(row.get(cols["auto_renew"], ""))
            line.auto_renew = line.auto_renew if flag is None else flag
    week = snapshot_week(as_of)
    by_pk = {s.id: s for s in subs}
    snaps = {s.subscription_pk: s for s in session.exec(select(LicenseSnapshot).where(
        LicenseSnapshot.partner_id == partner_id, LicenseSnapshot.week_ending == week,
        LicenseSnapshot.subscription_pk.in_(sorted(lines) or [-1])))}
    written = 0
    for pk, line in lines.items():
        sub, snap = by_pk[pk], snaps.get(pk)
        if snap is None:
            if line.total is None or line.assigned is None or "total" not in cols or "assigned" not in cols:
                unmatched += line.rows  # no licence counts of this week to hang the usage on
                continue
            snap = LicenseSnapshot(partner_id=partner_id, subscription_pk=pk, week_ending=week,
                                   total=line.total, assigned=line.assigned)
            session.add(snap)
        snap.used_7d = line.used_7d if "used_7d" in cols else snap.used_7d
        snap.used_90d = line.used_90d if "used_90d" in cols else snap.used_90d
        if line.end_date is not None:
            sub.end_date = line.end_date
        if line.auto_renew is not None:
            sub.auto_renew = line.auto_renew
        written += 1
    return written, unmatched


def ledger_key(report_id: str) -> str:
    return hashlib.sha256(f"partner-report|{report_id}".encode()).hexdigest()


def _regions(session: Session, partner_id: int) -> list[str]:
    regions = set(session.exec(select(Customer.region).where(Customer.partner_id == partner_id).distinct()))
    partner = session.get(Partner, partner_id)
    return sorted(str(r) for r in regions or {partner.default_region or "US"})


def sync_license_usage(ctx: SyncContext) -> PartResult:
    result = PartResult(PART_NAME)
    as_of = ctx.now.date()
    end = as_of - timedelta(days=1)
    try:
        template = usage_template(pr.list_templates(ctx.client))
    except PartnerHubError as exc:
        return _failed(ctx, result, exc)
    if template is None:
        return _failed(ctx, result, ReportProblem("no licence report template offered"))
    if template.data_end is not None:
        end = min(end, template.data_end)
    start = end - timedelta(days=min(WINDOW_DAYS, template.max_days or WINDOW_DAYS) - 1)
    with ctx.factory() as session:
        regions = _regions(session, ctx.partner_id)
    ingested, first = 0, None
    for region in regions:
        try:
            ingested += _one_region(ctx, template, region, start, end, as_of, result)
        except (PartnerHubError, ReportProblem, ValueError) as exc:  # ValueError: a broken zip or CSV
            result.failed += 1
            result.errors.append(f"{region}: {exc}")
            first = first or exc
    with ctx.factory() as session:
        top = state_row(session, ctx.partner_id, PART_NAME)
        if first is not None and not ingested:
            top.last_error_at, top.last_error = ctx.now, result.errors[0][:2000]
            _record_failure(session, ctx, first)
        else:
            top.last_success_at, top.last_error, top.items = ctx.now, None, result.items
            if ingested or result.skipped:
                _record_refresh(session, ctx, as_of)
        session.commit()
    return result


def _one_region(ctx: SyncContext, template: pr.Template, region: str, start: date, end: date,
                as_of: date, result: PartResult) -> int:
    """1 when this region's report was read now, 0 when it was read before or is not ready."""
    key = f"region:{region}"
    wanted = {"templateId": template.id, "endDate": end.isoformat()}
    with ctx.factory() as session:
        row = state_row(session, ctx.partner_id, PART_NAME, key)
        try:
            cursor = json.loads(row.cursor) if row.cursor else {}
        except ValueError:
            cursor = {}
        report_id = cursor.get("reportId") if {k: cursor.get(k) for k in wanted} == wanted else None
        if report_id and _ingested(session, ctx.partner_id, report_id):
            result.skipped += 1
            return 0
        if not report_id:
            report_id = pr.create_report(ctx.client, template_id=template.id, start=start, end=end, region=region)
            row.cursor = json.dumps({**wanted, "reportId": report_id})
        session.commit()  # the report id survives a kill while Webex makes the report
    s = ctx.settings
    status = pr.wait_until_ready(ctx.client, report_id, first_wait=s.webex_backoff_s, cap=s.webex_retry_after_cap_s)
    if status.failed:
        with ctx.factory() as session:
            state_row(session, ctx.partner_id, PART_NAME, key).cursor = ""  # order a new one next time
            session.commit()
        raise ReportProblem(f"report {status.status}")
    if not status.ready:
        log.info("license usage %s: report not ready yet (%s); the next sync reads it", region, status.status)
        result.errors.append(f"{region}: not ready")
        return 0
    rows = pr.csv_rows(pr.download(ctx.client, status.download_url))
    if rows and not {"used_7d", "used_90d"} & set(columns_of(rows)):
        raise ReportProblem("no usage column in the report; headers: " + ", ".join(sorted(rows[0]))[:300])
    with ctx.factory() as session:
        written, unmatched = apply_report(session, partner_id=ctx.partner_id, rows=rows, as_of=as_of)
        session.add(CallIngestBatch(partner_id=ctx.partner_id, batch_key=ledger_key(report_id), source=LEDGER_SOURCE,
                                    received_at=ctx.now, legs_received=len(rows), legs_added=written,
                                    legs_skipped=unmatched))
        row = state_row(session, ctx.partner_id, PART_NAME, key)
        row.last_success_at, row.last_error, row.items = ctx.now, None, written
        session.commit()
    result.succeeded += 1
    result.items += written
    return 1


def _ingested(session: Session, partner_id: int, report_id: str) -> bool:
    return session.exec(select(CallIngestBatch.id).where(
        CallIngestBatch.partner_id == partner_id, CallIngestBatch.batch_key == ledger_key(report_id))).first() is not None


def _record_refresh(session: Session, ctx: SyncContext, as_of: date) -> None:
    week = snapshot_week(as_of)
    q = select(func.count()).select_from(LicenseSnapshot).where(
        LicenseSnapshot.partner_id == ctx.partner_id, LicenseSnapshot.week_ending == week)
    total = session.exec(q).one()
    covered = session.exec(q.where(LicenseSnapshot.used_7d.is_not(None))).one()
    provenance.record_refresh(session, partner_id=ctx.partner_id, family=SourceFamily.LICENSE_USAGE, now=ctx.now,
                              rows=covered, covered=covered, total=total)


def _record_failure(session: Session, ctx: SyncContext, exc: Exception) -> None:
    """Webex answers 403 for a token without the reports scopes (or a partner role)."""
    forbidden = isinstance(exc, WebexHTTPError) and exc.status == 403
    error = f"HTTP {exc.status}" if isinstance(exc, WebexHTTPError) else str(exc)
    provenance.record_failure(session, partner_id=ctx.partner_id, family=SourceFamily.LICENSE_USAGE, now=ctx.now,
                              error=error[:300], missing_scopes=pr.SCOPES if forbidden else None)


def _failed(ctx: SyncContext, result: PartResult, exc: Exception) -> PartResult:
    result.failed, result.errors = 1, [str(exc)]
    if isinstance(exc, WebexHTTPError) and exc.status == 403:
        # An optional source: a token without the reports scopes is "not connected", not a
        # failed sync (recorded_walk.py says why).
        result.not_connected = not_connected_note(pr.SCOPES)
    with ctx.factory() as session:
        top = state_row(session, ctx.partner_id, PART_NAME)
        top.last_error_at, top.last_error = ctx.now, (result.not_connected or str(exc))[:2000]
        _record_failure(session, ctx, exc)
        session.commit()
    return result


PART = PartnerPart(PART_NAME, sync_license_usage)
