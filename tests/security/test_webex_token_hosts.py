"""The Webex token goes only to Webex: next links and 451 region redirects are followed only
to the configured hosts and their documented regional variants; a page without its list is
an error. Against the local stand-in over real HTTP, with a second local server standing for
the stranger (it must receive nothing)."""
from __future__ import annotations

import pytest
from pydantic import SecretStr

from partnerhub_core.settings import Settings
from partnerhub_core.sources.webex import ForeignHostError, WebexClient, WebexHTTPError
from partnerhub_core.sources.webex_hosts import WebexHosts
from tests.fakes.webex import FakeWebex

TOKEN = "tok-very-secret-42"
ORG = "org-1"


@pytest.fixture
def wx():
    with FakeWebex(token=TOKEN) as fake:
        fake.add_org(ORG, "Acme")
        fake.licenses[ORG] = [{"id": f"L{i}", "name": "Webex Calling - Professional", "totalUnits": i,
                               "subscriptionId": "S"} for i in range(5)]
        fake.cdr[ORG] = [{"Start time": "2026-11-20T10:00:00.000Z", "Release time": "2026-11-20T10:05:00.000Z",
                          "Correlation ID": "c1"}]
        yield fake


@pytest.fixture
def stranger():
    """Another local server, same token configured, so a leak would be answered (and seen)."""
    with FakeWebex(token=TOKEN) as fake:
        fake.add_org(ORG, "Acme")
        fake.licenses[ORG] = [{"id": f"L{i}"} for i in range(5)]
        yield fake


def client_for(wx) -> WebexClient:
    settings = Settings(webex_api_url=wx.url, webex_token=SecretStr(TOKEN), webex_cdr_url=wx.cdr_url("us"),
                        webex_backoff_s=0.01, webex_max_retries=1)
    return WebexClient(settings=settings, sleep=lambda _s: None)


def test_a_next_link_to_another_host_stops_the_listing_and_sends_nothing_there(wx, stranger):
    wx.next_link_root = stranger.root
    client = client_for(wx)
    with pytest.raises(ForeignHostError) as err:
        client.licenses(ORG)
    host = stranger.root.removeprefix("http://")
    assert host in err.value.render() and "not a Webex host" in err.value.render()
    assert stranger.requests == []  # no request at all, so no Authorization header either
    assert len(wx.calls("/v1/licenses")) == 1  # the first page only
    assert isinstance(err.value, WebexHTTPError) and err.value.status == 0


def test_a_cut_short_listing_is_not_a_success(wx, stranger):
    # The listing's first page arrived; the rest is on a stranger: nothing is returned as if complete.
    wx.next_link_root = stranger.root
    client = client_for(wx)
    got = []
    with pytest.raises(ForeignHostError):
        for item in client.paginate("licenses", {"orgId": ORG}):
            got.append(item["id"])
    assert got == ["L0", "L1"]


def test_a_451_redirect_to_another_host_is_refused_before_sending(wx, stranger):
    wx.fail_next(451, path_contains="cdr_feed",
                 body={"message": f"use {stranger.cdr_url('eu')}/cdr_feed", "errors": [], "trackingId": "T1"})
    client = client_for(wx)
    with pytest.raises(ForeignHostError) as err:
        client.cdr_feed(org_id=ORG, start="2026-11-20T00:00:00.000Z", end="2026-11-20T12:00:00.000Z")
    assert "region redirect" in err.value.render()
    assert stranger.requests == []
    assert len(wx.calls("cdr_feed")) == 1


def test_a_451_redirect_on_the_configured_host_is_still_followed(wx):
    wx.cdr_region[ORG] = "eu"
    records, host = client_for(wx).cdr_feed(org_id=ORG, start="2026-11-20T00:00:00.000Z",
                                            end="2026-11-20T12:00:00.000Z")
    assert [r["Correlation ID"] for r in records] == ["c1"]
    assert host == wx.cdr_url("eu")


def test_a_full_url_on_another_host_is_never_requested(wx, stranger):
    client = client_for(wx)
    with pytest.raises(ForeignHostError):
        client.get_json(f"{stranger.url}/organizations")
    assert stranger.requests == []


@pytest.mark.parametrize("body", [{"message": "ok"}, {"items": None}, {"items": "L0"}, {"items": {"id": "L0"}}])
def test_a_page_without_its_list_is_an_error_not_an_empty_success(wx, body):
    wx.fail_next(200, path_contains="/v1/licenses", body=body)
    with pytest.raises(WebexHTTPError) as err:
        client_for(wx).licenses(ORG)
    assert "'items'" in err.value.render()


