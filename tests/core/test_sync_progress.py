"""The sync's progress callback: what a progress bar is fed, part by part, resumes included."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from partnerhub_core.models import Partner
from partnerhub_core.sources import sync
from partnerhub_core.sources.sync_common import Progress
from tests.fakes.webex import FakeWebex

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
TOKEN = "wx-progress"


@pytest.fixture
def wx():
    with FakeWebex(token=TOKEN) as fake:
        for n in range(5):
            fake.add_org(f"org-{n}", f"Org {n}")
            fake.licenses[f"org-{n}"] = [{"id": f"L{n}", "name": "Meeting - Webex Enterprise", "totalUnits": 10,
                                          "consumedUnits": n, "subscriptionId": f"SUB-{n}"}]
        yield fake


@pytest.fixture
def wsettings(settings, wx):
    return settings.model_copy(update=dict(
        webex_api_url=wx.url, webex_cdr_url=wx.cdr_url("us"), webex_token=SecretStr(TOKEN),
        webex_backoff_s=0.001, webex_retry_after_default_s=0.001, webex_retry_after_cap_s=0.01,
        webex_max_retries=0, webex_sync_max_failures=10))


@pytest.fixture
def partner_id(engine):
    with Session(engine) as s:
        p = Partner(name="Partner")
        s.add(p)
        s.commit()
        return p.id


def run(engine, wsettings, partner_id, parts, now=NOW):
    events: list[Progress] = []
    report = sync.sync_partner(session_factory=lambda: Session(engine, expire_on_commit=False),
                               partner_id=partner_id, settings=wsettings, now=now, parts=parts,
                               progress=events.append)
    return report, [(e.part, e.done, e.total, e.failed) for e in events]


def test_each_organization_moves_its_part_on_and_partner_parts_are_one_step(engine, wsettings, partner_id):
    report, events = run(engine, wsettings, partner_id, ["organizations", "licenses", "license_usage"])
    assert report.ok
    assert events == [("organizations", 0, 1, 0), ("organizations", 1, 1, 0)] + [
        ("licenses", n, 5, 0) for n in range(6)] + [("license_usage", 0, 1, 0), ("license_usage", 1, 1, 0)]


def test_a_resumed_pass_starts_from_the_organizations_already_done(engine, wx, wsettings, partner_id):
    run(engine, wsettings, partner_id, ["organizations"])
    wx.fail_after_orgs = 2  # org-2 … org-4 answer 500: the pass stays unfinished
    first, events = run(engine, wsettings, partner_id, ["licenses"])
    assert (first.parts[0].succeeded, first.parts[0].failed) == (2, 3)
    assert events[-1] == ("licenses", 5, 5, 3)
    wx.fail_after_orgs = None
    second, events = run(engine, wsettings, partner_id, ["licenses"], now=NOW + timedelta(minutes=10))
    assert (second.parts[0].skipped, second.parts[0].succeeded) == (2, 3)
    assert events == [("licenses", n, 5, 0) for n in (2, 3, 4, 5)]


def test_a_whole_sync_that_did_not_finish_is_resumed_part_by_part(engine, wx, wsettings, partner_id):
    """Killed or failed midway, a whole sync is resumed: the parts that finished since it
    started are not read again (their organizations count as resumed past)."""
    wx.fail_next(500, path_contains="/v1/partner/tags/", times=100)
    first, _ = run(engine, wsettings, partner_id, None)
    assert [p.part for p in first.parts if not p.ok] == ["tags"]
    wx.failures.clear()
    before = len(wx.requests)
    second, events = run(engine, wsettings, partner_id, None, now=NOW + timedelta(minutes=10))
    assert second.ok
    parts = {p.part: p for p in second.parts}
    assert (parts["licenses"].skipped, parts["licenses"].succeeded) == (5, 0)
    assert (parts["tags"].skipped, parts["tags"].succeeded) == (0, 5)
    assert ("licenses", 5, 5, 0) in events
    new = wx.requests[before:]
    assert not [r for r in new if r.path == "/v1/licenses"]
    assert len([r for r in new if r.path.startswith("/v1/partner/tags/")]) == 5
    # That run finished: the next whole sync reads everything again.
    before = len(wx.requests)
    third, _ = run(engine, wsettings, partner_id, None, now=NOW + timedelta(minutes=20))
    assert third.ok and {p.part: p.succeeded for p in third.parts}["licenses"] == 5
    assert len([r for r in wx.requests[before:] if r.path == "/v1/licenses"]) == 5
