"""Ties (x.x5) as Slack, the digest and the CLI show them: half-up everywhere (rounding.py;
the core rule and the CSV are in tests/core/test_rounding.py)."""
from __future__ import annotations

import json
import sys
from datetime import date

import pandas as pd
import pytest

from partnerhub_core.analytics.common import Kpi, Section
from tests.core.test_rounding import TIE_RATIO, _tie_section
from tests.factories import (
    make_customer,
    make_partner,
    make_snapshot,
    make_subscription,
)


def test_slack_section_shows_ties_rounded_up():
    from bot.listeners.analytics import Query
    from bot.render import blocks_to_text, render

    section = _tie_section()
    for locale, pct, wait in (("en", "7.3%", "128.3"), ("pt_BR", "7,3%", "128,3")):
        payload = render("analytics_section.json.j2", locale=locale, title="Ties", query=Query("expiring", "meetings"),
                         kpis=[{"label": k.label, "value": k.value, "kind": k.kind, "hint": ""} for k in section.kpis],
                         columns=[{"key": c.key, "label": c.label, "kind": c.kind} for c in section.columns],
                         rows=section.rows(), total_rows=1, as_of=date(2026, 11, 25), csv_value=None,
                         switch=[{"product": "meetings", "value": "{}"}], others=[], regions=[])
        text = blocks_to_text(payload)
        assert pct in text and wait in text and ("7.2" not in text and "7,2" not in text), text


def test_digest_shows_ties_rounded_up():
    from bot.render import blocks_to_text, render
    from partnerhub_core.alerts import Alert, AlertRow, Digest
    from partnerhub_core.models import Schedule

    low = AlertRow("low_assignment", 7, "Acme", "f" * 16, {"lines": [
        {"subscription_id": "S-1", "product": "meetings", "assigned": 29, "total_licenses": 400,
         "assigned_pct": TIE_RATIO}]}, None)
    spike = AlertRow("abandoned_spike", 8, "Bravo", "e" * 16, {
        "week_ending": date(2026, 11, 21), "queue_calls": 400, "queue_abandoned": 29, "rate": TIE_RATIO,
        "baseline_rate": 0.0125}, None)
    empty = Section("x", "t", [], pd.DataFrame({"customer_id": [1]}), [])
    digest = Digest(1, date(2026, 11, 23), None, None, [Kpi("customers", "Customers managed", 2)],
                    [Alert("low_assignment", "Low license assignment", [low], 0, empty),
                     Alert("abandoned_spike", "Abandoned-call spikes", [spike], 0, empty)], None, {}, {})
    payload = render("digest.json.j2", locale="en", digest=digest, schedule=Schedule(id=1, partner_id=1, target_id="C1"),
                     rows_per_alert=8, preview=True, status_label=lambda s, locale=None: s)
    text = blocks_to_text(payload)
    assert "29 of 400 licenses assigned (7.3%)" in text  # 7.25% half-up
    assert "7.3% of queue calls abandoned (29 of 400)" in text and "usually 1.3%" in text  # 1.25% -> 1.3%


@pytest.fixture
def tie_db(engine, monkeypatch):
    from sqlmodel import Session

    with Session(engine) as s:
        p = make_partner(s)
        c = make_customer(s, p, "Acme")
        sub = make_subscription(s, c, subscription_id="S-1", total=400, start=date(2025, 1, 1),
                                end=date(2026, 12, 25))  # 30 days after the day asked about
        make_snapshot(s, sub, date(2026, 11, 21), assigned=29, used_7d=29, used_90d=29)
        s.commit()
    for name in ("PARTNERHUB_DATABASE_URL", "PARTNERHUB_AS_OF"):
        monkeypatch.delenv(name, raising=False)
    return engine.url.render_as_string(hide_password=False)


def _cli(capsys, monkeypatch, *args):
    from bot.cli import main

    monkeypatch.setattr(sys, "argv", ["partnerhub", *args])
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr()
    return capsys.readouterr().out


def test_cli_text_and_json_on_a_tie(tie_db, capsys, monkeypatch):
    args = ["section", "expiring", "--as-of", "2026-11-25", "--database-url", tie_db]
    text = _cli(capsys, monkeypatch, *args)
    assert "License assignment: 7.3%" in text and "7.2%" not in text
    out = json.loads(_cli(capsys, monkeypatch, *args, "--json"))
    assert {k["key"]: k["value"] for k in out["kpis"]}["assignment_pct"] == TIE_RATIO  # exact
    assert out["displayed"]["kpis"] == {"assignment_pct": 7.3, "usage_pct": 7.3}
