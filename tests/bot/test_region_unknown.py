"""A customer whose region no source has named shows "—", not the partner's default as if
it were a fact (the default still counts for filters and per-region reports)."""
from __future__ import annotations

from dataclasses import replace

from bot.render import blocks_to_text, render
from tests.bot.template_fixtures._features import card


def test_the_card_shows_an_assumed_region_as_unknown_and_says_why():
    known = blocks_to_text(render("customers_card.json.j2", locale="en", card=replace(card(), region="EU"),
                                  statuses=[], can_start_trial=False))
    unknown = blocks_to_text(render("customers_card.json.j2", locale="en",
                                    card=replace(card(), region="EU", region_known=False),
                                    statuses=[], can_start_trial=False))
    assert "Region: European Union" in known and "no source has named it" not in known
    assert "Region: — (no source has named it yet; counted in the partner's default region, European Union)" in unknown
