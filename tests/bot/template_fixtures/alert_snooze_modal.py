from datetime import date

CASES = {"large": {"metadata": '{"kind": "overage", "customer": 123456, "fp": "0123456789abcdef", "channel": "C1"}',
                   "suggested": date(2026, 11, 30)}}
