CASES = {
    "minimal": {"user_id": "U1"},
    "large": {"user_id": "U" + "9" * 3000},  # never that long from Slack: clipped to the limits
}
