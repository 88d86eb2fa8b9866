"""A whole partner synced through the local Webex stand-in, over real HTTP."""
from __future__ import annotations

import base64
from datetime import date, datetime, timezone

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from partnerhub_core.errors import BadInput
from partnerhub_core.models import (
    CallLeg,
    Customer,
    CustomerAdmin,
    CustomerTag,
    Device,
    LicenseSnapshot,
    Location,
    Partner,
    PartnerAdmin,
    PhoneNumber,
    Subscription,
    SyncState,
    Tag,
)
from partnerhub_core.sources import sync
from tests.fakes.webex import FakeWebex

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)  # a Wednesday
WEEK = date(2026, 11, 21)  # the latest Saturday on or before NOW: readers see it today
TOKEN = "wx-secret-token-123"


def webex_id(uuid: str) -> str:
    return base64.b64encode(f"ciscospark://us/ORGANIZATION/{uuid}".encode()).decode().rstrip("=")


PARTNER_ORG = webex_id("00000000-0000-0000-0000-00000000000p")
UA, UB, UC = ("aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002",
              "cccccccc-0000-0000-0000-000000000003")
ORG_A, ORG_B, ORG_C = webex_id(UA), webex_id(UB), webex_id(UC)


def cdr(call_id, org_uuid, start, release, direction="ORIGINATING", **extra):
    rec = {"Start time": start, "Answer time": "NA", "Release time": release, "Duration": "60",
           "Answered": "true", "Direction": direction, "Call type": "SIP_ENTERPRISE",
           "User type": "User", "Org UUID": org_uuid, "Call ID": call_id, "Correlation ID": f"corr-{call_id}",
           "Location": "HQ", "Site UUID": "site-1", "Model": "Cisco 8845", "Client type": ""}
    rec.update(extra)
    return rec


def fill(wx: FakeWebex) -> None:
    wx.add_org(PARTNER_ORG, "The Partner Itself")
    wx.add_org(ORG_A, "Acme Ltda", created="2024-02-10T08:00:00.000Z")
    wx.add_org(ORG_B, "Bravo GmbH", created=None)
    wx.add_org(ORG_C, "Charlie SA")
    wx.licenses[ORG_A] = [
        {"id": "L1", "name": "Webex Calling - Professional", "totalUnits": 10, "consumedUnits": 4,
         "subscriptionId": "SUB-1"},
        {"id": "L2", "name": "Webex Calling - Professional", "totalUnits": 5, "consumedUnits": 3,
         "subscriptionId": "SUB-1"},
        {"id": "L3", "name": "Meeting - Webex Enterprise", "totalUnits": 20, "consumedUnits": 12,
         "subscriptionId": "SUB-1", "siteUrl": "acme.webex.com"},
        {"id": "L4", "name": "Messaging", "totalUnits": 100, "consumedUnits": 9},  # no subscription
        "not-an-object",
    ]
    wx.licenses[ORG_B] = [
        {"id": "L5", "name": "Webex Calling - Professional", "totalUnits": 50, "consumedUnits": 51,
         "subscriptionId": "SUB-2"},
    ]
    wx.org_tags[ORG_A] = [{"name": "Gold", "description": "top"}, {"name": "Brasil", "description": ""}]
    wx.org_tags[ORG_B] = [{"name": "gold", "description": ""}]
    wx.admins[ORG_A] = [
        {"id": "P1", "displayName": "Ana Lima", "emails": ["ana@partner.example"],
         "roleInCustomerOrg": "id_full_admin"},
        {"id": "P2", "firstName": "Bo", "lastName": "Ek", "emails": ["bo@partner.example"],
         "roleInCustomerOrg": "id_readonly_admin"},
        {"id": "P3", "displayName": "No Mail", "emails": []},  # skipped: no way to match it
    ]
    wx.admins[ORG_B] = [{"id": "P1", "displayName": "Ana Lima", "emails": ["ana@partner.example"],
                         "roleInCustomerOrg": "id_full_admin"}]
    wx.numbers[ORG_A] = [
        {"phoneNumber": "+5511999990001", "extension": "1001", "state": "ACTIVE", "phoneNumberType": "PRIMARY",
         "location": {"id": "LOC1", "name": "São Paulo"},
         "owner": {"id": "U1", "type": "PEOPLE", "firstName": "Ana", "lastName": "Lima"}},
        {"extension": "2000", "location": {"id": "LOC1", "name": "São Paulo"},
         "owner": {"id": "AA1", "type": "AUTO_ATTENDANT"}},
        {"phoneNumber": "+5511999990009", "state": "INACTIVE", "phoneNumberType": "PRIMARY",
         "location": {"id": "LOC1", "name": "São Paulo"}},
    ]
    wx.devices[ORG_A] = [
        {"id": "D1", "product": "Cisco 8845", "mac": "AABBCCDDEE01", "software": "sip88xx.14-2",
         "personId": "U1", "locationId": "LOC1", "orgId": ORG_A},
        {"id": "D2", "product": "Cisco Room Kit", "mac": "AABBCCDDEE02", "software": "RoomOS 11",
         "workspaceId": "W1", "locationId": "LOC1"},
        {"id": "D3", "product": "Cisco 6841", "mac": "AABBCCDDEE03"},
        {"product": "no id at all"},
    ]
    wx.cdr[ORG_A] = [
        cdr("c1", UA, "2026-11-24T15:00:00.000Z", "2026-11-24T15:01:00.000Z"),
        cdr("c2", UA, "2026-11-25T03:00:00.000Z", "2026-11-25T03:01:00.000Z", direction="TERMINATING"),
        cdr("c3", UA, "NA", "2026-11-24T16:00:00.000Z"),  # no start time: skipped and logged
        "garbage",
    ]
    wx.cdr[ORG_B] = [cdr("c4", UB, "2026-11-24T20:00:00.000Z", "2026-11-24T20:02:00.000Z")]
    wx.cdr_region[ORG_B] = "eu"
    wx.wholesale = [{"id": "W1", "orgId": ORG_B, "externalId": "EXT-B-77", "status": "provisioned"},
                    {"id": "W2", "orgId": "unknown-org", "externalId": "EXT-X", "status": "provisioning"}]


