"""Multi-workspace OAuth: /slack/install → Slack → /slack/oauth_redirect → our database,
then that workspace's requests run with its own bot token. And the stores themselves."""
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation
from sqlmodel import Session, select

from bot.installation import DatabaseInstallationStore, DatabaseStateStore
from bot.server import build_asgi
from partnerhub_core.models import SlackInstallation, SlackOAuthState
from tests.bot.conftest import SlackSender, serve

CLIENT_ID = "111.222"


@pytest.fixture
def oauth_server(bot_settings, engine, fake_slack):
    settings = bot_settings.model_copy(update={
        "slack_client_id": CLIENT_ID, "slack_client_secret": SecretStr("client-secret"), "slack_bot_token": None})
    served, stop = serve(build_asgi(settings, engine))
    yield served
    stop()


def test_install_flow_stores_the_workspace_and_its_requests_use_its_token(oauth_server, fake_slack, engine):
    fake_slack.oauth_codes["code-1"] = {
        "ok": True, "app_id": "A_PH", "authed_user": {"id": "U_INSTALLER"}, "scope": "commands,chat:write",
        "token_type": "bot", "access_token": "xoxb-installed-777", "bot_user_id": "UBOT777",
        "team": {"id": "T777", "name": "Nimbus"}, "enterprise": None, "is_enterprise_install": False,
    }
    with httpx.Client(base_url=oauth_server.url, follow_redirects=False) as browser:
        page = browser.get("/slack/install")
        assert page.status_code == 200
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text).group(1)
        query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
        assert query["client_id"] == [CLIENT_ID]
        assert set(query["scope"][0].split(",")) >= {"commands", "chat:write", "files:write"}
        state = query["state"][0]
        # bolt's state cookie is Secure (https only): send it by hand over the test's http
        cookie = page.headers["set-cookie"].split(";", 1)[0]
        assert cookie == f"slack-app-oauth-state={state}"
        done = browser.get("/slack/oauth_redirect", params={"code": "code-1", "state": state},
                           headers={"Cookie": cookie})
        assert done.status_code == 200, done.text
        # the same state cannot be used twice
        again = browser.get("/slack/oauth_redirect", params={"code": "code-1", "state": state},
                            headers={"Cookie": cookie})
        assert again.status_code >= 400
    access = fake_slack.calls("oauth.v2.access")[0].params
    assert access["code"] == "code-1"
    with Session(engine) as s:
        row = s.exec(select(SlackInstallation)).one()
        assert (row.team_id, row.user_id, row.bot_user_id, row.client_id) == ("T777", "U_INSTALLER", "UBOT777", CLIENT_ID)
        assert s.exec(select(SlackOAuthState)).all() == []
    # a command from the installed workspace is authorized with its own token
    sender = SlackSender(oauth_server.url, fake_slack)
    key = sender.command("help", team="T777", user="U_INSTALLER")
    assert fake_slack.wait_for_response(key)["text"] == "Partner Hub help"
    assert fake_slack.calls("users.info")[-1].token == "xoxb-installed-777"
    sender.http.close()


def test_a_workspace_that_never_installed_is_refused(oauth_server, fake_slack):
    sender = SlackSender(oauth_server.url, fake_slack)
    key = sender.command("help", team="T_UNKNOWN", user="U1")
    answer = fake_slack.wait_for_response(key)  # bolt's own authorization refusal, no listener ran
    assert "Please reinstall this app" in answer["text"]
    assert fake_slack.calls("users.info") == []
    sender.http.close()


def _installation(team, user, bot_token, at, user_token=None):
    return Installation(app_id="A1", team_id=team, team_name="Team " + team, user_id=user, bot_token=bot_token,
                        bot_id="B1", bot_user_id="UB", bot_scopes=["commands", "chat:write"], user_token=user_token,
                        installed_at=at.timestamp())


def test_store_finds_the_newest_bot_and_each_installers_row(engine):
    store = DatabaseInstallationStore(engine, CLIENT_ID)
    t0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
    store.save(_installation("T1", "U_A", "xoxb-old", t0, user_token="xoxp-a"))
    store.save(_installation("T1", "U_B", "xoxb-new", t0 + timedelta(days=1)))
    store.save(_installation("T2", "U_C", "xoxb-t2", t0))
    assert store.find_bot(enterprise_id=None, team_id="T1").bot_token == "xoxb-new"
    mine = store.find_installation(enterprise_id=None, team_id="T1", user_id="U_A")
    assert (mine.user_id, mine.user_token, mine.bot_token) == ("U_A", "xoxp-a", "xoxb-new")
    assert store.find_installation(enterprise_id=None, team_id="T1").user_id == "U_B"
    assert DatabaseInstallationStore(engine, "other-app").find_bot(enterprise_id=None, team_id="T1") is None
    store.delete_bot(enterprise_id=None, team_id="T1")
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    assert store.find_bot(enterprise_id=None, team_id="T2").bot_token == "xoxb-t2"
    store.delete_installation(enterprise_id=None, team_id="T1")
    assert store.find_installation(enterprise_id=None, team_id="T1") is None


def test_state_is_single_use_and_expires(engine):
    store = DatabaseStateStore(engine, expiration_seconds=600)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    fresh = store.issue(now=now)
    stale = store.issue(now=now)
    assert store.consume(fresh, now=now + timedelta(seconds=599)) is True
    assert store.consume(fresh, now=now) is False  # used
    assert store.consume(stale, now=now + timedelta(seconds=601)) is False  # expired
    assert store.consume("never-issued", now=now) is False
