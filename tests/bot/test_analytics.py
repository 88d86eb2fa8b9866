"""/partnerhub kpis and the analytics sections, with their "Download CSV" upload, over signed HTTP."""
from __future__ import annotations

import json

import pytest

from tests.bot.conftest import message_fields as fields
from tests.bot.feature_world import add_customers, blocks_text, buttons


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL"):
    return fake_slack.wait_for_response(slack.command(text, user=user))




def test_headline_kpis_with_the_low_assignment_rule_shown(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "kpis")
    # Customers: Acme Corp (Meetings, renews in 51 days), Acme Labs (Calling trial ending in
    # 10 days, 25 of 20 assigned), Globex (Calling, ends in 68 days, 10 of 50 assigned).
    # Approaching expiration counts all three (the guide: auto-renew lines expire too).
    assert fields(answer) == {"Customers with Meetings or Calling": "3", "Approaching expiration": "3", "Upcoming renewal": "1",
                              "Low license assignment": "1", "Customers over the license limit in Meetings or Calling": "1"}
    # Calling ratios 0.2 and 1.25: the 25th percentile is 0.2 + 0.25 × 1.05 = 0.4625, the tie
    # 46.25% shown half-up as 46.3% (docs/ROUNDING.md).
    assert "at or below the 25th percentile of this partner's customers (Webex Calling 46.3%, Webex Meetings 80.0%) " \
           "and below 50%." in blocks_text(answer)
    assert not [b for b in buttons(answer) if b["action_id"] == "ph_analytics_csv"]


def test_a_plain_admin_counts_only_assigned_customers(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "kpis meetings", user="U_ADMIN")
    assert fields(answer)["Customers with Webex Meetings"] == "1"
    assert fields(answer)["Upcoming renewal"] == "1"


def test_expiring_section_lists_rows_and_hands_over_the_csv(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "expiring calling")
    text = blocks_text(answer)
    assert fields(answer) == {"Customers expiring": "2", "License assignment": "50.0%",
                              "License usage (last 7 days)": "24.3%"}
    assert ("*Acme Labs* · Subscription ID: TRIAL-LABS · Days until expiry: 10 · Total licenses: 20 · "
            "Used: 12 · Assigned: 25 · Available: 0 · Used in the last 3 months: 12") in text
    assert "*Globex* · Subscription ID: SUB-GLOBEX · Days until expiry: 68" in text
    [csv_button] = [b for b in buttons(answer) if b["action_id"] == "ph_analytics_csv"]
    assert json.loads(csv_button["value"]) == {"k": "expiring", "p": "calling", "r": None, "t": None}

    slack.action("ph_analytics_csv", csv_button["value"], channel="C_REPORTS")
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    [asked] = fake_slack.calls("files.getUploadURLExternal")
    assert asked.params["filename"].startswith("Expiring in the next 90 days_")
    assert asked.params["filename"].endswith("_2026-11-25.csv")
    assert complete.params["channel_id"] == "D_FULL"  # private: the asker's DM (test_share.py)
    file_id = complete.params["files"][0]["id"]
    data = fake_slack.uploads[file_id].decode("utf-8-sig").splitlines()
    assert data[0].startswith("Customer,Subscription ID,")
    assert [line.split(",")[:3] for line in data[1:]] == [["Acme Labs", "TRIAL-LABS", "10"],
                                                          ["Globex", "SUB-GLOBEX", "68"]]


def test_csv_upload_where_the_bot_is_not_a_member_says_how_to_fix_it(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "overage calling")
    [csv_button] = [b for b in buttons(answer) if b["action_id"] == "ph_analytics_csv"]
    fake_slack.fail_next("files.completeUploadExternal", status=200, error="not_in_channel")
    key = slack.action("ph_analytics_csv", csv_button["value"], channel="C_PRIVATE")
    assert "Invite me to it (/invite @Partner Hub)" in blocks_text(fake_slack.wait_for_response(key))


def test_product_switch_and_section_buttons_replace_the_message(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "low calling")
    assert "*Globex* · Subscription ID: SUB-GLOBEX" in blocks_text(answer)
    switch = [b for b in buttons(answer) if b["action_id"].startswith("ph_analytics_view:product")]
    assert [b["text"]["text"] for b in switch] == ["Webex Meetings"]
    key = slack.action(switch[0]["action_id"], switch[0]["value"])
    meetings = fake_slack.wait_for_response(key)
    assert meetings["replace_original"] is True
    assert "Webex Meetings · As of Nov 25, 2026" in blocks_text(meetings)
    assert fields(meetings)["Customers with low assignment"] == "0"


def test_region_and_tag_filters(slack, fake_slack, world):
    answer = ask(slack, fake_slack, 'renewing meetings region:eu tag:"gold"')
    assert "Webex Meetings · Region: European Union · Tag: gold" in blocks_text(answer)
    assert fields(answer)["Customers renewing"] == "1"
    answer = ask(slack, fake_slack, "renewing meetings region:US")
    assert fields(answer)["Customers renewing"] == "0"
    assert "Nothing to show here." in blocks_text(answer)


def test_home_buttons_run_the_section_commands(slack, fake_slack, world):
    key = slack.action("ph_run_command:home3", "expiring calling")
    assert fields(fake_slack.wait_for_response(key))["Customers expiring"] == "2"


BAD_INPUT = [
    ("kpis zoom", "Unknown product zoom: use meetings or calling."),
    ("expiring calling meetings", "Usage: /partnerhub expiring"),
    ("overage region:XX", "XX is not a region: United States (US)"),
    ("kpis tag:Nope", "No tag named Nope."),
    ("recent '; DROP TABLE subscription; --", "Usage: /partnerhub recent"),
]


def test_bad_input_gets_a_short_message(slack, fake_slack, world):
    # One server for every case: each answer is a short ephemeral message, never a stack trace.
    for text, expected in BAD_INPUT:
        answer = ask(slack, fake_slack, text)
        assert answer["response_type"] == "ephemeral"
        assert expected in blocks_text(answer).replace("&lt;", "<").replace("&gt;", ">"), text


def test_forged_csv_button_is_refused_politely(slack, fake_slack, world):
    key = slack.action("ph_analytics_csv", '{"k": "secrets"}')
    assert "That button is out of date" in blocks_text(fake_slack.wait_for_response(key))
    assert fake_slack.calls("files.getUploadURLExternal") == []


def test_a_region_choice_is_offered_only_when_customers_span_several_regions(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "expiring calling")
    regions = [b for b in buttons(answer) if b["action_id"].startswith("ph_analytics_view:region")]
    assert [b["text"]["text"] for b in regions] == ["United States", "European Union"]
    key = slack.action(regions[0]["action_id"], regions[0]["value"])
    us = fake_slack.wait_for_response(key)
    assert "Webex Calling · Region: United States" in blocks_text(us)
    assert fields(us)["Customers expiring"] == "2"
    again = [b["text"]["text"] for b in buttons(us) if b["action_id"].startswith("ph_analytics_view:region")]
    assert again == ["All regions", "European Union"]
    # U_ADMIN sees only Acme Corp (EU): one region, no choice.
    mine = ask(slack, fake_slack, "renewing meetings", user="U_ADMIN")
    assert not [b for b in buttons(mine) if b["action_id"].startswith("ph_analytics_view:region")]
