"""Call history through the Webex stand-in: queue figures from documented CDR records, the
CALL_HISTORY family recorded, and media quality recorded as not readable (unknown, not 0)."""
from __future__ import annotations

import base64
from datetime import date, datetime, timezone

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from partnerhub_core import provenance
from partnerhub_core.analytics.calling import queues
from partnerhub_core.models import Partner
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.sources import sync
from tests.fakes.webex import FakeWebex
from tests.fakes.webex_cdr import agent_leg, queue_entry

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
TOKEN = "wx-token-h5"
UA = "aaaaaaaa-0000-0000-0000-0000000000a5"
ORG_A = base64.b64encode(f"ciscospark://us/ORGANIZATION/{UA}".encode()).decode().rstrip("=")


@pytest.fixture
def wx():
    with FakeWebex(token=TOKEN) as fake:
        fake.add_org(ORG_A, "Acme Ltda")
        fake.licenses[ORG_A] = [{"id": "L1", "name": "Webex Calling - Professional", "totalUnits": 10,
                                 "consumedUnits": 4, "subscriptionId": "SUB-A"}]
        t = "2026-11-24T15:00:{:02d}.000Z".format
        fake.cdr[ORG_A] = [
            queue_entry("q1", UA, t(0), t(50), **{"Answered": "true", "Ring duration": 12}),
            agent_leg("a1", UA, t(12), t(50), **{"Answered": "true", "Correlation ID": "corr-q1"}),
            queue_entry("q2", UA, t(0), t(30), **{"Releasing party": "Remote", "Ring duration": 30}),
            queue_entry("q3", UA, t(0), t(40), **{"Releasing party": "Remote", "Ring duration": 40}),
            queue_entry("q4", UA, t(0), t(20), **{"Answered": "true", "Ring duration": 8}),
        ]
        yield fake


@pytest.fixture
def run(engine, settings, wx):
    with Session(engine) as s:
        partner = Partner(name="Partner")
        s.add(partner)
        s.commit()
        partner_id = partner.id
    wsettings = settings.model_copy(update=dict(
        webex_api_url=wx.url, webex_cdr_url=wx.cdr_url("us"), webex_token=SecretStr(TOKEN),
        webex_backoff_s=0.001, webex_retry_after_default_s=0.001, webex_max_retries=2,
        webex_cdr_initial_hours=48))

    def go():
        sync.sync_partner(session_factory=lambda: Session(engine, expire_on_commit=False), partner_id=partner_id,
                          settings=wsettings, now=NOW, parts=["organizations", "licenses", "cdr"])
        return partner_id, wsettings
    return go


def test_queue_figures_come_from_the_feed_and_quality_is_recorded_unknown(engine, run):
    partner_id, settings = run()
    with Session(engine) as session:
        section = queues(session=session, partner_id=partner_id, as_of=date(2026, 11, 29), settings=settings)
        kpis = {k.key: k.value for k in section.kpis}
        # 4 queued calls (the agent's leg is not one): 2 answered after 12 s and 8 s, 2 abandoned
        # after 30 s and 40 s.
        assert kpis == {"queue_calls": 4, "avg_answer_s": 10.0, "avg_abandon_wait_s": 35.0, "abandon_rate": 0.5}
        states = {s.family: s for s in provenance.source_states(session, partner_id=partner_id,
                                                                as_of=date(2026, 11, 25), settings=settings)}
    history, quality = states[SourceFamily.CALL_HISTORY], states[SourceFamily.CALL_QUALITY]
    assert history.known and (history.covered, history.total) == (1, 1)
    assert not quality.known and "callQualityStats" in quality.last_error and quality.missing_scopes == []


def test_without_the_cdr_scope_call_history_is_a_named_failure(engine, run, wx):
    wx.deny("/analytics-", "spark-admin:calling_cdr_read")
    partner_id, settings = run()
    with Session(engine) as session:
        history = next(s for s in provenance.source_states(session, partner_id=partner_id, as_of=date(2026, 11, 25),
                                                           settings=settings) if s.family == SourceFamily.CALL_HISTORY)
        assert not history.known
        assert history.missing_scopes == ["spark-admin:calling_cdr_read"]
