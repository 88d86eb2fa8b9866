"""Crafted values from a signed client: a polite field error where a person could have
typed it, "that button is out of date" where only a forger could — never "Sorry,
something went wrong" (which would mean the value reached the database or a parser)."""
import json

import pytest

from bot.ids import ActionId, BlockId, CallbackId
from tests.bot.feature_world import add_customers, blocks_text

STALE = "That button is out of date"
STALE_FORM = "That form is out of date"
SORRY = "something went wrong"
BEYOND_64_BIT = "99999999999999999999"


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def _answer(fake_slack, key):
    return blocks_text(fake_slack.wait_for_response(key)) + json.dumps(fake_slack.wait_for_response(key))


def _posted(fake_slack, marker: str) -> str:
    """The ephemeral or DM answer to a modal submission that contains ``marker``."""
    hits = fake_slack.wait_for(lambda r: r.api in ("chat.postEphemeral", "chat.postMessage")
                               and marker in json.dumps(r.params), timeout=15)
    return json.dumps(hits[0].params)


@pytest.mark.parametrize("action_id,value", [
    (ActionId.CUSTOMER_OPEN, BEYOND_64_BIT),
    (ActionId.CUSTOMER_OPEN, "2147483648"),  # one past PostgreSQL's integer
    (ActionId.CUSTOMER_OPEN, "-1"),
    (ActionId.CUSTOMER_OPEN, "١٢"),  # digits, but not ASCII ones
    (ActionId.TRIAL_OPEN, BEYOND_64_BIT),
    (ActionId.CUSTOMERS_PAGE, json.dumps({"f": {"status": "a\u0000b"}, "p": 1})),
    (ActionId.CUSTOMERS_PAGE, json.dumps({"f": {"region": "EU"}, "p": 10**30})),
    (ActionId.CUSTOMERS_PAGE, json.dumps({"f": [], "p": 1})),
    (ActionId.CUSTOMERS_PAGE, json.dumps({"p": "x"})),
    (ActionId.ANALYTICS_VIEW, json.dumps({"k": "kpis", "p": 5})),
    (ActionId.ANALYTICS_VIEW, json.dumps({"k": "kpis", "r": {"x": 1}})),
    (ActionId.CALLING_VIEW, json.dumps({"k": "usage", "r": 5})),
    (ActionId.REPORT_RUN, json.dumps({"n": 5})),
    (ActionId.REPORT_RUN, json.dumps({"n": "devices", "s": "\u0000"})),
    (ActionId.RUN_COMMAND, "help\u0000"),  # a NUL anywhere in a button value
    (ActionId.CUSTOMER_OPEN, "1" * 2001),  # longer than Slack allows a button value
])
def test_a_forged_button_value_is_out_of_date_not_an_error(slack, fake_slack, world, action_id, value):
    answer = _answer(fake_slack, slack.action(str(action_id), value))
    assert STALE in answer, answer
    assert SORRY not in answer


@pytest.mark.parametrize("selected", [
    f"snooze|expiring|{BEYOND_64_BIT}|fp",
    "ack|overage|1|" + "f" * 65,  # longer than the fingerprint column
    "ack|overage|1",  # a part missing
    "ack|overage|1|fp\u0000",
    "ack||1|fp",
])
def test_a_forged_alert_menu_value_is_out_of_date(slack, fake_slack, world, selected):
    answer = _answer(fake_slack, slack.action(f"{ActionId.ALERT_MENU}:x:1", selected=selected))
    assert STALE in answer and SORRY not in answer, answer


def test_snooze_to_a_day_that_does_not_exist_is_a_field_error(slack, fake_slack, world):
    meta = json.dumps({"kind": "expiring", "customer": world.labs.id, "fp": "x", "channel": "C_GENERAL"})
    response = slack.view_submission(
        CallbackId.ALERT_SNOOZE,
        {BlockId.ALERT_SNOOZE_UNTIL: {"until": {"type": "datepicker", "selected_date": "2026-02-30"}}},
        private_metadata=meta)
    assert response.status_code == 200
    assert response.json() == {"response_action": "errors", "errors": {BlockId.ALERT_SNOOZE_UNTIL: "Pick a day."}}


@pytest.mark.parametrize("callback,values", [
    (CallbackId.ALERT_SNOOZE, {BlockId.ALERT_SNOOZE_UNTIL: {"until": {"type": "datepicker",
                                                                      "selected_date": "2026-12-01"}}}),
    (CallbackId.ALERT_OWNER, {BlockId.ALERT_OWNER_USER: {"owner": {"type": "users_select",
                                                                    "selected_user": "U_SALES"}}}),
    (CallbackId.TRIAL_START, {
        BlockId.TRIAL_PRODUCT: {"v": {"type": "static_select", "selected_option": {"value": "calling"}}},
        BlockId.TRIAL_LICENSES: {"v": {"type": "number_input", "value": "25"}},
        BlockId.TRIAL_DAYS: {"v": {"type": "number_input", "value": "45"}}}),
])
@pytest.mark.parametrize("metadata", ["", "{}", "[1]", json.dumps({"kind": "expiring", "customer": BEYOND_64_BIT,
                                                                    "customer_id": BEYOND_64_BIT, "fp": "x"})])
def test_a_modal_whose_metadata_lost_its_keys_is_out_of_date(slack, fake_slack, world, callback, values, metadata):
    response = slack.view_submission(callback, values, private_metadata=metadata)
    assert response.status_code == 200
    answer = _posted(fake_slack, "out of date")
    assert STALE_FORM in answer and SORRY not in answer


def test_a_nul_byte_in_a_modal_input_is_out_of_date(slack, fake_slack, world):
    meta = json.dumps({"customer_id": world.labs.id, "channel": "C_GENERAL"})
    slack.view_submission(CallbackId.TRIAL_START, {
        BlockId.TRIAL_PRODUCT: {"p": {"type": "static_select", "selected_option": {"value": "calling\u0000"}}},
        BlockId.TRIAL_LICENSES: {"l": {"type": "plain_text_input", "value": "10"}},
        BlockId.TRIAL_DAYS: {"d": {"type": "plain_text_input", "value": "30"}}}, private_metadata=meta)
    answer = _posted(fake_slack, "out of date")
    assert STALE in answer and SORRY not in answer


@pytest.mark.parametrize("text", [f"schedule delete {BEYOND_64_BIT}", "schedule delete ²", "schedule delete #0",
                                  f"customer {BEYOND_64_BIT}", "customers status:\u0000", "customer a\u0000b"])
def test_typed_ids_and_nul_bytes_get_a_polite_answer(slack, fake_slack, world, text):
    answer = _answer(fake_slack, slack.command(text))
    assert SORRY not in answer, answer
