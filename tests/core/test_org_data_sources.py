"""Admin sign-in, region, partner roles and managed-by, locations, PSTN connections and
people, synced through the Webex stand-in: a world where every source answers gives the
figures worked out by hand below; the same world with one source removed (the token
lacks its scope: Webex answers 403) leaves exactly that source's figures unknown."""
from __future__ import annotations

import base64
import csv
import io
from datetime import datetime, timezone

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from partnerhub_core import provenance, reports, statuses
from partnerhub_core.auth import Actor
from partnerhub_core.customers import CustomerFilters, customer_card, list_customers
from partnerhub_core.models import (
    Customer,
    CustomerAdmin,
    CustomerStatus,
    Device,
    Location,
    Partner,
    PartnerAdmin,
    PhoneNumber,
    Role,
)
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.services.admins import role_from_webex, webex_role_label
from partnerhub_core.sources import sync
from partnerhub_core.sources.admin_sign_in import latest_customer_sign_in
from partnerhub_core.sources.locations import address_text, country_code
from partnerhub_core.sources.org_region import region_of
from partnerhub_core.sources.pstn import connection_label
from tests.fakes.webex import FakeWebex
from tests.fakes.webex_org_data import location, login_event, person, pstn_connection

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
TOKEN = "wx-org-data-token"


def webex_id(kind: str, uuid: str) -> str:
    return base64.b64encode(f"ciscospark://us/{kind}/{uuid}".encode()).decode().rstrip("=")


PARTNER_ORG = webex_id("ORGANIZATION", "00000000-0000-0000-0000-0000000000pp")
ORG_A = webex_id("ORGANIZATION", "aaaaaaaa-0000-0000-0000-000000000001")  # Calling, busy admins
ORG_B = webex_id("ORGANIZATION", "bbbbbbbb-0000-0000-0000-000000000002")  # Calling, quiet since September
ORG_C = webex_id("ORGANIZATION", "cccccccc-0000-0000-0000-000000000003")  # Meetings only, no sign-in in a year


def admin(person_id: str, name: str, email: str, role: str) -> dict:
    """One ``GET /partner/organizations/{orgId}/partnerAdmins`` item."""
    return {"id": person_id, "displayName": name, "emails": [email], "roleInCustomerOrg": role}


