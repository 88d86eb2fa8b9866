"""An optional source the partner's token has no scope for is "not connected", not a failed
sync: the part stops after a few refusals (a partner with many customers is not sent one
refused request per organization), names the scope, leaves its figures unknown, and the
sync is ok. A source that is down (5xx after retries) still fails the sync, and so does a
refused organizations listing (the core source)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from partnerhub_core import provenance, secrets
from partnerhub_core.models import Customer, Partner
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.sources import sync
from partnerhub_core.sources.recorded_walk import DENIED_STOP
from tests.fakes.webex import FakeWebex
from tests.fakes.webex_org_data import login_event

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
TOKEN = "wx-optional-token"
ORGS = 40  # many more than DENIED_STOP + the requests in flight
CONCURRENCY = 2
PARTS = ["organizations", "licenses", "sign_in"]
AUDIT = "/v1/adminAudit/events"


@pytest.fixture(autouse=True)
def _fresh_keyring():
    secrets.reset()
    yield
    secrets.reset()


@pytest.fixture
def wx():
    with FakeWebex(token=TOKEN) as fake:
        for i in range(ORGS):
            org = f"org-{i:02d}"
            fake.add_org(org, f"Customer {i:02d}")
            fake.audit_events[org] = [login_event("2026-11-20T09:00:00.000Z", actor_org=org)]
        yield fake


@pytest.fixture
def wsettings(settings, wx):
    return settings.model_copy(update=dict(
        webex_api_url=wx.url, webex_cdr_url=wx.cdr_url("us"), webex_token=SecretStr(TOKEN),
        webex_backoff_s=0.001, webex_retry_after_default_s=0.001, webex_retry_after_cap_s=0.05,
        webex_max_retries=1, webex_concurrency=CONCURRENCY,
    ))


@pytest.fixture
def partner_id(engine):
    with Session(engine) as s:
        p = Partner(name="Partner", webex_org_id="partner-org")
        s.add(p)
        s.commit()
        return p.id


def run_sync(engine, partner_id, wsettings, parts=PARTS):
    return sync.sync_partner(session_factory=lambda: Session(engine, expire_on_commit=False),
                             partner_id=partner_id, settings=wsettings, now=NOW, parts=parts)


def sign_in_state(engine, partner_id, wsettings):
    with Session(engine) as s:
        return {x.family: x for x in provenance.source_states(
            s, partner_id=partner_id, as_of=NOW.date(), settings=wsettings)}[SourceFamily.ADMIN_SIGN_IN]


def sign_ins(engine) -> set:
    with Session(engine) as s:
        return {(c.last_admin_sign_in, c.sign_in_checked_at) for c in s.exec(select(Customer))}


def test_a_token_without_audit_scope_is_not_connected_and_the_sync_is_ok(engine, wx, wsettings, partner_id):
    wx.deny(AUDIT, "audit:events_read")
    report = run_sync(engine, partner_id, wsettings)

    assert report.ok
    part = {p.part: p for p in report.parts}["sign_in"]
    assert part.not_connected == "not connected: missing scope audit:events_read"
    # Three refusals in a row say the scope is missing; at most the fetches already in
    # flight then (one per concurrent slot) are sent as well: never one per organization.
    refused = len(wx.calls(AUDIT))
    assert DENIED_STOP <= refused <= DENIED_STOP + CONCURRENCY
    assert part.failed == refused and part.succeeded == 0
    # Sign-in is unknown for every customer (not "no recent activity": never read).
    assert sign_ins(engine) == {(None, None)}
    st = sign_in_state(engine, partner_id, wsettings)
    assert (st.connected, st.known, st.missing_scopes) == (False, False, ["audit:events_read"])
    assert st.last_error == (f"not connected: missing scope audit:events_read (Webex refused the first {refused} "
                             "organizations with HTTP 403; the others were not asked)")
    # sync status says it once, for the part, and nothing is left to resume.
    with Session(engine) as s:
        status = {p.part: p for p in sync.sync_status(session=s, partner_id=partner_id)}["sign_in"]
    assert (status.not_connected, status.resuming) == (True, False)
    assert status.last_error == "not connected: missing scope audit:events_read"


def test_once_the_scope_is_granted_the_next_sync_reads_every_organization(engine, wx, wsettings, partner_id):
    wx.deny(AUDIT, "audit:events_read")
    run_sync(engine, partner_id, wsettings)
    wx.denied.clear()  # the partner granted audit:events_read
    report = run_sync(engine, partner_id, wsettings)
    part = {p.part: p for p in report.parts}["sign_in"]
    assert (report.ok, part.not_connected, part.succeeded) == (True, "", ORGS)
    st = sign_in_state(engine, partner_id, wsettings)
    assert (st.known, st.missing_scopes, st.covered, st.total) == (True, [], ORGS, ORGS)
    with Session(engine) as s:
        status = {p.part: p for p in sync.sync_status(session=s, partner_id=partner_id)}["sign_in"]
    assert (status.not_connected, status.last_error) == (False, None)


def test_a_source_that_is_down_still_fails_the_sync(engine, wx, wsettings, partner_id):
    wx.fail_next(503, path_contains=AUDIT, times=1000)
    report = run_sync(engine, partner_id, wsettings)
    part = {p.part: p for p in report.parts}["sign_in"]
    assert not report.ok
    assert (part.ok, part.not_connected, part.stopped) == (False, "", True)
    assert part.failed == wsettings.webex_sync_max_failures  # stopped by failures in a row, as before
    st = sign_in_state(engine, partner_id, wsettings)
    assert st.missing_scopes == [] and st.last_error.startswith(f"{part.failed} of {part.failed} organizations "
                                                                "could not be read (HTTP 503")


def test_a_refusal_after_some_organizations_were_read_is_their_failure(engine, wx, wsettings, partner_id):
    """A 403 for a few customers after others answered is those customers (the partner does
    not administer them), not a missing scope: they fail, and the sync says so."""
    wx.fail_next(0, path_contains=AUDIT, times=10)  # status 0: the first 10 answer normally ...
    wx.fail_next(403, path_contains=AUDIT, times=3)  # ... then 3 refusals, then normal again
    report = run_sync(engine, partner_id, wsettings)
    part = {p.part: p for p in report.parts}["sign_in"]
    assert not report.ok
    assert (part.succeeded, part.failed, part.stopped, part.not_connected) == (ORGS - 3, 3, False, "")
    assert len(wx.calls(AUDIT)) == ORGS
    st = sign_in_state(engine, partner_id, wsettings)
    assert (st.known, st.covered, st.total) == (True, ORGS - 3, ORGS)


def test_a_refused_organizations_listing_still_fails_the_sync(engine, wx, wsettings, partner_id):
    wx.deny("/v1/organizations", "spark-admin:organizations_read")
    report = run_sync(engine, partner_id, wsettings)
    assert not report.ok
    assert [(p.part, p.ok, p.not_connected) for p in report.parts] == [("organizations", False, "")]


def test_partnerhub_sync_says_not_connected_in_one_line_and_exits_0(engine, wx, partner_id, tmp_path):
    wx.deny(AUDIT, "audit:events_read")
    env = {"PARTNERHUB_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "PARTNERHUB_WEBEX_API_URL": wx.url, "PARTNERHUB_WEBEX_CDR_URL": wx.cdr_url("us"),
           "PARTNERHUB_WEBEX_TOKEN": TOKEN, "PARTNERHUB_WEBEX_BACKOFF_S": "0.001",
           "PARTNERHUB_WEBEX_MAX_RETRIES": "1", "PARTNERHUB_WEBEX_RETRY_AFTER_DEFAULT_S": "0.001"}
    runner = CliRunner()
    result = runner.invoke(app, ["sync", "--parts", ",".join(PARTS)], env=env)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "not connected" in line]
    assert lines == ["sign_in: not connected: missing scope audit:events_read (see `partnerhub sources`)"]

    as_json = runner.invoke(app, ["sync", "--parts", "sign_in", "--json"], env=env)
    body = json.loads(as_json.stdout)
    assert (as_json.exit_code, body["ok"]) == (0, True)
    assert body["parts"][0]["not_connected"] == "not connected: missing scope audit:events_read"

    sources = runner.invoke(app, ["sources"], env=env)
    assert "audit:events_read" in sources.output


def states(engine, partner_id, wsettings) -> dict:
    with Session(engine) as s:
        return {x.family: x for x in provenance.source_states(
            s, partner_id=partner_id, as_of=NOW.date(), settings=wsettings)}


def test_licences_devices_and_numbers_without_their_scopes_are_not_connected(engine, wx, wsettings, partner_id):
    """A partner that imports its subscriptions may not grant the licence scope, and one
    without Webex Calling may lack the telephony and device scopes: those parts are not
    connected (their figures unknown), and the sync is ok."""
    wx.deny("/v1/licenses", "spark-admin:licenses_read")
    wx.deny("/v1/devices", "spark-admin:devices_read")
    report = run_sync(engine, partner_id, wsettings, parts=["organizations", "licenses", "devices"])
    assert report.ok
    parts = {p.part: p for p in report.parts}
    assert parts["licenses"].not_connected == "not connected: missing scope spark-admin:licenses_read"
    assert parts["devices"].not_connected == "not connected: missing scope spark-admin:devices_read"
    st = states(engine, partner_id, wsettings)
    for family, scope in [(SourceFamily.SUBSCRIPTIONS, "spark-admin:licenses_read"),
                          (SourceFamily.TRIALS, "spark-admin:licenses_read"),
                          (SourceFamily.DEVICES, "spark-admin:devices_read")]:
        assert (st[family].connected, st[family].missing_scopes) == (False, [scope]), family


def test_a_licence_read_makes_subscriptions_and_trials_known(engine, wx, wsettings, partner_id):
    """Reading the licences is the subscriptions' and trials' source: after it, `sources`
    says they are connected with every organization covered (not "never read")."""
    report = run_sync(engine, partner_id, wsettings, parts=["organizations", "licenses"])
    assert report.ok
    st = states(engine, partner_id, wsettings)
    for family in (SourceFamily.SUBSCRIPTIONS, SourceFamily.TRIALS):
        assert (st[family].known, st[family].covered, st[family].total) == (True, ORGS, ORGS), family
    assert not st[SourceFamily.DEVICES].connected  # not read in this sync
