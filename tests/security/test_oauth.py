"""OAuth state: one installation per state under any race; /slack/install rate-limited per
client; expired states swept."""
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from bot.installation import DatabaseStateStore
from bot.server import INSTALL_PER_MINUTE, build_asgi
from partnerhub_core.models import SlackInstallation, SlackOAuthState
from tests.bot.conftest import serve

CLIENT_ID = "111.222"


@pytest.fixture
def oauth_server(bot_settings, engine, fake_slack):
    settings = bot_settings.model_copy(update={
        "slack_client_id": CLIENT_ID, "slack_client_secret": SecretStr("client-secret"), "slack_bot_token": None})
    served, stop = serve(build_asgi(settings, engine))
    yield served
    stop()


def _issue_state(browser) -> tuple[str, str]:
    page = browser.get("/slack/install")
    assert page.status_code == 200
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text).group(1)
    state = parse_qs(urlparse(link.replace("&amp;", "&")).query)["state"][0]
    return state, page.headers["set-cookie"].split(";", 1)[0]


def test_eight_concurrent_callbacks_with_one_state_make_one_installation(oauth_server, fake_slack, engine):
    fake_slack.oauth_codes["code-race"] = {
        "ok": True, "app_id": "A_PH", "authed_user": {"id": "U_INSTALLER"}, "scope": "commands,chat:write",
        "token_type": "bot", "access_token": "xoxb-race-1", "bot_user_id": "UBOT1",
        "team": {"id": "T900", "name": "Race"}, "enterprise": None, "is_enterprise_install": False,
    }
    with httpx.Client(base_url=oauth_server.url, follow_redirects=False) as browser:
        state, cookie = _issue_state(browser)
    barrier = threading.Barrier(8)

    def callback(_):
        with httpx.Client(base_url=oauth_server.url, follow_redirects=False, timeout=20) as b:
            barrier.wait()
            return b.get("/slack/oauth_redirect", params={"code": "code-race", "state": state},
                         headers={"Cookie": cookie}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(callback, range(8)))
    assert statuses.count(200) == 1, statuses
    assert all(s != 500 for s in statuses)
    assert len(fake_slack.calls("oauth.v2.access")) == 1
    with Session(engine) as s:
        assert len(s.exec(select(SlackInstallation)).all()) == 1


def test_consume_is_true_for_exactly_one_of_many_racing_threads(engine):
    store = DatabaseStateStore(engine)
    for _ in range(5):
        state = store.issue()
        barrier = threading.Barrier(8)

        def consume(_):
            barrier.wait()
            return store.consume(state)

        with ThreadPoolExecutor(8) as pool:
            assert sorted(pool.map(consume, range(8))) == [False] * 7 + [True]


def test_install_page_is_rate_limited_per_client(oauth_server, engine):
    with httpx.Client(base_url=oauth_server.url, follow_redirects=False) as browser:
        statuses = [browser.get("/slack/install").status_code for _ in range(INSTALL_PER_MINUTE + 5)]
    assert statuses[:INSTALL_PER_MINUTE] == [200] * INSTALL_PER_MINUTE
    assert statuses[INSTALL_PER_MINUTE:] == [429] * 5
    with Session(engine) as s:
        assert len(s.exec(select(SlackOAuthState)).all()) == INSTALL_PER_MINUTE


def test_expired_states_are_swept_when_a_new_one_is_issued(engine):
    store = DatabaseStateStore(engine, expiration_seconds=600)
    then = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    old = [store.issue(now=then) for _ in range(3)]
    store.issue(now=then + timedelta(seconds=601))
    with Session(engine) as s:
        left = [r.state for r in s.exec(select(SlackOAuthState)).all()]
    assert len(left) == 1 and not set(old) & set(left)


def test_an_expired_or_foreign_state_is_refused_and_gone(engine):
    store = DatabaseStateStore(engine, expiration_seconds=600)
    then = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    state = store.issue(now=then)
    assert store.consume(state, now=then + timedelta(seconds=601)) is False
    assert store.consume(state, now=then) is False  # the expired row was deleted, not kept
    assert store.consume("x" * 5000) is False
    assert store.consume("") is False
