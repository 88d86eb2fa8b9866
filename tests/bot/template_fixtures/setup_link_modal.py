REGIONS = [{"value": v, "label": "Region " + v * 40} for v in ("US", "CA", "EU", "UAE")]
LANGUAGES = [{"value": "en", "label": "English"}, {"value": "pt_BR", "label": "Português (Brasil)"},
             {"value": "es", "label": "Español"}]

CASES = {
    "empty": {"email": "", "language": "en", "regions": REGIONS, "languages": LANGUAGES, "metadata": "{}"},
    "large": {"email": "a" * 400 + "@example.com", "language": "es", "regions": REGIONS, "languages": LANGUAGES,
              "metadata": '{"channel": "C' + "9" * 20 + '"}'},
}
