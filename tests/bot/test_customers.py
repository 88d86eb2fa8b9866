"""/partnerhub customer (the card) and /partnerhub customers (the list) over signed HTTP."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from partnerhub_core.models import Partner
from tests.bot.feature_world import add_customers, blocks_text, buttons
from tests.factories import make_customer


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL"):
    return fake_slack.wait_for_response(slack.command(text, user=user))


def test_card_shows_statuses_subscriptions_licenses_invoice_orders_tags_admins_and_control_hub(slack, fake_slack, world):
    card = ask(slack, fake_slack, "customer acme corp")
    text = blocks_text(card)
    assert card["response_type"] == "ephemeral"
    assert card["blocks"][0]["text"]["text"] == "Acme Corp"
    assert "`org-acme`" in text and "Region: European Union" in text
    assert "*Status*\nActive, No recent activity" in text
    assert "*Products*\nWebex Meetings" in text
    assert "*Tags*\nGold" in text
    assert "*Webex Meetings* · `SUB-ACME`" in text
    assert "Renews Jan 15, 2027 (in 51 days)" in text
    assert "Licenses: 100 total · 60 used · 80 assigned · 20 available" in text
    assert "20 excess licenses: purchased but not assigned" in text
    assert "Invoice: INV-77" in text
    assert "Orders: Jan 10, 2025 `ORD-1` × 80; Mar 2, 2026 `ORD-2` × 20" in text
    # Our role, then the role Webex gives them in the customer organization (roleInCustomerOrg).
    assert ("*Partner admins*\nU_ADMIN (partner admin · in Webex: full admin), "
            "U_SALES (sales admin · in Webex: full admin)") in text
    assert "No trial in progress." in text
    hub = [b for b in buttons(card) if b.get("url")]
    assert hub[0]["url"] == "https://admin.webex.com/overview?orgId=org-acme"
    start = [b for b in buttons(card) if b["action_id"] == "ph_trial_open"]
    assert start[0]["value"] == str(world.acme.id)


def test_card_of_a_trial_customer_shows_the_trial_and_the_shortfall(slack, fake_slack, world):
    card = ask(slack, fake_slack, "customer org-labs")
    text = blocks_text(card)
    assert "*Trial in progress*" in text
    assert "*Webex Calling* · `TRIAL-LABS`" in text
    assert "Ends Dec 5, 2026 (10 days left)" in text
    assert "5 licenses short: more assigned than purchased" in text
    assert "*Status*\nTrial, Expiring soon, License overage, No recent activity" in text
    assert [b["text"]["text"] for b in buttons(card)] == ["Open in Control Hub", "Request another trial",
                                                          "Share in channel"]


def test_read_only_admin_sees_no_start_trial_button(slack, fake_slack, session, linked, world):
    card = ask(slack, fake_slack, "customer acme corp", user="U_SALES")
    assert [b for b in buttons(card) if b["action_id"] == "ph_trial_open"]
    from partnerhub_core.models import PartnerAdmin
    from tests.factories import assign_admin

    assign_admin(session, session.get(PartnerAdmin, linked.admins["U_READ"]), world.acme)
    session.commit()
    card = ask(slack, fake_slack, "customer acme corp", user="U_READ")
    assert [b for b in buttons(card) if b["action_id"] == "ph_trial_open"] == []


def opens(answer):
    return [b for b in buttons(answer) if b["action_id"].startswith("ph_customer_open")]


def test_unknown_customer_gets_did_you_mean_buttons(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "customer globx")
    text = blocks_text(answer)
    assert "No customer matches globx. Did you mean one of these?" in text
    assert "*Globex* · United States · Active" in text
    assert [b["value"] for b in opens(answer)] == [str(world.globex.id)]
    card = fake_slack.wait_for_response(slack.action(opens(answer)[0]["action_id"], opens(answer)[0]["value"]))
    assert card["blocks"][0]["text"]["text"] == "Globex"


def test_several_matches_answer_with_one_button_each(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "customer acme")
    text = blocks_text(answer)
    assert "2 customers match acme. Pick one, or type more of the name (or the org id)." in text
    assert "I could not understand that" not in text and "org-acme" not in text and "org-labs" not in text
    assert "*Acme Corp* · European Union · Active, No recent activity" in text
    assert "*Acme Labs* · United States · Trial, Expiring soon, License overage, No recent activity" in text
    assert [b["value"] for b in opens(answer)] == [str(world.acme.id), str(world.labs.id)]
    card = fake_slack.wait_for_response(slack.action(opens(answer)[1]["action_id"], opens(answer)[1]["value"]))
    assert card["blocks"][0]["text"]["text"] == "Acme Labs"
    assert "*Trial in progress*" in blocks_text(card)
    # A forged value on the same button is refused (values.record_id), never looked up.
    for forged in ("abc", "0", "-1", "99999999999", str(world.acme.id) + "; DROP TABLE customer"):
        refused = fake_slack.wait_for_response(slack.action("ph_customer_open:c1", forged))
        assert "That button is out of date; run the command again." in blocks_text(refused), forged


def test_many_matches_show_ten_buttons_and_say_how_many_more_without_any_org_id(slack, fake_slack, session,
                                                                                 linked, world):
    partner = session.get(Partner, linked.partner_id)
    org_ids = [str(uuid.UUID(int=i + 1)) for i in range(12)]
    made = [make_customer(session, partner, f"Málaga Foods {i:02d}", org_id=org) for i, org in enumerate(org_ids)]
    session.commit()
    answer = ask(slack, fake_slack, "customer malaga")
    text = json.dumps(answer, ensure_ascii=False)
    assert "12 customers match malaga." in blocks_text(answer)
    assert [b["value"] for b in opens(answer)] == [str(c.id) for c in made[:10]]
    assert "*Málaga Foods 00* · United States" in blocks_text(answer)
    assert "And 2 more: type more of the name, or the org id, to narrow it down." in blocks_text(answer)
    assert not any(org in text for org in org_ids)
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", text)


def test_candidates_read_in_the_persons_language(slack, fake_slack, world):
    ask(slack, fake_slack, "language pt-BR")
    text = blocks_text(ask(slack, fake_slack, "customer acme"))
    assert "*Acme Corp* · União Europeia · Assinatura, Nenhuma atividade recente" in text, text
    assert "2 clientes correspondem a acme." in text, text


def test_plain_admin_only_finds_assigned_customers(slack, fake_slack, world):
    text = blocks_text(ask(slack, fake_slack, "customer globex", user="U_ADMIN"))
    assert "No customer matches globex" in text
    assert "*Webex Calling*" not in text


def test_list_filters_and_open_button(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "customers product:calling")
    text = blocks_text(answer)
    assert "2 customers" in text
    assert "*Acme Labs* · United States" in text and "*Globex* · United States" in text and "Acme Corp" not in text
    assert "Filters: product:calling" in text
    opens = [b for b in buttons(answer) if b["action_id"].startswith("ph_customer_open")]
    assert [b["value"] for b in opens] == [str(world.labs.id), str(world.globex.id)]
    key = slack.action(opens[1]["action_id"], opens[1]["value"])
    card = fake_slack.wait_for_response(key)
    assert card["blocks"][0]["text"]["text"] == "Globex"
    assert "No trial in progress." in blocks_text(card)


def test_list_pages_forward_and_back(slack, fake_slack, session, linked, world):
    partner = session.get(Partner, linked.partner_id)
    for i in range(1, 23):
        make_customer(session, partner, f"Zeta {i:02d}", org_id=f"org-zeta-{i:02d}")
    session.commit()
    first = ask(slack, fake_slack, "customers zeta")
    assert "22 customers" in blocks_text(first)
    assert "Page 1 of 2" in blocks_text(first)
    nav = [b for b in buttons(first) if b["action_id"].startswith("ph_customers_page")]
    assert [b["text"]["text"] for b in nav] == ["Next"]
    assert json.loads(nav[0]["value"]) == {"f": {"search": "zeta"}, "p": 2}
    key = slack.action(nav[0]["action_id"], nav[0]["value"])
    second = fake_slack.wait_for_response(key)
    assert second["replace_original"] is True
    text = blocks_text(second)
    assert "Page 2 of 2" in text and "*Zeta 21*" in text and "*Zeta 22*" in text and "Zeta 20" not in text
    back = [b for b in buttons(second) if b["action_id"].startswith("ph_customers_page")]
    assert [b["text"]["text"] for b in back] == ["Previous"]


BAD_INPUT = [
    ("customer", "Usage: /partnerhub customer &lt;name or org id&gt;"),
    ("customers colour:red", "Unknown filter colour"),
    ("customers status:sleepy", "Unknown value sleepy for status"),
    ("customer " + "a" * 300, "The search text is too long (at most 200 characters)."),
    ("customer '; DROP TABLE customer; --", "No customer matches"),
    ("customer 𝔄𝔠𝔪𝔢 ☃", "No customer matches"),
]


def test_bad_input_gets_a_short_message(slack, fake_slack, world):
    # One server for every case: each answer is a short ephemeral message, never a stack trace.
    for text, expected in BAD_INPUT:
        answer = ask(slack, fake_slack, text)
        assert answer["response_type"] == "ephemeral"
        assert expected in blocks_text(answer), text


def test_forged_page_button_values_are_refused_politely(slack, fake_slack, world):
    key = slack.action("ph_customers_page:next", "not json")
    assert "That button is out of date; run the command again." in blocks_text(fake_slack.wait_for_response(key))
    key = slack.action("ph_customers_page:next", json.dumps({"f": {"colour": "red"}, "p": 2}))
    assert "Unknown filter colour" in blocks_text(fake_slack.wait_for_response(key))
    key = slack.action("ph_customer_open:1", "99999")
    text = blocks_text(fake_slack.wait_for_response(key))
    assert "That customer is not there any more (or not yours to see)." in text
    assert "99999" not in text  # the database id stays internal


def test_the_control_hub_link_button_is_acknowledged_silently(slack, fake_slack, world):
    import time

    key = slack.action("ph_open_url", "")
    time.sleep(0.5)
    assert fake_slack.responses(key) == []
