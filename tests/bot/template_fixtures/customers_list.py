import json

from tests.bot.template_fixtures._features import LONG, page

VALUE = json.dumps({"f": {"tag": LONG[:200], "search": LONG[:200]}, "p": 4}, ensure_ascii=False)

CASES = {
    "large": {"page": page(40), "filters": ["tag:" + LONG[:200], "search:" + LONG[:200]],
              "statuses": {i: [LONG[:100]] * 8 for i in range(40)}, "prev": VALUE, "next": VALUE,
              "download": json.dumps({"f": {"tag": LONG[:200], "search": LONG[:200]}}, ensure_ascii=False)},
    "empty": {"page": page(0), "filters": [], "statuses": {}, "prev": None, "next": None},
}
