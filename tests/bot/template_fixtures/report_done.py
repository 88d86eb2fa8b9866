from datetime import date

from tests.bot.template_fixtures._features import LONG

CASES = {
    "large": {"report_name": LONG[:200], "filename": LONG[:250] + ".csv", "start": date(2026, 11, 15),
              "end": date(2026, 11, 21), "region": "UAE", "note": LONG,
              "region_buttons": [{"text": LONG[:100], "value": LONG}] * 12, "reports": []},
    "inventory": {"report_name": "Devices", "filename": "Devices_a1B2c3D4e5_2026-11-25.csv", "start": None,
                  "end": None, "region": None, "note": None, "region_buttons": [], "reports": []},
    "list": {"report_name": None, "filename": "", "start": None, "end": None, "region": None, "note": None,
             "reports": [{"text": LONG[:100], "value": LONG}] * 80},
}
