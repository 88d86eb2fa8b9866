"""The Webex stand-in's Partner Reports API (shapes in docs/webex-sources.md, "Partner
Reports"): list templates, create a report, poll it, download it.

``PartnerReportRoutes`` is mixed into ``FakeWebex`` (tests/fakes/webex.py), so these
routes get the same auth, 429/Retry-After and failure injection as every other
(``wx.fail_next(429, retry_after="0", path_contains="/partner/reports")``).

By default the licence report is made from the stand-in's own ``licenses`` (one row per
licence item, the org id as the UUID Partner Hub prints) and ``usage`` (licence id ->
used in the last 7 days, used in the last 3 months; a licence absent from ``usage`` has
blank usage cells). A report answers ``inProgress`` to its first ``report_polls_pending``
status reads, then ``done`` with a download link; the download is a zip holding one CSV
that starts with a UTF-8 BOM.

    wx.licenses["org-a"] = [{"id": "L1", "name": "Webex Calling - Professional", "totalUnits": 10,
                             "consumedUnits": 4, "subscriptionId": "SUB-1"}]
    wx.usage["L1"] = (3, 4)
"""
from __future__ import annotations

import base64
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date

USAGE_TEMPLATE_ID = 210
REGIONS = ("US", "CA", "EU", "UAE")
USAGE_HEADER = ["Customer", "Customer org ID", "Subscription ID", "License name", "Total licenses",
                "Assigned licenses", "Used in the last 7 days", "Used in the last 3 months"]


def default_templates() -> list[dict]:
    """The spec's example shape (a bare array, ``templateId``)."""
    return [
        {"templateId": 130, "title": "Calling Usage", "service": "Teams", "category": "Partner", "maxDays": 31,
         "dataStartDate": "2024-01-01", "dataEndDate": None},
        {"templateId": USAGE_TEMPLATE_ID, "title": "License Usage", "service": "Teams", "category": "Partner",
         "maxDays": 31, "dataStartDate": "2024-01-01", "dataEndDate": None},
    ]


def uuid_of(org_id: str) -> str:
    """The UUID Partner Hub's reports print for a Webex organization id."""
    try:
        text = base64.b64decode(org_id + "=" * (-len(org_id) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return org_id
    return text.rsplit("/", 1)[-1] if text.startswith("ciscospark://") else org_id


def zipped_csv(header: list[str], rows: list[list], name: str = "report.csv") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, "\ufeff".encode() + text.getvalue().encode("utf-8"))  # Webex writes a BOM
    return out.getvalue()


@dataclass
class PartnerReportRoutes:
    report_templates: list[dict] = field(default_factory=default_templates)
    usage: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    report_region: dict[str, str] = field(default_factory=dict)  # org id -> region (default US)
    report_polls_pending: int = 1
    # report id -> the file to serve instead of the one made from licences (a test's own CSV)
    report_files: dict[str, bytes] = field(default_factory=dict)
    next_report_file: bytes | None = None
    reports: dict[str, dict] = field(default_factory=dict)

    def usage_rows(self, region: str) -> list[list]:
        rows = []
        for org in self.orgs:
            if self.report_region.get(org["id"], "US") != region:
                continue
            for lic in self.licenses.get(org["id"], []):
                used = self.usage.get(lic.get("id"), (None, None))
                rows.append([org.get("displayName", ""), uuid_of(org["id"]), lic.get("subscriptionId", ""),
                             lic.get("name", ""), lic.get("totalUnits", ""), lic.get("consumedUnits", ""),
                             "" if used[0] is None else used[0], "" if used[1] is None else used[1]])
        return rows

    def _partner_report_route(self, method: str, path: str, query: dict, body, tracking: str):
        if path == "/v1/partner/reports/templates" and method == "GET":
            return 200, list(self.report_templates), {}
        if path == "/v1/partner/reports" and method == "POST":
            return self._create_report(body, tracking)
        if path.startswith("/v1/partner/reports/") and method == "GET":
            report = self.reports.get(path.rsplit("/", 1)[-1])
            if report is None:
                return 404, {"message": "Report not found", "errors": [], "trackingId": tracking}, {}
            report["polls"] += 1
            done = report["polls"] > self.report_polls_pending
            answer = {k: report[k] for k in ("reportId", "templateId", "startDate", "endDate", "regionId")}
            answer.update(title="License Usage", service="Teams", createdTime="2026-01-01 10:00:00",
                          status="done" if done else "inProgress")
            if done:
                answer.update(downloadURL=f"{self.root}/download/partner-reports?reportId={report['reportId']}",
                              downloadUrlExpiryTime="3600")
            return 200, answer, {}
        if path == "/download/partner-reports" and method == "GET":
            report = self.reports.get(query.get("reportId", ""))
            if report is None or report["polls"] <= self.report_polls_pending:
                return 404, {"message": "Report not found", "trackingId": tracking}, {}
            data = self.report_files.get(report["reportId"])
            if data is None:
                data = zipped_csv(USAGE_HEADER, self.usage_rows(report["regionId"]))
            return 200, data, {"Content-Type": "application/octet-stream"}
        return None

    def _create_report(self, body, tracking: str):
        body = body if isinstance(body, dict) else {}
        template = next((t for t in self.report_templates if t["templateId"] == body.get("templateId")), None)
        try:
            start, end = date.fromisoformat(body.get("startDate")), date.fromisoformat(body.get("endDate"))
        except (TypeError, ValueError):
            start = end = None
        if (template is None or not isinstance(body.get("templateId"), int) or start is None or end < start
                or (end - start).days + 1 > template["maxDays"] or body.get("regionId") not in REGIONS):
            return 400, {"message": "Invalid templateId, startDate, endDate or regionId", "errors": [],
                         "trackingId": tracking}, {}
        report_id = f"REPORT-{len(self.reports) + 1}"
        self.reports[report_id] = {"reportId": report_id, "templateId": template["templateId"],
                                   "startDate": body["startDate"], "endDate": body["endDate"],
                                   "regionId": body["regionId"], "polls": 0}
        if self.next_report_file is not None:
            self.report_files[report_id], self.next_report_file = self.next_report_file, None
        return 200, {"reportId": report_id, "createdTime": "2026-01-01 10:00:00"}, {}
