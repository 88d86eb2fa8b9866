LONG = "Ünïcödé «ação» <!channel> & " * 200  # 5,800 characters: clipped to the limits

CASES = {
    "minimal": {"text": "Done."},
    "large": {
        "text": LONG,
        "title": LONG[:300],
        "detail": [LONG] * 25,
        "hint": LONG,
        "buttons": [{"text": LONG, "action_id": "ph_run_command", "value": LONG}] * 30,
        "level": "error",
    },
}
