from datetime import date

LONG = "Ünïcödé «ação» <!channel> & `x` " * 200

_FULL = {"family": "license_usage", "label": LONG[:100], "status": "stale", "status_text": LONG[:40],
         "last_refresh": "Nov 25, 2026 12:00 UTC", "rows": "1,234,567", "coverage": "1,234 of 5,678",
         "last_error": LONG, "missing_scopes": LONG[:300], "how": LONG}

CASES = {
    # every family at its longest, more families than there are
    "large": {"rows": [_FULL] * 30, "as_of": date(2026, 11, 28), "connected": 0, "total": 30},
    "all_connected": {"rows": [{**_FULL, "status": "connected", "last_error": None, "missing_scopes": None,
                                "how": None}] * 13, "as_of": date(2026, 11, 28), "connected": 13, "total": 13},
    "nothing_read": {"rows": [{**_FULL, "status": "not_connected", "last_refresh": None, "rows": None,
                               "coverage": None, "last_error": None, "missing_scopes": None}] * 13,
                     "as_of": date(2026, 11, 28), "connected": 0, "total": 13},
}
