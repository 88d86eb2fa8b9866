"""Licence usage from Webex's Partner Reports API, through the local stand-in over HTTP."""
from __future__ import annotations

import base64
from datetime import date, datetime, timezone

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from partnerhub_core import provenance
from partnerhub_core.models import CallIngestBatch, Customer, LicenseSnapshot, Partner, Subscription
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.sources import partner_reports, sync
from tests.fakes.webex import FakeWebex
from tests.fakes.webex_reports import USAGE_HEADER, zipped_csv

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)  # a Wednesday
WEEK = date(2026, 11, 21)  # its snapshot week
TOKEN = "wx-usage-token"


def webex_id(uuid: str) -> str:
    return base64.b64encode(f"ciscospark://us/ORGANIZATION/{uuid}".encode()).decode().rstrip("=")


UA, UB = "aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"
ORG_A, ORG_B = webex_id(UA), webex_id(UB)


@pytest.fixture
def wx():
    with FakeWebex(token=TOKEN) as fake:
        fake.add_org(ORG_A, "Acme")
        fake.add_org(ORG_B, "Bravo")
        fake.licenses[ORG_A] = [
            {"id": "L1", "name": "Webex Calling - Professional", "totalUnits": 10, "consumedUnits": 4,
             "subscriptionId": "SUB-1"},
            {"id": "L2", "name": "Webex Calling - Basic", "totalUnits": 5, "consumedUnits": 2,
             "subscriptionId": "SUB-1"},
            {"id": "L3", "name": "Meeting - Webex Enterprise", "totalUnits": 20, "consumedUnits": 12,
             "subscriptionId": "SUB-2"},
        ]
        fake.licenses[ORG_B] = [{"id": "L4", "name": "Meeting - Webex Enterprise", "totalUnits": 8,
                                 "consumedUnits": 8, "subscriptionId": "SUB-3"}]
        fake.usage.update({"L1": (3, 4), "L2": (1, 2), "L3": (10, 11)})  # L4: blank cells
        fake.report_region[ORG_B] = "EU"
        yield fake


@pytest.fixture
def wsettings(settings, wx):
    return settings.model_copy(update=dict(
        webex_api_url=wx.url, webex_cdr_url=wx.cdr_url("us"), webex_token=SecretStr(TOKEN),
        webex_backoff_s=0.001, webex_retry_after_default_s=0.001, webex_retry_after_cap_s=0.01,
        webex_max_retries=2))


@pytest.fixture
def partner_id(engine):
    with Session(engine) as s:
        p = Partner(name="Partner", default_region="US")
        s.add(p)
        s.commit()
        return p.id


def factory(engine):
    return lambda: Session(engine, expire_on_commit=False)


def run(engine, wsettings, partner_id, parts=("organizations", "licenses", "license_usage"), now=NOW):
    return sync.sync_partner(session_factory=factory(engine), partner_id=partner_id, settings=wsettings,
                             now=now, parts=list(parts))


@pytest.fixture
def synced(engine, wsettings, partner_id):
    """Customers and licences read, Bravo placed in the EU region, then the usage part."""
    run(engine, wsettings, partner_id, parts=("organizations", "licenses"))
    with Session(engine) as s:
        bravo = s.exec(select(Customer).where(Customer.org_id == ORG_B)).one()
        bravo.region = "EU"
        s.add(bravo)
        s.commit()
    return run(engine, wsettings, partner_id, parts=("license_usage",))


def usage(engine) -> dict[tuple[str, str], tuple]:
    with Session(engine) as s:
        rows = s.exec(select(Subscription, LicenseSnapshot).join(
            LicenseSnapshot, LicenseSnapshot.subscription_pk == Subscription.id)).all()
        return {(sub.subscription_id, sub.product): (snap.week_ending, snap.total, snap.assigned, snap.used_7d,
                                                     snap.used_90d) for sub, snap in rows}