def fill(wx: FakeWebex) -> None:
    wx.add_org(PARTNER_ORG, "The Partner")
    wx.add_org(ORG_A, "Acme Ltda")
    wx.add_org(ORG_B, "Bravo GmbH")
    wx.add_org(ORG_C, "Charlie SAC")
    wx.licenses[ORG_A] = [{"id": "LA", "name": "Webex Calling - Professional", "totalUnits": 10,
                           "consumedUnits": 4, "subscriptionId": "SUB-A"}]
    wx.licenses[ORG_B] = [{"id": "LB", "name": "Webex Calling - Professional", "totalUnits": 5,
                           "consumedUnits": 5, "subscriptionId": "SUB-B"}]
    wx.licenses[ORG_C] = [{"id": "LC", "name": "Meeting - Webex Enterprise", "totalUnits": 20,
                           "consumedUnits": 2, "subscriptionId": "SUB-C"}]
    # Region: the calling base domain of A says US, of B says EU; C has none (no Calling).
    wx.org_details[ORG_A] = {"xsiDomain": "api-us.bcld.webex.com"}
    wx.org_details[ORG_B] = {"xsiDomain": "api-eu.bcld.webex.com"}
    # Partner admins: A and C name them (managed as external admin), B names none.
    wx.admins[ORG_A] = [
        admin("P1", "Ana Lima", "ana@partner.example", "id_full_admin"),
        admin("P2", "Bo Ek", "bo@partner.example", "id_readonly_admin"),
    ]
    wx.admins[ORG_C] = [admin("P1", "Ana Lima", "ana@partner.example", "id_full_admin")]
    # Sign-in: A's newest customer login is Nov 20 (the partner's Nov 24 login is the
    # partner looking, not the customer); B's is Sep 1, 85 days before NOW (> 30); C none.
    wx.audit_events[ORG_A] = [
        login_event("2026-06-01T08:00:00.000Z", actor_org=ORG_A),
        login_event("2026-10-01T08:00:00.000Z", actor_org=ORG_A),
        login_event("2026-11-20T09:00:00.000Z", actor_org=ORG_A, email="cio@acme.example"),
        login_event("2026-11-24T15:00:00.000Z", actor_org=PARTNER_ORG, email="ana@partner.example"),
        login_event("2026-11-23T10:00:00.000Z", actor_org=ORG_A, category="EventCategory.USERS"),
        login_event("2025-10-01T08:00:00.000Z", actor_org=ORG_A),  # over a year ago: not read
    ]
    wx.audit_events[ORG_B] = [login_event("2026-09-01T10:00:00.000Z", actor_org=ORG_B)]
    wx.locations[ORG_A] = [
        location("LA1", "HQ São Paulo", country="BR", address1="Av. Paulista 1000", city="São Paulo",
                 state="SP", postal_code="01310-100"),
        location("LA2", "Chicago", country="us", address1="1 Wacker Dr", city="Chicago", state="IL"),
    ]
    wx.locations[ORG_B] = [location("LB1", "Berlin", country="DE", city="Berlin")]
    wx.locations[ORG_C] = [location("LC1", "Lima", country="PE", city="Lima")]
    wx.numbers[ORG_A] = [
        {"phoneNumber": "+551130000001", "state": "ACTIVE", "phoneNumberType": "PRIMARY",
         "location": {"id": "LA1", "name": "HQ São Paulo"}, "owner": {"id": "PA1", "type": "PEOPLE"}},
        {"phoneNumber": "+551130000002", "state": "ACTIVE", "phoneNumberType": "PRIMARY",
         "location": {"id": "LA1", "name": "HQ São Paulo"}, "owner": {"id": "AA1", "type": "AUTO_ATTENDANT"}},
        {"phoneNumber": "+13125550003", "state": "ACTIVE", "phoneNumberType": "PRIMARY",
         "location": {"id": "LA2", "name": "Chicago"}, "owner": {"id": "PA2", "type": "PEOPLE"}},
        {"extension": "200", "state": "ACTIVE", "location": {"id": "LA2", "name": "Chicago"},
         "owner": {"id": "PA1", "type": "PEOPLE"}},
    ]
    wx.numbers[ORG_B] = [
        {"phoneNumber": "+49300000001", "state": "ACTIVE", "phoneNumberType": "PRIMARY",
         "location": {"id": "LB1", "name": "Berlin"}, "owner": {"id": "PB1", "type": "PEOPLE"}},
    ]
    wx.devices[ORG_A] = [{"id": "D1", "personId": "PA1", "product": "Cisco 8845", "mac": "AA", "locationId": "LA1"}]
    # PSTN: LA1 names its provider, LA2 only its type, LB1 has none (404).
    wx.pstn["LA1"] = pstn_connection("CISCO_PSTN", "Cisco PSTN")
    wx.pstn["LA2"] = pstn_connection("LOCAL_GATEWAY")
    wx.people[ORG_A] = [person("PA1", "pa1@acme.example"), person("PA2", "pa2@acme.example"),
                        person("PX", "someone@acme.example")]
    wx.people[ORG_B] = [person("PB1", "pb1@bravo.example")]


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
        webex_max_retries=2, webex_cdr_initial_hours=1, webex_concurrency=2,
    ))


@pytest.fixture
def partner_id(engine):
    with Session(engine) as s:
        p = Partner(name="Partner", webex_org_id=PARTNER_ORG, default_region="CA")
        s.add(p)
        s.commit()
        return p.id


# The parts these figures need (other parts have their own tests).
PARTS = ["organizations", "region", "licenses", "admins", "sign_in", "locations", "numbers", "devices",
         "pstn", "people"]


