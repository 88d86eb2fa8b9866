import json

LONG = "Ünïcödé «ação» <!channel> & " * 200  # 5,800 characters: clipped to the limits

CASES = {
    "minimal": {"value": json.dumps({"c": "kpis", "t": "T001", "u": "U1"})},
    "large": {"value": json.dumps({"c": LONG[:1000], "t": "T001", "u": "U1"}, ensure_ascii=False)},
}