@pytest.fixture
def wx():
    with FakeWebex(token=TOKEN) as fake:
        fill(fake)
        yield fake


@pytest.fixture
def wsettings(settings, wx):
    return settings.model_copy(update=dict(
        webex_api_url=wx.url, webex_cdr_url=wx.cdr_url("us"), webex_token=SecretStr(TOKEN),
        webex_backoff_s=0.001, webex_retry_after_default_s=0.001, webex_retry_after_cap_s=0.05,
        webex_max_retries=2, webex_cdr_initial_hours=24, webex_concurrency=3,
    ))


@pytest.fixture
def partner_id(engine):
    with Session(engine) as s:
        p = Partner(name="Partner", webex_org_id=PARTNER_ORG, default_region="EU")
        s.add(p)
        s.commit()
        return p.id


def factory(engine):
    return lambda: Session(engine, expire_on_commit=False)


def test_whole_partner_sync_stores_what_webex_served(engine, wx, wsettings, partner_id, caplog):
    # A rough day at Webex: rate limits and server errors on the way; nothing may be lost.
    wx.fail_next(429, retry_after="0.01", path_contains="/v1/licenses", times=2)
    wx.fail_next(503, path_contains="/v1/devices")
    wx.fail_next(500, path_contains="/analytics-eu/")
    report = sync.sync_partner(session_factory=factory(engine), partner_id=partner_id,
                               settings=wsettings, now=NOW)
    assert report.ok, report
    with Session(engine) as s:
        customers = {c.org_id: c for c in s.exec(select(Customer))}
        assert set(customers) == {ORG_A, ORG_B, ORG_C}  # the partner's own org is not a customer
        a, b = customers[ORG_A], customers[ORG_B]
        assert (a.name, a.name_key, a.added_on, a.region) == ("Acme Ltda", "acme ltda", date(2024, 2, 10), "EU")
        assert customers[ORG_B].added_on == NOW.date()  # no "created": the sync date
        assert (a.external_id, b.external_id) == (None, "EXT-B-77")  # wholesale customers only

        subs = {(x.subscription_id, x.product): x for x in s.exec(select(Subscription))}
        assert {k: (v.customer_id, v.total_licenses) for k, v in subs.items()} == {
            ("SUB-1", "calling"): (a.id, 15),  # two license lines of one subscription: 10 + 5
            ("SUB-1", "meetings"): (a.id, 20),
            ("SUB-2", "calling"): (b.id, 50),
        }
        snaps = {(x.subscription_pk, x.week_ending): (x.total, x.assigned) for x in s.exec(select(LicenseSnapshot))}
        assert snaps == {
            (subs["SUB-1", "calling"].id, WEEK): (15, 7),
            (subs["SUB-1", "meetings"].id, WEEK): (20, 12),
            (subs["SUB-2", "calling"].id, WEEK): (50, 51),
        }

        tags = {t.id: t.name for t in s.exec(select(Tag))}
        assert sorted(tags.values()) == ["Brasil", "Gold"]  # "gold" is the same tag as "Gold"
        links = {(ct.customer_id, tags[ct.tag_id]) for ct in s.exec(select(CustomerTag))}
        assert links == {(a.id, "Gold"), (a.id, "Brasil"), (b.id, "Gold")}

        admins = {x.webex_person_id: x for x in s.exec(select(PartnerAdmin))}
        assert {k: (v.display_name, v.email, v.role) for k, v in admins.items()} == {
            "P1": ("Ana Lima", "ana@partner.example", "admin"),  # Webex: id_full_admin
            "P2": ("Bo Ek", "bo@partner.example", "read_only"),
        }
        assigned = {(ca.customer_id, ca.partner_admin_id, ca.role_in_customer) for ca in s.exec(select(CustomerAdmin))}
        assert assigned == {(a.id, admins["P1"].id, "id_full_admin"), (a.id, admins["P2"].id, "id_readonly_admin"),
                            (b.id, admins["P1"].id, "id_full_admin")}

        numbers = {n.number_key: (n.customer_id, n.phone_number, n.extension, n.active, n.user_type,
                                  n.number_type, n.user_uuid) for n in s.exec(select(PhoneNumber))}
        assert numbers == {
            "+5511999990001": (a.id, "+5511999990001", "1001", True, "People", "Primary", "U1"),
            "LOC1/2000": (a.id, "", "2000", True, "Auto Attendant", "", "AA1"),
            "+5511999990009": (a.id, "+5511999990009", "", False, "", "", ""),
        }
        assert [(x.location_id, x.name, x.customer_id) for x in s.exec(select(Location))] == [
            ("LOC1", "São Paulo", a.id)]

        devices = {d.device_id: (d.customer_id, d.product, d.mac, d.firmware, d.location_id, d.user_uuid,
                                 d.phone_number, d.extension) for d in s.exec(select(Device))}
        assert devices == {
            "D1": (a.id, "Cisco 8845", "AABBCCDDEE01", "sip88xx.14-2", "LOC1", "U1", "+5511999990001", "1001"),
            "D2": (a.id, "Cisco Room Kit", "AABBCCDDEE02", "RoomOS 11", "LOC1", "", "", ""),
            "D3": (a.id, "Cisco 6841", "AABBCCDDEE03", "", None, "", "", ""),
        }

        legs = sorted((leg.customer_id, leg.call_id, leg.direction) for leg in s.exec(select(CallLeg)))
        assert legs == [(a.id, "c1", "ORIGINATING"), (a.id, "c2", "TERMINATING"), (b.id, "c4", "ORIGINATING")]
        # C has no calling subscription: its call history is never asked for.
        states = {(x.part, x.org_id): x for x in s.exec(select(SyncState))}
        assert ("cdr", ORG_C) not in states
        for part in sync.PARTS:
            top = states[part, ""]
            assert top.last_success_at is not None and top.cursor is None and top.last_error is None

    # Numbers, like call history, only for customers with Webex Calling (C has none).
    assert {r.query["orgId"] for r in wx.calls("/telephony/config/numbers")} == {ORG_A, ORG_B}
    # Pagination: the stand-in serves two items a page, and its next links carry max=null.
    assert {r.query.get("start") for r in wx.calls("/v1/devices") if r.query.get("orgId") == ORG_A} == {None, "2"}
    assert len(wx.calls("/v1/devices")) == 2 + 1 + 1 + 1  # A's two pages, B, C, and the 503 asked again
    assert len(wx.calls("/v1/licenses")) == 3 + 1 + 1 + 2  # A: 5 items in 3 pages, B, C, and two 429s
    assert all(r.query.get("max") != "null" for r in wx.requests)
    # The EU customer's call history: one 451 from the US host, then the EU host only
    # (its first answer there was a 500, retried).
    b_cdr = [r.path for r in wx.calls("cdr_feed") if r.query["orgId"] == ORG_B]
    assert b_cdr == ["/analytics-us/v1/cdr_feed"] + ["/analytics-eu/v1/cdr_feed"] * 3
    windows = [(r.query["startTime"], r.query["endTime"]) for r in wx.calls("/analytics-us/")
               if r.query["orgId"] == ORG_A and "start" not in r.query]  # first pages only
    assert windows == [("2026-11-24T12:00:00.000Z", "2026-11-25T00:00:00.000Z"),
                       ("2026-11-25T00:00:00.000Z", "2026-11-25T11:55:00.000Z")]
    # Every call carried our own tracking id, and the token never reached a log line.
    assert all(r.headers.get("TrackingID", "").startswith("partnerhub_") for r in wx.requests)
    assert TOKEN not in caplog.text
    assert "skipped a malformed item (str)" in caplog.text  # "garbage": not even an object
    assert "skipped 1 malformed records of 3" in caplog.text  # c3: no start time


