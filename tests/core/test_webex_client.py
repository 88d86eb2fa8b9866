"""The Webex client's rules, against the local stand-in over real HTTP (no database)."""
from __future__ import annotations

import logging
import threading

import pytest
from pydantic import SecretStr

from partnerhub_core.errors import NotSetUp, UpstreamError
from partnerhub_core.settings import Settings
from partnerhub_core.sources.webex import WebexClient, drop_null_max, parse_retry_after, region_host_from_451
from tests.fakes.webex import FakeWebex

TOKEN = "tok-very-secret-42"
ORG = "org-1"


@pytest.fixture
def wx():
    with FakeWebex(token=TOKEN) as fake:
        fake.add_org(ORG, "Acme")
        fake.licenses[ORG] = [{"id": f"L{i}", "name": "Webex Calling - Professional", "totalUnits": i,
                               "subscriptionId": "S"} for i in range(5)]
        yield fake


def make(wx, **over) -> tuple[WebexClient, list[float]]:
    waits: list[float] = []
    knobs = dict(webex_api_url=wx.url, webex_token=SecretStr(TOKEN), webex_cdr_url=wx.cdr_url("us"),
                 webex_backoff_s=0.5, webex_retry_after_default_s=7, webex_retry_after_cap_s=60,
                 webex_max_retries=3)
    settings = Settings(**{**knobs, **over})
    return WebexClient(settings=settings, sleep=waits.append), waits


def test_link_pagination_follows_next_and_drops_max_null(wx):
    client, _ = make(wx)
    items = client.licenses(ORG)
    assert [i["id"] for i in items] == ["L0", "L1", "L2", "L3", "L4"]
    calls = wx.calls("/v1/licenses")
    assert [c.query for c in calls] == [
        {"orgId": ORG},
        {"orgId": ORG, "start": "2"},  # the stand-in's next link said max=null: dropped
        {"orgId": ORG, "start": "4"},
    ]


def test_drop_null_max_keeps_the_other_parameters():
    assert drop_null_max("https://x/v1/devices?orgId=o&max=null&start=5") == "https://x/v1/devices?orgId=o&start=5"
    assert drop_null_max("https://x/v1/devices?max=50&start=5") == "https://x/v1/devices?max=50&start=5"


def test_429_waits_retry_after_then_succeeds(wx):
    client, waits = make(wx)
    wx.fail_next(429, retry_after="3")
    assert len(client.organizations()) == 1
    assert waits == [3.0]
    assert len(wx.calls("/v1/organizations")) == 2


def test_429_without_retry_after_waits_the_default_and_long_waits_are_capped(wx):
    client, waits = make(wx, webex_retry_after_cap_s=20)
    wx.fail_next(429)
    wx.fail_next(423, retry_after="3600")
    wx.fail_next(429, retry_after="soon")
    client.organizations()
    assert waits == [7.0, 20.0, 7.0]


def test_rate_limit_gives_up_after_the_allowed_waits(wx):
    client, waits = make(wx, webex_max_rate_limit_waits=2)
    wx.fail_next(429, retry_after="1", times=5)
    with pytest.raises(UpstreamError, match=r"failed \(429\)"):
        client.organizations()
    assert waits == [1.0, 1.0]


def test_5xx_is_retried_with_exponential_backoff(wx):
    client, waits = make(wx)
    wx.fail_next(500, times=2)
    wx.fail_next(503)
    assert len(client.organizations()) == 1
    assert waits == [0.5, 1.0, 2.0]


def test_5xx_after_the_last_retry_raises_with_the_tracking_id_in_message_and_log(wx, caplog):
    client, waits = make(wx)
    wx.fail_next(502, times=10, body={"message": "Bad gateway", "errors": [], "trackingId": "ROUTER_XYZ"})
    with caplog.at_level(logging.WARNING), pytest.raises(UpstreamError) as err:
        client.licenses(ORG)
    assert str(err.value) == "Webex GET /v1/licenses?orgId=org-1 failed (502): Bad gateway (trackingId ROUTER_XYZ)"
    assert err.value.tracking_id == "ROUTER_XYZ"
    assert waits == [0.5, 1.0, 2.0]
    assert len(wx.calls("/v1/licenses")) == 4
    assert "trackingId=ROUTER_XYZ" in caplog.records[-1].getMessage()