def usage_source(engine, partner_id, settings):
    with Session(engine) as s:
        states = provenance.source_states(s, partner_id=partner_id, as_of=NOW.date(), settings=settings)
    return next(st for st in states if st.family == SourceFamily.LICENSE_USAGE)


def test_usage_per_subscription_line_from_the_report_of_each_region(engine, wx, wsettings, synced, partner_id):
    assert synced.ok, synced.parts
    assert usage(engine) == {
        # SUB-1 calling: Professional (3 of 7 days, 4 of 3 months) + Basic (1, 2) on one line.
        ("SUB-1", "calling"): (WEEK, 15, 6, 4, 6),
        ("SUB-2", "meetings"): (WEEK, 20, 12, 10, 11),
        # Bravo's cells are blank: unknown, not 0.
        ("SUB-3", "meetings"): (WEEK, 8, 8, None, None),
    }
    posts = [c.body for c in wx.calls("/v1/partner/reports", method="POST")]
    # One report per region the customers live in, for the 7 days ending yesterday.
    assert posts == [{"templateId": 210, "startDate": "2026-11-18", "endDate": "2026-11-24", "regionId": region}
                     for region in ("EU", "US")]
    assert len(wx.calls("/download/partner-reports")) == 2
    with Session(engine) as s:
        ledger = s.exec(select(CallIngestBatch).where(CallIngestBatch.source == "webex-partner-report")).all()
        assert sorted((b.legs_received, b.legs_added, b.legs_skipped) for b in ledger) == [(1, 1, 0), (3, 2, 0)]
    state = usage_source(engine, partner_id, wsettings)
    # Usage known for 2 of the 3 subscription lines of the week.
    assert (state.rows, state.covered, state.total) == (2, 2, 3)


def test_a_second_sync_the_same_day_reads_no_report_twice(engine, wx, wsettings, synced, partner_id):
    before = len(wx.requests)
    again = run(engine, wsettings, partner_id, parts=("license_usage",))
    part = again.parts[0]
    assert (part.succeeded, part.skipped, part.items, part.failed) == (0, 2, 0, 0)
    new = wx.requests[before:]
    assert [(r.method, r.path) for r in new] == [("GET", "/v1/partner/reports/templates")]
    with Session(engine) as s:
        assert len(s.exec(select(CallIngestBatch)).all()) == 2
    assert usage(engine)[("SUB-1", "calling")] == (WEEK, 15, 6, 4, 6)


def test_a_report_not_ready_is_polled_again_by_the_next_sync_not_ordered_again(engine, wx, wsettings, partner_id):
    run(engine, wsettings, partner_id, parts=("organizations", "licenses"))
    wx.report_polls_pending = 99  # Webex still making it when the sync gives up (or is killed)
    first = run(engine, wsettings, partner_id, parts=("license_usage",))
    assert first.ok and first.parts[0].items == 0
    assert usage(engine)[("SUB-1", "calling")][3:] == (None, None)
    assert len(wx.calls("/v1/partner/reports", method="POST")) == 1
    wx.report_polls_pending = 0
    second = run(engine, wsettings, partner_id, parts=("license_usage",))
    assert second.parts[0].items == 2
    assert len(wx.calls("/v1/partner/reports", method="POST")) == 1  # the same report, read now
    assert usage(engine)[("SUB-1", "calling")][3:] == (4, 6)


def test_rate_limits_on_the_reports_api_are_waited_out(engine, wx, wsettings, partner_id):
    wx.fail_next(429, retry_after="0", path_contains="/v1/partner/reports", times=3)
    report = run(engine, wsettings, partner_id)
    assert report.ok
    assert usage(engine)[("SUB-2", "meetings")][3:] == (10, 11)