def test_a_second_sync_updates_in_place_and_removes_what_webex_dropped(engine, wx, wsettings, partner_id):
    f = factory(engine)
    sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings, now=NOW)
    wx.licenses[ORG_A][0]["totalUnits"] = 30  # SUB-1 calling: 30 + 5
    wx.org_tags[ORG_A] = [{"name": "Gold"}]
    wx.devices[ORG_A] = wx.devices[ORG_A][1:2]  # only D2 left
    wx.admins[ORG_A] = wx.admins[ORG_A][1:2]  # only P2 left
    later = NOW.replace(hour=18)
    report = sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings, now=later)
    assert report.ok
    with Session(engine) as s:
        a = s.exec(select(Customer).where(Customer.org_id == ORG_A)).one()
        sub = s.exec(select(Subscription).where(Subscription.subscription_id == "SUB-1",
                                                Subscription.product == "calling")).one()
        assert sub.total_licenses == 35
        assert [x.total for x in s.exec(select(LicenseSnapshot).where(
            LicenseSnapshot.subscription_pk == sub.id))] == [35]  # same week: one snapshot, updated
        assert [d.device_id for d in s.exec(select(Device))] == ["D2"]
        tag_names = s.exec(select(Tag.name).join(CustomerTag, CustomerTag.tag_id == Tag.id).where(
            CustomerTag.customer_id == a.id)).all()
        assert tag_names == ["Gold"]
        assert len(s.exec(select(CustomerAdmin).where(CustomerAdmin.customer_id == a.id)).all()) == 1
        assert len(s.exec(select(CallLeg)).all()) == 3  # the call history cursor moved on: no double legs
    # Call history resumed from the previous cursor (11:55), not from the 24-hour backfill.
    starts = [r.query["startTime"] for r in wx.calls("/analytics-us/") if r.query["orgId"] == ORG_A]
    assert starts[-1] == "2026-11-25T11:55:00.000Z"


