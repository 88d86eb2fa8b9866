from datetime import date

from partnerhub_core.models import Schedule

LONG = "Ünïcödé «ação» <!channel> & " * 200

CASES = {
    "dated": {"schedule": Schedule(target_id="C1", report_key="call-usage"), "report_name": "Call usage details",
              "filename": "Call usage details_Ab12Cd34Ef_2026-11-23.csv", "as_of": date(2026, 11, 23),
              "start": date(2026, 11, 15), "end": date(2026, 11, 21), "when": "weekly on Monday at 09:00 (UTC)"},
    "large": {"schedule": Schedule(target_id="U1", target_type="dm", report_key="template:1"), "report_name": LONG,
              "filename": LONG, "as_of": date(2026, 11, 23), "start": None, "end": None, "when": LONG},
    "empty": {"schedule": Schedule(target_id="C1", report_key="devices"), "report_name": "Devices",
              "filename": "Devices_Ab12Cd34Ef_2026-11-23.csv", "as_of": date(2026, 11, 23), "start": None,
              "end": None, "when": "weekly on Monday at 09:00 (UTC)", "empty": True},
}