def test_an_empty_list_is_still_an_empty_listing(wx):
    wx.fail_next(200, path_contains="/v1/licenses", body={"items": []})
    assert client_for(wx).licenses(ORG) == []


CONFIGURED = WebexHosts("https://webexapis.com/v1", "https://analytics-calling.webexapis.com/v1")


@pytest.mark.parametrize("url", [
    "https://webexapis.com/v1/licenses?start=2",
    "https://WEBEXAPIS.com:443/v1/licenses",
    "https://analytics-calling.webexapis.com/v1/cdr_feed",
    "https://analytics-calling-eu.webexapis.com/v1/cdr_feed",
    "https://analytics-calling-ca.webexapis.com/v1",
    "https://analytics-calling-in.webexapis.com/v1",
    "https://analytics-calling-au.webexapis.com/v1",
    "https://analytics-calling-gov.webexapis.com/v1",
])
def test_webex_hosts_and_their_regional_variants_are_allowed(url):
    assert CONFIGURED.allows(url)


@pytest.mark.parametrize("url", [
    "https://evil.example/v1/licenses",
    "http://webexapis.com/v1/licenses",  # not https
    "https://webexapis.com:8443/v1/licenses",  # another port
    "https://analytics-calling-eu.webexapis.com.evil.example/v1",
    "https://webexapis.com@evil.example/v1",  # the host is evil.example
    "https://analytics-calling-xx.webexapis.com/v1",  # not a documented region
    "https://analytics-callingeu.webexapis.com/v1",
    "https://other.webexapis.com/v1",  # same domain, not a configured family
    "https://evilwebexapis.com/v1",
    "https://analytics-calling-eu.webexapis.co/v1",
    "file:///etc/passwd",
    "not a url",
])
def test_anything_else_is_not(url):
    assert not CONFIGURED.allows(url)


def test_a_configured_regional_host_allows_its_siblings_and_a_local_stand_in_has_none():
    eu = WebexHosts("https://analytics-calling-eu.webexapis.com/v1")
    assert eu.allows("https://analytics-calling-au.webexapis.com/v1")
    assert eu.allows("https://analytics-calling.webexapis.com/v1")
    local = WebexHosts("http://127.0.0.1:8080/v1")
    assert local.allows("http://127.0.0.1:8080/analytics-eu/v1")
    assert not local.allows("http://127.0.0.1:8081/v1")
    assert not local.allows("http://localhost:8080/v1")


def test_a_sync_whose_listing_a_foreign_page_cuts_short_is_not_ok(engine, settings, wx, stranger):
    from datetime import datetime, timezone

    from sqlmodel import Session

    from partnerhub_core.models import Partner
    from partnerhub_core.sources import sync
    from tests.core.test_webex_sync import webex_id

    partner_org, org_a = webex_id("00000000-0000-0000-0000-00000000000p"), webex_id("aaaaaaaa-0000-0000-0000-1")
    wx.orgs.clear()
    wx.add_org(partner_org, "The Partner Itself")
    wx.add_org(org_a, "Acme Ltda")
    wx.licenses[org_a] = [{"id": f"L{i}", "name": "Webex Calling - Professional", "totalUnits": 5,
                           "consumedUnits": 1, "subscriptionId": "SUB-1"} for i in range(5)]
    wx.next_link_root = stranger.root
    with Session(engine) as s:
        p = Partner(name="Partner", webex_org_id=partner_org)
        s.add(p)
        s.commit()
        pid = p.id
    cfg = settings.model_copy(update=dict(webex_api_url=wx.url, webex_cdr_url=wx.cdr_url("us"),
                                          webex_token=SecretStr(TOKEN), webex_backoff_s=0.001, webex_max_retries=1))
    report = sync.sync_partner(session_factory=lambda: Session(engine, expire_on_commit=False), partner_id=pid,
                               settings=cfg, now=datetime(2026, 11, 25, 12, tzinfo=timezone.utc),
                               parts=["organizations", "licenses"])
    assert not report.ok  # not "ok with two of five licences"
    (lic,) = [p for p in report.parts if p.part == "licenses"]
    assert lic.failed == 1 and "not a Webex host" in lic.errors[0]
    assert stranger.requests == []
