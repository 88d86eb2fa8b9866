"""Unknown is not zero: with the licence usage source missing (or partial, or stale),
exactly the usage figures become unknown and nothing else changes.

as_of = Saturday 2026-03-14, window 90 days. Two Meetings lines:
  Alpha A1 100 total, 50 assigned, 30 used (35 in 3 months) on 03-14; 40 / 20 on 03-07;
           start 2026-01-13 (60 days ago, "recent"), end 2027-01-13
  Bravo B1 200 total, 150 assigned, 100 used (140) on 03-14; start 2025-03-01,
           end 2026-04-13 (30 days: "expiring")
Usage known: recent (Alpha) weekly used change 30 - 20 = 10; expiring (Bravo) usage
100 / 200 = 50%; trend 03-07 used 20 of 100 (20%), 03-14 used 130 of 300.
"""
import csv
import io
from datetime import date, datetime, timezone

import pytest

from partnerhub_core.analytics import subscriptions as subs
from partnerhub_core.provenance import SourceFamily, record_refresh
from partnerhub_core.reports import section_csv
from partnerhub_core.unknown import note_lines
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription

AS_OF = date(2026, 3, 14)
PREV = date(2026, 3, 7)
READ = datetime(2026, 3, 14, 6, 0, tzinfo=timezone.utc)
USAGE_COLUMNS = {"used_7d", "used_90d", "used_pct", "weekly_used_change"}
USAGE_KPIS = {"usage_pct", "usage_when_assigned_pct", "used"}


def build(session, usage: str):
    """usage: "all" (source read, every figure), "none" (no usage source), "alpha" (Webex
    gave Alpha's figures only)."""
    p = make_partner(session)
    a = make_customer(session, p, "Alpha")
    b = make_customer(session, p, "Bravo")
    a1 = make_subscription(session, a, subscription_id="A1", total=100, start=date(2026, 1, 13),
                           end=date(2027, 1, 13))
    b1 = make_subscription(session, b, subscription_id="B1", total=200, start=date(2025, 3, 1),
                           end=date(2026, 4, 13))
    known_a = usage in ("all", "alpha")
    known_b = usage == "all"
    make_snapshot(session, a1, AS_OF, assigned=50, used_7d=30 if known_a else None,
                  used_90d=35 if known_a else None)
    make_snapshot(session, a1, PREV, assigned=40, used_7d=20 if known_a else None)
    make_snapshot(session, b1, AS_OF, assigned=150, used_7d=100 if known_b else None,
                  used_90d=140 if known_b else None)
    if usage != "none":
        record_refresh(session, partner_id=p.id, family=SourceFamily.LICENSE_USAGE, now=READ, rows=3)
    session.commit()
    return p


def views(session, settings, partner):
    kw = dict(session=session, partner_id=partner.id, as_of=AS_OF, settings=settings)
    headline, sections = subs.overview(product="meetings", **kw)
    return {"kpis": headline, **sections, "trend": subs.license_trend(product="meetings", weeks=2, **kw)}


def without_usage(d: dict) -> dict:
    """A section's dict with every usage figure blanked: what must not change."""
    d = {k: v for k, v in d.items() if k != "sources"}
    d["kpis"] = [{**k, "value": None} if k["key"] in USAGE_KPIS else k for k in d["kpis"]]
    d["rows"] = [{k: (None if k in USAGE_COLUMNS else v) for k, v in r.items()} for r in d["rows"]]
    if "displayed" in d:  # the same figures as people read them (rounding.py)
        shown = d["displayed"]
        d["displayed"] = {"kpis": {k: (None if k in USAGE_KPIS else v) for k, v in shown["kpis"].items()},
                          "rows": [{k: (None if k in USAGE_COLUMNS else v) for k, v in r.items()}
                                   for r in shown["rows"]]}
    return d


def test_usage_known_gives_the_hand_numbers(session, settings):
    got = views(session, settings, build(session, "all"))
    recent, expiring, trend = got["recent"], got["expiring"], got["trend"]
    assert [r["weekly_used_change"] for r in recent.rows()] == [10]
    assert expiring.kpi("usage_pct").value == pytest.approx(0.5)
    assert [(r["used_7d"], r["used_pct"]) for r in trend.rows()] == [(130, pytest.approx(130 / 300)),
                                                                     (20, pytest.approx(0.2))]  # newest first
    assert all(n.complete for s in got.values() for n in s.notes)
    assert note_lines(expiring.notes, str) == []