def run_sync(engine, partner_id, wsettings):
    return sync.sync_partner(session_factory=lambda: Session(engine, expire_on_commit=False),
                             partner_id=partner_id, settings=wsettings, now=NOW, parts=PARTS)


def actor_of(partner_id: int) -> Actor:
    return Actor(partner_id=partner_id, role=Role.FULL_ADMIN, admin_id=None, label="test")


def figures(engine, partner_id, settings) -> dict:
    """Every figure these sources feed, by a readable key ("" / None: unknown)."""
    out: dict = {}
    with Session(engine) as s:
        customers = {c.org_id: c for c in s.exec(select(Customer).where(Customer.partner_id == partner_id))}
        stat = statuses.customer_statuses(session=s, partner_id=partner_id, as_of=NOW.date(), settings=settings)
        for org, name in ((ORG_A, "A"), (ORG_B, "B"), (ORG_C, "C")):
            c = customers[org]
            sign_in = c.last_admin_sign_in.replace(tzinfo=timezone.utc) if c.last_admin_sign_in else None
            out[("sign_in", name)] = (sign_in, c.sign_in_checked_at is not None)
            out[("no_recent_activity", name)] = CustomerStatus.NO_RECENT_ACTIVITY in stat[c.id]
            out[("managed_by", name)] = c.managed_by
            card = customer_card(session=s, actor=actor_of(partner_id), customer_id=c.id, as_of=NOW.date(),
                                 settings=settings)
            # The region a person reads: None ("—") while only the partner's default is known.
            out[("region", name)] = card.region if card.region_known else None
            out[("stored_region", name)] = c.region  # what filters and per-region reports use
            out[("card_sign_in_known", name)] = card.sign_in_known  # "never" or "—" when None
        admin = s.exec(select(PartnerAdmin)).first()
        if admin is not None:
            page = list_customers(session=s, actor=actor_of(partner_id), as_of=NOW.date(), settings=settings,
                                  filters=CustomerFilters.parse(["managed:external"]))
            out[("managed_filter",)] = sorted(r.name for r in page.items)
        else:
            out[("managed_filter",)] = []
        links = s.exec(select(CustomerAdmin.role_in_customer, PartnerAdmin.email, PartnerAdmin.role)
                       .join(PartnerAdmin, PartnerAdmin.id == CustomerAdmin.partner_admin_id)).all()
        out[("admins",)] = sorted(links)
        locs = {loc.location_id: loc for loc in s.exec(select(Location))}
        for loc_id in ("LA1", "LA2", "LB1", "LC1"):
            loc = locs.get(loc_id)
            out[("loc_name", loc_id)] = loc.name if loc else ""
            out[("country", loc_id)] = loc.country if loc else ""
            out[("address", loc_id)] = loc.address if loc else ""
        for n in s.exec(select(PhoneNumber)):
            out[("pstn", n.number_key)] = n.pstn_connection
            out[("number_owner", n.number_key)] = n.user_id
        for d in s.exec(select(Device)):
            out[("device_owner", d.device_id)] = d.user_id
    return out