def test_interrupted_sync_resumes_without_duplicates_or_losses(engine, wx, wsettings, partner_id):
    f = factory(engine)
    wx.fail_after_orgs = 1  # A is served, then every org-scoped call answers 500
    wsettings = wsettings.model_copy(update={"webex_concurrency": 1})  # organizations in order
    first = sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings, now=NOW,
                              parts=["organizations", "licenses", "devices"])
    assert not first.ok
    lic = first.parts[1]
    assert (lic.part, lic.succeeded, lic.failed) == ("licenses", 1, 2)
    assert "trackingId ROUTER_fake_" in lic.errors[0]
    with Session(engine) as s:
        assert {x.subscription_id for x in s.exec(select(Subscription))} == {"SUB-1"}
        top = s.exec(select(SyncState).where(SyncState.part == "licenses", SyncState.org_id == "")).one()
        assert top.cursor is not None and "2 organizations failed" in top.last_error
        status = {p.part: p for p in sync.sync_status(session=s, partner_id=partner_id)}
        assert (status["licenses"].organizations_ok, status["licenses"].organizations_failed) == (1, 2)
        assert status["licenses"].resuming

    wx.fail_after_orgs = None
    before = len(wx.calls("/v1/licenses"))
    second = sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings,
                               now=NOW.replace(hour=13), parts=["licenses", "devices"])
    assert second.ok
    assert (second.parts[0].skipped, second.parts[0].succeeded) == (1, 2)
    # Only the organizations that had failed were asked again.
    assert {r.query["orgId"] for r in wx.calls("/v1/licenses")[before:]} == {ORG_B, ORG_C}
    with Session(engine) as s:
        subs = sorted((x.subscription_id, x.product, x.total_licenses) for x in s.exec(select(Subscription)))
        assert subs == [("SUB-1", "calling", 15), ("SUB-1", "meetings", 20), ("SUB-2", "calling", 50)]
        assert len(s.exec(select(LicenseSnapshot)).all()) == 3
        assert sorted(d.device_id for d in s.exec(select(Device))) == ["D1", "D2", "D3"]
        top = s.exec(select(SyncState).where(SyncState.part == "licenses", SyncState.org_id == "")).one()
        assert top.cursor is None and top.last_error is None
        status = {p.part: p for p in sync.sync_status(session=s, partner_id=partner_id)}
        assert (status["licenses"].organizations_ok, status["licenses"].organizations_failed) == (3, 0)


