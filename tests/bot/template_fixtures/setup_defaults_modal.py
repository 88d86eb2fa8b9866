from tests.bot.template_fixtures.setup_link_modal import LANGUAGES, REGIONS

CASES = {
    "all_regions": {"region": "none", "language": "en", "regions": [{"value": "none", "label": "All"}] + REGIONS,
                    "languages": LANGUAGES, "metadata": "{}"},
    "set": {"region": "UAE", "language": "pt_BR", "regions": REGIONS, "languages": LANGUAGES, "metadata": "{}"},
}
