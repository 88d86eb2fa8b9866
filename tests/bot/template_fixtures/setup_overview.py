LINE = {"line": "• <@U0123456789> — read-only partner admin (all customers) " + "x" * 40}

CASES = {
    "minimal": {"partner": "Acme", "webex_org": "", "region": "All regions", "language": "English",
                "admins": [LINE], "more_admins": 0, "can_manage": False, "just_linked": False},
    "large": {"partner": "P" * 300 + " <!here> & co", "webex_org": "o" * 200, "region": "United Arab Emirates",
              "language": "Português (Brasil)", "admins": [LINE] * 25, "more_admins": 975,
              "can_manage": True, "just_linked": True},
}