def test_a_failing_organization_keeps_its_last_good_data(engine, wx, wsettings, partner_id):
    f = factory(engine)
    sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings, now=NOW,
                      parts=["organizations", "licenses", "numbers", "devices"])
    wx.devices[ORG_A] = []  # would empty A's inventory, had the call succeeded
    wx.fail_after_orgs = 0
    report = sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings,
                               now=NOW.replace(hour=15), parts=["devices"])
    assert not report.ok
    with Session(engine) as s:
        assert sorted(d.device_id for d in s.exec(select(Device))) == ["D1", "D2", "D3"]


def test_customers_webex_does_not_list_are_not_walked(engine, wx, wsettings, partner_id):
    with Session(engine) as s:  # e.g. imported from a CSV, but invisible to this token
        s.add(Customer(partner_id=partner_id, org_id="org-imported", name="Imported", added_on=date(2026, 1, 1)))
        s.commit()
    report = sync.sync_partner(session_factory=factory(engine), partner_id=partner_id, settings=wsettings,
                               now=NOW, parts=["organizations", "licenses", "devices"])
    assert report.ok
    assert "org-imported" not in {r.query.get("orgId") for r in wx.requests}
    with Session(engine) as s:
        assert s.exec(select(Customer.name).where(Customer.org_id == "org-imported")).one() == "Imported"


def test_too_many_failures_in_a_row_stop_the_part(engine, wx, wsettings, partner_id):
    wx.fail_after_orgs = 0
    settings = wsettings.model_copy(update={"webex_sync_max_failures": 2, "webex_concurrency": 1})
    report = sync.sync_partner(session_factory=factory(engine), partner_id=partner_id, settings=settings,
                               now=NOW, parts=["organizations", "licenses"])
    lic = report.parts[1]
    assert (lic.failed, lic.stopped, lic.succeeded) == (2, True, 0)


