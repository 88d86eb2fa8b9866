LONG = "Ünïcödé «ação» <!channel> & `x` " * 200

CASES = {
    "never": {"never": True, "rows": [{"label": "Licenses", "success": None, "failed_at": None, "error": None,
                                        "failed": 0, "resuming": False}]},
    "large": {"never": False, "rows": [{"label": LONG, "success": "Nov 25, 2026 12:00 UTC",
                                        "failed_at": "Nov 25, 2026 13:00 UTC", "error": LONG, "failed": 12345,
                                        "resuming": True}] * 30},
}
