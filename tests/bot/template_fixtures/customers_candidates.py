from tests.bot.template_fixtures._features import LONG

CASES = {
    "large": {"title": LONG[:200], "text": LONG, "level": "error", "more": 2**31,
              "candidates": [{"id": 2**31 - 1 - i, "name": LONG, "region": LONG[:100], "statuses": [LONG[:100]] * 8}
                             for i in range(40)]},
    "empty": {"title": None, "text": "No customer matches x.", "level": "info", "more": 0, "candidates": []},
}
