"""/partnerhub trial start — by arguments, by the modal (command or card button) — over signed HTTP.

Webex has no API that starts a trial: every answer records a request and says so; none
ever says a trial started."""
from __future__ import annotations

import json
import time
from datetime import date, datetime, timezone
import pytest
from sqlmodel import select

from partnerhub_core.models import AuditEvent, Subscription, TrialRequest
from tests.bot.feature_world import add_customers, blocks_text


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL"):
    return fake_slack.wait_for_response(slack.command(text, user=user))


def new_requests(session, customer):
    session.expire_all()
    return session.exec(select(TrialRequest).where(TrialRequest.customer_id == customer.id)).all()


def no_new_trial_subscriptions(session, customer) -> bool:
    """Only Webex says a trial exists: asking here adds no trial subscription."""
    session.expire_all()
    rows = session.exec(select(Subscription).where(
        Subscription.customer_id == customer.id, Subscription.is_trial == True)).all()  # noqa: E712
    return all(r.subscription_id == "TRIAL-LABS" for r in rows)


def never_says_started(text: str) -> bool:
    return "started a" not in text.casefold() and "trial started" not in text.casefold()


def modal_values(product="calling", licenses="25", days="45"):
    return {
        "ph_trial_product": {"value": {"type": "static_select",
                                       "selected_option": {"value": product} if product else None}},
        "ph_trial_licenses": {"value": {"type": "number_input", "value": licenses}},
        "ph_trial_days": {"value": {"type": "number_input", "value": days}},
    }


def test_request_by_arguments_records_it_and_points_to_partner_hub(slack, fake_slack, session, world):
    answer = ask(slack, fake_slack, "trial start Globex calling 25 45")
    text = blocks_text(answer)
    assert ("Trial requested: a 45-day Webex Calling trial for Globex with 25 licenses. "
            "Nothing has started yet.") in text
    assert "finish it in Partner Hub: Customers, then Globex, then Start Trial" in text
    assert "Pending in Partner Hub" in text and never_says_started(text)
    [button] = [b["accessory"] for b in answer["blocks"] if b.get("accessory", {}).get("url")]
    assert button["url"] == "https://admin.webex.com"
    [request] = new_requests(session, world.globex)
    assert (request.product, request.licenses, request.days, request.state) == ("calling", 25, 45, "pending")
    assert no_new_trial_subscriptions(session, world.globex)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "trial.request")).one()
    assert event.actor == "slack:U_FULL" and event.after["licenses"] == 25


def test_days_are_optional_and_default_to_thirty(slack, fake_slack, session, world):
    text = blocks_text(ask(slack, fake_slack, "trial start acme corp webinars 10", user="U_SALES"))
    assert "Trial requested: a 30-day Webex Webinars trial for Acme Corp with 10 licenses." in text


def test_customer_only_opens_the_modal_right_away_and_its_submit_records_a_request(slack, fake_slack, session,
                                                                                   world):
    started = time.monotonic()
    slack.command("trial start acme corp", user="U_SALES", channel="C_SALES")
    [opened] = fake_slack.wait_for("views.open")
    assert time.monotonic() - started < 3
    assert opened.params["trigger_id"].startswith("trigger-")
    view = opened.params["view"]
    assert view["callback_id"] == "ph_trial_start"
    assert view["title"]["text"] == "Request a trial" and view["submit"]["text"] == "Request trial"
    assert json.loads(view["private_metadata"]) == {"customer_id": world.acme.id, "channel": "C_SALES"}
    assert "Customer: *Acme Corp*" in blocks_text(view)
    response = slack.view_submission("ph_trial_start", modal_values(), user="U_SALES",
                                     private_metadata=view["private_metadata"])
    assert response.status_code == 200
    [said] = fake_slack.wait_for("chat.postEphemeral")
    assert (said.params["channel"], said.params["user"]) == ("C_SALES", "U_SALES")
    assert "Trial requested: a 45-day Webex Calling trial for Acme Corp with 25 licenses." in said.params["text"]
    assert never_says_started(said.params["text"])
    assert [r.product for r in new_requests(session, world.acme)] == ["calling"]
    assert no_new_trial_subscriptions(session, world.acme)


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
    assert new_requests(session, world.globex) == []


def test_only_full_and_sales_admins_request_trials(slack, fake_slack, session, world):
    for user in ["U_ADMIN", "U_READ"]:
        text = blocks_text(ask(slack, fake_slack, "trial start Acme Corp calling 10", user=user))
        assert "You need the full partner admin or sales admin role to do this" in text
        key = slack.action("ph_trial_open", str(world.acme.id), user=user)
        assert "You need the full partner admin or sales admin role" in blocks_text(fake_slack.wait_for_response(key))
        assert fake_slack.calls("views.open") == []
        assert new_requests(session, world.acme) == []


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
    ("trial start Glbex calling 10", "Did you mean one of these?\n*Globex* · United States"),
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


def test_a_request_is_pending_on_the_card_and_in_home_until_a_sync_sees_the_trial(slack, fake_slack, session, world):
    from partnerhub_core.services import trials

    ask(slack, fake_slack, "trial start Globex meetings 10 30")
    card = blocks_text(ask(slack, fake_slack, "customer Globex"))
    assert "Trial requested on Nov 25, 2026: Webex Meetings, 10 licenses, 30 days. Pending in Partner Hub" in card
    assert "No trial in progress." in card
    slack.event({"type": "app_home_opened", "user": "U_FULL", "channel": "D1", "tab": "home",
                 "event_ts": "1760000000.1"})
    [home] = fake_slack.wait_for("views.publish")
    assert "*Globex*: Meetings trial requested on Nov 25, 2026, pending in Partner Hub" in blocks_text(
        home.params["view"])

    # A later sync stores Webex's trial; reconciling marks the request started.
    session.add(Subscription(partner_id=world.globex.partner_id, customer_id=world.globex.id, subscription_id="WX-9",
                             is_trial=True, product="meetings", total_licenses=10, start_date=date(2026, 11, 25),
                             end_date=date(2026, 12, 25)))
    session.flush()
    [started] = trials.reconcile_requests(session=session, partner_id=world.globex.partner_id,
                                          now=datetime(2026, 11, 26, 9, tzinfo=timezone.utc))
    session.commit()
    assert started.subscription_id == "WX-9"
    card = blocks_text(ask(slack, fake_slack, "customer Globex"))
    assert "Trial requested on" not in card and "Trial in progress" in card
