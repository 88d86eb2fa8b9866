from datetime import date

KPIS = [{"label": "Label " * 10, "value": "1,234,567"}] * 5
SECTIONS = [{"label": "Section " * 10, "command": "expiring meetings region:EU tag:" + "t" * 100}] * 8
BASE = {"partner": "Acme Partners", "as_of": date(2026, 11, 25), "product": "meetings", "kpis": KPIS,
        "attention": [], "more_attention": 0, "sections": SECTIONS, "thresholds": ""}

CASES = {
    "not_set_up": {**BASE, "state": "not_set_up", "partner": "", "as_of": None, "kpis": [], "sections": []},
    "not_admin": {**BASE, "state": "not_admin", "partner": "P" * 300},
    "quiet": {**BASE, "state": "ready", "product": "calling"},
    "large": {**BASE, "state": "ready", "partner": "P <!channel> " * 30,
              "attention": ["• *" + "Customer name " * 20 + "*: SUB-" + "9" * 50 + " ends in 3 day(s)"] * 10,
              "more_attention": 12345, "thresholds": "Assignment ratio at or below … " * 40},
}
