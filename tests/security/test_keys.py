"""A stored token no configured key can read: Slack gets a 200 (no retries), the person a
polite "this workspace needs its operator", the operator one log line per installation."""
import json
import time

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text

from bot.installation import DatabaseInstallationStore
from bot.server import build_asgi
from tests.bot.conftest import SlackSender, serve

CLIENT_ID = "111.222"
OPERATOR = "needs its operator"


@pytest.fixture
def oauth_server(bot_settings, engine, fake_slack):
    settings = bot_settings.model_copy(update={
        "slack_client_id": CLIENT_ID, "slack_client_secret": SecretStr("client-secret"), "slack_bot_token": None})
    served, stop = serve(build_asgi(settings, engine))
    yield served
    stop()


@pytest.fixture
def unreadable_install(oauth_server, engine):
    """T_LOCKED's installation, its bot token encrypted with a key this process does not have."""
    DatabaseInstallationStore(engine, CLIENT_ID).save(Installation(
        app_id="A1", team_id="T_LOCKED", user_id="U1", bot_token="xoxb-locked", bot_id="B1", bot_user_id="UB",
        bot_scopes=["commands"], installed_at=time.time()))
    from bot import errors

    errors._operator_told.clear()  # once per installation per process: start this test fresh
    foreign = Fernet(Fernet.generate_key()).encrypt(b"xoxb-locked").decode()
    with engine.begin() as conn:
        conn.execute(text("UPDATE slackinstallation SET bot_token = :v"), {"v": foreign})


def test_a_command_gets_200_and_the_operator_message(oauth_server, fake_slack, unreadable_install, records):
    sender = SlackSender(oauth_server.url, fake_slack)
    keys = [sender.command("help", team="T_LOCKED", user="U1") for _ in range(2)]  # asserts HTTP 200
    for key in keys:
        answer = fake_slack.wait_for_response(key)
        assert OPERATOR in answer["text"]
        assert "PARTNERHUB_SECRET_KEYS" not in json.dumps(answer)  # the operator's words stay in the log
    alerts = [r for r in records.records if r.getMessage() == "operator_needed"]
    assert len(alerts) == 1 and alerts[0].installation == "/T_LOCKED"
    assert not [r for r in records.records if r.levelname == "ERROR" and r.getMessage() != "operator_needed"
                and r.name.startswith("partnerhub")]
    assert fake_slack.calls("users.info") == []  # no token, no Web API call
    sender.http.close()


def test_an_event_gets_200_so_slack_does_not_retry(oauth_server, fake_slack, unreadable_install):
    sender = SlackSender(oauth_server.url, fake_slack)
    response = sender.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, team="T_LOCKED")
    assert response.status_code == 200
    sender.http.close()
