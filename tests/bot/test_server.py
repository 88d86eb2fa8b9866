"""Starting the web process: clear errors for missing Slack settings, the routes it serves."""
import httpx
import pytest
from pydantic import SecretStr

from bot.app import build_app, oauth_mode
from bot.server import serve_socket
from partnerhub_core.errors import BadInput


def test_missing_slack_settings_are_named(settings, engine):
    with pytest.raises(BadInput, match="SLACK_SIGNING_SECRET"):
        build_app(settings, engine)
    with pytest.raises(BadInput, match="SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"):
        build_app(settings.model_copy(update={"slack_signing_secret": SecretStr("s")}), engine)
    with pytest.raises(BadInput, match="SLACK_APP_TOKEN"):
        serve_socket(settings.model_copy(update={"slack_signing_secret": SecretStr("s"),
                                                 "slack_bot_token": SecretStr("xoxb-1")}), engine)


def test_oauth_mode_needs_client_id_and_secret(settings):
    assert oauth_mode(settings) is False
    assert oauth_mode(settings.model_copy(update={"slack_client_id": "1.2"})) is False
    assert oauth_mode(settings.model_copy(update={"slack_client_id": "1.2",
                                                  "slack_client_secret": SecretStr("x")})) is True


def test_liveness_and_unknown_paths(bot_server):
    with httpx.Client(base_url=bot_server.url) as http:
        assert http.get("/healthz").text == "ok"
        assert http.get("/slack/events").status_code == 405  # Slack only POSTs here
        assert http.get("/nothing-here").status_code == 404