def test_when_the_organizations_listing_fails_nothing_else_runs(engine, wx, wsettings, partner_id):
    wx.fail_next(401, path_contains="/v1/organizations", body={"message": "The request requires a valid "
                                                                "access token.", "trackingId": "T401"})
    report = sync.sync_partner(session_factory=factory(engine), partner_id=partner_id, settings=wsettings, now=NOW)
    assert [(p.part, p.failed) for p in report.parts] == [("organizations", 1)]
    assert report.parts[0].errors == ["Webex GET /v1/organizations failed (401): The request requires a valid "
                                      "access token. (trackingId T401)"]
    assert [r.path for r in wx.requests] == ["/v1/organizations"]


def test_unknown_part_is_bad_input(engine, wsettings, partner_id):
    with pytest.raises(BadInput, match="Unknown sync part"):
        sync.sync_partner(session_factory=factory(engine), partner_id=partner_id, settings=wsettings,
                          now=NOW, parts=["licences"])


def test_push_customer_tags_sends_every_tag_and_enforces_webex_limits(engine, wx, wsettings, partner_id):
    sync.sync_partner(session_factory=factory(engine), partner_id=partner_id, settings=wsettings, now=NOW,
                      parts=["organizations", "tags"])
    with Session(engine) as s:
        a = s.exec(select(Customer).where(Customer.org_id == ORG_A)).one()
        sent = sync.push_customer_tags(session=s, partner_id=partner_id, customer_id=a.id, settings=wsettings)
        assert sent == ["Brasil", "Gold"]
        post = wx.calls("/assignTags", method="POST")[-1]
        assert post.path == f"/v1/partner/tags/organizations/{ORG_A}/assignTags"
        assert post.body == {"tags": [{"name": "Brasil", "description": ""}, {"name": "Gold", "description": "top"}]}
        for i in range(4):
            tag = Tag(partner_id=partner_id, name=f"T{i}", name_key=f"t{i}", created_at=NOW)
            s.add(tag)
            s.flush()
            s.add(CustomerTag(customer_id=a.id, tag_id=tag.id, partner_id=partner_id))
        s.flush()
        with pytest.raises(BadInput, match="at most 5 tags on one customer; this one would have 6"):
            sync.push_customer_tags(session=s, partner_id=partner_id, customer_id=a.id, settings=wsettings)
        assert len(wx.calls("/assignTags", method="POST")) == 1
    with pytest.raises(BadInput, match="at most 25 characters"):
        sync.check_webex_tags(["x" * 26])
    sync.check_webex_tags(["x" * 25] * 5)  # exactly at the limits is fine


def test_a_tag_change_made_in_partnerhub_is_pushed_by_the_next_sync_then_webex_wins_again(
        engine, wx, wsettings, partner_id):
    f = factory(engine)
    sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings, now=NOW,
                      parts=["organizations", "tags"])
    with Session(engine) as s:
        a = s.exec(select(Customer).where(Customer.org_id == ORG_A)).one()
        brasil = s.exec(select(Tag).where(Tag.name == "Brasil")).one()
        a_id = a.id
        s.delete(s.get(CustomerTag, (a_id, brasil.id)))  # removed in Slack; nobody pushed it
        s.commit()
    report = sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings,
                               now=NOW.replace(hour=13), parts=["tags"])
    assert report.ok
    [post] = wx.calls("/assignTags", method="POST")
    assert (post.path, post.body) == (f"/v1/partner/tags/organizations/{ORG_A}/assignTags",
                                      {"tags": [{"name": "Gold", "description": "top"}]})
    assert wx.org_tags[ORG_A] == [{"name": "Gold", "description": "top"}]
    # Now Webex changes: the next sync pulls, and pushes nothing.
    wx.org_tags[ORG_A] = [{"name": "Gold"}, {"name": "Silver"}]
    sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings,
                      now=NOW.replace(hour=14), parts=["tags"])
    assert len(wx.calls("/assignTags", method="POST")) == 1
    with Session(engine) as s:
        names = s.exec(select(Tag.name).join(CustomerTag, CustomerTag.tag_id == Tag.id).where(
            CustomerTag.customer_id == a_id)).all()
        assert sorted(names) == ["Gold", "Silver"]


