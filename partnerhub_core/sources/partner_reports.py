"""Webex's Partner Reports API: Partner Hub's own reports, made on request.

The flow (docs/webex-sources.md, "Partner Reports"): list the report templates, create a
report from one template for one region and a date range, poll the report until its
status is done, download it from its ``downloadURL`` (a zip holding one CSV whose first
bytes are a UTF-8 BOM), and read the CSV by its header names.

Where the spec's schema and its examples disagree the reader accepts both: a template's
id is ``templateId`` (example) or ``id`` (schema); a created report's id is ``reportId``
or ``id``; the download link is ``downloadURL`` or ``downloadUrl``; the template list is
a bare array (example) or ``{"items": [...]}``.

Only HTTP and parsing here; what a report means for our tables is its part's business
(``license_usage.py``)."""
from __future__ import annotations

import csv
import io
import logging
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from partnerhub_core.errors import UpstreamError
from partnerhub_core.i18n import N_
from partnerhub_core.sources.webex import WebexClient

log = logging.getLogger(__name__)

MAX_POLLS = 8  # waits double from webex_backoff_s up to webex_retry_after_cap_s (about 3 minutes)
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024
READY = {"done", "completed", "complete", "success", "succeeded"}
FAILED = {"failed", "error", "errored", "cancelled", "canceled"}
SCOPES = ["identity:people_read", "spark-admin:reports_read", "spark-admin:reports_write"]


@dataclass(frozen=True)
class Template:
    id: int
    title: str
    service: str = ""
    category: str = ""
    max_days: int | None = None
    data_end: date | None = None


@dataclass(frozen=True)
class ReportStatus:
    report_id: str
    status: str  # as Webex wrote it, lower-cased
    download_url: str | None

    @property
    def ready(self) -> bool:
        return self.status in READY and bool(self.download_url)

    @property
    def failed(self) -> bool:
        return self.status in FAILED


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def list_templates(client: WebexClient) -> list[Template]:
    """``GET /partner/reports/templates``; templates without a numeric id are skipped."""
    body = client.get_json("partner/reports/templates")
    items = body.get("items") if isinstance(body, dict) else body
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        tid = _int(item.get("templateId", item.get("id", item.get("Id"))))
        if tid is None:
            log.info("partner reports: skipped a template without an id")
            continue
        out.append(Template(id=tid, title=str(item.get("title") or ""), service=str(item.get("service") or ""),
                            category=str(item.get("category") or ""), max_days=_int(item.get("maxDays")),
                            data_end=_day(item.get("dataEndDate"))))
    return out


def create_report(client: WebexClient, *, template_id: int, start: date, end: date, region: str) -> str:
    """``POST /partner/reports``; returns the new report's id."""
    resp = client.request("POST", "partner/reports", json={
        "templateId": template_id, "startDate": start.isoformat(), "endDate": end.isoformat(),
        "regionId": region})
    body = resp.json() if resp.content else {}
    report_id = body.get("reportId") or body.get("id") if isinstance(body, dict) else None
    if not isinstance(report_id, str) or not report_id:
        raise UpstreamError(N_("Webex created a report but gave no report id."))
    return report_id


def report_status(client: WebexClient, report_id: str) -> ReportStatus:
    """``GET /partner/reports/{reportId}``."""
    body = client.get_json(f"partner/reports/{report_id}")
    body = body if isinstance(body, dict) else {}
    url = body.get("downloadURL") or body.get("downloadUrl")
    return ReportStatus(report_id, str(body.get("status") or "").strip().casefold(),
                        url if isinstance(url, str) and url else None)


def wait_until_ready(client: WebexClient, report_id: str, *, first_wait: float, cap: float,
                     sleep: Callable[[float], None] = time.sleep, polls: int = MAX_POLLS) -> ReportStatus:
    """Poll until the report is done or failed, at most ``polls`` times. A report still
    being made after that is returned as it stands: the next sync polls it again."""
    wait = max(first_wait, 0.0)
    status = report_status(client, report_id)
    for _ in range(polls - 1):
        if status.ready or status.failed:
            break
        sleep(min(wait, cap))
        wait = wait * 2 if wait else 0.0
        status = report_status(client, report_id)
    return status


def download(client: WebexClient, url: str) -> bytes:
    """The report file's bytes (the link carries the report id; the token goes with it)."""
    resp = client.request("GET", url)
    if len(resp.content) > MAX_DOWNLOAD_BYTES:
        raise UpstreamError(N_("The Webex report is larger than {size} MB."), size=MAX_DOWNLOAD_BYTES // 2**20)
    return resp.content


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """The rows of the report's CSV, keyed by normalised header (see ``header_key``).

    The download is a zip holding the CSV (no .zip name, no reliable content type: the
    zip magic decides); a plain CSV is read as is. The BOM Webex writes is dropped."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            csvs = [n for n in names if n.casefold().endswith(".csv")] or names
            if not csvs:
                return []
            data = archive.read(csvs[0])  # one CSV per report
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return []
    keys = [header_key(h) for h in header]
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append({k: (values[i].strip() if i < len(values) else "") for i, k in enumerate(keys) if k})
    return rows


def header_key(name: str) -> str:
    """"Used in the last 7 days " and "used-in-the-last-7-days" are the same column."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.replace("\ufeff", "").casefold()).split())
