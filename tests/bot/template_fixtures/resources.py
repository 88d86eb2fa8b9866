ITEM = {"title": "T" * 300, "url": "https://help.webex.com/" + "a" * 200, "description": "D" * 500,
        "link": "<https://help.webex.com|" + "T" * 300 + ">",
        "line": "• <https://help.webex.com|" + "T" * 300 + ">  " + "D" * 500}
CATEGORIES = [{"value": f"c{i}", "label": "L" * 100} for i in range(8)]
BASE = {"quick": [ITEM] * 10, "featured": [ITEM] * 10, "categories": CATEGORIES, "helpdesk": None,
        "results": None, "query": "", "category": None}

CASES = {
    "home": BASE,
    "results": {**BASE, "results": [ITEM] * 10, "query": "q" * 100, "category": "Webex Calling"},
    "no_results": {**BASE, "results": [], "query": "zzz", "category": None},
    "category_only": {**BASE, "results": [ITEM], "query": "", "category": "Trials"},
    "helpdesk": {**BASE, "helpdesk": [{"product": "Webex Calling", "items": [ITEM] * 10}] * 2},
}