def test_a_token_without_the_reports_scopes_leaves_usage_unknown_and_names_them(engine, wx, wsettings, partner_id):
    wx.fail_next(403, path_contains="/partner/reports/templates")
    report = run(engine, wsettings, partner_id)
    # An optional source without its scopes is "not connected", not a failed sync.
    assert [(p.part, p.ok) for p in report.parts] == [("organizations", True), ("licenses", True),
                                                      ("license_usage", True)]
    assert report.parts[-1].not_connected == ("not connected: missing scope identity:people_read, "
                                              "spark-admin:reports_read, spark-admin:reports_write")
    assert {k: v[1:3] for k, v in usage(engine).items()} == {  # totals and assigned still read
        ("SUB-1", "calling"): (15, 6), ("SUB-2", "meetings"): (20, 12), ("SUB-3", "meetings"): (8, 8)}
    assert {v[3] for v in usage(engine).values()} == {None}
    state = usage_source(engine, partner_id, wsettings)
    assert state.missing_scopes == ["identity:people_read", "spark-admin:reports_read", "spark-admin:reports_write"]
    assert not state.known


def test_a_report_without_usage_columns_is_a_failure_not_zero(engine, wx, wsettings, partner_id):
    run(engine, wsettings, partner_id, parts=("organizations", "licenses"))
    wx.next_report_file = zipped_csv(["Customer", "Customer org ID", "Subscription ID", "Total licenses"],
                                     [["Acme", UA, "SUB-1", "15"]])
    report = run(engine, wsettings, partner_id, parts=("license_usage",))
    assert not report.ok and "no usage column" in report.parts[0].errors[0]
    assert {v[3] for v in usage(engine).values()} == {None}


def test_org_level_rows_go_to_the_only_line_of_that_product_and_never_split(engine, wx, wsettings, partner_id):
    wx.licenses[ORG_B].append({"id": "L5", "name": "Meeting - Webex Enterprise", "totalUnits": 2,
                               "consumedUnits": 1, "subscriptionId": "SUB-4"})
    run(engine, wsettings, partner_id, parts=("organizations", "licenses"))
    header = ["Customer org ID", "License name", "Used in the last 7 days", "Used in the last 3 months"]
    wx.next_report_file = zipped_csv(header, [
        [UA, "Meeting - Webex Enterprise", "7", "9"],  # Acme has one Meetings line: SUB-2
        [UB, "Meeting - Webex Enterprise", "5", "5"],  # Bravo has two (SUB-3, SUB-4): cannot split
    ])
    report = run(engine, wsettings, partner_id, parts=("license_usage",))
    assert report.ok
    got = usage(engine)
    assert got[("SUB-2", "meetings")][3:] == (7, 9)
    assert got[("SUB-3", "meetings")][3:] == got[("SUB-4", "meetings")][3:] == (None, None)
    assert got[("SUB-1", "calling")][3:] == (None, None)
    with Session(engine) as s:
        (batch,) = s.exec(select(CallIngestBatch)).all()
        assert (batch.legs_received, batch.legs_added, batch.legs_skipped) == (2, 1, 1)


def test_report_details_from_the_report_update_the_subscription(engine, wx, wsettings, partner_id):
    run(engine, wsettings, partner_id, parts=("organizations", "licenses"))
    wx.next_report_file = zipped_csv(USAGE_HEADER + ["End date", "Auto renew"], [
        ["Acme", UA, "SUB-2", "Meeting - Webex Enterprise", "20", "12", "10", "11", "2027-03-31", "Yes"]])
    run(engine, wsettings, partner_id, parts=("license_usage",))
    with Session(engine) as s:
        sub = s.exec(select(Subscription).where(Subscription.subscription_id == "SUB-2")).one()
        assert (sub.end_date, sub.auto_renew) == (date(2027, 3, 31), True)


def test_csv_rows_reads_a_zipped_csv_with_a_bom_by_header_name():
    data = zipped_csv(["Customer org ID", "Used in the last 7 days"], [["u-1", "3"], ["", ""]])
    assert data[:2] == b"PK"
    assert partner_reports.csv_rows(data) == [{"customer org id": "u-1", "used in the last 7 days": "3"}]
    assert partner_reports.csv_rows("\ufeffOrg ID,Used in last 7 days\r\nx,1\r\n".encode()) == [
        {"org id": "x", "used in last 7 days": "1"}]
