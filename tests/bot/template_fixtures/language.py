LONG = "Ünïcödé «ação» <!channel> & " * 200  # 5,800 characters: clipped to the limits

CHOICES = [
    {"name": "English", "command": "language en", "current": False},
    {"name": "Português (Brasil)", "command": "language pt-BR", "current": True},
    {"name": "Español", "command": "language es", "current": False},
    {"name": "Follow my Slack language", "command": "language auto", "current": False},
]

CASES = {
    "minimal": {"current": "English", "how": "English is the default.", "done": None, "workspace": None,
                "choices": CHOICES},
    "large": {"current": LONG[:200], "how": LONG, "done": LONG, "workspace": LONG[:200],
              "choices": [{"name": LONG, "command": LONG[:2000], "current": True}] * 10},
}
