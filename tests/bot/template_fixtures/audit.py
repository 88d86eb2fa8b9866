from tests.bot.template_fixtures._features import LONG, NAME

ROW = {"when": "2026-11-02 10:30", "who": NAME[:200], "what": "put a tag on the customer", "customer": NAME[:200],
       "change": "Tags: " + LONG[:300]}

CASES = {
    "large": {"rows": [ROW] * 20, "total": 987654, "filters": ["Customer: " + NAME[:200], "Since 2026-11-01"],
              "whole_trail": False, "csv_value": "acme since:2026-11-01"},
    "empty": {"rows": [], "total": 0, "filters": [], "whole_trail": True, "csv_value": ""},
}