def test_a_local_tag_set_webex_refuses_fails_that_organization_only(engine, wx, wsettings, partner_id):
    f = factory(engine)
    sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings, now=NOW,
                      parts=["organizations", "tags"])
    with Session(engine) as s:
        a = s.exec(select(Customer).where(Customer.org_id == ORG_A)).one()
        for i in range(4):  # 2 + 4 = 6 tags: one over Webex's limit
            tag = Tag(partner_id=partner_id, name=f"T{i}", name_key=f"t{i}", created_at=NOW)
            s.add(tag)
            s.flush()
            s.add(CustomerTag(customer_id=a.id, tag_id=tag.id, partner_id=partner_id))
        s.commit()
    report = sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings,
                               now=NOW.replace(hour=13), parts=["tags"])
    tags = report.parts[0]
    assert (tags.succeeded, tags.failed) == (2, 1)
    assert tags.errors == [f"{ORG_A}: Webex allows at most 5 tags on one customer; this one would have 6."]
    assert wx.calls("/assignTags", method="POST") == []


def test_assign_and_unassign_partner_admin(engine, wx, wsettings, partner_id):
    sync.sync_partner(session_factory=factory(engine), partner_id=partner_id, settings=wsettings, now=NOW,
                      parts=["organizations", "admins"])
    with Session(engine) as s:
        b = s.exec(select(Customer).where(Customer.org_id == ORG_B)).one()
        bo = s.exec(select(PartnerAdmin).where(PartnerAdmin.webex_person_id == "P2")).one()
        sync.assign_customer_admin(session=s, partner_id=partner_id, customer_id=b.id, admin_id=bo.id,
                                   settings=wsettings)
        assert [a["id"] for a in wx.admins[ORG_B]] == ["P1", "P2"]
        sync.unassign_customer_admin(session=s, partner_id=partner_id, customer_id=b.id, admin_id=bo.id,
                                     settings=wsettings)
        assert [a["id"] for a in wx.admins[ORG_B]] == ["P1"]
    assert [(r.method, r.path) for r in wx.calls("/partnerAdmin/")] == [
        ("POST", f"/v1/partner/organizations/{ORG_B}/partnerAdmin/P2/assign"),
        ("DELETE", f"/v1/partner/organizations/{ORG_B}/partnerAdmin/P2/unassign"),
    ]


def test_org_uuid_reads_the_uuid_inside_a_webex_id():
    assert sync.org_uuid(ORG_A) == UA
    assert sync.org_uuid("plain-id") == "plain-id"


def test_snapshot_week_is_the_latest_saturday_on_or_before_the_day():
    assert sync.snapshot_week(date(2026, 11, 21)) == date(2026, 11, 21)  # Saturday
    assert sync.snapshot_week(date(2026, 11, 22)) == date(2026, 11, 21)  # the Sunday refresh
    assert sync.snapshot_week(date(2026, 11, 27)) == date(2026, 11, 21)  # Friday
    assert sync.snapshot_week(date(2026, 11, 28)) == date(2026, 11, 28)


def test_product_of_license_names():
    assert sync.product_of_license("Webex Calling - Professional") == "calling"
    assert sync.product_of_license("Meeting - Webex Enterprise Edition") == "meetings"
    assert sync.product_of_license("Webex Webinars 1000") == "webinars"
    assert sync.product_of_license("Messaging") == "messaging"
    assert sync.product_of_license("Cloud Device Registration") is None


