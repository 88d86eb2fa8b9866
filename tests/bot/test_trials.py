"""/partnerhub trial start — by arguments, by the modal (command or card button) — over signed HTTP."""
from __future__ import annotations

import json
import time
from datetime import date

import pytest
from sqlmodel import select

from partnerhub_core.models import AuditEvent, Subscription
from tests.bot.feature_world import add_customers, blocks_text


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL"):
    return fake_slack.wait_for_response(slack.command(text, user=user))


def new_trials(session, customer):
    session.expire_all()
    return session.exec(select(Subscription).where(
        Subscription.customer_id == customer.id, Subscription.is_trial == True)).all()  # noqa: E712


def modal_values(product="calling", licenses="25", days="45"):
    return {
        "ph_trial_product": {"value": {"type": "static_select",
                                       "selected_option": {"value": product} if product else None}},
        "ph_trial_licenses": {"value": {"type": "number_input", "value": licenses}},
        "ph_trial_days": {"value": {"type": "number_input", "value": days}},
    }


def test_start_by_arguments_confirms_and_audits(slack, fake_slack, session, world):
    answer = ask(slack, fake_slack, "trial start Globex calling 25 45")
    text = blocks_text(answer)
    assert "Started a 45-day Webex Calling trial for Globex with 25 licenses." in text
    assert "*Ends*\nJan 9, 2027" in text
    [trial] = new_trials(session, world.globex)
    assert (trial.product, trial.total_licenses, trial.start_date, trial.end_date) == (
        "calling", 25, date(2026, 11, 25), date(2027, 1, 9))
    assert f"`{trial.subscription_id}`" in text
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "trial.start")).one()
    assert event.actor == "slack:U_FULL" and event.after["licenses"] == 25


def test_days_are_optional_and_default_to_thirty(slack, fake_slack, session, world):
    text = blocks_text(ask(slack, fake_slack, "trial start acme corp webinars 10", user="U_SALES"))
    assert "Started a 30-day Webex Webinars trial for Acme Corp with 10 licenses." in text


def test_customer_only_opens_the_modal_right_away_and_its_submit_starts_the_trial(slack, fake_slack, session, world):
    started = time.monotonic()
    slack.command("trial start acme corp", user="U_SALES", channel="C_SALES")
    [opened] = fake_slack.wait_for("views.open")
    assert time.monotonic() - started < 3
    assert opened.params["trigger_id"].startswith("trigger-")
    view = opened.params["view"]
    assert view["callback_id"] == "ph_trial_start"
    assert json.loads(view["private_metadata"]) == {"customer_id": world.acme.id, "channel": "C_SALES"}
    assert "Customer: *Acme Corp*" in blocks_text(view)
    response = slack.view_submission("ph_trial_start", modal_values(), user="U_SALES",
                                     private_metadata=view["private_metadata"])
    assert response.status_code == 200
    [said] = fake_slack.wait_for("chat.postEphemeral")
    assert (said.params["channel"], said.params["user"]) == ("C_SALES", "U_SALES")
    assert "Started a 45-day Webex Calling trial for Acme Corp with 25 licenses." in said.params["text"]
    assert [t.product for t in new_trials(session, world.acme)] == ["calling"]


def test_product_after_the_customer_is_preselected_in_the_modal(slack, fake_slack, world):
    slack.command("trial start Globex meetings")
    [opened] = fake_slack.wait_for("views.open")
    select_el = opened.params["view"]["blocks"][1]["element"]
    assert select_el["initial_option"]["value"] == "meetings"


def test_card_button_opens_the_modal(slack, fake_slack, world):
    slack.action("ph_trial_open", str(world.globex.id))
    [opened] = fake_slack.wait_for("views.open")
    assert json.loads(opened.params["view"]["private_metadata"])["customer_id"] == world.globex.id


def test_modal_submit_with_bad_values_keeps_the_modal_open_with_inline_errors(slack, fake_slack, session, world):
    metadata = json.dumps({"customer_id": world.globex.id, "channel": "C1"})
    response = slack.view_submission("ph_trial_start", modal_values(licenses="0", days="120"),
                                     private_metadata=metadata)
    assert response.json() == {"response_action": "errors", "errors": {
        "ph_trial_licenses": "The license count must be a whole number from 1 to 1000.",
        "ph_trial_days": "The trial length in days must be a whole number from 1 to 90.",
    }}
    response = slack.view_submission("ph_trial_start", modal_values(product=None), private_metadata=metadata)
    assert list(response.json()["errors"]) == ["ph_trial_product"]
    time.sleep(0.3)
    assert new_trials(session, world.globex) == []


def test_only_full_and_sales_admins_start_trials(slack, fake_slack, session, world):
    for user in ["U_ADMIN", "U_READ"]:
        text = blocks_text(ask(slack, fake_slack, "trial start Acme Corp calling 10", user=user))
        assert "You need the full partner admin or sales admin role to do this" in text
        key = slack.action("ph_trial_open", str(world.acme.id), user=user)
        assert "You need the full partner admin or sales admin role" in blocks_text(fake_slack.wait_for_response(key))
        assert fake_slack.calls("views.open") == []
        assert new_trials(session, world.acme) == []


def test_a_second_trial_of_the_same_product_is_refused(slack, fake_slack, world):
    text = blocks_text(ask(slack, fake_slack, "trial start org-labs calling 10"))
    assert "Acme Labs already has a calling trial in progress (ends 2026-12-05)." in text


BAD_INPUT = [
    ("trial", "Usage: /partnerhub trial start"),
    ("trial stop Globex", "Usage: /partnerhub trial start"),
    ("trial start", "Usage: /partnerhub trial start"),
    ("trial start Globex zoom 10", 'Unknown product "zoom".'),
    ("trial start Globex calling 5000", "The license count must be a whole number from 1 to 1000."),
    ("trial start Globex calling -3 10", "The license count must be a whole number from 1 to 1000."),
    ("trial start Globex calling 10 365", "The trial length in days must be a whole number from 1 to 90."),
    ("trial start Glbex calling 10", "Did you mean: Globex?"),
]


def test_bad_input_gets_a_short_message(slack, fake_slack, world):
    # One server for every case: each answer is a short ephemeral message, never a stack trace.
    for text, expected in BAD_INPUT:
        answer = ask(slack, fake_slack, text)
        assert answer["response_type"] == "ephemeral"
        assert expected in blocks_text(answer).replace("&lt;", "<").replace("&gt;", ">"), text


def test_stale_modal_metadata_is_refused_politely(slack, fake_slack, session, world):
    slack.view_submission("ph_trial_start", modal_values(), private_metadata=json.dumps({"channel": "C1"}))
    [said] = fake_slack.wait_for("chat.postEphemeral")
    assert "That form is out of date; start again." in said.params["text"]