EXPECTED = {
    ("sign_in", "A"): (datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc), True),
    ("sign_in", "B"): (datetime(2026, 9, 1, 10, 0, tzinfo=timezone.utc), True),
    ("sign_in", "C"): (None, True),
    ("card_sign_in_known", "A"): True, ("card_sign_in_known", "B"): True, ("card_sign_in_known", "C"): True,
    ("no_recent_activity", "A"): False,
    ("no_recent_activity", "B"): True,
    ("no_recent_activity", "C"): True,
    ("region", "A"): "US",
    ("region", "B"): "EU",
    ("region", "C"): None,  # no calling base domain: unknown, shown "—" ...
    ("stored_region", "A"): "US", ("stored_region", "B"): "EU",
    ("stored_region", "C"): "CA",  # ... and counted in the partner's default region
    ("managed_by", "A"): "external_admin",
    ("managed_by", "B"): None,
    ("managed_by", "C"): "external_admin",
    ("managed_filter",): ["Acme Ltda", "Charlie SAC"],
    ("admins",): sorted([("id_full_admin", "ana@partner.example", "admin"),
                         ("id_readonly_admin", "bo@partner.example", "read_only"),
                         ("id_full_admin", "ana@partner.example", "admin")]),
    ("loc_name", "LA1"): "HQ São Paulo", ("country", "LA1"): "BR",
    ("address", "LA1"): "Av. Paulista 1000, São Paulo, SP 01310-100",
    ("loc_name", "LA2"): "Chicago", ("country", "LA2"): "US", ("address", "LA2"): "1 Wacker Dr, Chicago, IL",
    ("loc_name", "LB1"): "Berlin", ("country", "LB1"): "DE", ("address", "LB1"): "Berlin",
    ("loc_name", "LC1"): "Lima", ("country", "LC1"): "PE", ("address", "LC1"): "Lima",
    ("pstn", "+551130000001"): "Cisco PSTN",
    ("pstn", "+551130000002"): "Cisco PSTN",
    ("pstn", "+13125550003"): "Local Gateway",
    ("pstn", "LA2/200"): "",  # an extension has no PSTN connection
    ("pstn", "+49300000001"): "",  # LB1 has no PSTN connection (404)
    ("number_owner", "+551130000001"): "pa1@acme.example",
    ("number_owner", "+551130000002"): "",  # an auto attendant, not a person
    ("number_owner", "+13125550003"): "pa2@acme.example",
    ("number_owner", "LA2/200"): "pa1@acme.example",
    ("number_owner", "+49300000001"): "pb1@bravo.example",
    ("device_owner", "D1"): "pa1@acme.example",
}