def test_usage_source_missing_makes_exactly_the_usage_figures_unknown(session, settings):
    full = {k: s.to_dict() for k, s in views(session, settings, build(session, "all")).items()}
    session.rollback()
    missing = {k: s.to_dict() for k, s in views(session, settings, build(session, "none")).items()}
    for key in full:
        # nothing else changed ...
        assert without_usage(missing[key]) == without_usage(full[key]), key
        # ... and every usage figure is unknown (null), never 0
        for k in missing[key]["kpis"]:
            if k["key"] in USAGE_KPIS:
                assert k["value"] is None and k["source"] == "license_usage", (key, k)
        for row in missing[key]["rows"]:
            assert all(row[c] is None for c in USAGE_COLUMNS if c in row), (key, row)
    expiring = missing["expiring"]
    assert expiring["sources"]["license_usage"]["connected"] is False
    assert expiring["sources"]["license_usage"]["figures_known"] == 0
    assert expiring["sources"]["license_usage"]["figures_total"] == 1
    # the same source at work shows the numbers (the test above) and says nothing is missing
    assert full["expiring"]["sources"]["license_usage"]["figures_known"] == 1


def test_usage_unknown_shows_a_dash_and_one_footnote(session, settings):
    p = build(session, "none")
    kw = dict(session=session, partner_id=p.id, as_of=AS_OF, settings=settings)
    expiring = subs.expiring(product="meetings", **kw)
    lines = note_lines(expiring.notes, lambda s: s, "en")
    assert lines == [
        "License usage known for 0 of 1 subscriptions.",
        "— License usage: not connected. To connect it, give the partner's Webex token "
        "spark-admin:reports_read, spark-admin:reports_write and sync; `sources` lists every source.",
    ]
    rows = list(csv.reader(io.StringIO(section_csv(expiring, "en").decode("utf-8-sig"))))
    header, bravo = rows[0], rows[1]
    assert bravo[header.index("Used")] == "—" and bravo[header.index("Used in the last 3 months")] == "—"
    assert bravo[header.index("Assigned")] == "150" and bravo[header.index("Days until expiry")] == "30"
    # after a blank row, the coverage and the footnote, once
    assert rows[2:] == [[], [lines[0]], [lines[1]]]


def test_partial_usage_says_how_much_is_known(session, settings):
    got = views(session, settings, build(session, "alpha"))
    # Alpha known, Bravo not: the low/overage sections hold no line; "recent" only Alpha.
    assert got["recent"].notes[0].complete
    expiring = got["expiring"]
    assert (expiring.notes[0].known, expiring.notes[0].total) == (0, 1)
    trend = got["trend"]
    # 03-07 has Alpha only (known); 03-14 has Bravo unknown: that week's usage is not a sum
    # over Alpha alone, it is unknown.
    assert [r["used_7d"] for r in trend.rows()] == [None, 20]  # newest week first
    assert (trend.notes[0].known, trend.notes[0].total, trend.notes[0].unit) == (1, 2, "weeks")
    assert note_lines(trend.notes, lambda s: s, "en")[0] == "License usage known for 1 of 2 weeks."
    assert trend.kpi("used").value is None and trend.kpi("assigned").value == 200


def test_stale_usage_source_is_unknown(session, settings):
    p = build(session, "all")
    # read 8 days before as_of: older than source_stale_days (7)
    record_refresh(session, partner_id=p.id, family=SourceFamily.LICENSE_USAGE,
                   now=datetime(2026, 3, 6, 6, 0, tzinfo=timezone.utc), rows=3)
    session.commit()
    got = views(session, settings, p)
    assert got["expiring"].kpi("usage_pct").value is None
    assert [r["used_7d"] for r in got["trend"].rows()] == [None, None]
    assert got["expiring"].kpi("assignment_pct").value == pytest.approx(0.75)
    lines = note_lines(got["expiring"].notes, lambda s: s, "en")
    assert lines[1].startswith("— License usage: last read on Mar 6, 2026, too long ago.")
    fresh = settings.model_copy(update={"source_stale_days": 8})
    assert views(session, fresh, p)["expiring"].kpi("usage_pct").value == pytest.approx(0.5)