def test_a_customer_marked_pending_gets_its_tags_pushed_even_without_an_agreed_set(
        engine, wx, wsettings, partner_id):
    f = factory(engine)
    sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings, now=NOW,
                      parts=["organizations"])
    with Session(engine) as s:  # tagged here before tags were ever synced; the push failed
        c = s.exec(select(Customer).where(Customer.org_id == ORG_C)).one()
        tag = Tag(partner_id=partner_id, name="Key", name_key="key", description="d", created_at=NOW)
        s.add(tag)
        s.flush()
        s.add(CustomerTag(customer_id=c.id, tag_id=tag.id, partner_id=partner_id))
        sync.mark_tags_pending(session=s, partner_id=partner_id, customer_id=c.id)
        s.commit()
    report = sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings,
                               now=NOW.replace(hour=13), parts=["tags"])
    assert report.ok
    [post] = wx.calls("/assignTags", method="POST")
    assert (post.path, post.body) == (f"/v1/partner/tags/organizations/{ORG_C}/assignTags",
                                      {"tags": [{"name": "Key", "description": "d"}]})
    # Pushed once: the next sync agrees with Webex and pushes nothing more.
    sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings,
                      now=NOW.replace(hour=14), parts=["tags"])
    assert len(wx.calls("/assignTags", method="POST")) == 1


def test_an_admin_change_webex_missed_is_sent_by_the_next_sync_before_the_listing(
        engine, wx, wsettings, partner_id):
    f = factory(engine)
    sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings, now=NOW,
                      parts=["organizations", "admins"])
    with Session(engine) as s:
        b = s.exec(select(Customer).where(Customer.org_id == ORG_B)).one()
        bo = s.exec(select(PartnerAdmin).where(PartnerAdmin.webex_person_id == "P2")).one()
        b_id, bo_id = b.id, bo.id
        s.add(CustomerAdmin(customer_id=b_id, partner_admin_id=bo_id, partner_id=partner_id,
                            role_in_customer="id_full_admin", assigned_at=NOW))
        sync.remember_admin_change(session=s, partner_id=partner_id, customer_id=b_id, person_id="P2",
                                   assign=True, pending=True)
        s.commit()
    report = sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings,
                               now=NOW.replace(hour=13), parts=["admins"])
    assert report.ok
    assert [(r.method, r.path) for r in wx.calls("/partnerAdmin/")] == [
        ("POST", f"/v1/partner/organizations/{ORG_B}/partnerAdmin/P2/assign")]
    with Session(engine) as s:
        assert s.get(CustomerAdmin, (b_id, bo_id)) is not None  # the listing now holds it
        row = s.exec(select(SyncState).where(SyncState.part == "admins", SyncState.org_id == ORG_B)).one()
        assert row.cursor == ""
    sync.sync_partner(session_factory=f, partner_id=partner_id, settings=wsettings,
                      now=NOW.replace(hour=14), parts=["admins"])
    assert len(wx.calls("/partnerAdmin/")) == 1  # sent once


def test_a_later_successful_push_drops_the_pending_admin_change(engine, wx, wsettings, partner_id):
    sync.sync_partner(session_factory=factory(engine), partner_id=partner_id, settings=wsettings, now=NOW,
                      parts=["organizations"])
    with Session(engine) as s:
        b = s.exec(select(Customer).where(Customer.org_id == ORG_B)).one()
        sync.remember_admin_change(session=s, partner_id=partner_id, customer_id=b.id, person_id="P2",
                                   assign=True, pending=True)
        sync.remember_admin_change(session=s, partner_id=partner_id, customer_id=b.id, person_id="P1",
                                   assign=False, pending=True)
        s.flush()
        row = s.exec(select(SyncState).where(SyncState.part == "admins", SyncState.org_id == ORG_B)).one()
        assert row.cursor == '{"pending": {"P2": true, "P1": false}}'
        sync.remember_admin_change(session=s, partner_id=partner_id, customer_id=b.id, person_id="P2",
                                   assign=True, pending=False)
        assert row.cursor == '{"pending": {"P1": false}}'
        sync.remember_admin_change(session=s, partner_id=partner_id, customer_id=b.id, person_id="P1",
                                   assign=False, pending=False)
        assert row.cursor == ""
