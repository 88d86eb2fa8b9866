LONG = "Ünïcödé «ação» <!channel> & `x` " * 200

CASES = {
    "never": {"never": True, "rows": [{"label": "Licenses", "success": None, "failed_at": None, "error": None,
                                        "failed": 0, "resuming": False, "missing": None}]},
    "large": {"never": False, "rows": [{"label": LONG, "success": "Nov 25, 2026 12:00 UTC",
                                        "failed_at": "Nov 25, 2026 13:00 UTC", "error": LONG, "failed": 12345,
                                        "resuming": True, "missing": None}] * 30},
    "not_connected": {"never": False, "rows": [
        {"label": "Admin sign-in", "success": None, "failed_at": "Nov 25, 2026 13:00 UTC",
         "error": "not connected: missing scope audit:events_read", "failed": 3, "resuming": False,
         "missing": "audit:events_read"},
        {"label": LONG, "success": None, "failed_at": None, "error": LONG, "failed": 0, "resuming": False,
         "missing": LONG}]},
}
