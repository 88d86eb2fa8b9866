"""The demo's calling data: a year of weeks, deterministic, and one abandoned-call spike."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from partnerhub_core import alerts
from partnerhub_core.analytics.calling import queues
from partnerhub_core.models import CallRollup
from partnerhub_core.settings import Settings
from partnerhub_core.sources.demo import build_demo_partner
from partnerhub_core.sources.demo_calling import load_demo_calling

AS_OF = date(2026, 11, 25)


def _totals(session, partner_id):
    return session.execute(select(func.count(), func.sum(CallRollup.calls), func.sum(CallRollup.queue_abandoned))
                           .where(CallRollup.partner_id == partner_id)).one()


def test_demo_calling_year_spike_and_determinism(session):
    partner = build_demo_partner(session, customers=30, as_of=AS_OF, seed=3)
    info = load_demo_calling(session, partner_id=partner.id, as_of=AS_OF, seed=3)
    assert info["customers"] > 0 and info["rows"] > 0
    weeks = session.execute(select(func.min(CallRollup.week_ending), func.max(CallRollup.week_ending))
                            .where(CallRollup.partner_id == partner.id)).one()
    assert weeks == (date(2025, 11, 29), date(2026, 11, 21))  # 52 weeks ending with the last completed one

    section = queues(session=session, partner_id=partner.id, as_of=AS_OF, settings=Settings())
    top = section.rows()[0]
    assert int(section.table.iloc[0]["customer_id"]) == info["spike_customer_id"]
    assert top["abandon_rate"] > 0.3 and top["abandon_rate_prev"] < 0.1
    assert top["queue_calls"] >= 25
    # and the digest's spike rule (default settings) flags that customer and no other
    settings = Settings()
    weekly = alerts.load_queue_weeks(session, partner_id=partner.id, week=date(2026, 11, 21),
                                     weeks=settings.abandoned_spike_baseline_weeks, customer_ids=None)
    spikes = alerts.abandoned_spikes(weekly, week=date(2026, 11, 21), factor=settings.abandoned_spike_factor,
                                     min_calls=settings.abandoned_spike_min_calls,
                                     baseline_weeks=settings.abandoned_spike_baseline_weeks,
                                     min_rate=settings.abandoned_spike_min_rate)
    assert list(spikes["customer_id"]) == [info["spike_customer_id"]]

    first = _totals(session, partner.id)
    again = load_demo_calling(session, partner_id=partner.id, as_of=AS_OF, seed=3)  # rebuild in place
    assert _totals(session, partner.id) == first
    assert again["spike_customer_id"] == info["spike_customer_id"]