def test_4xx_is_not_retried(wx):
    client, waits = make(wx)
    wx.fail_next(404, body={"message": "Organization not found", "trackingId": "T404"})
    with pytest.raises(UpstreamError, match="Organization not found"):
        client.licenses(ORG)
    assert waits == []


def test_timeouts_are_retried(wx):
    client, waits = make(wx, webex_timeout_s=0.2)
    wx.fail_next(0, delay_s=0.6)  # answers too late once
    assert len(client.organizations()) == 1
    assert waits == [0.5]


def test_the_token_never_appears_in_errors_or_logs(wx, caplog):
    client, _ = make(wx)
    wx.fail_next(400, body={"message": f"Bearer {TOKEN} is not allowed here", "trackingId": "T1"})
    with caplog.at_level(logging.DEBUG), pytest.raises(UpstreamError) as err:
        client.organizations()
    assert TOKEN not in str(err.value) and "Bearer *** is not allowed" in str(err.value)
    assert TOKEN not in caplog.text
    wrong, _ = make(wx)
    wrong._http.headers["Authorization"] = "Bearer other-secret"
    with pytest.raises(UpstreamError, match=r"\(401\)") as err:
        wrong.organizations()
    assert "other-secret" not in str(err.value)


def test_every_request_carries_bearer_token_and_own_tracking_id(wx):
    client, _ = make(wx)
    client.organizations()
    headers = wx.requests[-1].headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["TrackingID"].startswith("partnerhub_")


def test_no_token_is_a_setup_error():
    with pytest.raises(NotSetUp, match="PARTNERHUB_WEBEX_TOKEN"):
        WebexClient(settings=Settings(webex_token=None))


def test_concurrency_is_bounded_per_token_across_clients(wx):
    wx.delay_s = 0.05
    first, _ = make(wx, webex_concurrency=2)
    second, _ = make(wx, webex_concurrency=2)  # same token: shares the limit
    threads = [threading.Thread(target=(first if i % 2 else second).organizations) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wx.calls("/v1/organizations")) == 8
    assert wx.max_in_flight == 2


def test_cdr_451_is_followed_to_the_regional_host(wx):
    wx.cdr_region[ORG] = "eu"
    wx.cdr[ORG] = [{"Start time": "2026-11-24T10:00:00.000Z", "Call ID": "c1", "Org UUID": "u"}]
    client, _ = make(wx)
    records, host = client.cdr_feed(org_id=ORG, start="2026-11-24T00:00:00.000Z", end="2026-11-24T12:00:00.000Z")
    assert [r["Call ID"] for r in records] == ["c1"]
    assert host == wx.cdr_url("eu")
    assert [c.path for c in wx.calls("cdr_feed")] == ["/analytics-us/v1/cdr_feed", "/analytics-eu/v1/cdr_feed"]


def test_region_host_from_451_bodies():
    assert region_host_from_451({"message": "use https://analytics-calling-eu.webexapis.com/v1/cdr_feed."}) == \
        "https://analytics-calling-eu.webexapis.com/v1"
    assert region_host_from_451({"errors": [{"description": "https://analytics-calling-au.webexapis.com"}]}) == \
        "https://analytics-calling-au.webexapis.com/v1"
    assert region_host_from_451({"message": "no url"}) is None


def test_parse_retry_after():
    assert parse_retry_after("12", default=5, cap=60) == 12
    assert parse_retry_after(None, default=5, cap=60) == 5
    assert parse_retry_after("-3", default=5, cap=60) == 5
    assert parse_retry_after("600", default=5, cap=60) == 60
