"""Only requests signed with the signing secret, from the last five minutes, get in."""
import json
import time
from urllib.parse import urlencode

from tests.bot.conftest import SIGNING_SECRET


def _help_form(fake_slack, key="k1"):
    return urlencode({"team_id": "T001", "user_id": "U_FULL", "channel_id": "C1", "command": "/partnerhub",
                      "text": "help", "response_url": fake_slack.response_url(key), "trigger_id": "t"})


def test_unsigned_request_is_rejected_and_does_nothing(slack, fake_slack):
    response = slack.post(_help_form(fake_slack), "application/x-www-form-urlencoded", sign=False)
    assert response.status_code == 401
    time.sleep(0.3)
    assert fake_slack.responses() == []


def test_wrong_signature_is_rejected(slack, fake_slack):
    response = slack.post(_help_form(fake_slack), "application/x-www-form-urlencoded",
                          signature="v0=" + "0" * 64)
    assert response.status_code == 401


def test_signature_with_another_secret_is_rejected(slack, fake_slack):
    from slack_sdk.signature import SignatureVerifier

    body = _help_form(fake_slack)
    ts = str(int(time.time()))
    forged = SignatureVerifier("not-" + SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    response = slack.post(body, "application/x-www-form-urlencoded", timestamp=int(ts), signature=forged)
    assert response.status_code == 401


def test_request_older_than_five_minutes_is_rejected_even_when_correctly_signed(slack, fake_slack):
    stale = int(time.time()) - 6 * 60
    response = slack.post(_help_form(fake_slack), "application/x-www-form-urlencoded", timestamp=stale)
    assert response.status_code == 401
    time.sleep(0.3)
    assert fake_slack.responses() == []


def test_tampered_body_is_rejected(slack, fake_slack):
    body = _help_form(fake_slack)
    ts = int(time.time())
    signature = slack.verifier.generate_signature(timestamp=str(ts), body=body)
    response = slack.post(body.replace("help", "setup"), "application/x-www-form-urlencoded",
                          timestamp=ts, signature=signature)
    assert response.status_code == 401


def test_signed_fresh_command_is_acknowledged_and_answered(slack, fake_slack, linked):
    key = slack.command("help")
    answer = fake_slack.wait_for_response(key)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "Partner Hub help"


def test_url_verification_challenge_is_answered(slack):
    body = json.dumps({"token": "legacy", "challenge": "abc123", "type": "url_verification"})
    response = slack.post(body, "application/json")
    assert response.status_code == 200
    assert "abc123" in response.text
