from datetime import date

from bot.listeners.calling import CallingQuery
from tests.bot.template_fixtures._features import LONG

KINDS = ("text", "int", "percent", "date", "bool", "float")
COLUMNS = [{"key": f"c{i}", "label": LONG[:60], "kind": KINDS[i % len(KINDS)]} for i in range(12)]
VALUES = {"text": LONG[:300], "int": 123456789, "percent": 0.123456, "date": date(2026, 12, 31), "bool": True,
          "float": 1234.5678}
ROW = {c["key"]: VALUES[c["kind"]] for c in COLUMNS}
QUERY = CallingQuery("quality", "UAE", LONG[:200])
KPIS = [{"label": LONG[:100], "value": 0.5, "kind": "percent", "hint": LONG}] * 12
BREAKDOWN = {"title": LONG[:80], "columns": COLUMNS[:4], "rows": [ROW] * 12}

CASES = {
    "large": {"title": LONG, "week_ending": date(2026, 11, 21), "query": QUERY, "kpis": KPIS, "columns": COLUMNS,
              "rows": [ROW] * 40, "total_rows": 987654, "breakdown": BREAKDOWN, "csv_value": QUERY.value(),
              "charts": [LONG[:100]] * 5, "chart_problem": LONG,
              "others": [{"text": LONG[:100], "value": QUERY.value()}] * 30, "notes": [LONG] * 6},
    "empty": {"title": "Call queue insights", "week_ending": date(2026, 11, 21), "query": CallingQuery("queues"),
              "kpis": KPIS[:4], "columns": COLUMNS[:3], "rows": [], "total_rows": 0, "breakdown": None,
              "csv_value": CallingQuery("queues").value(), "charts": [], "chart_problem": None, "others": []},
}
