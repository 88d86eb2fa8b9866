"""Chat with the bot in its DM (message.im), and Slack's event retries handled once, over
signed HTTP through the Slack stand-in.

Data: tests/bot/feature_world.py. Over Calling, Acme Labs (a trial, 25 of 20 assigned) and
Globex (10 of 50 assigned) are the customers, so the Calling KPIs read: total 2,
approaching expiration 2, upcoming renewal 0, low assignment 1 (Globex, ratio 0.2 at the
25th percentile 0.4625 and below 50%), over the limit 1 (Labs).
"""
from __future__ import annotations

import time
from datetime import date

import pytest

from partnerhub_core.models import Partner
from tests.bot.conftest import OTHER_TEAM, link_partner
from tests.bot.conftest import message_fields as fields
from tests.bot.feature_world import add_customers, blocks_text
from tests.factories import make_customer, make_subscription

DM = "D_FULL"


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def dm(slack, text, *, user="U_FULL", channel=DM, team=None, **extra):
    event = {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text,
             "ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}", **extra}
    kw = {"team": team} if team else {}
    response = slack.event(event, **kw)
    assert response.status_code == 200
    return response


def posted_in(fake_slack, channel, count=1):
    return [r.params for r in fake_slack.wait_for(
        lambda r: r.api == "chat.postMessage" and r.params.get("channel") == channel, count=count)]


def test_kpis_typed_in_the_dm_are_answered_in_the_dm(slack, fake_slack, world):
    dm(slack, "kpis calling")
    answer = posted_in(fake_slack, DM)[0]
    assert fields(answer) == {"Customers with Webex Calling": "2", "Approaching expiration": "2", "Upcoming renewal": "0",
                              "Low license assignment": "1", "Customers over the license limit in Webex Calling": "1"}
    assert not fake_slack.calls("chat.postEphemeral")


def test_help_and_the_slash_typed_out_of_habit(slack, fake_slack, world):
    dm(slack, "help")
    assert posted_in(fake_slack, DM)[0]["text"] == "Partner Hub help"
    dm(slack, "/partnerhub help")
    assert posted_in(fake_slack, DM, count=2)[1]["text"] == "Partner Hub help"


def test_an_unknown_word_gets_the_usage(slack, fake_slack, world):
    dm(slack, "hlep")
    answer = posted_in(fake_slack, DM)[0]
    assert answer["text"] == "I don't know “hlep”."
    assert "Did you mean: /partnerhub help?" in blocks_text(answer)


@pytest.mark.parametrize("extra", [
    {"bot_id": "B_OTHER"},  # another app's (or our own) message
    {"subtype": "message_changed"},  # an edit
    {"subtype": "channel_join"},
    {"subtype": "bot_message", "bot_id": "B_OTHER"},
])
def test_bot_messages_and_subtypes_are_ignored(slack, fake_slack, world, extra):
    dm(slack, "kpis calling", **extra)
    dm(slack, "help")  # answered after the ignored one: the first had its chance to be answered
    posted = posted_in(fake_slack, DM)
    time.sleep(0.3)
    assert [r.params["text"] for r in fake_slack.calls("chat.postMessage")] == ["Partner Hub help"]
    assert posted[0]["text"] == "Partner Hub help"


def test_a_message_in_a_channel_is_not_a_command(slack, fake_slack, world):
    slack.event({"type": "message", "channel_type": "channel", "channel": "C_GENERAL", "user": "U_FULL",
                 "text": "help", "ts": "1760000000.2"})
    dm(slack, "kpis calling")
    posted_in(fake_slack, DM)
    time.sleep(0.3)
    assert [r.params["channel"] for r in fake_slack.calls("chat.postMessage")] == [DM]


def test_a_retried_message_is_answered_once(slack, fake_slack, world):
    event = {"type": "message", "channel_type": "im", "channel": DM, "user": "U_FULL", "text": "help",
             "ts": "1760000000.3", "event_ts": "1760000000.3"}
    assert slack.event(event, event_id="EvDMRETRY").status_code == 200
    for retry in (1, 2, 3):
        assert slack.event(event, event_id="EvDMRETRY", retry=retry).status_code == 200
    posted_in(fake_slack, DM)
    dm(slack, "kpis calling")  # a later, different event is answered: the retries were dropped, not queued
    posted_in(fake_slack, DM, count=2)
    time.sleep(0.3)
    assert [r.params["text"] for r in fake_slack.calls("chat.postMessage")].count("Partner Hub help") == 1


def test_a_retried_app_home_opened_publishes_the_home_once(slack, fake_slack, world):
    event = {"type": "app_home_opened", "user": "U_FULL", "channel": "D1", "tab": "home", "event_ts": "1760000000.1"}
    assert slack.event(event, event_id="EvHOME1").status_code == 200
    assert slack.event(event, event_id="EvHOME1", retry=1).status_code == 200
    fake_slack.wait_for("views.publish")
    assert slack.event(event, event_id="EvHOME2").status_code == 200  # a new opening is a new event
    fake_slack.wait_for("views.publish", count=2)
    time.sleep(0.3)
    assert len(fake_slack.calls("views.publish")) == 2


def test_the_same_event_id_in_another_workspace_is_its_own_event(slack, fake_slack, world, session):
    b = link_partner(session, team=OTHER_TEAM, name="Bravo Partners", prefix="X")
    fake_slack.add_user("XU_FULL", team_id=OTHER_TEAM)
    del b
    home = {"type": "app_home_opened", "user": "U_FULL", "channel": "D1", "tab": "home", "event_ts": "1"}
    assert slack.event(home, event_id="EvSAME").status_code == 200
    assert slack.event({**home, "user": "XU_FULL"}, team=OTHER_TEAM, event_id="EvSAME").status_code == 200
    fake_slack.wait_for("views.publish", count=2)


def test_a_dm_from_another_workspaces_partner_sees_only_theirs(slack, fake_slack, world, session):
    b = link_partner(session, team=OTHER_TEAM, name="Bravo Partners", prefix="X")
    bravo = make_customer(session, session.get(Partner, b.partner_id), "Bravo Co", org_id="org-bravo",
                          added_on=date(2025, 3, 1))
    make_subscription(session, bravo, product="calling", total=30, start=date(2025, 3, 1),
                      end=date(2026, 12, 20), subscription_id="SUB-BRAVO")
    session.commit()
    fake_slack.add_user("XU_FULL", team_id=OTHER_TEAM)
    for text in ("customers", "customer acme", "kpis calling"):
        dm(slack, text, user="XU_FULL", channel="D_X", team=OTHER_TEAM)
    answers = posted_in(fake_slack, "D_X", count=3)
    seen = " ".join(blocks_text(a) + a["text"] for a in answers)
    assert "Bravo Co" in seen
    for secret in ("Acme Corp", "Acme Labs", "Globex", "Acme Partners"):
        assert secret not in seen
    assert fields(answers[2])["Customers with Webex Calling"] == "1"
