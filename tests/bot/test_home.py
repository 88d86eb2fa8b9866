"""The App Home dashboard, published through the Slack stand-in on app_home_opened.

Data: tests/bot/feature_world.py (Acme Corp, Acme Labs, Globex) plus "Initech", a paid
Meetings subscription SUB-INI of 10 licenses, 4 assigned, ending 2026-11-28 (3 days after
AS_OF) without auto-renew. Expected headline over Meetings and Calling, by hand:
total 4; approaching expiration 3 (Labs trial 12-05, Globex 2027-02-01 no renew, Initech);
upcoming renewal 1 (Acme); low assignment 2 (Meetings: ratios 0.8 and 0.4, 25th percentile
0.5, Initech 0.4 is at or below it and below 50%; Calling: 1.25 and 0.2, percentile 0.4625,
Globex); over the limit 1 (Labs 25 of 20).
"""
from datetime import date

import pytest

from bot.ids import ActionId
from partnerhub_core.models import Partner
from tests.bot.feature_world import add_customers, blocks_text
from tests.factories import make_customer, make_snapshot, make_subscription

WEEK = date(2026, 11, 21)


@pytest.fixture
def world(session, linked):
    add_customers(session, linked)
    partner = session.get(Partner, linked.partner_id)
    initech = make_customer(session, partner, "Initech", org_id="org-initech", added_on=date(2025, 6, 1))
    sub = make_subscription(session, initech, product="meetings", total=10, start=date(2025, 6, 1),
                            end=date(2026, 11, 28), subscription_id="SUB-INI")
    make_snapshot(session, sub, WEEK, assigned=4, used_7d=2)
    session.commit()
    return linked


def _home_opened(slack, user):
    response = slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home",
                            "event_ts": "1760000000.1"})
    assert response.status_code == 200


def _kpis(view) -> dict[str, str]:
    fields = next(b["fields"] for b in view["blocks"] if b["type"] == "section" and b.get("fields"))
    return dict(f["text"].strip("*").split("*\n") for f in fields)


def _published(fake_slack, count=1):
    return fake_slack.wait_for("views.publish", count=count)[count - 1].params


def test_home_shows_headline_kpis_and_what_needs_attention(slack, fake_slack, world):
    _home_opened(slack, "U_FULL")
    published = _published(fake_slack)
    assert published["user_id"] == "U_FULL"
    view = published["view"]
    assert view["type"] == "home"
    # Approaching expiration includes Acme Corp's auto-renew line (the guide's reading).
    assert _kpis(view) == {"Customers with Meetings or Calling": "4", "Approaching expiration": "4", "Upcoming renewal": "1",
                           "Low license assignment": "2", "Customers over the license limit in Meetings or Calling": "1"}
    text = blocks_text(view)
    assert "*What needs attention this week*\n• *Initech*: SUB-INI ends in 3 day(s)\n" \
           "• 1 customer(s) over their license limit" in text
    commands = [e["value"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"].startswith(ActionId.RUN_COMMAND)]
    assert commands == ["customers", "recent meetings", "expiring meetings", "renewing meetings",
                        "low meetings", "overage meetings", "trend meetings", "resources"]


def test_home_is_scoped_to_the_customers_an_admin_is_assigned(slack, fake_slack, world):
    _home_opened(slack, "U_ADMIN")  # assigned Acme Corp only
    view = _published(fake_slack)["view"]
    assert _kpis(view) == {"Customers with Meetings or Calling": "1", "Approaching expiration": "1", "Upcoming renewal": "1",
                           "Low license assignment": "0", "Customers over the license limit in Meetings or Calling": "0"}
    text = blocks_text(view)
    assert "Nothing needs attention this week." in text
    assert "Initech" not in text and "Labs" not in text


def test_product_toggle_republishes_for_calling(slack, fake_slack, world):
    _home_opened(slack, "U_FULL")
    _published(fake_slack)
    slack.action(f"{ActionId.HOME_PRODUCT}:calling", "calling", user="U_FULL", channel=None,
                 view={"id": "V_HOME", "type": "home"})
    view = _published(fake_slack, count=2)["view"]
    toggles = {e["value"]: e.get("style") for b in view["blocks"] if b["type"] == "actions"
               for e in b["elements"] if e["action_id"].startswith(ActionId.HOME_PRODUCT)}
    assert toggles == {"meetings": None, "calling": "primary"}
    text = blocks_text(view)
    assert "Initech" not in text  # its subscription is Meetings
    assert "• 1 customer(s) over their license limit" in text


def test_a_section_button_on_home_answers_in_the_users_dm(slack, fake_slack, world):
    slack.action(f"{ActionId.RUN_COMMAND}:home1", "resources", user="U_FULL", channel=None,
                 view={"id": "V_HOME", "type": "home"})
    posted = fake_slack.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == "U_FULL"
    assert posted["text"] == "Partner Hub resources"


def test_home_in_a_workspace_not_set_up_offers_setup(slack, fake_slack):
    _home_opened(slack, "U_ANYONE")
    view = _published(fake_slack)["view"]
    assert "Welcome to Partner Hub" in blocks_text(view)
    buttons = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ActionId.SETUP_OPEN in buttons


def test_home_for_someone_who_is_not_a_partner_admin(slack, fake_slack, world):
    _home_opened(slack, "U_STRANGER")
    text = blocks_text(_published(fake_slack)["view"])
    assert "You are not a partner admin of Acme Partners yet." in text
    assert "Initech" not in text
