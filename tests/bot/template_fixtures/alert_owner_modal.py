from datetime import date

CASES = {"large": {"metadata": '{"kind": "expiring", "customer": 1, "fp": "0123456789abcdef", "channel": null}',
                   "suggested": date(2026, 11, 30)}}
