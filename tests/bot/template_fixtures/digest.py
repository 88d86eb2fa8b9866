"""Digest fixtures: a quiet first digest, and the largest one a channel can get (every
alert full, long names, many changes)."""
from dataclasses import replace
from datetime import date

import pandas as pd

from partnerhub_core.alert_inputs import OffAlert
from partnerhub_core.alerts import Alert, AlertRow, Changes, Digest
from partnerhub_core.analytics.common import Kpi, Section
from partnerhub_core.models import Schedule
from partnerhub_core.provenance import SourceFamily, SourceState
from partnerhub_core.unknown import SourceNote

LONG = "Ünïcödé «ação» <!channel> & " * 20
AS_OF = date(2026, 11, 23)


def _label(status, locale=None):
    from partnerhub_core.i18n.glossary import status_label

    return status_label(status, locale)


def _section():
    return Section("x", "t", [], pd.DataFrame({"customer_id": [1]}), [])


def _rows(kind, n):
    rows = []
    for i in range(n):
        if kind == "expiring":
            facts = {"lines": [{"subscription_id": f"Sub{i}-{j}" * 5, "product": "meetings", "trial": j % 2 == 0,
                                "end_date": date(2026, 12, 1), "days_left": j} for j in range(5)]}
        elif kind == "overage":
            facts = {"lines": [{"subscription_id": LONG[:60], "product": "calling", "total": 100, "assigned": 1234,
                                "overage": 1134}] * 4}
        elif kind == "abandoned_spike":
            facts = {"week_ending": date(2026, 11, 21), "queue_calls": 12345, "queue_abandoned": 3456,
                     "rate": 0.28, "baseline_rate": 0.031}
        else:
            facts = {"lines": [{"subscription_id": None, "product": "calling", "assigned": 1, "total_licenses": 500,
                                "assigned_pct": 0.002}] * 4}
        rows.append(AlertRow(kind, 1000 + i, LONG, "f" * 16, facts, "U0123456789"))
    return rows


def _digest(changes, alerts, tag=None, region=None):
    return Digest(1, AS_OF, tag, region,
                  [Kpi("customers", "Customers managed", 20000), Kpi("active", "Active", None)],
                  alerts, changes, {i: LONG for i in range(1000, 1100)}, {})


def _missing_state():
    return SourceState(SourceFamily.CALL_HISTORY, connected=False, stale=False, last_refresh_at=None, rows=0,
                       covered=None, total=None, last_error=LONG[:200], last_error_at=None,
                       missing_scopes=["spark-admin:calling_cdr_read"])


KINDS = ["expiring", "overage", "low_assignment", "abandoned_spike"]
TITLES = {"expiring": "Expiring subscriptions and trials", "overage": "Over the license limit",
          "low_assignment": "Low license assignment", "abandoned_spike": "Abandoned-call spikes"}


def CASES():
    schedule = Schedule(id=1, partner_id=1, target_id="C1", tag=LONG[:25], region="EU")
    big = _digest(
        Changes(list(range(1000, 1050)), list(range(1000, 1050)), list(range(1000, 1050)),
                [(i, "license_overage") for i in range(1000, 1050)]),
        [Alert(k, TITLES[k], _rows(k, 40), 7, _section()) for k in KINDS], tag=LONG[:25], region="EU")
    empty = _digest(None, [Alert(k, TITLES[k], [], 0, _section()) for k in KINDS])
    unchanged = _digest(Changes(), [Alert("overage", TITLES["overage"], [], 3, _section())])
    # Every alert on but the spike (its call history source lacks a scope), and the sign-in
    # known for 412 of 1,980 customers.
    big_off = replace(big, alerts=big.alerts[:3], off=[OffAlert("abandoned_spike", TITLES["abandoned_spike"],
                                                                "call_history", _missing_state())],
                      notes=[SourceNote("admin_sign_in", 412, 1980, "customers", None)])
    return {
        "large_with_unknowns": {"digest": big_off, "schedule": schedule, "rows_per_alert": 10, "preview": False,
                                "status_label": _label},
        "large": {"digest": big, "schedule": schedule, "rows_per_alert": 10, "preview": False,
                  "status_label": _label},
        "large_preview": {"digest": big, "schedule": schedule, "rows_per_alert": 10, "preview": True,
                          "status_label": _label},
        "empty_first": {"digest": empty, "schedule": schedule, "rows_per_alert": 8, "preview": False,
                        "status_label": _label},
        "unchanged_all_muted": {"digest": unchanged, "schedule": schedule, "rows_per_alert": 8, "preview": False,
                                "status_label": _label},
    }
