"""Stale buttons, unknown modals, other commands and unhandled events: a 200 and, where a
person waits, a polite note — never bolt's 404."""
import json

from bot.ids import ActionId


def test_a_stale_button_gets_a_polite_note(slack, fake_slack, linked):
    key = slack.action("ph_button_from_an_old_release", "x")
    answer = fake_slack.wait_for_response(key)
    assert answer["text"] == "That button belongs to an older version of Partner Hub's message and no longer works."
    assert answer["response_type"] == "ephemeral"


def test_an_unknown_modal_submission_just_closes(slack, fake_slack, linked):
    response = slack.view_submission("ph_old_modal", {})
    assert response.status_code == 200
    assert response.text == ""


def test_another_slash_command_routed_here_is_explained(slack, fake_slack, linked):
    key = slack.command("x", command="/oldcommand")
    answer = fake_slack.wait_for_response(key)
    assert answer["text"] == "Partner Hub answers /partnerhub; /oldcommand is not one of its commands."


def test_unhandled_event_and_options_requests_are_acknowledged(slack, linked):
    assert slack.event({"type": "member_joined_channel", "user": "U_FULL", "channel": "C1"}).status_code == 200
    payload = {"type": "block_suggestion", "team": {"id": "T001"}, "user": {"id": "U_FULL"},
               "action_id": "ph_unknown_select", "block_id": "b", "value": "ac", "api_app_id": "A"}
    response = slack.post_form({"payload": json.dumps(payload)})
    assert response.status_code == 200
    assert response.json() == {"options": []}


def test_a_link_button_click_is_acknowledged_without_noise(slack, fake_slack, linked):
    slack.action(f"{ActionId.OPEN_URL}:1", "")
    key = slack.action("ph_stale", "")  # answered after the link click, in order
    fake_slack.wait_for_response(key)
    assert len(fake_slack.responses()) == 1
