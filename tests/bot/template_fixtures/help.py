LINE = "`/partnerhub customer &lt;name or org id&gt;` — " + "Look up a customer by name " * 4

CASES = {
    "topic": {"groups": [], "topic": {"usage": "customer <name or org id>", "help": "Look up a customer.",
                                      "aliases": ["c", "lookup"]}},
    "large": {"groups": [{"title": f"Group {g} " * 5, "commands": [{"line": LINE}] * 12} for g in range(30)],
              "topic": None, "unknown_topic": "x" * 200},
}