def test_every_source_answering_gives_the_hand_worked_figures(engine, wx, wsettings, partner_id):
    # Rate limits on the way (429 + Retry-After) must cost nothing.
    for path in ("/v1/adminAudit/events", "/v1/locations", "/v1/people", "/v1/telephony/pstn", "/v1/organizations/"):
        wx.fail_next(429, retry_after="0.01", path_contains=path)
    report = run_sync(engine, partner_id, wsettings)
    assert report.ok, [(p.part, p.errors) for p in report.parts]
    assert figures(engine, partner_id, wsettings) == EXPECTED

    # The audit events were asked for the login category over the last year, 200 a page,
    # and followed over pages (the stand-in serves 2 a page).
    audit = [r for r in wx.calls("/v1/adminAudit/events") if r.query.get("orgId") == ORG_A]
    assert audit[0].query["eventCategories"] == "LOGINS"
    assert audit[0].query["from"] == "2025-11-25T12:00:00.000Z" and audit[0].query["to"] == "2026-11-25T12:00:00.000Z"
    assert audit[0].query["max"] == "200"
    # 4 login events of A in the year (the stand-in filters the category): 2 pages.
    assert {r.query.get("offset", "0") for r in audit} == {"0", "2"}
    # People are asked for by id, for the owners only; the numbers report shows the figures.
    people = [r.query for r in wx.calls("/v1/people") if r.query.get("orgId") == ORG_A]
    assert people[-1]["id"] == "PA1,PA2"
    with Session(engine) as s:
        out = io.BytesIO()
        reports.run_report(session=s, partner_id=partner_id, report="numbers", as_of=NOW.date(), out=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    # (numbers start with "'" in a CSV: a "+" must not start a spreadsheet formula)
    by_number = {r["Phone Number"].lstrip("'"): r for r in rows if r["Phone Number"]}
    assert (by_number["+551130000001"]["Country"], by_number["+551130000001"]["PSTN Connection"],
            by_number["+551130000001"]["User ID"]) == ("BR", "Cisco PSTN", "pa1@acme.example")
    assert (by_number["+13125550003"]["Country"], by_number["+13125550003"]["PSTN Connection"]) == (
        "US", "Local Gateway")

    with Session(engine) as s:
        states = {st.family: st for st in provenance.source_states(
            s, partner_id=partner_id, as_of=NOW.date(), settings=wsettings)}
    for family, covered, total in ((SourceFamily.ADMIN_SIGN_IN, 3, 3), (SourceFamily.LOCATIONS, 3, 3),
                                   (SourceFamily.PSTN, 2, 2), (SourceFamily.PEOPLE, 2, 2),  # C: no owner
                                   (SourceFamily.PARTNER_ADMINS, 3, 3), (SourceFamily.ORGANIZATIONS, 3, 3)):
        st = states[family]
        assert (st.known, st.covered, st.total, st.missing_scopes) == (True, covered, total, []), family

    # A second run reads the sign-in from where the first stopped: nothing is lost.
    later = NOW.replace(day=27)  # past webex_sync_resume_hours: a new pass, not a resumed one
    second = sync.sync_partner(session_factory=lambda: Session(engine, expire_on_commit=False),
                               partner_id=partner_id, settings=wsettings, now=later, parts=["organizations", "sign_in"])
    assert second.ok and [p.succeeded for p in second.parts] == [1, 3], second
    again = [r for r in wx.calls("/v1/adminAudit/events") if r.query.get("orgId") == ORG_A][-1]
    assert (again.query["from"], again.query["to"]) == ("2026-11-25T12:00:00.000Z", "2026-11-27T12:00:00.000Z")
    assert figures(engine, partner_id, wsettings)[("sign_in", "A")] == EXPECTED[("sign_in", "A")]


REMOVED = {
    # source: (path prefix Webex refuses, family, missing scope, figure kinds that become unknown)
    "sign_in": ("/v1/adminAudit/", SourceFamily.ADMIN_SIGN_IN, "audit:events_read",
                {"sign_in": (None, False), "no_recent_activity": False, "card_sign_in_known": False}),
    "region": ("/v1/organizations/", SourceFamily.ORGANIZATIONS, "spark-admin:organizations_read",
               {"region": None, "stored_region": "CA"}),  # unknown; the partner's default for filters
    "admins": ("/v1/partner/organizations/", SourceFamily.PARTNER_ADMINS, "spark-admin:organizations_read",
               {"managed_by": None, "managed_filter": [], "admins": []}),
    "locations": ("/v1/locations", SourceFamily.LOCATIONS, "spark-admin:locations_read",
                  {"country": "", "address": ""}),
    "pstn": ("/v1/telephony/pstn/", SourceFamily.PSTN, "spark-admin:telephony_pstn_read", {"pstn": ""}),
    "people": ("/v1/people", SourceFamily.PEOPLE, "spark-admin:people_read",
               {"number_owner": "", "device_owner": ""}),
}


@pytest.mark.parametrize("source", sorted(REMOVED))
def test_each_source_removed_leaves_exactly_its_figures_unknown(engine, wx, wsettings, partner_id, source):
    prefix, family, scope, unknown = REMOVED[source]
    wx.deny(prefix, scope)
    run_sync(engine, partner_id, wsettings)
    expected = {key: (unknown[key[0]] if key[0] in unknown else value) for key, value in EXPECTED.items()}
    if source == "locations":
        expected[("loc_name", "LC1")] = ""  # only the locations listing knows a location without numbers
    assert figures(engine, partner_id, wsettings) == expected

    with Session(engine) as s:
        states = {st.family: st for st in provenance.source_states(
            s, partner_id=partner_id, as_of=NOW.date(), settings=wsettings)}
    st = states[family]
    # Organizations: the listing still answered (names known); the details did not.
    assert (st.connected, st.missing_scopes) == (family == SourceFamily.ORGANIZATIONS, [scope])
    # PSTN walks the Calling customers (A, B), people those with owners (A, B): 2 of 2.
    walked = 2 if family in (SourceFamily.PSTN, SourceFamily.PEOPLE) else 3
    # Refused for every organization: the source is not connected (the sync is still ok).
    assert st.last_error == (f"not connected: missing scope {scope} (Webex refused the first {walked} "
                             "organizations with HTTP 403; the others were not asked)")
    others = {SourceFamily.ADMIN_SIGN_IN, SourceFamily.LOCATIONS, SourceFamily.PSTN, SourceFamily.PEOPLE,
              SourceFamily.PARTNER_ADMINS, SourceFamily.ORGANIZATIONS} - {family}
    assert all(states[f].known for f in others)


def test_a_source_read_for_some_organizations_only_says_so(engine, wx, wsettings, partner_id):
    wx.fail_next(500, path_contains="/v1/telephony/pstn/locations/LB1", times=10)
    run_sync(engine, partner_id, wsettings)
    with Session(engine) as s:
        st = {x.family: x for x in provenance.source_states(
            s, partner_id=partner_id, as_of=NOW.date(), settings=wsettings)}[SourceFamily.PSTN]
    assert (st.known, st.covered, st.total, st.missing_scopes) == (True, 1, 2, [])
    assert st.last_error == "1 of 2 organizations could not be read (HTTP 500 ×1)"


def test_sign_in_counts_customer_logins_only():
    events = [login_event("2026-11-24T15:00:00.000Z", actor_org=PARTNER_ORG),
              login_event("2026-11-23T10:00:00.000Z", actor_org=ORG_A, category="EventCategory.USERS"),
              login_event("2026-11-01T10:00:00.000Z", actor_org=ORG_A, category="LOGINS"),
              login_event("2026-10-01T10:00:00.000Z", actor_org=ORG_A),
              {"data": "garbage", "created": "2026-11-25T00:00:00Z"}, {"created": "not a date"}]
    assert latest_customer_sign_in(events, PARTNER_ORG) == datetime(2026, 11, 1, 10, tzinfo=timezone.utc)
    assert latest_customer_sign_in(events, None) == datetime(2026, 11, 24, 15, tzinfo=timezone.utc)
    assert latest_customer_sign_in([], PARTNER_ORG) is None


def test_field_readers():
    assert address_text({"address1": "Rua A 1", "address2": "Apt 2", "city": "Recife", "state": "PE",
                         "postalCode": "50000-000", "country": "BR"}) == "Rua A 1, Apt 2, Recife, PE 50000-000"
    assert address_text({}) == ""
    assert (country_code({"country": "br"}), country_code({"country": "12"}), country_code({})) == ("BR", "", "")
    assert connection_label({"pstnConnectionType": "NON_INTEGRATED_CCP"}) == "Non-integrated CCP"
    assert connection_label({"pstnConnectionType": "INTEGRATED_CCP", "displayName": "SI CCP Bandwidth"}) == \
        "SI CCP Bandwidth"
    assert connection_label({}) == ""
    assert (region_of("api-us.bcld.webex.com"), region_of("api-eu.bcld.webex.com"), region_of("api-xx.example"),
            region_of("")) == ("US", "EU", None, None)
    assert [role_from_webex(r) for r in ("id_full_admin", "id_readonly_admin", "id_support_admin", None)] == [
        Role.ADMIN, Role.READ_ONLY, Role.READ_ONLY, Role.READ_ONLY]
    assert (webex_role_label("id_full_admin"), webex_role_label("id_new_role")) == ("full admin", "id_new_role")


def test_a_refused_organizations_listing_names_its_scope(engine, wx, wsettings, partner_id):
    wx.deny("/v1/organizations", "spark-admin:organizations_read")
    report = run_sync(engine, partner_id, wsettings)
    assert [p.part for p in report.parts] == ["organizations"]  # nothing else runs without the listing
    with Session(engine) as s:
        st = {x.family: x for x in provenance.source_states(
            s, partner_id=partner_id, as_of=NOW.date(), settings=wsettings)}[SourceFamily.ORGANIZATIONS]
    assert (st.connected, st.missing_scopes, st.last_error) == (
        False, ["spark-admin:organizations_read"], "the organizations listing failed (HTTP 403)")
