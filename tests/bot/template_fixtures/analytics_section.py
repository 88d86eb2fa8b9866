from datetime import date

from bot.listeners.analytics import Query
from tests.bot.template_fixtures._features import LONG

KINDS = ("text", "int", "percent", "date", "bool", "float")
COLUMNS = [{"key": f"c{i}", "label": LONG[:60], "kind": KINDS[i % len(KINDS)]} for i in range(14)]
VALUES = {"text": LONG[:300], "int": 123456789, "percent": 0.123456, "date": date(2026, 12, 31), "bool": True,
          "float": 1234.5678}
ROW = {c["key"]: VALUES[c["kind"]] for c in COLUMNS}
QUERY = Query("expiring", "calling", "UAE", LONG[:200])
KPIS = [{"label": LONG[:100], "value": 0.5, "kind": "percent", "hint": LONG}] * 12

CASES = {
    "large": {"title": LONG, "query": QUERY, "kpis": KPIS, "columns": COLUMNS, "rows": [ROW] * 40,
              "total_rows": 987654, "as_of": date(2026, 11, 25), "csv_value": QUERY.value(),
              "switch": [{"product": "meetings", "value": QUERY.value()}],
              "others": [{"text": LONG[:100], "value": QUERY.value()}] * 30,
              "regions": [{"text": LONG[:100], "value": QUERY.value()}] * 30},
    "headline": {"title": "Headline KPIs", "query": Query("kpis"), "kpis": KPIS[:5], "columns": [], "rows": [],
                 "total_rows": 0, "as_of": date(2026, 11, 25), "csv_value": None,
                 "switch": [{"product": "meetings", "value": "{}"}, {"product": "calling", "value": "{}"}],
                 "others": [], "regions": []},
    "empty_section": {"title": "Overage", "query": Query("overage", "meetings"), "kpis": [], "columns": COLUMNS[:3],
                      "rows": [], "total_rows": 0, "as_of": date(2026, 11, 25), "csv_value": "{}",
                      "switch": [], "others": [], "regions": [{"text": "All regions", "value": "{}"}]},
}
