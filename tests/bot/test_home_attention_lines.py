"""The App Home shows the first ten attention lines and counts the rest (only the shown
lines are made: bot/listeners/home.py, analytics/attention.py).

Data: tests/bot/feature_world.py (Acme Labs is over its Calling limit: the one status line)
plus eleven customers "Zeta 01".."Zeta 11", each a paid Meetings subscription of 10 licenses
ending 2026-11-27 (2 days after AS_OF), and Initech's ending 2026-11-28 (3 days). Lines by
hand: 12 expiring (the Zetas by name, then Initech) + 1 over the limit = 13; shown 10, "… and 3 more".
"""
from datetime import date

import pytest

from partnerhub_core.models import Partner
from tests.bot.feature_world import add_customers, blocks_text
from tests.factories import make_customer, make_snapshot, make_subscription

WEEK = date(2026, 11, 21)


@pytest.fixture
def world(session, linked):
    add_customers(session, linked)
    partner = session.get(Partner, linked.partner_id)
    for name, end in [(f"Zeta {n:02d}", date(2026, 11, 27)) for n in range(11, 0, -1)] + [("Initech", date(2026, 11, 28))]:
        customer = make_customer(session, partner, name, org_id=f"org-{name}", added_on=date(2025, 6, 1))
        sub = make_subscription(session, customer, product="meetings", total=10, start=date(2025, 6, 1), end=end,
                                subscription_id=f"SUB-{name[-2:] if name.startswith('Zeta') else 'INI'}")
        make_snapshot(session, sub, WEEK, assigned=8, used_7d=2)
    session.commit()
    return linked


def test_home_shows_ten_attention_lines_and_counts_the_others(slack, fake_slack, world):
    response = slack.event({"type": "app_home_opened", "user": "U_FULL", "channel": "D1", "tab": "home",
                            "event_ts": "1760000000.1"})
    assert response.status_code == 200
    text = blocks_text(fake_slack.wait_for("views.publish")[0].params["view"])
    expected = "*What needs attention this week*\n" + "\n".join(
        f"• *Zeta {n:02d}*: SUB-{n:02d} ends in 2 day(s)" for n in range(1, 11)) + "\n… and 3 more"
    assert expected in text
    assert "Zeta 11" not in text and "Initech" not in text and "over their license limit" not in text
